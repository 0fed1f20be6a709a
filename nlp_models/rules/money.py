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
from nlp_models.rules.lexicon import FOLLOWED_BY_UNIT, word_set
from nlp_models.types import Entity
from nlp_models.values import Money

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
    "dong": "VND",
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
_SYM = _alt([k for k in _SYMBOLS if not k[0].isalpha()])
_SYM_ALPHA = _alt([k for k in _SYMBOLS if k[0].isalpha()])
_CODE = _alt(sorted(_CODES | _AMBIGUOUS_CODES))
_WORD = _alt(list(_WORDS))
_MULT_TIGHT = r"k|K|mm|MM|mn|mln|m|M|bn|BN|b|B|cr"
_MULT_WORD = r"thousand|grand|million|millions|billion|billions|mio|mln|lakhs?|lacs?|crores?|bn|mn|cr"
# "120k€" and, with a space, only before a symbol: "120 k€", "1,2 M€"
_MULT = rf"(?:(?:{_MULT_TIGHT})(?![\w])|\s(?:{_MULT_TIGHT})(?=[$€£¥₹])|\s?(?:{_MULT_WORD})(?!\w))"
_NUM_END = r"(?![\d]|[.,'’]\d)"

_DIGIT = re.compile(r"\d")
_PREFIX_RUN = re.compile(r"[^\s\d]{1,6}\s?$")
_CUE_WORDS = frozenset({
    "budget", "budgeted", "worth", "valued", "value", "size", "priced", "price", "cost", "costs",
    "costing", "paid", "pay", "pays", "paying", "spent", "spend", "spending", "amount", "amounting",
    "revenue", "quoted", "quote", "charge", "charged", "invoiced", "total", "raised", "discount",
    "refund", "refunded", "deposit", "fee", "arr", "mrr", "acv", "tcv",
})
_MULT_AFTER = re.compile(_MULT, re.IGNORECASE)
_CURRENCY_AFTER = re.compile(
    rf"\s?(?:(?P<sym>{_SYM})|(?P<asym>{_SYM_ALPHA})(?![\w])|(?P<code>{_CODE})(?![A-Za-z])|(?P<word>{_WORD})(?!\w))",
    re.IGNORECASE,
)
# Multipliers that make a bare number money: "25k", "1.5M", "4.5 lakh", "5 grand".
_BARE_MULTS = {"k", "K", "m", "M", "MM", "mn", "mln", "bn", "BN", "grand", "million", "millions",
               "billion", "billions", "mio", "lakh", "lakhs", "lac", "lacs", "crore", "crores"}
_AMOUNT = re.compile(rf"(?=\d)(?<![\d.,'’])(?P<num>{_NUM_SPACED}){_NUM_END}")
_NOT_BARE_MONEY = re.compile(r"\s*(?:ago|later|from\s+now)(?!\w)", re.IGNORECASE)
_DURATION_BEFORE = re.compile(r"(?:\b(?:in|within|for|every|after)\s*)$", re.IGNORECASE)
_YEAR = re.compile(r"20[2-3]\d")
_DAY_MONTH = re.compile(r"(?:3[01]|[12]\d|0?[1-9])\.(?:1[0-2]|0?[1-9])")
_CUE_BEFORE = re.compile(
    r"(?=[bwvdpcsarqiftmBWVDPCSARQIFTM])(?<!\w)(?:budget(?:ed)?|worth|valued(?:\s+at)?|value(?:d)?(?:\s+of)?|deal\s+size|priced(?:\s+at)?"
    r"|price(?:\s+of)?|costs?|costing|paid|pays?|paying|spent|spend(?:ing)?|amount(?:ing)?(?:\s+(?:of|to))?"
    r"|revenue\s+of|quoted(?:\s+at)?|quote\s+of|charged?|invoiced|for\s+a\s+total\s+of|total(?:\s+of)?"
    r"|raised|discount\s+of|refund(?:ed)?(?:\s+of)?|deposit(?:\s+of)?|fee(?:\s+of)?|arr|mrr|acv|tcv)"
    r"(?:\s*[:=]\s*|\s+(?:is|was|of|at|to|now|around|about|approx\.?|approximately|roughly|~|up\s+to"
    r"|at\s+least|over|under|max|min|only|just|nearly|almost|ca\.?))*\s*~?\s*$",
    re.IGNORECASE,
)
_NOT_AN_AMOUNT_AFTER = re.compile(r"\s*(?:/|-|–)\s*\d|[:.]\d|\s*(?:am|pm)\b", re.IGNORECASE)


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
    return Money(amount * factor, currency).normalised


def _ambiguous_ok(code: str, num: str, mult: str | None) -> bool:
    """A lower-case 'try'/'php' is money only with a multiplier or an amount of 100 or more."""
    if code.lower() not in _AMBIGUOUS_CODES or code.isupper():
        return True
    return bool(mult) or len(re.sub(r"\D", "", num.split(",")[0].split(".")[0])) >= 3


