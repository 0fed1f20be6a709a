"""Data cleaned on the way in: what a user types is stored in one normal form, or refused
with a message that says what is wrong."""

from __future__ import annotations

import pytest

from crm_core.cleaning import clean_email, clean_name, clean_phone, name_key
from crm_core.errors import InvalidInput


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("jane@acme.com", "jane@acme.com"),
        ("  Jane.Doe@ACME.com ", "jane.doe@acme.com"),
        ("BOB+crm@Example.ORG", "bob+crm@example.org"),
    ],
)
def test_email_is_trimmed_and_lower_cased(typed: str, stored: str) -> None:
    assert clean_email(typed) == stored


@pytest.mark.parametrize(
    "typed", ["jane", "jane@", "@acme.com", "jane at acme.com", "jane@@acme.com", ""]
)
def test_bad_email_is_refused_with_an_example(typed: str) -> None:
    with pytest.raises(
        InvalidInput, match=r"not an e-mail address .*like jane@acme\.com"
    ) as caught:
        clean_email(typed)
    assert caught.value.field == "email"


def test_bad_email_message_quotes_what_was_typed() -> None:
    with pytest.raises(InvalidInput, match="jane at acme"):
        clean_email(" jane at acme ")


@pytest.mark.parametrize(
    ("typed", "region", "stored"),
    [
        ("+49 30 1234567", None, "+49301234567"),
        ("+49 (0)30 123-4567", None, "+49301234567"),
        ("+1 415-555-0132", "DE", "+14155550132"),  # an explicit country code wins
        ("030 1234567", "DE", "+49301234567"),
        ("(415) 555-0132", "US", "+14155550132"),
        ("020 7946 0018", "GB", "+442079460018"),
    ],
)
def test_phone_is_stored_in_e164(typed: str, region: str | None, stored: str) -> None:
    assert clean_phone(typed, region) == stored


def test_national_phone_without_region_asks_for_the_country_code() -> None:
    with pytest.raises(InvalidInput, match="with its country code") as caught:
        clean_phone("030 1234567")
    assert caught.value.field == "phone"


@pytest.mark.parametrize(
    ("typed", "region"),
    [("12", "US"), ("555", "US"), ("+49 1", None), ("call me", "US"), ("", "US")],
)
def test_bad_phone_is_refused_with_an_example(typed: str, region: str | None) -> None:
    with pytest.raises(InvalidInput, match=r"not a phone number I can store.*like \+49 30 1234567"):
        clean_phone(typed, region)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Jane Smith", "Jane Smith"),
        ("  Jane   Smith ,", "Jane Smith"),
        ("Acme\tCorp.", "Acme\u0020Corp"),
        ("- O'Brien & Sons -", "O'Brien & Sons"),
    ],
)
def test_name_is_trimmed_and_spaces_collapsed(typed: str, stored: str) -> None:
    assert clean_name(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", " , . "])
def test_empty_name_is_refused_naming_what_is_empty(typed: str) -> None:
    with pytest.raises(InvalidInput, match="The company name is empty."):
        clean_name(typed, "company name")


def test_overlong_name_is_refused() -> None:
    with pytest.raises(InvalidInput, match="longer than 200 characters"):
        clean_name("x" * 201)
    assert clean_name("x" * 200) == "x" * 200


@pytest.mark.parametrize(
    "typed",
    [
        "Acme",
        "ACME",
        "Acme Corp.",
        "acme inc",
        "Acme, Inc.",
        "ACME Corporation",
        "Acme GmbH",
        "Acme Ltd & Co",
    ],
)
def test_name_key_drops_case_punctuation_and_legal_form(typed: str) -> None:
    assert name_key(typed) == "acme"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Globex Industries", "globex industries"),  # "industries" is part of the name
        ("Johnson & Johnson", "johnson & johnson"),
        ("  Jane   SMITH ", "jane smith"),
        ("Company", "company"),  # a name that is only a legal form keeps it
    ],
)
def test_name_key_keeps_the_name_itself(typed: str, key: str) -> None:
    assert name_key(typed) == key
