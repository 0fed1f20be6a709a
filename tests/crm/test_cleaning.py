"""Data cleaned on the way in: what a user types is stored in one normal form, or refused
with a message that says what is wrong; text a platform sends is made text every database
can store, and otherwise kept exactly."""

from __future__ import annotations

import json

import pytest

from crm_core.cleaning import (
    clean_email,
    clean_name,
    clean_phone,
    clean_strings,
    clean_text,
    name_key,
)
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


# -- text from a platform: what PostgreSQL and UTF-8 cannot hold goes, the rest stays -----------


def test_nul_bytes_are_taken_out() -> None:
    assert clean_text("about pricing\x00") == "about pricing"
    assert clean_text("\x00a\x00\x00b\x00") == "ab"


@pytest.mark.parametrize(
    ("escaped", "kept"),
    [("pri\\ud800cing", "pricing"), ("pri\\udbffcing", "pricing"), ("\\udc00pricing", "pricing"), ("pricing\\udfff", "pricing")],
    ids=["high", "last-high", "low-first", "low-last"],
)
def test_a_lone_surrogate_from_a_json_escape_is_taken_out(escaped: str, kept: str) -> None:
    assert clean_text(json.loads(f'"{escaped}"')) == kept


def test_a_surrogate_pair_is_the_character_it_stands_for() -> None:
    from_json = json.loads('"thanks \\ud83d\\ude4f \\ud800\\ud83d\\udc4d"')  # 🙏, a lone one, 👍
    assert clean_text(from_json) == "thanks 🙏 👍"
    assert clean_text("\ud83d\ude00") == "😀"  # the two halves as two code points


def test_other_control_characters_are_taken_out_but_tab_newline_and_return_stay() -> None:
    assert clean_text("a\x01b\x07c\x08d\x0be\x0cf\x1bg\x1fh") == "abcdefgh"
    assert clean_text("line one\r\n\tline two\n") == "line one\r\n\tline two\n"


@pytest.mark.parametrize(
    "text",
    [
        "called Lena Krüger at Nordlicht Logistik GmbH about pricing",
        "Grüße aus Köln, ÄÖÜ äöü ß",
        "👍🏽 🙏 👩‍💻 🇩🇪 :+1:",
        "اتصلت بشركة أكمي \u200f(RTL)\u200e שלום",
        "東京の田中さん、価格について",
        "a\u00a0b\u200bc\x7f\u0085\ufeff",  # no-break and zero-width spaces, DEL, C1: not ours to judge
        "",
    ],
)
def test_ordinary_text_is_kept_exactly(text: str) -> None:
    assert clean_text(text) == text


def test_every_string_of_a_payload_is_cleaned_keys_and_nesting_too() -> None:
    payload = json.loads('{"update_id": 7, "message": {"text": "hi\\u0000", "entities": [{"type": "x\\ud800"}], "ok": true, "n\\u0000": null}}')
    assert clean_strings(payload) == {"update_id": 7, "message": {"text": "hi", "entities": [{"type": "x"}], "ok": True, "n": None}}
