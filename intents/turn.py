"""One turn of the dialogue: what a handler gets, and how it asks for more.

A handler is `handler(turn, request) -> list[Reply]`. When it needs something it raises:
`Ask` (a slot, optionally from a list of options) or `Confirm` (a yes/no stored in a slot).
The dialogue rolls the handler's changes back, keeps the request, and asks; the answer fills
the slot and the handler runs again from the start, so handlers are written straight
through and never half-apply a request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from crm_core.errors import PermissionDenied
from crm_core.models import StaffUser
from crm_core.services.customers import NameIndex
from crm_core.uow import UnitOfWork
from intents.identity import Actor
from intents.messages import Reply
from intents.state import ConversationMemory, Request
from nlp_models.labels import EntityLabel, Intent
from nlp_models.types import ParseResult


class Ask(Exception):
    def __init__(self, slot: str, question: str, options: list[tuple[str, str]] | None = None) -> None:
        super().__init__(question)
        self.slot = slot
        self.question = question
        self.options = options or []


class Confirm(Exception):
    def __init__(self, slot: str, question: str) -> None:
        super().__init__(question)
        self.slot = slot
        self.question = question


@dataclass
class Turn:
    uow: UnitOfWork
    actor: Actor
    staff: StaffUser | None  # the staff user's row; None for a customer
    tz: ZoneInfo
    now: datetime  # aware, UTC
    parse: ParseResult  # of the message that started the request (or of this answer)
    memory: ConversationMemory
    parse_text: Callable[[str], ParseResult]
    names: NameIndex | None = None  # the CRM's names, read once for many messages
    notes: list[str] = field(default_factory=list)
    # a word people write around names ("will", "pilot"), so no guess at a customer's name
    is_common_word: Callable[[str], bool] = lambda word: False

    @property
    def user(self) -> StaffUser:
        """The staff user talking. The permission table keeps customers out of every handler
        that asks (a customer here is a bug, refused rather than run)."""
        if self.staff is None:
            raise PermissionDenied("That's for our staff only.")
        return self.staff

    def entity(self, label: EntityLabel) -> str | None:
        values = self.parse.values(label)
        return values[0] if values else None


Handler = Callable[[Turn, Request], list[Reply]]


@dataclass(frozen=True)
class HelpTopic:
    """What "help" shows of one handler module: a topic and examples, each with the intent it
    is, so that every user sees only what their role may run."""

    topic: str
    examples: tuple[tuple[Intent, str], ...]


def slots_from_parse(parse: ParseResult) -> dict[str, object]:
    """The first parse of a request, kept in its slots: text and entities as JSON."""
    return {
        "text": parse.text,
        "entities": [[str(e.label), e.value, e.text] for e in parse.entities],
    }


def entity_values(request: Request, label: EntityLabel) -> list[str]:
    return [value for lab, value, _ in request.slots.get("entities", []) if lab == label]


def entity_texts(request: Request, label: EntityLabel) -> list[str]:
    return [text for lab, _, text in request.slots.get("entities", []) if lab == label]
