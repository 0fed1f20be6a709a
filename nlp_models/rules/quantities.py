"""QUANTITY: an integer count of items: `50 seats`, `three licences`, `a dozen units`, `x10`,
`10x`, `qty 5`, `20 X200 routers`, `5 Pro licences`, `3x Premium Support`.

A number is a count only when it counts something: an item noun follows (possibly after a
product name or an adjective), a product-like capitalised name follows, or it is written as a
multiplier (`x10`, `10x`) or after `qty`. So ratings (4/5, 5 stars), percentages, durations
("in 3 days"), ages, years, prices and ids never qualify. The span is the count itself,
without the noun, so that it never swallows a PRODUCT.
"""

from __future__ import annotations

import re

from nlp_models.labels import EntityLabel
from nlp_models.rules.lexicon import (
    ITEM_NOUN_WORDS,
    ITEM_NOUNS,
    NUMBER_WORDS,
    SMALL_NUMBERS,
    TENS,
    WB,
    WE,
    word_set,
    words_to_int,
)
from nlp_models.types import Entity

MAX_QUANTITY = 10_000_000
_DIGIT = re.compile(r"\d")
_QTY_WORDS = frozenset({"qty", "quantity", "qnty", "pcs", "units", "no"})

_DIGITS = r"\d{1,3}(?:,\d{3})+|\d{1,7}"
_ADJ = (
    r"(?:more|additional|extra|new|spare|further|other|user|named|annual|monthly|yearly"
    r"|pro|premium|basic|standard|enterprise|team|business|starter|replacement|wireless"
    r"|mobile|desktop|used|refurbished)"
)
# A product-like token: capitalised or carrying a digit (X200, iPhone15, H5), or all caps.
_PRODUCT_TOKEN = r"(?-i:[A-Z][\w'&.-]*|[a-z]+\d[\w-]*|\d+[A-Za-z][\w-]*)"
_LEFT = r"(?<![\w$€£¥₹#.,/:-])"
# One free lower-case word between a count and its noun ("4 store licences"), not a unit word.
_ANY_WORD = (
    r"(?-i:(?!(?:days?|weeks?|months?|years?|hours?|minutes?|times|of|per|for|at|in|to|and|or"
    r"|with|from|on|the|a|an)\b)[a-z][a-z-]*)"
)
_PLURALS = frozenset({"pcs", "mice", "sheep", "staff"})

_BETWEEN = rf"\s+(?:(?:{_ADJ}|{_PRODUCT_TOKEN})\s+){{0,3}}?(?:{_ANY_WORD}\s+)?(?P<noun>{ITEM_NOUNS}){WE}"
# Two scans: digits (cheap, first character known) and, only if the message has a number
# word, words ("three licences", "a dozen units").
_NOUN_AFTER_DIGITS = re.compile(rf"(?=\d){_LEFT}(?P<num>{_DIGITS})(?P<k>k)?{_BETWEEN}", re.IGNORECASE)
_NOUN_AFTER_WORDS = re.compile(rf"{_LEFT}(?P<words>{NUMBER_WORDS}){_BETWEEN}", re.IGNORECASE)
_NUMBER_WORD_SET = frozenset(
    [*SMALL_NUMBERS, *TENS, "hundred", "thousand", "dozen", "couple", "pair"]
)
# "20 X200", "12 Tablet Stand", "3 Premium Support": a count followed by a product name.
_PRODUCT_AFTER = re.compile(
    rf"(?=[1-9]){_LEFT}(?P<num>\d{{1,4}})\s+(?:(?:more|additional|extra|new)\s+)?(?-i:(?P<product>[A-Z][\w'&-]*|[A-Za-z]+\d[\w-]*))"
)
_MULT_BEFORE = re.compile(
    rf"{WB}(?P<x>[x×])\s?(?P<num>\d{{1,5}}){WE}(?![.,]\d|\s*[x×]\s*\d|\s+{ITEM_NOUNS}{WE})"
)
_MULT_AFTER = re.compile(
    rf"(?=\d){_LEFT}(?P<num>\d{{1,5}})\s?(?P<x>[x×])(?!\w|\s*\d)"
    r"(?!\s+(?:faster|slower|more|less|better|worse|cheaper|bigger|smaller|higher|lower"
    r"|growth|increase|return|roi|the|as|speed|times|zoom|a|an|per|each|every|daily|weekly"
    r"|monthly|yearly|annually)\b)"
)
_QTY = re.compile(
    rf"{WB}(?:qty|quantity|qnty|amount\s+of\s+units|no\.?\s+of\s+units|pcs)\.?"
    rf"\s*(?:of\s+|[:=]\s*|is\s+|to\s+)?(?P<num>{_DIGITS}){WE}(?![.,]\d)",
    re.IGNORECASE,
)
# Words after which a capitalised token is not a product: "on 3 March", "at 5 Main Street".
_NOT_PRODUCT = re.compile(
    r"(?:January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Monday|Tuesday|Wednesday"
    r"|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|AM|PM|I|Q[1-4]|USD|EUR"
    r"|GBP|Street|St|Road|Rd|Ave|Avenue|Stars?|Days?|Weeks?|Months?|Years?|Hours?|Minutes?"
    r"|Percent|People|Users)$",
    re.IGNORECASE,
)
_ID_BEFORE = (
    r"ticket|tkt|case|issue|invoice|po|ref|version|ver|v|room|number|no|id|rated|rating|score"
    r"|scored|gave|give|age|aged|page|step|line|floor|suite|apt|building|top|rank|ranked|pos"
)
# Before the count of "50 seats": only ids and ratings disqualify it.
_BEFORE_NOUN_COUNT = re.compile(rf"(?:\b(?:{_ID_BEFORE})\s*#?\s*|[#$€£¥₹]\s*)$", re.IGNORECASE)
# Before "20 X200": also places and times ("at 3 Main Street", "on 3 March").
_BEFORE_PRODUCT_COUNT = re.compile(
    rf"(?:\b(?:{_ID_BEFORE}|at|on|by|since|until|till|in|from)\s*#?\s*|[#$€£¥₹]\s*)$",
    re.IGNORECASE,
)
# "my Nimbus 5 laptop": a number between a name and a singular noun is a model number.
_NAME_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w-]*\s+$")
_MODEL_BEFORE = re.compile(r"\b(?i:the|my|our|your|his|her|their|this|that)\s+[A-Z][\w-]*\s+$")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _to_int(m: re.Match[str]) -> int | None:
    words = m.groupdict().get("words")
    if words:
        return words_to_int(words)
    num = m.group("num")
    if num is None:
        return None
    value = int(num.replace(",", ""))
    if m.groupdict().get("k"):
        value *= 1000
    return value


