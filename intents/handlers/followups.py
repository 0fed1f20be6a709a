"""Follow-ups from chat: schedule one, list them (today, this week, overdue, a date),
complete one (picked from a list when several match)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crm_core.models import FollowUp
from crm_core.services import customers, followups
from intents.handlers.common import UNDO, followup_line, name_of, slot_or_entity, when_text, who
from intents.messages import Reply, Text
from intents.state import Request
from intents.turn import Ask, Turn, entity_texts, entity_values
from intents.when import day_bounds, impossible_when, local_day, parse_local
from nlp_models.labels import EntityLabel

TITLE_PREFIX = re.compile(
    r"^\s*(?:(?:please|pls|plz|hey|ok)\s+)*(?:remind\s+me(?:\s+(?:to|about|that|of))?\b|reminder\s*(?:to|:)?|"
    r"set\s+(?:a|up\s+a)\s+(?:follow[\s-]?up|reminder|task)\s*(?:to|for|:)?|(?:follow[\s-]?up|f/u|todo|task)\s*(?:to|:)?|"
    r"i\s+(?:need|have)\s+to|need\s+to|don'?t\s+let\s+me\s+forget\s+to)\s*",
    re.IGNORECASE,
)
# "pls add to my list", "put it on my calendar": how to keep it, not what is to be done
TITLE_ASIDE = re.compile(
    r"[\s,;:-]*\b(?:(?:please|pls|plz)\s+)?(?:add|put)(?:\s+(?:it|this|that))?\s+(?:to|on|in(?:to)?)\s+my\s+"
    r"(?:list|calendar|cal|tasks?|to-?do(?:\s+list)?|agenda)\b[\s,;:.!-]*",
    re.IGNORECASE,
)
TITLE_TAIL = re.compile(r"(?:\s+(?:at|on|by|for|in|until|before|next|this|due))+\s*$", re.IGNORECASE)
RESCHEDULE = re.compile(r"\b(?:push|move|reschedule|re-schedule|postpone|shift|bump|delay|put\s+off)\b", re.IGNORECASE)
MOVE_WORDS = {"push", "move", "reschedule", "re", "schedule", "postpone", "shift", "bump", "delay", "put", "off",
              "reminder", "till", "until", "instead", "can", "we", "please", "pls", "back", "forward", "later"}  # fmt: skip
# "remind me to move the boxes": a new task, whatever its words
NEW_TASK = re.compile(
    r"^\s*(?:(?:please|pls|plz|hey|ok)\s+)*(?:remind\s+me|set\s+(?:a|up\s+a)\s+|reminder\b|todo\b|task\b|"
    r"i\s+(?:need|have)\s+to|need\s+to|don'?t\s+let\s+me\s+forget)",
    re.IGNORECASE,
)
MEETING_WORDS = re.compile(r"\b(?:call|meeting|mtg|demo|visit|check[\s-]?in)\b", re.IGNORECASE)
FOLLOWUP_WORDS = re.compile(r"\b(?:follow[\s-]?ups?|f/u|reminders?|tasks?|todos?)\b", re.IGNORECASE)
OVERDUE = re.compile(r"\b(?:overdue|late|missed|past due)\b", re.IGNORECASE)
ALL = re.compile(r"\b(?:all|every|open|upcoming|pending|my|list|show)\b", re.IGNORECASE)
TODAY = re.compile(r"\b(?:today|due|now|agenda)\b", re.IGNORECASE)
STOP_WORDS = {
    "the", "a", "an", "my", "with", "for", "to", "done", "complete", "completed", "finished", "mark",
    "follow", "up", "followup", "follow-up", "f/u", "task", "as", "is", "it", "that", "this", "i", "did",
    "close", "tick", "off", "check", "of", "re", "about", "call", "email",
}  # fmt: skip


def schedule_followup(turn: Turn, req: Request) -> list[Reply]:
    bad = impossible_when(str(req.slots.get("text", ""))) if req.slots.get("when") is None else None
    if bad is not None:
        raise Ask("when", f"“{bad}” isn't a date or time I can use. When should I remind you?")
    moved = _reschedule(turn, req)
    if moved is not None:
        return moved
    value = slot_or_entity(req, "when", EntityLabel.DATE)
    if not value:
        raise Ask("when", "When should I remind you? For example “tomorrow 3pm” or “next friday”.")
    due, _ = parse_local(value, turn.tz)
    contact, company = who(turn, req, ask=None, person_optional=True)
    answered = str(req.slots.get("title") or "").strip()
    title = answered[:1].upper() + answered[1:] if answered else _title(req)
    if not title:
        if contact is None and company is None:
            raise Ask("title", "What should I remind you about? For example “call Jane at Acme about the renewal”.")
        title = f"Follow up with {name_of(contact, company)}"
    followup = followups.schedule_followup(
        turn.uow, title, due, turn.user, contact=contact, company=company, now=turn.now
    )
    return [Text(f"Follow-up “{followup.title}” due {when_text(followup.due_at, turn)}.", actions=(UNDO,))]


def _reschedule(turn: Turn, req: Request) -> list[Reply] | None:
    """"push the Cian follow-up to monday": an existing follow-up gets a new due time. None
    when the message does not move one (then it is a new follow-up)."""
    text = str(req.slots.get("text", ""))
    # "push the Cian follow-up", "move my call with Hugo"; not "push for a decision by friday"
    if not RESCHEDULE.search(text) or NEW_TASK.match(text) or not (FOLLOWUP_WORDS.search(text) or MEETING_WORDS.search(text)):
        return None
    followup = _chosen(turn, req)
    if followup is None:
        pending = followups.pending_followups(turn.uow, turn.user)
        candidates = _named(turn, req, pending)
        if candidates is None:
            for date_text in entity_texts(req, EntityLabel.DATE):
                text = text.replace(date_text, " ")
            candidates = _by_words(pending, text, ignore=MOVE_WORDS)
        if not candidates:
            if FOLLOWUP_WORDS.search(text):
                return [Text("No open follow-up of yours matches that. Ask “what's due this week?” to see them.")]
            return None
        if len(candidates) > 1:
            options = [(followup_line(f, turn), f"#{f.id}") for f in candidates[:10]]
            raise Ask("followup", "Which follow-up should I move?", options)
        followup = candidates[0]
    value = slot_or_entity(req, "when", EntityLabel.DATE)
    if not value:
        raise Ask("when", f"When should “{followup.title}” be instead? For example “monday 10am”.")
    due, _ = parse_local(value, turn.tz)
    if "T" not in value:  # a day only: at the time of day it had
        due = _at_time_of(due, followup.due_at, turn.tz)
    followups.reschedule_followup(turn.uow, followup, due, now=turn.now)
    return [Text(f"Moved “{followup.title}” to {when_text(followup.due_at, turn)}.", actions=(UNDO,))]


def _at_time_of(day: datetime, model: datetime, tz: ZoneInfo) -> datetime:
    local_day, local_model = day.astimezone(tz), model.astimezone(tz)
    return datetime.combine(local_day.date(), local_model.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def _title(req: Request) -> str:
    """The message without the "remind me to" words and the date: what is to be done."""
    text = str(req.slots.get("text", ""))
    for date_text in [*entity_texts(req, EntityLabel.DATE), impossible_when(text)]:
        text = text.replace(date_text, " ") if date_text else text
    title = " ".join(TITLE_ASIDE.sub(" ", text).split())
    title = TITLE_PREFIX.sub("", title)
    title = TITLE_TAIL.sub("", title).strip(" ,.:;-!?")
    return title[0].upper() + title[1:] if len(title.split()) >= 2 else ""


def list_followups(turn: Turn, req: Request) -> list[Reply]:
    text = str(req.slots.get("text", ""))
    dates = entity_values(req, EntityLabel.DATE)
    _, end_today = local_day(turn.now, turn.tz)
    if dates:
        start, end = day_bounds(dates[0], turn.tz)
        items = followups.pending_followups(turn.uow, turn.user, due_from=start, due_before=end)
        what = _period_words(req) or "then"
    elif OVERDUE.search(text):
        items = followups.pending_followups(turn.uow, turn.user, due_before=turn.now)
        what = "overdue"
    elif TODAY.search(text) or not ALL.search(text):
        items = followups.pending_followups(turn.uow, turn.user, due_before=end_today)
        what = "due today or overdue"
    else:
        items = followups.pending_followups(turn.uow, turn.user)
        what = "open"
    turn.memory.last_list = [f.id for f in items]
    if not items:
        return [Text(f"No open follow-ups {_phrase(what)}. Nice!")]
    lines = [f"{len(items)} follow-up{'s' if len(items) != 1 else ''} {_phrase(what)}:"]
    lines += [f"{i}. {followup_line(f, turn)}" for i, f in enumerate(items, 1)]
    n = min(2, len(items))
    lines.append(f"Say “done {n}” to complete one, “snooze {n} 1d” to put it off a day.")
    return [Text("\n".join(lines))]


def _period_words(req: Request) -> str:
    texts = entity_texts(req, EntityLabel.DATE)
    return texts[0] if texts else ""


def _phrase(what: str) -> str:
    if what in ("overdue", "open", "due today or overdue"):
        return what
    return f"due {what}"


def complete_followup(turn: Turn, req: Request) -> list[Reply]:
    followup = _chosen(turn, req)
    if followup is None:
        candidates = _candidates(turn, req)
        if not candidates:
            return [Text("No open follow-up of yours matches that. Ask “what's due this week?” to see them.")]
        if len(candidates) > 1:
            options = [(followup_line(f, turn), f"#{f.id}") for f in candidates[:10]]
            raise Ask("followup", "Which follow-up is done?", options)
        followup = candidates[0]
    followups.complete_followup(turn.uow, followup, now=turn.now)
    return [Text(f"Done: “{followup.title}” ({name_of(followup.contact, followup.company)}).", actions=(UNDO,))]


def _chosen(turn: Turn, req: Request) -> FollowUp | None:
    picked = req.slots.get("followup")
    if isinstance(picked, str) and picked.startswith("#") and picked[1:].isdigit():
        found = turn.uow.session.get(FollowUp, int(picked[1:]))
        if found is not None and found.owner_id == turn.user.id:
            return found
    number = re.fullmatch(r"\D*?(\d{1,3})\D*", str(req.slots.get("text", "")))
    if number and turn.memory.last_list:
        index = int(number.group(1))
        if 1 <= index <= len(turn.memory.last_list):
            found = turn.uow.session.get(FollowUp, turn.memory.last_list[index - 1])
            if found is not None and found.owner_id == turn.user.id:
                return found
    return None


def _candidates(turn: Turn, req: Request) -> list[FollowUp]:
    pending = followups.pending_followups(turn.uow, turn.user)
    by_name = _named(turn, req, pending)
    if by_name is not None:
        return by_name
    matched = _by_words(pending, str(req.slots.get("text", "")))
    if matched:
        return matched
    _, end_today = local_day(turn.now, turn.tz)
    return [f for f in pending if f.due_at < end_today]


def _named(turn: Turn, req: Request, pending: list[FollowUp]) -> list[FollowUp] | None:
    """The follow-ups of the customers named; None when no name is a customer. A name is
    looked up as the kind the model said first, then as the other (the recogniser swaps
    people and companies now and then: "done with the Nordlicht follow-up")."""
    people, companies = entity_values(req, EntityLabel.PERSON), entity_values(req, EntityLabel.ORG)
    found_any = False
    for person_names, company_names in ((people, companies), (companies, people)):
        contact_ids = {c.id for name in person_names for c in customers.find_contacts(turn.uow, name, index=turn.names)}
        company_ids = {c.id for name in company_names for c in customers.find_companies(turn.uow, name, index=turn.names)}
        found_any = found_any or bool(contact_ids or company_ids)
        matched = [
            f
            for f in pending
            if f.contact_id in contact_ids
            or f.company_id in company_ids
            or (f.contact is not None and f.contact.company_id in company_ids)
        ]
        if matched:
            return matched
    return [] if found_any else None


def _by_words(pending: list[FollowUp], text: str, ignore: frozenset[str] | set[str] = frozenset()) -> list[FollowUp]:
    """The follow-ups that share a word (not a stop word) of `text`, in title or names."""
    words = {w for w in re.findall(r"\w+", text.lower()) if w not in STOP_WORDS and w not in ignore}
    return [f for f in pending if words & _words_of(f)]


def _words_of(f: FollowUp) -> set[str]:
    """The words of a follow-up's title and of its contact's and company's names."""
    names = [f.title, f.contact.name if f.contact else "", f.company.name if f.company else ""]
    return set(re.findall(r"\w+", " ".join(names).lower()))


