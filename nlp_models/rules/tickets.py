"""TICKET_ID: the digits of a support ticket: `#1042`, `ticket 1042`, `case no. 1042`, `TKT-1042`,
`ticket T-1042`, `my ticket number is 1042`.

Order, invoice and purchase-order numbers are not tickets: `order #7781`, `#A-7781`,
`ORD-2231`, `invoice 5521`, `PO #88123`. A bare `#1042` is a ticket unless such a word
(or task/reminder) stands right before it.

`bare_ticket_numbers` finds a number with no cue at all ("any news on 1042?", "1042 works
now, thanks"): the pipeline asks for it only where the intent is about an existing ticket and
no other rule claimed the number.
"""

from __future__ import annotations

import re

from nlp_models.labels import EntityLabel
from nlp_models.rules.lexicon import FOLLOWED_BY_UNIT, word_set
from nlp_models.types import Entity

_NO = (
    r"(?:\s*(?:no\.?|nr\.?|num(?:ber)?\.?|id|#)(?:\s+is)?(?=\s*#?\s*(?:[a-z]{1,3}-)?\d))?\s*[:#]?\s*"
    # the id written with a short prefix after its cue: "ticket T-1042", "case CS-88121"
    r"(?:[a-z]{1,3}-(?=\d))?"
)
# Strong cue words take any number of digits; weak ones ("issue", "case") need three or more.
_CUED = re.compile(
    rf"(?=[tcisbrTCISBR])(?<!\w)(?P<cue>tickets?|tkts?|tix|support\s+tickets?|cases?|issues?|incidents?|inc"
    rf"|support\s+requests?|service\s+requests?|sr|bugs?|requests?|req){_NO}"
    rf"(?P<id>\d{{1,10}})(?![\d\w]|[.,]\d|\s*%)",
    re.IGNORECASE,
)
# TKT-1042, CASE-1042, INC1042 (the id glued to its prefix).
_PREFIXED = re.compile(r"(?=[tcisTCIS])(?<![\w-])(?:tkt|ticket|case|inc|sr)[-_#]?(?P<id>\d{2,10})(?!\w|-\w)", re.IGNORECASE)
_HASH = re.compile(r"(?=#)(?<![\w&#])#\s?(?P<id>\d{3,10})(?![\w-]|[.,]\d)")
# "tickets 1042, 1043 and #1044"
_MORE = re.compile(r"\s*(?:,|&|/|\band\b|\bor\b|\+)\s*#?(?P<id>\d{2,10})(?![\d\w]|[.,]\d)", re.IGNORECASE)
_NOT_TICKET_BEFORE = re.compile(
    r"(?<!\w)(?:order|orders|ord|invoice|inv|po|p\.o\.?|purchase\s+order|receipt|quote|quotation"
    r"|shipment|delivery|tracking|sku|item|part|ref|reference|account|acct|room|task|todo"
    r"|to-do|reminder|follow[\s-]?up|f/u|step|pr|pull\s+request|table|store|branch|no|rank"
    r"|ranked|number|top)\.?\s*(?:no\.?|nr\.?|number|num)?\s*[:#]?\s*$",
    re.IGNORECASE,
)
_IN_CASE = re.compile(r"(?<!\w)(?:in|any)\s+$", re.IGNORECASE)
_WEAK_CUES = {"issue", "issues", "case", "cases", "request", "requests", "req", "bug", "bugs",
              "inc", "sr", "incident", "incidents"}


_GATE_WORDS = frozenset({
    "ticket", "tickets", "tkt", "tkts", "tix", "case", "cases", "issue", "issues", "incident",
    "incidents", "inc", "request", "requests", "req", "sr", "bug", "bugs",
})
_DIGIT = re.compile(r"\d")


def find_tickets(text: str) -> list[Entity]:
    if _DIGIT.search(text) is None:
        return []
    if "#" not in text and _GATE_WORDS.isdisjoint(word_set(text)):
        return []
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: str) -> None:
        if any(start < e and s < end for s, e in taken):
            return
        found.append(Entity(EntityLabel.TICKET_ID, text[start:end], start, end, value))
        taken.append((start, end))

    def more(after: int) -> None:
        pos = after
        while True:
            m = _MORE.match(text, pos)
            if m is None or FOLLOWED_BY_UNIT.match(text, m.end()):
                return
            add(m.start("id") - (1 if text[m.start("id") - 1] == "#" else 0), m.end(), m.group("id"))
            pos = m.end()

    for m in _CUED.finditer(text):
        cue = re.sub(r"\s+", " ", m.group("cue").lower())
        ident = m.group("id")
        weak = cue in _WEAK_CUES
        if weak and len(ident) < 3:
            continue
        if cue == "case" and _IN_CASE.search(text, max(0, m.start() - 5), m.start()):
            continue  # "in case 2026 …"
        if FOLLOWED_BY_UNIT.match(text, m.end()):
            continue  # "case 3 days ago", "ticket 2 hours"
        add(m.start(), m.end(), ident)
        if cue.endswith("s") or cue in {"tix"}:
            more(m.end())

    for m in _PREFIXED.finditer(text):
        add(m.start(), m.end(), m.group("id"))

    for m in _HASH.finditer(text):
        if _NOT_TICKET_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue
        if FOLLOWED_BY_UNIT.match(text, m.end()):
            continue
        add(m.start(), m.end(), m.group("id"))
    return found


# A number standing alone: not part of a longer token, a decimal, a date, a time, a range or
# a percentage, and not glued to a currency sign.
_BARE = re.compile(r"(?<![\w#.,/:$€£¥+-])(?P<id>\d{3,10})(?!\w|[.,/:-]\d|\s*%)")


def bare_ticket_numbers(text: str) -> list[Entity]:
    """Numbers of three to ten digits with no ticket cue, as TICKET_ID, unless an order,
    invoice or similar word stands right before ("status of order 7781") or a unit after
    ("1042 units")."""
    found = []
    for m in _BARE.finditer(text):
        if _NOT_TICKET_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue
        if FOLLOWED_BY_UNIT.match(text, m.end()):
            continue
        found.append(Entity(EntityLabel.TICKET_ID, m.group(), m.start(), m.end(), m.group("id")))
    return found
