"""The dialogue: one incoming message → replies, in one transaction.

    message → (already handled? nothing) → memory of this conversation
      → "undo" / an answer to the pending question / a new request (NLU parse)
      → the intent's handler (inside a savepoint) → replies + memory saved → commit

A handler that needs more raises `Ask` or `Confirm` (intents.turn); its changes are rolled
back to the savepoint and the request waits in the conversation's memory, in the database,
so it survives a restart. A `CrmError` is the user's answer, never a crash: an invalid value
is asked for again, anything else ends the request with the error's message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_core.clock import Clock, SystemClock
from crm_core.errors import CrmError, InvalidInput, NothingToUndo
from crm_core.models import StaffUser
from crm_core.services import conversations, customers, outbox, undo
from crm_core.services.customers import NameIndex
from crm_core.uow import Database, UnitOfWork
from intents import permissions, slots
from intents.handlers import HANDLERS
from intents.handlers import followups as followup_handlers
from intents.identity import Actor, staff_actor
from intents.language import Understanding
from intents.messages import (
    AnyReply,
    Choices,
    Destination,
    IncomingMessage,
    Reply,
    Text,
    to_payload,
)
from intents.resolve import NEW
from intents.state import ConversationMemory, Request
from intents.turn import Ask, Confirm, Handler, Turn, slots_from_parse
from intents.wording import intent_phrase
from nlp_models.labels import EntityLabel, Intent
from nlp_models.rules.dates.impossible import impossible_when
from nlp_models.types import ParseResult

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 4000
STRANGER_TEXT = "I don't know you yet. Ask an admin to add you to chatcrm (`chatcrm users add`)."
NOTHING_TO_UNDO = "There is nothing of yours to undo."
# how long another process's new customer name may go unrecognised by this one
NAMES_TTL_S = 5.0
BARE_NUMBER = re.compile(r"^#?\d{1,3}$")
NUMBER_WITHOUT_LIST = "A number alone picks from a list, and no question is open just now. Type “help” to see what I can do."
NUMBER_AFTER_LIST = "For a follow-up from the last list, say “done 2” or “snooze 2 1d”."
UNDO_WORDS = {"undo", "/undo", "undo that", "undo it", "undo last", "undo the last change", "revert"}
CANCEL_WORDS = {"cancel", "/cancel", "stop", "never mind", "nevermind", "forget it", "abort", "quit that"}
YES_WORDS = {"yes", "y", "yep", "yeah", "sure", "ok", "okay", "please do", "do it", "go ahead", "correct", "yes please"}
NO_WORDS = {"no", "n", "nope", "don't", "dont", "no thanks", "not now", "skip"}
# a message this sure of a new task while a question waits is a new request, not an answer
NEW_REQUEST_CONFIDENCE = 0.9
# a yes/no question is not answered by a task: a fairly sure one is a new request
CONFIRM_NEW_REQUEST_CONFIDENCE = 0.5
TASK_INTENTS = frozenset(Intent) - {
    Intent.GREET, Intent.THANKS, Intent.HELP, Intent.CANCEL, Intent.AFFIRM, Intent.DENY, Intent.OUT_OF_SCOPE,
}  # fmt: skip
_WORDLIKE = re.compile(r"\w", re.UNICODE)
# A message of emoji alone is an answer only when it says yes, no, thanks or hello
# ("👍" to "Change …?", "🙏", "👋"), and the classifier is fairly sure of it.
SYMBOL_INTENTS = frozenset({Intent.AFFIRM, Intent.DENY, Intent.THANKS, Intent.GREET})
SYMBOL_CONFIDENCE = 0.5


def _plain(text: str) -> str:
    return " ".join(text.lower().strip().strip("!.?").split())


class Dialogue:
    def __init__(
        self,
        db: Database,
        nlu: Understanding,
        handlers: Mapping[Intent, Handler] = HANDLERS,
        clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.nlu = nlu
        self.handlers = handlers
        self.clock: Clock = clock or SystemClock()
        self._names_key: tuple[object, ...] | None = None
        self._names: object = None
        self._index: NameIndex | None = None
        self._users: dict[int, tuple[float, StaffUser]] = {}
        self._names_checked = float("-inf")

    # -- one message ----------------------------------------------------------------------

    def handle(self, message: IncomingMessage, actor: Actor, reply_to: Destination | None = None) -> list[Reply]:
        """Answer one message of a staff user or a customer (`intents.identity`). With
        `reply_to`, the replies are also written to the outbox in the same transaction as
        everything the message changed."""
        with self.db.unit_of_work(actor.id if actor.is_staff else None) as uow:
            if message.event_id is not None and conversations.already_processed(
                uow, message.channel, message.event_id
            ):
                log.info("duplicate event skipped channel=%s event=%s", message.channel, message.event_id)
                return []
            staff: StaffUser | None = None
            if actor.is_staff and actor.id is not None:
                staff = self._user(uow, actor.id)
                if staff is None or not staff.active:
                    return [Text("I don't know you yet; ask an admin to add you to chatcrm.")]
                actor = staff_actor(staff)  # the role and zone as stored now
            elif not actor.is_customer:
                return [Text(STRANGER_TEXT)]
            key = message.conversation_key
            memory = ConversationMemory.from_json(conversations.load_state(uow, key))
            now = message.received_at or self.clock()
            replies = self._respond(uow, actor, staff, now, memory, message.text)
            # the message id, the memory and the handler's changes: one commit, or none
            if message.event_id is not None:
                conversations.mark_processed(uow, message.channel, message.event_id)
            if reply_to is not None:
                enqueue_replies(uow, reply_to, replies)
            conversations.save_state(uow, key, memory.to_json())
            uow.commit()
            self._forget_names_if_changed(uow)
        return replies

    def _respond(
        self,
        uow: UnitOfWork,
        actor: Actor,
        staff: StaffUser | None,
        now: datetime,
        memory: ConversationMemory,
        text: str,
    ) -> list[Reply]:
        if len(text) > MAX_MESSAGE_CHARS:
            return [
                Text(
                    f"That message is {len(text):,} characters long; I read up to {MAX_MESSAGE_CHARS:,}. "
                    "Please send it in shorter parts (nothing was saved)."
                )
            ]
        plain = _plain(text)
        pending = memory.pending
        tz = _zone(actor.timezone)
        names, index = self._known_names(uow)

        def parse_text(t: str) -> ParseResult:
            return self.nlu.parse(t, now=now, tz=tz, known_names=names)

        if plain in UNDO_WORDS:
            if pending is not None:
                # nothing of the half-done request was saved: "undo" here drops it, and only a
                # second "undo" reverts the change before it
                memory.pending = None
                return [Text(f"OK, dropped the question ({_describe(pending)}); nothing was saved. Say “undo” again to revert your last change.")]
            return self._undo(uow) if actor.is_staff else [Text(NOTHING_TO_UNDO)]
        parse = _shortcut(pending, plain, text) or parse_text(text)
        if not _WORDLIKE.search(text) and not (
            parse.intent in SYMBOL_INTENTS and parse.confidence >= SYMBOL_CONFIDENCE
        ):
            if pending is not None:
                return [_question_again(pending, "I only see symbols there.")]
            return [Text("I only see symbols there. Tell me what to do in words, or type “help”.")]
        turn = Turn(uow, actor, staff, tz, now, parse, memory, parse_text, index, is_common_word=self.nlu.is_common_word)
        if actor.is_staff and followup_handlers.is_button(text):
            return self._guarded(turn, lambda: followup_handlers.button(turn, text) or [])
        if pending is not None:
            answered = self._answer(turn, pending, plain)
            if answered is not None:
                return answered
        if plain in CANCEL_WORDS:
            parse = ParseResult(parse.text, Intent.CANCEL, 1.0, parse.entities)
            turn.parse = parse
        if pending is None and BARE_NUMBER.match(plain):
            return [Text(NUMBER_WITHOUT_LIST if not memory.last_list else NUMBER_AFTER_LIST)]
        request = Request(str(parse.intent), slots_from_parse(parse))
        log.info("intent=%s confidence=%.2f", parse.intent, parse.confidence)
        return self._run(turn, request)

    # -- answers to a waiting question ----------------------------------------------------

    def _answer(self, turn: Turn, pending: Request, plain: str) -> list[Reply] | None:
        """Replies when the message answers `pending`; None when it is a new request."""
        parse = turn.parse
        asked = slots.slot(pending.asking)
        if plain in CANCEL_WORDS or parse.intent is Intent.CANCEL:
            turn.memory.pending = None
            return [Text(f"OK, I cancelled {_describe(pending)}. Nothing was saved.")]
        if plain in ("help", "/help", "?"):
            help_text = self.handlers[Intent.HELP](turn, pending)
            return [*help_text, _question_again(pending, "Back to the question:")]
        is_new = (
            parse.intent in TASK_INTENTS
            and parse.confidence >= NEW_REQUEST_CONFIDENCE
            and len(plain.split()) >= 3
            and not _is_just_the_value(pending.asking, parse)
            # what a follow-up should say is free text that often reads like a task
            and not (asked is not None and asked.free_text)
        )
        if pending.confirm is not None:
            yes = plain in YES_WORDS or parse.intent is Intent.AFFIRM
            no = plain in NO_WORDS or parse.intent is Intent.DENY
            corrected = _corrected_values(pending, parse) if yes == no else {}
            if corrected:
                # "change the phone to X?" answered with another number: that one, asked again
                pending.slots.update(corrected)
                pending.confirm = None
                return self._run(turn, pending)
            if yes == no:
                if parse.intent in TASK_INTENTS and parse.confidence >= CONFIRM_NEW_REQUEST_CONFIDENCE:
                    turn.memory.pending = None
                    turn.notes.append(f"(I dropped the earlier request, {_describe(pending)}.)")
                    return None
                return [_question_again(pending, "Please answer yes or no (or “cancel”).")]
            pending.slots[pending.confirm] = yes
            pending.confirm = None
            return self._run(turn, pending)
        if pending.asking is None:
            return None
        picked = _pick(pending, plain)
        if picked is not None:
            pending.slots[pending.asking] = picked
        elif pending.options and plain.isdigit():
            return [_question_again(pending, f"Pick a number from 1 to {len(pending.options)}.")]
        elif pending.options:
            # a question with options is answered by picking one (by number, by its words, or
            # by a name only one of them has); a message that does neither is no answer: a new
            # request when it reads as one, else the question again. Never a value the
            # options did not offer ("Which Lena?" answered "call with Ana Souza on 12/3").
            named = _named_option(pending, parse)
            if named is not None:
                pending.slots[pending.asking] = named
                pending.asking = None
                pending.options = []
                return self._run(turn, pending)
            if parse.intent in TASK_INTENTS or parse.intent in (Intent.GREET, Intent.THANKS):
                turn.memory.pending = None
                turn.notes.append(f"(I dropped the earlier request, {_describe(pending)}.)")
                return None
            return [_question_again(pending, "I didn't get which one.")]
        else:
            if is_new:
                turn.memory.pending = None
                turn.notes.append(f"(I dropped the earlier request, {_describe(pending)}.)")
                return None
            bad = impossible_when(parse.text) if asked is not None and asked.strict else None
            if bad is not None:
                return [_question_again(pending, f"“{bad}” isn't a date or time I can use.")]
            value = _slot_value(pending.asking, parse)
            if value is None and parse.intent in TASK_INTENTS and parse.confidence >= NEW_REQUEST_CONFIDENCE:
                # no answer in it, and surely a request of its own ("tasks overdue")
                turn.memory.pending = None
                turn.notes.append(f"(I dropped the earlier request, {_describe(pending)}.)")
                return None
            if value is None:
                missing = "I didn't find a day or time in that." if pending.asking == "when" else "I didn't get that."
                return [_question_again(pending, missing)]
            pending.slots[pending.asking] = value
            pending.slots.pop(f"{pending.asking}_name", None)
            pending.slots.pop(f"{pending.asking}_create", None)
            pending.slots[f"{pending.asking}_entities"] = [[str(e.label), e.value, e.text] for e in parse.entities]
        pending.asking = None
        pending.options = []
        return self._run(turn, pending)

    # -- running a handler ----------------------------------------------------------------

    def _run(self, turn: Turn, request: Request) -> list[Reply]:
        """Run the request's handler. When it asks, or fails with a CrmError, everything it
        changed is rolled back (nothing but reads happened before it in this transaction)."""
        intent = Intent(request.intent)
        if not permissions.allowed(turn.actor.role, intent):
            turn.memory.pending = None
            return [Text(permissions.refusal(turn.actor.role))]
        handler = self.handlers.get(intent) or self.handlers[Intent.OUT_OF_SCOPE]
        notes_before = list(turn.notes)
        try:
            replies = handler(turn, request)
        except Ask as ask:
            self._undo_handler(turn, notes_before)
            request.asking, request.confirm, request.options = ask.slot, None, ask.options
            turn.memory.pending = request
            return _with_notes(turn, [_question(ask.question, request)])
        except Confirm as confirm:
            self._undo_handler(turn, notes_before)
            request.asking, request.confirm, request.options = None, confirm.slot, []
            turn.memory.pending = request
            return _with_notes(turn, [_question(confirm.question, request)])
        except CrmError as error:
            self._undo_handler(turn, notes_before)
            back_to = slots.for_field(error.field) if isinstance(error, InvalidInput) else None
            if back_to is not None:
                slot = back_to.name
                request.slots[slot] = None
                request.asking, request.confirm, request.options = slot, None, []
                turn.memory.pending = request
                return _with_notes(turn, [Text(f"{error} {back_to.hint}")])
            turn.memory.pending = None
            return _with_notes(turn, [Text(str(error))])
        turn.memory.pending = None
        return _with_notes(turn, replies)

    @staticmethod
    def _undo_handler(turn: Turn, notes_before: list[str]) -> None:
        turn.uow.rollback()
        turn.notes = notes_before

    def _user(self, uow: UnitOfWork, actor_id: int) -> StaffUser | None:
        """The staff user: read from the database at most every NAMES_TTL_S per user; in
        between, the row kept here is attached to this transaction without a query."""
        cached = self._users.get(actor_id)
        if cached is not None and self.clock.monotonic() - cached[0] < NAMES_TTL_S:
            return uow.attached(cached[1])
        user = uow.get(StaffUser, actor_id)
        if user is not None:
            self._users[actor_id] = (self.clock.monotonic(), uow.keep(user))
            user = uow.attached(user)
        return user

    def _guarded(self, turn: Turn, action: Callable[[], list[Reply]]) -> list[Reply]:
        try:
            return action()
        except CrmError as error:
            self._undo_handler(turn, list(turn.notes))
            return [Text(str(error))]

    def _undo(self, uow: UnitOfWork) -> list[Reply]:
        try:
            reverted = undo.undo_last(uow)
        except NothingToUndo as error:
            return [Text(str(error))]
        verbs = {"create": "removed", "update": "restored", "delete": "brought back"}
        parts = [f"{verbs[r.action.value]} the {r.noun} {r.label}" for r in reverted]
        return [Text("Undone: " + "; ".join(parts) + "." if parts else "Undone (those records were already gone).")]

    # -- names the CRM knows, for the language layer --------------------------------------

    def _known_names(self, uow: UnitOfWork) -> tuple[object, NameIndex]:
        """The CRM's names for the language layer and for lookups, re-read when they may have
        changed: at once after a change made here, and within NAMES_TTL_S of a change made
        by another process (lookups that find nothing in them ask the database anyway)."""
        if self._names is not None and self._index is not None:
            if self.clock.monotonic() - self._names_checked < NAMES_TTL_S:
                return self._names, self._index
        version = customers.names_version(uow)
        if self._names is None or self._index is None or version != self._names_key:
            index = customers.name_index(uow)
            self._names = self.nlu.known_names(
                {EntityLabel.ORG: index.company_names, EntityLabel.PERSON: index.contact_names}
            )
            self._index = index
            self._names_key = version
        self._names_checked = self.clock.monotonic()
        return self._names, self._index

    def _forget_names_if_changed(self, uow: UnitOfWork) -> None:
        if uow.touched & {"company", "contact"}:
            self._names_checked = float("-inf")


def enqueue_replies(
    uow: UnitOfWork, destination: Destination, replies: Sequence[AnyReply], purpose: str = "reply"
) -> None:
    for reply in replies:
        payload, blob = to_payload(reply)
        outbox.enqueue(
            uow, destination.channel, destination.chat, payload, thread=destination.thread, blob=blob, purpose=purpose
        )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _shortcut(pending: Request | None, plain: str, text: str) -> ParseResult | None:
    """Messages whose meaning needs no language model: a button, "cancel", a number or
    option picked from the list shown, a plain yes or no to the question asked."""
    if plain in CANCEL_WORDS:
        return ParseResult(text, Intent.CANCEL, 1.0)
    if followup_handlers.is_button(text):
        return ParseResult(text, Intent.COMPLETE_FOLLOWUP, 1.0)
    if pending is None:
        return None
    if pending.confirm is not None and (plain in YES_WORDS or plain in NO_WORDS):
        return ParseResult(text, Intent.AFFIRM if plain in YES_WORDS else Intent.DENY, 1.0)
    if pending.options and _pick(pending, plain) is not None:
        return ParseResult(text, Intent.OUT_OF_SCOPE, 0.0)
    return None


def _pick(pending: Request, plain: str) -> str | None:
    if not pending.options:
        return None
    if plain.isdigit() and 1 <= int(plain) <= len(pending.options):
        return pending.options[int(plain) - 1][1]
    for label, value in pending.options:
        if plain in (label.lower(), value.lower()):
            return value
    return None


def _named_option(pending: Request, parse: ParseResult) -> str | None:
    """The option whose label holds the one name of the asked slot's label the message says
    ("Weißmann" while asked which Lena), when exactly one does and the message is little
    more than that name; None otherwise."""
    asked = slots.slot(pending.asking)
    label = asked.label if asked is not None else None
    if label is None or not _is_just_the_value(pending.asking, parse):
        return None
    said = [v.casefold() for v in parse.values(label)]
    hits = [value for text, value in pending.options if value != NEW and any(w in text.casefold() for w in said)]
    return hits[0] if len(hits) == 1 else None


def _slot_value(name: str, parse: ParseResult) -> str | None:
    asked = slots.slot(name)
    if asked is not None and asked.label is not None:
        values = parse.values(asked.label)
        if values:
            return values[0]
    if asked is not None and asked.strict:
        return None
    text = parse.text.strip()
    return text or None


def _corrected_values(pending: Request, parse: ParseResult) -> dict[str, str]:
    """A yes/no question about changing an e-mail or phone answered with just another
    e-mail or phone ("+44 7911 123456"): the slots it corrects; empty otherwise."""
    if pending.confirm != "confirmed":
        return {}
    out: dict[str, str] = {}
    for name in slots.CORRECTABLE:
        label = slots.label_of(name)
        values = parse.values(label) if label else []
        if values and _is_just_the_value(name, parse):
            out[name] = values[0]
    return out


def _is_just_the_value(slot: str | None, parse: ParseResult) -> bool:
    """The message is a value of the asked slot's label plus at most two other words
    ("tomorrow at 3pm" while asked when): an answer, however sure the intent is."""
    label = slots.label_of(slot)
    if label is None or not parse.values(label):
        return False
    rest = list(parse.text)
    for entity in parse.entities:
        if entity.label == label:  # other values are words of a request ("set X phone +44 …")
            rest[entity.start : entity.end] = " " * (entity.end - entity.start)
    return len("".join(rest).split()) <= 2


def _question(text: str, request: Request) -> Reply:
    if request.options:
        return Choices(text, request.choices)
    return Text(text)


def _question_again(pending: Request, prefix: str) -> Reply:
    if pending.options:
        return Choices(f"{prefix} Pick one (or “cancel”):", pending.choices)
    if pending.confirm is not None:
        return Text(f"{prefix}")
    return Text(f"{prefix} {slots.hint(pending.asking)}")


def _describe(request: Request) -> str:
    return intent_phrase(request.intent)


def _with_notes(turn: Turn, replies: list[Reply]) -> list[Reply]:
    if not turn.notes:
        return replies
    return [Text(" ".join(turn.notes)), *replies]