BUTTON = re.compile(r"^\s*(done|snooze)\s+#(\d+)(?:\s+(\d{1,3})\s*([hd]))?\s*$", re.IGNORECASE)
# typed after a list: "snooze 2", "snooze 2 3h", "snooze 1 for 2 days"
TYPED_SNOOZE = re.compile(r"^\s*snooze\s+(\d{1,3})(?:\s+(?:for\s+)?(\d{1,3})\s*(h|hours?|d|days?))?\s*$", re.IGNORECASE)


def is_button(text: str) -> bool:
    return bool(BUTTON.match(text) or TYPED_SNOOZE.match(text))


def button(turn: Turn, text: str) -> list[Reply] | None:
    """The Done / Snooze buttons of a reminder ("done #12", "snooze #12 1h"), and "snooze 2"
    typed after a list of follow-ups; None otherwise."""
    match = BUTTON.match(text)
    typed = TYPED_SNOOZE.match(text)
    if match is not None:
        action, ident, amount, unit = match.groups()
        followup = turn.uow.session.get(FollowUp, int(ident))
    elif typed is not None:
        action, (number, amount, unit) = "snooze", typed.groups()
        shown = turn.memory.last_list
        if not 1 <= int(number) <= len(shown):
            return [Text("Which one? Ask “what's due this week?” to see the numbers, then say “snooze 2”.")]
        followup = turn.uow.session.get(FollowUp, shown[int(number) - 1])
    else:
        return None
    if followup is None or followup.owner_id != turn.user.id:
        return [Text("That follow-up isn't one of yours (or it is gone).")]
    if action.lower() == "done":
        followups.complete_followup(turn.uow, followup, now=turn.now)
        return [Text(f"Done: “{followup.title}”.", actions=(UNDO,))]
    unit = (unit or "h")[0].lower()
    delay = timedelta(hours=int(amount or 1)) if unit == "h" else timedelta(days=int(amount))
    followups.snooze_followup(turn.uow, followup, delay, now=turn.now)
    return [Text(f"Snoozed “{followup.title}” until {when_text(followup.due_at, turn)}.", actions=(UNDO,))]
