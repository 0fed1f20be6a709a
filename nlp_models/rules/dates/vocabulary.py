"""Words and regular-expression pieces the date patterns share.

Weekday and month names with their abbreviations, counts ("3", "three", "a couple of"),
duration units, word edges, and the words before a number that make it money rather than a
date ("priced at 20"). Patterns run over an ASCII-lower-cased copy of the text, so every
piece here is lower case.
"""

from __future__ import annotations

import re

from nlp_models.rules.lexicon import SMALL_NUMBERS

WEEKDAYS: dict[str, int] = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "weds": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
MONTHS: dict[str, int] = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
# Short forms that are also English words need a cue: "sat down", "the sun", "wed".
AMBIGUOUS_WEEKDAYS = {"sat", "sun", "wed", "mon"}
UTC_ZONE_KEYS = {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Etc/Universal", "Zulu",
             "Etc/Zulu", "GMT", "Etc/GMT", "Etc/Greenwich", "Greenwich"}


def alternation(words: list[str]) -> str:
    """One regex alternative of `words`, longest first so that "tues" wins over "tue"."""
    return "|".join(sorted(words, key=len, reverse=True))


WEEKDAY_RX = rf"(?:{alternation(list(WEEKDAYS))})"
MONTH_RX = rf"(?:{alternation(list(MONTHS))})"
DAY_OF_MONTH_RX = r"(?:3[01]|[12][0-9]|0?[1-9])"
ORDINAL_SUFFIX_RX = r"(?:st|nd|rd|th)"
YEAR_RX = r"(?:19|20)[0-9]{2}"
WORD_START = r"(?<![\w])"
WORD_END = r"(?![\w])"
_NUM_WORDS = alternation([*SMALL_NUMBERS, "a", "an", "a couple of", "couple of", "a couple", "couple"])
COUNT_RX = rf"(?:\d{{1,3}}|{_NUM_WORDS})"
UNIT_RX = (
    r"(?:minutes?|mins?|hours?|hrs?|h|days?|d|business\s+days?|working\s+days?|weeks?|wks?|w"
    r"|fortnights?|months?|mos?|mths?|years?|yrs?|y)"
)


MONTH_WORDS = frozenset(MONTHS)
WEEKDAY_WORDS = frozenset(WEEKDAYS)

MONEY_BEFORE = re.compile(
    r"(?:priced|valued|sold|selling|sell|buy|bought|costs?|rated?|charged?|offer(?:ed)?"
    r"|quoted?|discount(?:ed)?|stands?|capped|fixed|grew|growth|up|down|increased?|decreased?"
    r"|reduced?|cut|set|least|margin|tax|vat|priced|worth|[$€£¥₹])\s*$"
)


def parse_count(token: str) -> int | None:
    token = re.sub(r"\s+", " ", token.strip().lower())
    if token.isdigit():
        return int(token)
    if token in {"a", "an"}:
        return 1
    if token in {"a couple of", "couple of", "a couple", "couple"}:
        return 2
    return SMALL_NUMBERS.get(token)


def parse_year(text: str | None) -> int | None:
    if not text:
        return None
    y = int(text.lstrip("'"))
    return y + 2000 if y < 100 else y