def _count_span(m: re.Match[str]) -> tuple[int, int]:
    if m.groupdict().get("words"):
        return m.span("words")
    return m.start("num"), m.end("k") if m.groupdict().get("k") else m.end("num")


def find_quantities(text: str) -> list[Entity]:
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: int | None) -> None:
        if value is None or not 0 < value <= MAX_QUANTITY:
            return
        if any(start < e and s < end for s, e in taken):
            return
        found.append(Entity(EntityLabel.QUANTITY, text[start:end], start, end, str(value)))
        taken.append((start, end))

    words = word_set(text)
    has_digit = _DIGIT.search(text) is not None
    if has_digit and ("x" in text or "×" in text):
        for m in _MULT_BEFORE.finditer(text):
            add(m.start(), m.end(), int(m.group("num")))
        for m in _MULT_AFTER.finditer(text):
            add(m.start(), m.end(), int(m.group("num")))
    if has_digit and not _QTY_WORDS.isdisjoint(words):
        for m in _QTY.finditer(text):
            add(m.start(), m.end(), int(m.group("num").replace(",", "")))
    nouns = not ITEM_NOUN_WORDS.isdisjoint(words) or "t-shirt" in text.lower()
    scans: list[re.Pattern[str]] = []
    if nouns and has_digit:
        scans.append(_NOUN_AFTER_DIGITS)
    if nouns and not _NUMBER_WORD_SET.isdisjoint(words):
        scans.append(_NOUN_AFTER_WORDS)
    for m in (m for scan in scans for m in scan.finditer(text)):
        start, end = _count_span(m)
        if m.groupdict().get("words") is None and _BEFORE_NOUN_COUNT.search(text, max(0, start - 12), start):
            continue
        value = _to_int(m)
        noun = m.group("noun").lower()
        singular = not noun.endswith("s") and noun not in _PLURALS
        if value != 1 and singular and _NAME_BEFORE.search(text, max(0, start - 24), start):
            continue
        if _MODEL_BEFORE.search(text, max(0, start - 32), start):
            continue  # "the AirMax 3 headphones"
        add(start, end, value)
    for m in _PRODUCT_AFTER.finditer(text) if has_digit else ():
        if _NOT_PRODUCT.match(m.group("product")):
            continue
        if _YEAR.fullmatch(m.group("num")):
            continue
        if _BEFORE_PRODUCT_COUNT.search(text, max(0, m.start() - 12), m.start()):
            continue
        add(m.start("num"), m.end("num"), int(m.group("num")))
    return found
