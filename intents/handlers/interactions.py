"""log_interaction: a call, meeting, e-mail, demo, visit or note that happened, linked to the
contact and company; a named next step with a future date also becomes a follow-up."""

from __future__ import annotations

import re
from datetime import datetime, time

from crm_core.enums import InteractionType
from crm_core.services import followups, interactions
from intents.handlers.common import UNDO, name_of, when_text, who
from intents.messages import Reply, Text
from intents.state import Request
from intents.turn import Turn, entity_values
from intents.when import parse_local
from nlp_models.labels import EntityLabel

ARTICLE_AND_NAME = {"email": "an e-mail"}
NEXT_STEP_MARKERS = re.compile(
    r"^\s*(?:and\s+)?(?:f/?u|follow[\s-]?up|next\s+steps?|todo|to\s+do|then|need\s+to|will|remind\s+me\s+to)\b[:\s-]*",
    re.IGNORECASE,
)
NEXT_STEP_CUES = re.compile(
    r"\b(?:f/?u|follow[\s-]?up|next\s+steps?|remind|todo|to\s+do|chase|check\s+in|call\s+(?:\w+\s+)?back|"
    r"send|need\s+to|i'?ll|we'?ll|i\s+will|we\s+will)\b",
    re.IGNORECASE,
)
INNER_MARKERS = re.compile(r"\s(?:f/?u|follow[\s-]?up|next\s+steps?)\b[:\s-]*", re.IGNORECASE)
TRAILING_LINKS = re.compile(r"\s+(?:by|on|at|until|before|for|in|next|this)\s*$", re.IGNORECASE)
CLAUSES = re.compile(r"[,;.!\n]|\s+-\s+|\s+and\s+", re.IGNORECASE)


def log_interaction(turn: Turn, req: Request) -> list[Reply]:
    kind = InteractionType((entity_values(req, EntityLabel.INTERACTION_TYPE) or ["note"])[0])
    contact, company = who(turn, req, ask="Who was it with? (a contact or a company)")
    past, future = _split_dates(req, turn)
    occurred_at = _occurred_at(past, turn)
    text = str(req.slots["text"])
    interaction = interactions.log_interaction(
        turn.uow, kind, text, occurred_at, turn.user, contact=contact, company=company, now=turn.now
    )
    lines = [f"Logged {ARTICLE_AND_NAME.get(kind.value, 'a ' + kind.value)} with {name_of(contact, company)}, {when_text(occurred_at, turn)}."]
    if future:
        value, date_text = future[0]
        due, _ = parse_local(value, turn.tz)
        title = next_step_title(text, date_text) or f"Follow up with {(contact or company).name}"  # type: ignore[union-attr]
        followup = followups.schedule_followup(
            turn.uow, title, due, turn.user, contact=contact, company=company, interaction=interaction, now=turn.now
        )
        lines.append(f"Follow-up “{followup.title}” due {when_text(followup.due_at, turn)}.")
    return [Text(" ".join(lines), actions=(UNDO,))]


def _split_dates(req: Request, turn: Turn) -> tuple[list[str], list[tuple[str, str]]]:
    past: list[str] = []
    future: list[tuple[str, str]] = []
    for label, value, text in req.slots.get("entities", []):
        if label != EntityLabel.DATE:
            continue
        start, _ = parse_local(value, turn.tz, default_time=time(0, 0))
        if start <= turn.now:
            past.append(value)
        elif "/" not in value or _names_a_next_step(str(req.slots.get("text", "")), text):
            future.append((value, text))
    return past, future


def _names_a_next_step(text: str, date_text: str) -> bool:
    """A future period ("budget approved for Q1", "they decide next month") is no next
    step unless its clause says one ("f/u next week", "send the proposal this month")."""
    clause = next((c for c in CLAUSES.split(text) if date_text and date_text in c), "")
    return bool(NEXT_STEP_CUES.search(clause))


def _occurred_at(past: list[str], turn: Turn) -> datetime:
    """A past date; a day without a time is that day at noon (today: now)."""
    if not past:
        return turn.now
    value = past[0]
    if "T" not in value.split("/")[0]:
        day = value.split("/")[0]
        if day == turn.now.astimezone(turn.tz).date().isoformat():
            return turn.now
        start, _ = parse_local(day, turn.tz, default_time=time(12, 0))
        return min(start, turn.now)
    start, _ = parse_local(value.split("/")[0], turn.tz)
    return min(start, turn.now)


def next_step_title(text: str, date_text: str) -> str | None:
    """The clause that holds the next step's date, without the date and the "f/u" words:
    "..., next step: send proposal by friday" → "Send proposal"."""
    for clause in CLAUSES.split(text):
        if date_text and date_text in clause:
            rest = clause.replace(date_text, " ")
            # "called X re renewal f/u tmrw": what comes before the marker is what happened
            marker = list(INNER_MARKERS.finditer(rest))
            if marker:
                rest = rest[marker[-1].end() :]
            rest = NEXT_STEP_MARKERS.sub("", rest).strip()
            rest = re.sub(r"^(?:to|and|then)\s+", "", rest, flags=re.IGNORECASE)
            rest = re.sub(r"^with\s+", "follow up with ", rest, flags=re.IGNORECASE)
            rest = TRAILING_LINKS.sub("", " ".join(rest.split())).strip(" :-")
            if len(rest.split()) >= 2:
                return rest[0].upper() + rest[1:]
            return None
    return None
