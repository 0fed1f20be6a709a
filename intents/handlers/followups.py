"""Follow-ups from chat: schedule one, list them (today, this week, overdue, a date),
complete one (picked from a list when several match)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crm_core.enums import Role
from crm_core.models import FollowUp
from crm_core.services import customers, followups
from intents.handlers.common import (
    UNDO,
    entity_dates,
    followup_line,
    name_of,
    slot_or_date,
    when_text,
    who,
)
from intents.handlers.interactions import log_interaction
from intents.messages import Reply, Text
from intents.slots import SlotName
from intents.state import Request
from intents.turn import Ask, Handler, HelpTopic, Turn, entity_texts, entity_values
from intents.when import DEFAULT_DUE_TIME, local_day
from nlp_models.labels import EntityLabel, Intent
from nlp_models.rules.dates.impossible import impossible_when
from nlp_models.tasks import (
    Listing,
    followup_listing,
    followup_title,
    followup_words,
    is_reschedule,
    names_a_next_step,
    says_followup,
    words,
)
from nlp_models.values import DateValue


def schedule_followup(turn: Turn, req: Request) -> list[Reply]:
    text = str(req.slots.get("text", ""))
    bad = impossible_when(text) if req.slots.get("when") is None else None
    if bad is not None:
        raise Ask(SlotName.WHEN, f"“{bad}” isn't a date or time I can use. When should I remind you?")
    moved = _reschedule(turn, req)
    if moved is not None:
        return moved
    when = slot_or_date(req, "when", turn.tz)
    if when is None:
        raise Ask(SlotName.WHEN, "When should I remind you? For example “tomorrow 3pm” or “next friday”.")
    due = when.starts_at(DEFAULT_DUE_TIME)
    if _a_past_interaction(turn, req, when, due):
        return log_interaction(turn, req)
    contact, company = who(turn, req, ask=None, person_optional=True)
    answered = str(req.slots.get("title") or "").strip()
    title = answered[:1].upper() + answered[1:] if answered else followup_title(text, entity_texts(req, EntityLabel.DATE))
    if not title:
        if contact is None and company is None:
            raise Ask(SlotName.TITLE, "What should I remind you about? For example “call Jane at Acme about the renewal”.")
        title = f"Follow up with {name_of(contact, company)}"
    followup = followups.schedule_followup(
        turn.uow, title, due, turn.user, contact=contact, company=company, now=turn.now
    )
    return [Text(f"Follow-up “{followup.title}” due {when_text(followup.due_at, turn)}.", actions=(UNDO,))]


def _a_past_interaction(turn: Turn, req: Request, when: DateValue, due: datetime) -> bool:
    """Whether the message logs what happened rather than asking for a reminder: "call with
    Ana Souza on 12/3 at 4:30pm" said on 7 December names a call and a day before today (or a
    moment already gone), and no next step ("remind", "f/u", "send") in the date's clause.
    A reminder for a past time is asked about instead (the service refuses it)."""
    if "when" in req.slots or due >= turn.now or not entity_values(req, EntityLabel.INTERACTION_TYPE):
        return False
    if when.moment is None and when.first >= turn.now.astimezone(turn.tz).date():
        return False  # "call with Ana today": today's reminder, asked about when it is late
    text = str(req.slots.get("text", ""))
    return not any(names_a_next_step(text, said) for said in entity_texts(req, EntityLabel.DATE))


def _reschedule(turn: Turn, req: Request) -> list[Reply] | None:
    """"push the Cian follow-up to monday": an existing follow-up gets a new due time. None
    when the message does not move one (then it is a new follow-up)."""
    text = str(req.slots.get("text", ""))
    if not is_reschedule(text):
        return None
    followup = _chosen(turn, req)
    if followup is None:
        pending = followups.pending_followups(turn.uow, turn.user)
        candidates = _named(turn, req, pending)
        if candidates is None:
            for date_text in entity_texts(req, EntityLabel.DATE):
                text = text.replace(date_text, " ")
            candidates = _by_words(pending, followup_words(text, moving=True))
        if not candidates:
            if says_followup(text):
                return [Text("No open follow-up of yours matches that. Ask “what's due this week?” to see them.")]
            return None
        if len(candidates) > 1:
            options = [(followup_line(f, turn), f"#{f.id}") for f in candidates[:10]]
            raise Ask(SlotName.FOLLOWUP, "Which follow-up should I move?", options)
        followup = candidates[0]
    when = slot_or_date(req, "when", turn.tz)
    if when is None:
        raise Ask(SlotName.WHEN, f"When should “{followup.title}” be instead? For example “monday 10am”.")
    due = when.starts_at(DEFAULT_DUE_TIME)
    if when.moment is None:  # a day only: at the time of day it had
        due = _at_time_of(due, followup.due_at, turn.tz)
    followups.reschedule_followup(turn.uow, followup, due, now=turn.now)
    return [Text(f"Moved “{followup.title}” to {when_text(followup.due_at, turn)}.", actions=(UNDO,))]


def _at_time_of(day: datetime, model: datetime, tz: ZoneInfo) -> datetime:
    local_day, local_model = day.astimezone(tz), model.astimezone(tz)
    return datetime.combine(local_day.date(), local_model.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def list_followups(turn: Turn, req: Request) -> list[Reply]:
    """A rep's own follow-ups; a manager's or admin's are everyone's, each line with its owner
    (unless they ask for their own: "show my follow-ups", "what do I have tomorrow?")."""
    text = str(req.slots.get("text", ""))
    dates = entity_dates(req, turn.tz)
    _, end_today = local_day(turn.now, turn.tz)
    listing = followup_listing(text)
    team = turn.actor.role in OVERSEES_TEAM and not _MINE.search(text)
    if dates:
        when, said = dates[0]
        due_from, due_before = when.day_span()
        what = f"due {said or 'then'}"
    elif listing is Listing.OVERDUE:
        due_from, due_before, what = None, turn.now, "overdue"
    elif listing is Listing.DUE_TODAY:
        due_from, due_before, what = None, end_today, "due today or overdue"
    else:
        due_from, due_before, what = None, None, ""
    if team:
        items = followups.team_pending_followups(turn.uow, due_from=due_from, due_before=due_before)
    else:
        items = followups.pending_followups(turn.uow, turn.user, due_from=due_from, due_before=due_before)
    turn.memory.last_list = [f.id for f in items]
    whose = " across the team" if team else ""
    if not items:
        if not what:
            return [Text(f"No open follow-ups{whose}.")]
        # nothing late is good news; an empty day is just empty
        return [Text(f"Nothing {what}{whose}." + (" Nice!" if "overdue" in what else ""))]
    lines = [f"{len(items)} {'open ' if not what else ''}follow-up{'s' if len(items) != 1 else ''}{' ' + what if what else ''}{whose}:"]
    lines += [f"{i}. {followup_line(f, turn)}{_owner_tail(f, turn) if team else ''}" for i, f in enumerate(items, 1)]
    mine = [i for i, f in enumerate(items, 1) if f.owner_id == turn.user.id]
    if mine:
        n = mine[min(1, len(mine) - 1)]
        yours = " of yours" if team else ""
        lines.append(f"Say “done {n}” to complete one{yours}, “snooze {n} 1d” to put it off a day.")
    return [Text("\n".join(lines))]


OVERSEES_TEAM = frozenset({Role.MANAGER.value, Role.ADMIN.value})
# a listing of one's own: "show my follow-ups", "what do I have tomorrow?"
_MINE = re.compile(r"\b(?:my|mine|me|I)\b", re.IGNORECASE)


def _owner_tail(f: FollowUp, turn: Turn) -> str:
    return " — you" if f.owner_id == turn.user.id else f" — {f.owner.name}"


def complete_followup(turn: Turn, req: Request) -> list[Reply]:
    followup = _chosen(turn, req)
    if followup is None:
        candidates = _candidates(turn, req)
        if not candidates:
            return [Text("No open follow-up of yours matches that. Ask “what's due this week?” to see them.")]
        if len(candidates) > 1:
            options = [(followup_line(f, turn), f"#{f.id}") for f in candidates[:10]]
            raise Ask(SlotName.FOLLOWUP, "Which follow-up is done?", options)
        followup = candidates[0]
    followups.complete_followup(turn.uow, followup, now=turn.now)
    return [Text(f"Done: “{followup.title}” ({name_of(followup.contact, followup.company)}).", actions=(UNDO,))]


def _chosen(turn: Turn, req: Request) -> FollowUp | None:
    picked = req.slots.get("followup")
    if isinstance(picked, str) and picked.startswith("#") and picked[1:].isdigit():
        found = turn.uow.get(FollowUp, int(picked[1:]))
        if found is not None and found.owner_id == turn.user.id:
            return found
    index = list_position(req)
    if index is not None and turn.memory.last_list:
        if 1 <= index <= len(turn.memory.last_list):
            found = turn.uow.get(FollowUp, turn.memory.last_list[index - 1])
            if found is not None and found.owner_id == turn.user.id:
                return found
    return None


# entities whose numbers are values, never a position in a list ("friday 2pm", "in 3 days")
_VALUE_LABELS = (EntityLabel.DATE, EntityLabel.QUANTITY, EntityLabel.MONEY, EntityLabel.PHONE)
# a number standing alone as a word: "2", "#3", "done 2", "the 2nd one", "number 3"; not
# "2pm", "9:30", "12/3", "Q3" (glued to other characters)
_NUMBER = re.compile(r"(?<![\w:/.-])#?(\d{1,3})(st|nd|rd|th)?(?![\w:/-]|[.,]\d)", re.IGNORECASE)
# the words after a number that make it a time or an amount: "2 pm", "3 hours", "10 o'clock"
_TIME_AFTER = re.compile(
    r"\s*(?:[ap]\.?m\b|h\b|hrs?\b|hours?\b|mins?\b|minutes?\b|days?\b|weeks?\b|months?\b|o'?clock\b)",
    re.IGNORECASE,
)
# the words before a number that make it a time or a date: "at 3", "by 5", "on the 3rd"
_TIME_BEFORE = re.compile(r"\b(?:at|by|until|till|til|before|after|from|in|on|around|about|the|to)\s*$", re.IGNORECASE)


def list_position(req: Request) -> int | None:
    """The position in the last list the message picks ("done 2", "#3", "the 2nd one",
    "number 3"); None when it names no position. A number that is part of a time, a date
    or an amount ("push the Ingrid follow-up to friday 2pm", "at 3", "12/3", "in 2 days")
    is not a position, and neither is any number of a message that names a customer (the
    name picks the follow-up) or has two numbers that could be positions."""
    if entity_values(req, EntityLabel.PERSON) or entity_values(req, EntityLabel.ORG):
        return None
    text = str(req.slots.get("text", ""))
    for label in _VALUE_LABELS:
        for said in entity_texts(req, label):
            text = text.replace(said, " " * len(said))
    found: list[int] = []
    for number in _NUMBER.finditer(text):
        before, after = text[: number.start()], text[number.end() :]
        if number.group(2) and not re.match(r"\s+one\b", after, re.IGNORECASE):
            continue  # "the 3rd" is a day of the month; "the 3rd one" a position
        if _TIME_AFTER.match(after):
            continue
        if _TIME_BEFORE.search(before) and not number.group(2) and not number.group(0).startswith("#"):
            continue
        found.append(int(number.group(1)))
    return found[0] if len(found) == 1 else None


def _candidates(turn: Turn, req: Request) -> list[FollowUp]:
    pending = followups.pending_followups(turn.uow, turn.user)
    by_name = _named(turn, req, pending)
    if by_name is not None:
        return by_name
    matched = _by_words(pending, followup_words(str(req.slots.get("text", ""))))
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


def _by_words(pending: list[FollowUp], said: set[str]) -> list[FollowUp]:
    """The follow-ups that have one of the words `said` in their title or names."""
    return [f for f in pending if said & _words_of(f)]


def _words_of(f: FollowUp) -> set[str]:
    """The words of a follow-up's title and of its contact's and company's names."""
    return words(" ".join([f.title, f.contact.name if f.contact else "", f.company.name if f.company else ""]))


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
        followup = turn.uow.get(FollowUp, int(ident))
    elif typed is not None:
        action, (number, amount, unit) = "snooze", typed.groups()
        shown = turn.memory.last_list
        if not 1 <= int(number) <= len(shown):
            return [Text("Which one? Ask “what's due this week?” to see the numbers, then say “snooze 2”.")]
        followup = turn.uow.get(FollowUp, shown[int(number) - 1])
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


HANDLES: dict[Intent, Handler] = {
    Intent.SCHEDULE_FOLLOWUP: schedule_followup,
    Intent.LIST_FOLLOWUPS: list_followups,
    Intent.COMPLETE_FOLLOWUP: complete_followup,
}
HELP = HelpTopic(
    "follow-ups",
    (
        (Intent.SCHEDULE_FOLLOWUP, "remind me to send the proposal to Jane friday 10am"),
        (Intent.LIST_FOLLOWUPS, "what's due this week?"),
        (Intent.LIST_FOLLOWUPS, "overdue follow-ups"),
        (Intent.COMPLETE_FOLLOWUP, "done with the Acme follow-up"),
        (Intent.SCHEDULE_FOLLOWUP, "push the Jane follow-up to monday 9am"),
        (Intent.LIST_FOLLOWUPS, "snooze 2 1d (after a list)"),
    ),
)
