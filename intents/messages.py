"""What flows in and out of the dialogue, whatever the platform.

Adapters turn a platform event into an `IncomingMessage` and render `Reply` values:
`Text` (with optional action buttons), `Choices` (pick one), `Image` and `File`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    channel: str  # "console", "slack", "telegram"
    chat: str
    user: str  # the platform's user id (console: the staff e-mail)
    text: str
    thread: str | None = None
    event_id: str | None = None
    received_at: datetime | None = None

    @property
    def conversation_key(self) -> tuple[str, str, str, str]:
        return (self.channel, self.chat, self.thread or "", self.user)


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
