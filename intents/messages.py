"""What flows in and out of the dialogue, whatever the platform.

Adapters turn a platform event into an `IncomingMessage` and render `Reply` values:
`Text` (with optional action buttons), `Choices` (pick one), `Image` and `File`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from crm_core.cleaning import clean_text


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    channel: str  # "console", "slack", "telegram"
    chat: str
    user: str  # the platform's user id (console: the staff e-mail)
    text: str
    thread: str | None = None
    event_id: str | None = None
    received_at: datetime | None = None

    def __post_init__(self) -> None:
        # what the language layer and the CRM see is text a database can store, also for an
        # event stored before the inbox cleaned every payload
        object.__setattr__(self, "text", clean_text(self.text))

    @property
    def conversation_key(self) -> tuple[str, str, str, str]:
        return (self.channel, self.chat, self.thread or "", self.user)


def message_to_json(message: IncomingMessage) -> dict[str, object]:
    """A message as JSON, to be handled later (the inbox keeps it so)."""
    data = asdict(message)
    data["received_at"] = message.received_at.isoformat() if message.received_at else None
    return data


def message_from_json(data: dict[str, object]) -> IncomingMessage:
    received = data.get("received_at")
    fields = {k: v for k, v in data.items() if k != "received_at"}
    return IncomingMessage(**fields, received_at=datetime.fromisoformat(str(received)) if received else None)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Choice:
    label: str
    value: str  # what comes back as the message text when picked


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    actions: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class Choices:
    text: str
    options: tuple[Choice, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Image:
    png: bytes
    title: str


@dataclass(frozen=True, slots=True)
class File:
    name: str
    content: bytes
    mime: str = "text/csv"


Reply = Text | Choices | Image | File


@dataclass(frozen=True, slots=True)
class AskContact:
    """Ask a customer to share their phone number (Telegram's contact button), or type an e-mail."""

    text: str


@dataclass(frozen=True, slots=True)
class Destination:
    """Where replies go: a platform chat, and a thread in it (Slack) when there is one."""

    channel: str
    chat: str
    thread: str | None = None


@dataclass(frozen=True, slots=True)
class ContactLinked:
    """The chat is now linked to a customer: a plain text, and the share-contact button that
    AskContact put up is taken away (Telegram's ReplyKeyboardRemove)."""

    text: str


AnyReply = Reply | AskContact | ContactLinked


def to_payload(reply: AnyReply) -> tuple[dict[str, object], bytes | None]:
    """A reply as the JSON and bytes an outbox row keeps."""
    if isinstance(reply, Text):
        return {"type": "text", "text": reply.text, "actions": [[a.label, a.value] for a in reply.actions]}, None
    if isinstance(reply, Choices):
        return {"type": "choices", "text": reply.text, "options": [[o.label, o.value] for o in reply.options]}, None
    if isinstance(reply, Image):
        return {"type": "image", "title": reply.title}, reply.png
    if isinstance(reply, File):
        return {"type": "file", "name": reply.name, "mime": reply.mime}, reply.content
    if isinstance(reply, ContactLinked):
        return {"type": "contact_linked", "text": reply.text}, None
    return {"type": "ask_contact", "text": reply.text}, None


def from_payload(payload: dict[str, object], blob: bytes | None) -> AnyReply:
    kind = payload.get("type")

    def pairs(key: str) -> tuple[Choice, ...]:
        return tuple(Choice(str(a), str(b)) for a, b in payload.get(key) or [])  # type: ignore[attr-defined]

    if kind == "text":
        return Text(str(payload["text"]), pairs("actions"))
    if kind == "choices":
        return Choices(str(payload["text"]), pairs("options"))
    if kind == "image":
        return Image(blob or b"", str(payload.get("title", "image")))
    if kind == "file":
        return File(str(payload["name"]), blob or b"", str(payload.get("mime", "application/octet-stream")))
    if kind == "ask_contact":
        return AskContact(str(payload["text"]))
    if kind == "contact_linked":
        return ContactLinked(str(payload["text"]))
    raise ValueError(f"unknown reply type {kind!r}")
