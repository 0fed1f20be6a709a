"""Reading messages about follow-ups: what a new one should say, the next step a logged
call names, whether a message asking for one reports what happened first (then it is a log), whether a message moves an existing one, which listing it asks for, and the
words that may name one.

Deterministic rules over the text (and the DATE entities' texts found in it), the same on
every build of the model. The dialogue decides what to do with what they read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from nlp_models.labels import EntityLabel
from nlp_models.rules.dates.impossible import impossible_when
from nlp_models.rules.synonyms import find_synonyms

# -- what a new follow-up should say --------------------------------------------------------

_TITLE_PREFIX = re.compile(
    r"^\s*(?:(?:please|pls|plz|hey|ok)\s+)*(?:remind\s+me(?:\s+(?:to|about|that|of))?\b|reminder\s*(?:to|:)?|"
    r"set\s+(?:a|up\s+a)\s+(?:follow[\s-]?up|reminder|task)\s*(?:to|for|:)?|(?:follow[\s-]?up|f/u|todo|task)\s*(?:to|:)?|"
    r"i\s+(?:need|have)\s+to|need\s+to|don'?t\s+let\s+me\s+forget\s+to)\s*",
    re.IGNORECASE,
)
# "pls add to my list", "put it on my calendar": how to keep it, not what is to be done
_TITLE_ASIDE = re.compile(
    r"[\s,;:-]*\b(?:(?:please|pls|plz)\s+)?(?:add|put)(?:\s+(?:it|this|that))?\s+(?:to|on|in(?:to)?)\s+my\s+"
    r"(?:list|calendar|cal|tasks?|to-?do(?:\s+list)?|agenda)\b[\s,;:.!-]*",
    re.IGNORECASE,
)
_TITLE_TAIL = re.compile(r"(?:\s+(?:at|on|by|for|in|until|before|next|this|due))+\s*$", re.IGNORECASE)


def followup_title(text: str, date_texts: Iterable[str] = ()) -> str:
    """What is to be done: the message without the "remind me to" words, where to keep it,
    the dates (`date_texts`, as written) and any impossible time, capitalised; "" when
    fewer than two words are left."""
    for date_text in [*date_texts, impossible_when(text)]:
        text = text.replace(date_text, " ") if date_text else text
    title = " ".join(_TITLE_ASIDE.sub(" ", text).split())
    title = _TITLE_PREFIX.sub("", title)
    title = _TITLE_TAIL.sub("", title).strip(" ,.:;-!?")
    return title[0].upper() + title[1:] if len(title.split()) >= 2 else ""


# -- the next step a logged interaction names -----------------------------------------------

_NEXT_STEP_MARKERS = re.compile(
    r"^\s*(?:and\s+)?(?:f/?u|follow[\s-]?up|next\s+steps?|todo|to\s+do|then|need\s+to|will|remind\s+me\s+to)\b[:\s-]*",
    re.IGNORECASE,
)
_NEXT_STEP_CUES = re.compile(
    r"\b(?:f/?u|follow[\s-]?up|next\s+steps?|remind|todo|to\s+do|chase|check\s+in|call\s+(?:\w+\s+)?back|"
    r"send|need\s+to|i'?ll|we'?ll|i\s+will|we\s+will)\b",
    re.IGNORECASE,
)
_INNER_MARKERS = re.compile(r"\s(?:f/?u|follow[\s-]?up|next\s+steps?)\b[:\s-]*", re.IGNORECASE)
_TRAILING_LINKS = re.compile(r"\s+(?:by|on|at|until|before|for|in|next|this)\s*$", re.IGNORECASE)
_CLAUSES = re.compile(r"[,;.!\n]|\s+-\s+|\s+and\s+", re.IGNORECASE)


def _clause_with(text: str, date_text: str) -> str | None:
    """The clause of `text` that holds `date_text`; None when none does."""
    return next((c for c in _CLAUSES.split(text) if date_text and date_text in c), None)


def names_a_next_step(text: str, date_text: str) -> bool:
    """Whether the clause of the date `date_text` says a next step ("f/u next week", "send
    the proposal this month"); a period alone ("budget approved for Q1") does not."""
    return bool(_NEXT_STEP_CUES.search(_clause_with(text, date_text) or ""))


def next_step(text: str, date_text: str) -> str | None:
    """The clause that holds the next step's date, without the date and the "f/u" words:
    "..., next step: send proposal by friday" → "Send proposal"; None when fewer than two
    words are left."""
    clause = _clause_with(text, date_text)
    if clause is None:
        return None
    rest = clause.replace(date_text, " ")
    # "called X re renewal f/u tmrw": what comes before the marker is what happened
    marker = list(_INNER_MARKERS.finditer(rest))
    if marker:
        rest = rest[marker[-1].end() :]
    rest = _NEXT_STEP_MARKERS.sub("", rest).strip()
    rest = re.sub(r"^(?:to|and|then)\s+", "", rest, flags=re.IGNORECASE)
    rest = re.sub(r"^with\s+", "follow up with ", rest, flags=re.IGNORECASE)
    rest = _TRAILING_LINKS.sub("", " ".join(rest.split())).strip(" :-")
    return rest[0].upper() + rest[1:] if len(rest.split()) >= 2 else None


# -- a log that also names its next step ------------------------------------------------------

# words a report may open with before what happened ("just called", "today met")
_OPENERS = frozenset({
    "just", "i", "we", "today", "earlier", "finally", "ok", "okay", "so", "also", "fyi", "update",
    "this", "morning", "afternoon", "yesterday", "have", "had",
})
_PAST_IRREGULAR = frozenset({
    "met", "spoke", "spoken", "rang", "rung", "sent", "wrote", "left", "sat", "saw", "went",
    "had", "got", "took", "gave", "told", "caught", "demo'd", "demod", "cald", "calld",
})


def reports_what_happened(text: str) -> bool:
    """Whether the message opens with an interaction that happened ("called Rohan …, f/u
    tomorrow", "just met Hugo, next step: proposal friday"): it is a log, and what it asks
    for later is the log's next step, not the message's point. An order ("call Rohan
    tomorrow") or a request ("remind me to call Rohan") does not open that way."""
    found = [e for e in find_synonyms(text) if e.label is EntityLabel.INTERACTION_TYPE]
    if not found:
        return False
    first = min(found, key=lambda e: (e.start, -e.end))
    before = re.findall(r"[\w']+", text[: first.start].lower())
    if any(word not in _OPENERS for word in before):
        return False
    verb = first.text.split()[0].lower()
    return verb in _PAST_IRREGULAR or verb.endswith(("ed", "'d"))


# -- moving an existing follow-up -----------------------------------------------------------

_RESCHEDULE = re.compile(r"\b(?:push|move|reschedule|re-schedule|postpone|shift|bump|delay|put\s+off)\b", re.IGNORECASE)
# "remind me to move the boxes": a new task, whatever its words
_NEW_TASK = re.compile(
    r"^\s*(?:(?:please|pls|plz|hey|ok)\s+)*(?:remind\s+me|set\s+(?:a|up\s+a)\s+|reminder\b|todo\b|task\b|"
    r"i\s+(?:need|have)\s+to|need\s+to|don'?t\s+let\s+me\s+forget)",
    re.IGNORECASE,
)
_MEETING_WORDS = re.compile(r"\b(?:call|meeting|mtg|demo|visit|check[\s-]?in)\b", re.IGNORECASE)
_FOLLOWUP_WORDS = re.compile(r"\b(?:follow[\s-]?ups?|f/u|reminders?|tasks?|todos?)\b", re.IGNORECASE)


def is_reschedule(text: str) -> bool:
    """Whether the message moves a follow-up or a call it names ("push the Cian follow-up",
    "move my call with Hugo"), not a new task ("remind me to move the boxes") or a push of
    another kind ("push for a decision by friday")."""
    return (
        bool(_RESCHEDULE.search(text))
        and not _NEW_TASK.match(text)
        and bool(_FOLLOWUP_WORDS.search(text) or _MEETING_WORDS.search(text))
    )


def says_followup(text: str) -> bool:
    """Whether the message names follow-ups, reminders or tasks as such."""
    return bool(_FOLLOWUP_WORDS.search(text))


# -- which follow-ups a listing asks for ----------------------------------------------------


class Listing(StrEnum):
    OVERDUE = "overdue"  # "anything overdue?"
    DUE_TODAY = "due_today"  # "what's due today?", and what names no listing
    OPEN = "open"  # "show all my follow-ups"


_OVERDUE = re.compile(r"\b(?:overdue|late|missed|past due)\b", re.IGNORECASE)
_ALL = re.compile(r"\b(?:all|every|open|upcoming|pending|my|list|show)\b", re.IGNORECASE)
_TODAY = re.compile(r"\b(?:today|due|now|agenda)\b", re.IGNORECASE)


def followup_listing(text: str) -> Listing:
    """The listing a message without a date asks for."""
    if _OVERDUE.search(text):
        return Listing.OVERDUE
    if _TODAY.search(text) or not _ALL.search(text):
        return Listing.DUE_TODAY
    return Listing.OPEN


# -- words that may name a follow-up --------------------------------------------------------

_STOP_WORDS = frozenset({
    "the", "a", "an", "my", "with", "for", "to", "done", "complete", "completed", "finished", "mark",
    "follow", "up", "followup", "follow-up", "f/u", "task", "as", "is", "it", "that", "this", "i", "did",
    "close", "tick", "off", "check", "of", "re", "about", "call", "email",
})  # fmt: skip
_MOVE_WORDS = frozenset({
    "push", "move", "reschedule", "re", "schedule", "postpone", "shift", "bump", "delay", "put", "off",
    "reminder", "till", "until", "instead", "can", "we", "please", "pls", "back", "forward", "later",
})  # fmt: skip


def words(text: str) -> set[str]:
    """The lower-cased words of `text`."""
    return set(re.findall(r"\w+", text.lower()))


def followup_words(text: str, moving: bool = False) -> set[str]:
    """The words of a message about a follow-up that may name it (a title's or a customer's
    words): not the words of marking one done, nor, when `moving`, of moving one."""
    return words(text) - _STOP_WORDS - (_MOVE_WORDS if moving else frozenset())
