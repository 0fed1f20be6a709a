"""Vocabulary shared by the rule extractors: number words, item nouns, unit words.

Kept in one place so that money, quantities and dates agree on what follows a number:
"50 seats" counts items (QUANTITY), "50 days" is a duration, "50k users" is not money.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Left and right word edges that also work for non-ASCII letters ("Müller", "Łódź").
WB = r"(?<!\w)"
WE = r"(?!\w)"

SMALL_NUMBERS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
SCALES: dict[str, int] = {"hundred": 100, "thousand": 1000}

_WORD_ALT = "|".join(sorted([*SMALL_NUMBERS, *TENS, *SCALES], key=len, reverse=True))
# "twenty five", "twenty-five", "two hundred and fifty", "a hundred", "a dozen", "half a dozen".
NUMBER_WORDS = (
    rf"(?:half\s+a\s+dozen|(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+dozen"
    rf"|dozen|a\s+couple(?:\s+of)?|a\s+pair\s+of|a\s+(?:hundred|thousand)"
    rf"(?:(?:\s+and\s+|[\s-]+)(?:{_WORD_ALT}))*"
    rf"|(?:{_WORD_ALT})(?:(?:\s+and\s+|[\s-]+)(?:{_WORD_ALT}))*)"
)

_SPLIT = re.compile(r"[\s-]+")


def words_to_int(phrase: str) -> int | None:
    """'twenty-five' → 25, 'a dozen' → 12, 'two hundred and fifty' → 250; None if not a number."""
    words = [w for w in _SPLIT.split(phrase.lower().strip()) if w and w not in {"and", "of"}]
    if not words:
        return None
    if words[-1] == "dozen":
        head = words[:-1]
        if not head or head == ["a"]:
            return 12
        if head == ["half", "a"]:
            return 6
        n = words_to_int(" ".join(head))
        return None if n is None else n * 12
    if words[0] == "a" and len(words) > 1:
        if words[1] in {"couple", "pair"}:
            return 2 if len(words) == 2 else None
        words = ["one", *words[1:]]
    if words in (["couple"], ["pair"]):
        return 2
    total = 0
    current = 0
    seen = False
    for w in words:
        if w in SMALL_NUMBERS:
            current += SMALL_NUMBERS[w]
        elif w in TENS:
            current += TENS[w]
        elif w == "hundred":
            current = (current or 1) * 100
        elif w == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


# Things one counts in an order or a deal, singular and plural ("licence"/"license").
_ITEM_STEMS = (
    "seat", "licence", "license", "lisence", "lisense", "unit", "user", "piece", "item", "crate",
    "pallet", "bag", "pack", "package", "bottle", "carton", "roll", "set", "kit", "book",
    "subscription", "instance", "node", "server", "vm", "machine", "device", "sensor", "router",
    "laptop", "computer", "desktop", "monitor", "screen", "printer", "scanner", "camera", "tablet",
    "handset", "headset", "keyboard", "cable", "module", "component", "part", "spare", "bundle",
    "plan", "widget", "chair", "desk", "terminal", "workstation", "tag", "label", "sample", "panel",
    "cartridge", "toner", "drum", "barrel", "sack", "truck", "vehicle", "bike", "tyre", "tire",
    "shirt", "t-shirt", "shoe", "pair", "lamp", "bulb", "phone", "sku", "agent", "account", "token",
    "credit", "stand", "mount", "reader", "charger", "adapter", "speaker", "headphone", "dock",
    "hub", "drive", "disk", "sim", "card", "case", "cover",
)
ITEM_NOUN_WORDS: frozenset[str] = frozenset(
    [*_ITEM_STEMS, *(w + "s" for w in _ITEM_STEMS), "pcs", "box", "boxes", "copy", "copies",
     "mailbox", "mailboxes", "switch", "switches", "battery", "batteries", "mouse", "mice"]
)
ITEM_NOUNS = "(?:" + "|".join(re.escape(w) for w in sorted(ITEM_NOUN_WORDS, key=len, reverse=True)) + ")"

# Words after a number that make it a measure rather than money or a clock time.
UNIT_WORDS = (
    r"(?:%|percent|per\s*cent|pct|days?|weeks?|wks?|months?|mos|years?|yrs?|hours?|hrs?"
    r"|minutes?|mins?|seconds?|secs?|times|x\b|stars?|points?|pts|people|ppl|persons?"
    r"|employees|staff|customers?|clients?|vendors?|leads?|deals?|orders?|tickets?|cases?"
    r"|invoices?|calls?|meetings?|emails?|sites?|locations?|stores?|shops?|branches"
    r"|offices?|rooms?|floors?|km|kg|g|lbs?|miles?|m2|sqm|sq|out\s+of|of\s+(?:us|them|the)"
    r"|each|per|a\s+piece|apiece|kw|kwh|mb|gb|tb|ms|"
    rf"{ITEM_NOUNS})"
)
FOLLOWED_BY_UNIT = re.compile(rf"\s*{UNIT_WORDS}(?!\w)", re.IGNORECASE)


_WORD_TOKEN = re.compile(r"[a-z]+|[0-9]+")


@lru_cache(maxsize=16)
def word_set(text: str) -> frozenset[str]:
    """Lower-case letter runs and digit runs of `text` ("Nov24" → nov, 24): cheap gates."""
    return frozenset(_WORD_TOKEN.findall(text.lower()))
