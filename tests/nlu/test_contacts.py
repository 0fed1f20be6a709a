"""Reading messages about customers and contacts (nlp_models.contacts)."""

from __future__ import annotations

import pytest

from nlp_models.contacts import (
    address_not_taken,
    asks_new_owner,
    lookup_leftover,
    means_self,
    mentions_email,
    mentions_phone,
    name_after_add,
    says_changed_company,
)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("assign Umbrella AS to Olu", True),
        ("hand over Acme to Rita", True),
        ("Omar will take over Globex", True),
        ("give Initech to me", True),
        ("change Jane Smith's email", False),
    ],
)
def test_asks_new_owner(text: str, asks: bool) -> None:
    assert asks_new_owner(text) is asks


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Jane Smith moved to Globex", True),
        ("Jane is now at Initech", True),
        ("Hugo joined Acme", True),
        ("Jane works for Wolt now", True),
        ("move Jane's follow-up", False),
    ],
)
def test_says_changed_company(text: str, says: bool) -> None:
    assert says_changed_company(text) is says


@pytest.mark.parametrize(("text", "mentions"), [("change Jane's e-mail", True), ("new mail address", True), ("mailbox", False)])
def test_mentions_email(text: str, mentions: bool) -> None:
    assert mentions_email(text) is mentions


@pytest.mark.parametrize(("text", "mentions"), [("update Jane's phone number", True), ("her cell", True), ("telegram", False)])
def test_mentions_phone(text: str, mentions: bool) -> None:
    assert mentions_phone(text) is mentions


@pytest.mark.parametrize(("text", "means"), [("assign Acme to me", True), ("Acme is mine now", True), ("meet Acme", False)])
def test_means_self(text: str, means: bool) -> None:
    assert means_self(text) is means


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("add contact Sam Lee, +1 415 555 0100", "Sam Lee"),
        ("add a new contact: Ludwig van Beethoven at Wien Musik", "Ludwig van Beethoven"),
        ("new lead Priya Natarajan", "Priya Natarajan"),
        ("add contact sam lee", None),  # not written as a name
        ("called Sam Lee", None),
    ],
)
def test_name_after_add(text: str, name: str | None) -> None:
    assert name_after_add(text) == name


def test_an_address_the_email_rule_did_not_take_is_found_without_its_punctuation() -> None:
    assert address_not_taken("add Jean, (jp@@mail.fr), thanks", []) == "jp@@mail.fr"


def test_addresses_taken_by_the_email_rule_are_not_found_again() -> None:
    assert address_not_taken("mail jane@acme.com", ["jane@acme.com"]) is None


def test_a_mention_is_no_address() -> None:
    assert address_not_taken("ping @channel", []) is None


@pytest.mark.parametrize(
    ("text", "leftover"),
    [
        ("show me globx industries", ["globx", "industries"]),
        ("what's up with acme?", ["acme"]),
        ("call w/ kari, she's happy w/ the pilot", ["w", "kari", "she's", "happy", "w", "pilot"]),
        ("any news on Procter & Gamble?", ["Procter", "&", "Gamble"]),
    ],
)
def test_lookup_leftover_is_what_is_left_of_a_lookup_without_its_request_words(text: str, leftover: list[str]) -> None:
    assert lookup_leftover(text) == leftover
