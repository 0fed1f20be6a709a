"""Data cleaned on the way in: text a database can hold, e-mail normalised and validated, phone
to E.164, names trimmed."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from crm_core.errors import InvalidInput

MAX_NAME = 200
# legal forms dropped when names are compared ("Acme Corp." and "ACME" are one company)
LEGAL_SUFFIXES = {
    "inc", "incorporated", "ltd", "limited", "llc", "llp", "lp", "plc", "corp", "corporation",
    "co", "company", "gmbh", "ag", "kg", "as", "asa", "ab", "oy", "sa", "sas", "sarl", "srl",
    "spa", "bv", "nv", "pty", "pvt", "kk", "oü", "sp", "zoo", "group", "holding", "holdings",
}  # fmt: skip
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s&+-]", re.UNICODE)
# C0 control characters except tab, line feed and carriage return; and UTF-16 surrogates
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Text every database can store, as it came otherwise: C0 control characters out (NUL,
    which PostgreSQL's text refuses, among them) but tab, newline and carriage return; a
    surrogate pair made the character it stands for, a lone surrogate (which UTF-8 cannot
    encode; JSON's "\\ud800" gives one) out. Umlauts, emoji and right-to-left text stay."""
    if _UNSAFE.search(value) is None:  # nearly always: one scan, nothing copied
        return value
    value = _CONTROLS.sub("", value)
    if _SURROGATES.search(value):
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return value


def clean_strings(value: Any) -> Any:
    """`value` (parsed JSON: dicts, lists, strings, numbers) with every string in it, keys
    too, cleaned by clean_text."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_strings(k): clean_strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_strings(v) for v in value]
    return value


def clean_name(value: str, what: str = "name") -> str:
    name = _SPACES.sub(" ", value).strip(" \t,;:.-")
    if not name:
        raise InvalidInput(f"The {what} is empty.", field="name")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"The {what} is longer than {MAX_NAME} characters.", field="name")
    return name


def name_key(value: str) -> str:
    """Lower case, punctuation out, legal form out: the form names are compared in."""
    words = _PUNCT.sub(" ", value.lower()).split()
    while len(words) > 1 and (words[-1] in LEGAL_SUFFIXES or words[-1] in {"&", "and"}):
        words.pop()
    return " ".join(words)


def clean_email(value: str) -> str:
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise InvalidInput(
            f"“{value.strip()[:80]}” is not an e-mail address I can store (like jane@acme.com).",
            field="email",
        ) from None
    return result.normalized.lower()


def clean_phone(value: str, region: str | None = None) -> str:
    """E.164. Without a leading + a `region` (ISO country) is needed to read a national number."""
    text = value.strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        hint = "" if text.startswith("+") else " with its country code"
        raise InvalidInput(
            f"“{text[:40]}” is not a phone number I can store; write it{hint}, like +49 30 1234567.",
            field="phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