def find_money(text: str, default_currency: str = "USD", tz_key: str | None = None) -> list[Entity]:
    """MONEY entities of `text`; `tz_key` (an IANA name) only tells which krone "kr" is."""
    if _DIGIT.search(text) is None:
        return []
    cur = _Currencies(default_currency, tz_key)
    cues = not _CUE_WORDS.isdisjoint(word_set(text))
    found: list[Entity] = []
    last_end = 0
    for m in _AMOUNT.finditer(text):
        entity = _money_at(text, m, cur, cues)
        if entity is not None and entity.start >= last_end:
            found.append(entity)
            last_end = entity.end
    return found


_PREFIX_SYMBOLS = {k for k in _SYMBOLS if not k[0].isalpha()}
_PREFIX_WORDS = {k for k in _SYMBOLS if k[0].isalpha()} | _CODES | _AMBIGUOUS_CODES


def _prefix(text: str, start: int) -> tuple[int, str, bool] | None:
    """The currency written just before position `start`: (its start, the token, is_code)."""
    run = _PREFIX_RUN.search(text, max(0, start - 7), start)
    if run is None:
        return None
    token = run.group(0).rstrip()
    for k in range(len(token)):
        cand = token[k:]
        low = cand.lower()
        if low in _PREFIX_SYMBOLS:
            return run.start() + k, cand, False
        if low in _PREFIX_WORDS and (k == 0 or not token[k - 1].isalpha()):
            if k == 0 and run.start() > 0 and text[run.start() - 1].isalpha():
                continue
            return run.start() + k, cand, low in _CODES or low in _AMBIGUOUS_CODES
    return None


def _money_at(text: str, m: re.Match[str], cur: _Currencies, cues: bool) -> Entity | None:
    """The money reading of the number `m`, from what stands before and after it."""
    num, start, end = m.group("num"), m.start(), m.end()
    prefix = _prefix(text, start)
    glued = start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")
    if prefix is None and glued:
        return None  # "X200", "ORD-2231" stay out
    mult_m = _MULT_AFTER.match(text, end)
    mult = mult_m.group(0).strip() if mult_m else None
    after_mult = mult_m.end() if mult_m else end
    suffix = _CURRENCY_AFTER.match(text, after_mult)

    def entity(s: int, e: int, currency: str) -> Entity | None:
        value = _value(num, mult, currency)
        return None if value is None else Entity(EntityLabel.MONEY, text[s:e], s, e, value)

    if prefix is not None:
        p_start, token, is_code = prefix
        if is_code and not _ambiguous_ok(token, num, mult):
            return None
        tail = suffix.group("code") if suffix is not None else None
        if suffix is not None and tail and token.lower() in {"$", "¥", "kr", "kr."}:
            return entity(p_start, suffix.end(), cur.resolve(tail))  # "$25,000 AUD"
        return entity(p_start, after_mult, cur.resolve(token))
    if suffix is not None:
        token = suffix.group("sym") or suffix.group("asym") or suffix.group("code") or suffix.group("word")
        if suffix.group("code") and not _ambiguous_ok(token, num, mult):
            return None
        if suffix.group("word") and token.lower() == "rand" and not mult:
            return None  # "Rand" is also a name; "5k rand" is money
        return entity(start, suffix.end(), cur.resolve(token))
    if mult is not None:
        if mult not in _BARE_MULTS and mult.lower() not in _BARE_MULTS:
            return None
        if mult in {"k", "K", "m", "M", "MM", "mn", "mln", "bn", "BN"} and mult_m is not None and mult_m.group(0) != mult:
            return None  # "5 m" is not "5m"
        if FOLLOWED_BY_UNIT.match(text, after_mult) or _NOT_BARE_MONEY.match(text, after_mult):
            return None
        if text[start:after_mult] in {"3M", "4K", "8K"}:
            return None  # the company, screen resolutions
        if mult in {"m", "M"} and _DURATION_BEFORE.search(text, max(0, start - 8), start):
            return None  # "in 5m": minutes
        return entity(start, after_mult, cur.default)
    if not cues or _CUE_BEFORE.search(text, max(0, start - 48), start) is None:
        return None
    if FOLLOWED_BY_UNIT.match(text, end) or _NOT_AN_AMOUNT_AFTER.match(text, end):
        return None  # "paid 2 invoices", "price 3/5", "cost 10:30"
    if " " in num.strip() or _YEAR.fullmatch(num):
        return None  # "budget 2027": a year
    if _DAY_MONTH.fullmatch(num) and text[end : end + 1] == ".":
        return None  # "paid 24.11.": a date
    return entity(start, end, cur.default)
