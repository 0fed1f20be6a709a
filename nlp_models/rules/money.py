"""MONEY: `25000 USD` — the amount without separators or trailing zeros, a space, an ISO code.

Symbols ($ € £ ¥ ₹ R$ A$ C$ zł kr …), ISO codes (`USD 25,000`, `25000 usd`), currency words
(`30 bucks`), multipliers (k, m, bn, lakh, crore), European and Swiss separators
(`3.500 €`, `3,50 €`, `CHF 85'000`). A bare number is money only with a multiplier (`1.5M`)
or after a cue word (`budget 5000`, `worth 40k`, `valued at 12000`); then the default
currency applies.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from nlp_models.labels import EntityLabel
from nlp_models.rules.lexicon import FOLLOWED_BY_UNIT
from nlp_models.types import Entity

DOLLAR = "$"  # resolved by the default currency: a CAD desk's "$" is CAD
KRONE = "kr"  # NOK, SEK, DKK or ISK: resolved by the default currency and time zone
YEN = "¥"

_SYMBOLS: dict[str, str] = {
    "us$": "USD", "usd$": "USD", "a$": "AUD", "au$": "AUD", "c$": "CAD", "ca$": "CAD",
    "cad$": "CAD", "nz$": "NZD", "hk$": "HKD", "s$": "SGD", "sg$": "SGD", "r$": "BRL",
    "mx$": "MXN", "$": DOLLAR, "€": "EUR", "£": "GBP", "¥": YEN, "₹": "INR", "rs.": "INR",
    "rs": "INR", "₽": "RUB", "₩": "KRW", "₺": "TRY", "₪": "ILS", "₱": "PHP", "₦": "NGN",
    "₫": "VND", "฿": "THB", "₴": "UAH", "zł": "PLN", "kč": "CZK", "fr.": "CHF", "kr": KRONE,
    "kr.": KRONE, "元": "CNY", "円": "JPY", "₸": "KZT",
}
# ISO codes written in any case.
_CODES = {
    "usd", "eur", "gbp", "jpy", "cny", "rmb", "inr", "chf", "cad", "aud", "nzd", "hkd", "sgd",
    "brl", "mxn", "sek", "nok", "dkk", "isk", "pln", "czk", "huf", "rub", "uah", "ils", "aed",
    "sar", "qar", "kwd", "zar", "ngn", "kes", "egp", "thb", "idr", "myr", "vnd", "krw", "twd",
    "pkr", "bdt", "lkr", "clp", "kzt", "ghs", "bgn",
}
# Codes that are also words ("try", "php", "ron", "mad", "pen", "cop", "ars", "top", "all"):
# as upper case anywhere, in lower case only with a large amount or a multiplier.
_AMBIGUOUS_CODES = {"try", "php", "ron", "mad", "pen", "cop", "ars"}
_WORDS: dict[str, str] = {
    "dollar": DOLLAR, "dollars": DOLLAR, "bucks": DOLLAR, "buck": DOLLAR, "euro": "EUR",
    "euros": "EUR", "pound": "GBP", "pounds": "GBP", "quid": "GBP", "sterling": "GBP",
    "yen": "JPY", "rupee": "INR", "rupees": "INR", "franc": "CHF", "francs": "CHF",
    "zloty": "PLN", "zlotys": "PLN", "złoty": "PLN", "złotych": "PLN", "kronor": "SEK",
    "krona": "SEK", "kroner": KRONE, "krone": KRONE, "yuan": "CNY", "renminbi": "CNY",
    "reais": "BRL", "pesos": "MXN", "rubles": "RUB", "roubles": "RUB", "lira": "TRY",
    "shekels": "ILS", "dirhams": "AED", "dirham": "AED", "riyals": "SAR", "baht": "THB",
    "ringgit": "MYR", "rupiah": "IDR", "naira": "NGN", "cedis": "GHS", "rand": "ZAR",
}
_MULTIPLIERS: dict[str, Decimal] = {
    "k": Decimal(1000), "thousand": Decimal(1000), "grand": Decimal(1000),
    "m": Decimal(10**6), "mm": Decimal(10**6), "mn": Decimal(10**6), "mln": Decimal(10**6),
    "mio": Decimal(10**6), "million": Decimal(10**6), "millions": Decimal(10**6),
    "b": Decimal(10**9), "bn": Decimal(10**9), "billion": Decimal(10**9),
    "billions": Decimal(10**9), "lakh": Decimal(10**5), "lakhs": Decimal(10**5),
    "lac": Decimal(10**5), "lacs": Decimal(10**5), "crore": Decimal(10**7),
    "crores": Decimal(10**7), "cr": Decimal(10**7),
}
_KRONE_BY_TZ = {
    "Europe/Oslo": "NOK", "Arctic/Longyearbyen": "NOK", "Europe/Stockholm": "SEK",
    "Europe/Copenhagen": "DKK", "Atlantic/Faroe": "DKK", "America/Nuuk": "DKK",
    "Atlantic/Reykjavik": "ISK",
}
_DOLLAR_CODES = {"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD"}


def _alt(keys: list[str]) -> str:
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True))


# Amounts: 25,000 · 25.000 · 85'000 · 25 000 · 3,50 · 12.50 · 25000
_NUM_SPACED = r"\d{1,3}(?:[,.'’\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
_NUM = r"\d{1,3}(?:[,.'’]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?"
_SYM = _alt([k for k in _SYMBOLS if not k[0].isalpha()])
_SYM_ALPHA = _alt([k for k in _SYMBOLS if k[0].isalpha()])
_CODE = _alt(sorted(_CODES | _AMBIGUOUS_CODES))
_WORD = _alt(list(_WORDS))
_MULT_TIGHT = r"k|K|mm|MM|mn|mln|m|M|bn|BN|b|B|cr"
_MULT_WORD = r"thousand|grand|million|millions|billion|billions|mio|mln|lakhs?|lacs?|crores?|bn|mn|cr"
_MULT = rf"(?:(?:{_MULT_TIGHT})(?![\w$€£])|\s?(?:{_MULT_WORD})(?!\w))"
_EDGE_L = r"(?<![\w.,'’])"
_NUM_END = r"(?![\d]|[.,'’]\d)"

_PREFIX = re.compile(
    rf"(?:(?P<sym>{_SYM})|(?<![A-Za-z])(?P<asym>{_SYM_ALPHA})(?=\s?\d)|(?<![A-Za-z])(?P<code>{_CODE})(?=\s?\d))"
    rf"\s?(?P<num>{_NUM_SPACED}){_NUM_END}(?P<mult>{_MULT})?(?P<tail>\s?(?:{_CODE})(?![A-Za-z]))?",
    re.IGNORECASE,
)
_SUFFIX = re.compile(
    rf"{_EDGE_L}(?P<num>{_NUM_SPACED}){_NUM_END}(?P<mult>{_MULT})?\s?"
    rf"(?:(?P<sym>{_SYM})|(?P<asym>{_SYM_ALPHA})(?![\w])|(?P<code>{_CODE})(?![A-Za-z])|(?P<word>{_WORD})(?!\w))",
    re.IGNORECASE,
)
_BARE_MULT = re.compile(
    rf"{_EDGE_L}(?P<num>{_NUM}){_NUM_END}(?P<mult>(?:k|K|m|M|MM|mn|mln|bn|BN)(?![\w$€£])"
    rf"|\s?(?:grand|million|millions|billion|billions|mio|lakhs?|lacs?|crores?)(?!\w))"
)
_NOT_BARE_MONEY = re.compile(r"\s*(?:ago|later|from\s+now)(?!\w)", re.IGNORECASE)
_DURATION_BEFORE = re.compile(r"(?:\b(?:in|within|for|every|after)\s*)$", re.IGNORECASE)
_YEAR = re.compile(r"20[2-3]\d")
_CUE = re.compile(
    r"(?<!\w)(?:budget(?:ed)?|worth|valued(?:\s+at)?|value(?:d)?(?:\s+of)?|deal\s+size|priced(?:\s+at)?"
    r"|price(?:\s+of)?|costs?|costing|paid|pays?|paying|spent|spend(?:ing)?|amount(?:ing)?(?:\s+(?:of|to))?"
    r"|revenue\s+of|quoted(?:\s+at)?|quote\s+of|charged?|invoiced|for\s+a\s+total\s+of|total(?:\s+of)?"
    r"|raised|discount\s+of|refund(?:ed)?(?:\s+of)?|deposit(?:\s+of)?|fee(?:\s+of)?|arr|mrr|acv|tcv)"
    r"(?:\s*[:=]\s*|\s+(?:is|was|of|at|to|now|around|about|approx\.?|approximately|roughly|~|up\s+to"
    r"|at\s+least|over|under|max|min|only|just|nearly|almost|ca\.?))*\s*~?\s*"
    rf"(?P<num>{_NUM}){_NUM_END}(?P<mult>{_MULT})?",
    re.IGNORECASE,
)


def _amount(num: str, has_mult: bool) -> Decimal | None:
    s = num.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")
    s = s.replace(" ", "").replace("'", "")
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        s = s.replace("." if dec == "," else ",", "").replace(dec, ".")
    elif "," in s or "." in s:
        sep = "," if "," in s else "."
        parts = s.split(sep)
        if len(parts) > 2:
            if any(len(p) != 3 for p in parts[1:]):
                return None
            s = "".join(parts)
        elif len(parts[1]) == 3 and not has_mult and parts[0] not in {"0", ""}:
            s = "".join(parts)  # 3,500 and 3.500 are thousands
        else:
            s = f"{parts[0]}.{parts[1]}"
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def _format(amount: Decimal) -> str:
    text = format(amount.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


class _Currencies:
    """Turns a written symbol, code or word into an ISO code for one call."""

    def __init__(self, default: str, tz_key: str | None) -> None:
        self.default = (default or "USD").upper()
        self.tz_key = tz_key or ""

    def resolve(self, token: str) -> str:
        key = token.lower()
        iso = _SYMBOLS.get(key) or _WORDS.get(key)
        if iso is None:
            return "CNY" if key == "rmb" else key.upper()
        if iso == DOLLAR:
            return self.default if self.default in _DOLLAR_CODES else "USD"
        if iso == YEN:
            return "CNY" if self.default == "CNY" else "JPY"
        if iso == KRONE:
            if self.default in {"NOK", "SEK", "DKK", "ISK"}:
                return self.default
            return _KRONE_BY_TZ.get(self.tz_key, "NOK")
        return iso


def _value(num: str, mult: str | None, currency: str) -> str | None:
    mult_key = (mult or "").strip().lower()
    factor = _MULTIPLIERS.get(mult_key, Decimal(1)) if mult_key else Decimal(1)
    amount = _amount(num, bool(mult_key))
    if amount is None:
        return None
    return f"{_format(amount * factor)} {currency}"


def _ambiguous_ok(code: str, num: str, mult: str | None) -> bool:
    """A lower-case 'try'/'php' is money only with a multiplier or an amount of 100 or more."""
    if code.lower() not in _AMBIGUOUS_CODES or code.isupper():
        return True
    return bool(mult) or len(re.sub(r"\D", "", num.split(",")[0].split(".")[0])) >= 3


def find_money(text: str, default_currency: str = "USD", tz_key: str | None = None) -> list[Entity]:
    if not any(ch.isdigit() for ch in text):
        return []
    cur = _Currencies(default_currency, tz_key)
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, value: str | None) -> None:
        if value is None or any(start < e and s < end for s, e in taken):
            return
        found.append(Entity(EntityLabel.MONEY, text[start:end], start, end, value))
        taken.append((start, end))

    for m in _PREFIX.finditer(text):
        token = m.group("sym") or m.group("asym") or m.group("code")
        mult = m.group("mult")
        if m.group("code") and not _ambiguous_ok(m.group("code"), m.group("num"), mult):
            continue
        tail = m.group("tail")
        if tail and token in {"$", "¥", "kr", "kr."}:
            token = tail.strip()  # "$25,000 AUD"
        end = m.end() if tail else (m.end("mult") if mult else m.end("num"))
        add(m.start(), end, _value(m.group("num"), mult, cur.resolve(token)))

    for m in _SUFFIX.finditer(text):
        token = m.group("sym") or m.group("asym") or m.group("code") or m.group("word")
        mult = m.group("mult")
        if m.group("code") and not _ambiguous_ok(m.group("code"), m.group("num"), mult):
            continue
        if m.group("word") and token.lower() == "rand" and not mult:
            continue  # "Rand" is also a name; "5k rand" is money
        add(m.start(), m.end(), _value(m.group("num"), mult, cur.resolve(token)))

    for m in _BARE_MULT.finditer(text):
        if FOLLOWED_BY_UNIT.match(text, m.end()) or _NOT_BARE_MONEY.match(text, m.end()):
            continue
        if m.group(0) == "3M":
            continue  # the company
        if m.group("mult") in {"m", "M"} and _DURATION_BEFORE.search(text, max(0, m.start() - 8), m.start()):
            continue  # "in 5m": minutes
        add(m.start(), m.end(), _value(m.group("num"), m.group("mult"), cur.default))

    for m in _CUE.finditer(text):
        if FOLLOWED_BY_UNIT.match(text, m.end()):
            continue
        if not m.group("mult") and _YEAR.fullmatch(m.group("num")):
            continue  # "budget 2027": a year
        if re.match(r"\s*(?:/|-|–)\s*\d|[:.]\d|\s*(?:am|pm)\b", text[m.end() : m.end() + 8], re.IGNORECASE):
            continue  # a date, a time or a score, not an amount
        add(m.start("num"), m.end(), _value(m.group("num"), m.group("mult"), cur.default))

    return found
