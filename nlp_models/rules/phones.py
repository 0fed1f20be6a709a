"""PHONE: E.164 when the country code is written (`+49…`, `0049…`), else the digits.

International numbers go through `phonenumbers.PhoneNumberMatcher` with no default region,
so only a written country code makes a match. National numbers come from a digit-run
fallback that refuses what only looks like a phone: dates, money, order and ticket ids,
version strings, IP addresses and short numbers (fewer than 7 digits).
"""

from __future__ import annotations

import re
from datetime import date

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

from nlp_models.labels import EntityLabel
from nlp_models.rules.lexicon import FOLLOWED_BY_UNIT
from nlp_models.types import Entity

MIN_DIGITS = 7
MAX_DIGITS = 15
_WINDOW = 48  # characters handed to the matcher after each "+" or "00"
_MAX_HINTS = 64  # bound the work on junk input

_SLACK_TEL = re.compile(r"<tel:(?P<target>[^|>\s]{1,40})(?:\|(?P<label>[^>]{0,80}))?>", re.IGNORECASE)
# "00" is an international prefix only where a number starts, not a group inside one
# ("+86 138 0013 8000").
_INSIDE_A_NUMBER = r"(?<!\d[ .\-/\u00a0])"
_INTL_HINT = re.compile(r"(?<![\w+])(?:\+|" + _INSIDE_A_NUMBER + r"00)(?=\s?\(?[1-9])")
_DOUBLE_ZERO = re.compile(r"(?<![\w+])" + _INSIDE_A_NUMBER + r"00(?=\s?\(?[1-9])")

# Digit groups joined by one space, dash, dot or slash; an optional "(area)" first.
_RUN = re.compile(
    r"(?=[\d(])(?<![\w#$€£¥₹+.,/:@'’-])"
    r"(?:\(\d{1,5}\)[ .\-]?)?\d+(?:(?:[ .\-\u00a0]|\s?/\s?)\d+)*"
    r"(?![\w'’]|[.,]\d)"
)
_GROUPS = re.compile(r"\d+")
# Seven digits with at most a few separators between them: worth looking for a national number.
_SEVEN_DIGITS = re.compile(r"\d(?:[ .\-/()\u00a0]{0,3}\d){6}")

_ID_BEFORE = re.compile(
    r"(?:order|ord|invoice|inv|po|p\.o\.|ticket|tkt|case|issue|ref|reference|id|sku|item|part"
    r"|serial|tracking|acct|account|iban|vat|tax|version|ver|build|release|zip|postcode"
    r"|postal\s+code|(?:order|invoice|case|ticket|po)\s+(?:no|nr|num|number))"
    r"\.?\s*(?:#|no\.?|nr\.?|num(?:ber)?)?\s*[:#]?\s*$",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(
    r"(?:[$€£¥₹₩₽₺₪]|\b(?:usd|eur|gbp|jpy|inr|chf|cad|aud|sek|nok|dkk|pln|brl|kr|rs)\.?)\s?$",
    re.IGNORECASE,
)
_MONEY_AFTER = re.compile(
    r"\s?(?:[$€£¥₹₩₽₺₪]|(?:k|m|mm|bn|million|billion|lakhs?|crores?|usd|eur|gbp|jpy|inr|chf"
    r"|cad|aud|sek|nok|dkk|pln|brl|bucks|dollars|euros?|pounds)(?!\w))",
    re.IGNORECASE,
)


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _parse_international(raw: str) -> str | None:
    raw = raw.strip()
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    if not raw.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return _e164(number)


def _looks_like_date(groups: list[str], seps: str) -> bool:
    if len(groups) == 1 and len(groups[0]) == 8:
        g = groups[0]
        for y, m, d in ((g[:4], g[4:6], g[6:]), (g[4:], g[2:4], g[:2])):
            if y[:2] in {"19", "20"}:
                try:
                    date(int(y), int(m), int(d))
                    return True
                except ValueError:
                    pass
        return False
    if len(groups) != 3:
        return False
    lens = [len(g) for g in groups]
    if lens[0] == 4 and lens[1] <= 2 and lens[2] <= 2:
        return True
    if lens[0] <= 2 and lens[1] <= 2 and lens[2] in (2, 4):
        return bool(set(seps) & {".", "/", "-"})
    return False


def _looks_like_amount(groups: list[str]) -> bool:
    """'25 000 000' or '1.234.567': thousands groups, not a phone."""
    if len(groups) < 2 or any(len(g) != 3 for g in groups[1:]) or len(groups[0]) > 3:
        return False
    return len(groups[0]) < 3 or any(g == "000" for g in groups[1:])


def _national(text: str, m: re.Match[str]) -> Entity | None:
    raw = m.group(0)
    groups = _GROUPS.findall(raw)
    digits = "".join(groups)
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        return None
    seps = "".join(ch for ch in raw if not ch.isdigit())
    if len(groups) > 1 and any(len(g) < 2 for g in groups):
        return None
    if "." in seps and len(groups) == 4 and all(len(g) <= 3 for g in groups):
        return None  # an IP address
    if _looks_like_date(groups, seps) or _looks_like_amount(groups):
        return None
    before = text[max(0, m.start() - 30) : m.start()]
    after = text[m.end() : m.end() + 24]
    if _ID_BEFORE.search(before) or _MONEY_BEFORE.search(before):
        return None
    if _MONEY_AFTER.match(after) or FOLLOWED_BY_UNIT.match(after):
        return None
    return Entity(EntityLabel.PHONE, raw, m.start(), m.end(), digits)


def find_phones(text: str) -> list[Entity]:
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    if "<tel:" in text.lower():
        for m in _SLACK_TEL.finditer(text):
            value = _parse_international(m.group("target"))
            if value is None:
                digits = "".join(_GROUPS.findall(m.group("target")))
                if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
                    continue
                value = digits
            found.append(Entity(EntityLabel.PHONE, m.group(0), m.start(), m.end(), value))
            taken.append(m.span())

    if "+" in text or "00" in text:
        # "0049 30 …" becomes " +49 30 …": same length, so offsets stay true.
        work = _DOUBLE_ZERO.sub(" +", text)
        for n, hint in enumerate(_INTL_HINT.finditer(text)):
            if n >= _MAX_HINTS:
                break
            pos = hint.start() + (1 if text.startswith("00", hint.start()) else 0)
            if not free(pos, pos + 1):
                continue
            window = work[pos : pos + _WINDOW]
            for pm in PhoneNumberMatcher(window, None, leniency=Leniency.POSSIBLE):
                if pm.start != 0:
                    break
                start, end = hint.start(), pos + pm.end
                if free(start, end):
                    found.append(Entity(EntityLabel.PHONE, text[start:end], start, end, _e164(pm.number)))
                    taken.append((start, end))
                break

    if _SEVEN_DIGITS.search(text) is None:
        return found
    for m in _RUN.finditer(text):
        if not free(*m.span()):
            continue
        entity = _national(text, m)
        if entity is not None:
            found.append(entity)
            taken.append(m.span())
    return found
