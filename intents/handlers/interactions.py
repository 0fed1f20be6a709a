"""log_interaction: a call, meeting, e-mail, demo, visit or note that happened, linked to the
contact and company; a named next step with a future date also becomes a follow-up."""

from __future__ import annotations

from datetime import datetime, time

from crm_core.enums import InteractionType
from crm_core.services import followups, interactions
from intents.handlers.common import UNDO, entity_dates, name_of, when_text, who
from intents.messages import Reply, Text
from intents.state import Request
from intents.turn import Handler, HelpTopic, Turn, entity_values
from intents.when import DEFAULT_DUE_TIME
from intents.wording import interaction_word, with_article
from nlp_models.labels import EntityLabel, Intent
from nlp_models.tasks import names_a_next_step, next_step
from nlp_models.values import DateKind, DateValue

# A period dates an interaction only when it is this short ("last week", "earlier this
# week"); a longer one ("in Feb", "last month") is what the note is about, not when it was
# made, so the interaction is dated now.
LONGEST_DATING_PERIOD_DAYS = 7


def log_interaction(turn: Turn, req: Request) -> list[Reply]:
    kind = InteractionType((entity_values(req, EntityLabel.INTERACTION_TYPE) or ["note"])[0])
    contact, company = who(turn, req, ask="Who was it with? (a contact or a company)")
    past, future = _split_dates(req, turn)
    occurred_at = _occurred_at(past, turn)
    text = str(req.slots["text"])
    interaction = interactions.log_interaction(
        turn.uow, kind, text, occurred_at, turn.user, contact=contact, company=company, now=turn.now
    )
    lines = [f"Logged {with_article(interaction_word(kind))} with {name_of(contact, company)}, {when_text(occurred_at, turn)}."]
    if future:
        when, date_text = future[0]
        due = when.starts_at(DEFAULT_DUE_TIME)
        title = next_step(text, date_text) or f"Follow up with {(contact or company).name}"  # type: ignore[union-attr]
        followup = followups.schedule_followup(
            turn.uow, title, due, turn.user, contact=contact, company=company, interaction=interaction, now=turn.now
        )
        lines.append(f"Follow-up “{followup.title}” due {when_text(followup.due_at, turn)}.")
    return [Text(" ".join(lines), actions=(UNDO,))]


def _split_dates(req: Request, turn: Turn) -> tuple[list[DateValue], list[tuple[DateValue, str]]]:
    """The request's dates that have begun and can say when the interaction happened (a day,
    a moment or a week at most), and those still to come that name a next step (a day or
    moment, or a period its clause says is one), each with its text."""
    past: list[DateValue] = []
    future: list[tuple[DateValue, str]] = []
    for when, date_text in entity_dates(req, turn.tz):
        if when.starts_at(time(0, 0)) <= turn.now:
            if when.last is None or (when.last - when.first).days < LONGEST_DATING_PERIOD_DAYS:
                past.append(when)
        elif when.kind is not DateKind.PERIOD or names_a_next_step(str(req.slots.get("text", "")), date_text):
            future.append((when, date_text))
    return past, future


def _occurred_at(past: list[DateValue], turn: Turn) -> datetime:
    """A past date; a day without a time is that day at noon (today: now)."""
    if not past:
        return turn.now
    when = past[0]
    if when.moment is None and when.first == turn.now.astimezone(turn.tz).date():
        return turn.now
    return min(when.starts_at(time(12, 0)), turn.now)


HANDLES: dict[Intent, Handler] = {Intent.LOG_INTERACTION: log_interaction}
HELP = HelpTopic(
    "log calls, meetings and notes",
    (
        (Intent.LOG_INTERACTION, "called Jane Smith at Acme, she wants pricing for 50 seats, f/u next tue"),
        (Intent.LOG_INTERACTION, "met the Globex team yesterday, demo went well"),
    ),
)
