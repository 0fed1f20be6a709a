"""The half-done request of one conversation, as JSON that survives a restart.

A request is an intent plus slots (plain JSON values). While it waits, it is either asking
for one slot (`asking`, with `options` when the user picks from a list) or for a yes/no
(`confirm`, the slot that will hold the answer).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from intents.messages import Choice


@dataclass
class Request:
    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    asking: str | None = None
    confirm: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)

    @property
    def choices(self) -> tuple[Choice, ...]:
        return tuple(Choice(label, value) for label, value in self.options)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Request:
        return cls(
            intent=data["intent"],
            slots=dict(data.get("slots") or {}),
            asking=data.get("asking"),
            confirm=data.get("confirm"),
            options=[(str(a), str(b)) for a, b in data.get("options") or []],
        )


RECENT = 5


@dataclass
class ConversationMemory:
    """Everything kept for one (channel, chat, thread, user)."""

    pending: Request | None = None
    # ids of the follow-ups in the last list shown, so "done 2" means the second of them
    last_list: list[int] = field(default_factory=list)
    # ids of the contacts this conversation named last, the latest first: an ambiguous
    # first name ("call Haruto") is the Haruto just talked about
    recent_contacts: list[int] = field(default_factory=list)

    def mentioned(self, contact_id: int) -> None:
        self.recent_contacts = [contact_id, *(i for i in self.recent_contacts if i != contact_id)][:RECENT]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.pending is not None:
            out["pending"] = self.pending.to_json()
        if self.last_list:
            out["last_list"] = self.last_list
        if self.recent_contacts:
            out["recent_contacts"] = self.recent_contacts
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConversationMemory:
        pending = data.get("pending")
        return cls(
            pending=Request.from_json(pending) if pending else None,
            last_list=[int(i) for i in data.get("last_list") or []],
            recent_contacts=[int(i) for i in data.get("recent_contacts") or []],
        )
