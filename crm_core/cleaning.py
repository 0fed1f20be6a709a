"""Data cleaned on the way in: e-mail normalised and validated, phone to E.164, names trimmed."""

from __future__ import annotations

import re

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
