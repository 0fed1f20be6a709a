"""extract_rule_entities: all extractors together, one label per span, never an exception."""

from __future__ import annotations

import itertools
import random
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from nlp_models.labels import EntityLabel
from nlp_models.rules import extract_rule_entities
from nlp_models.rules.dates import find_dates
from nlp_models.rules.emails import find_emails
from nlp_models.rules.money import find_money
from nlp_models.rules.phones import find_phones
from nlp_models.rules.quantities import find_quantities
from nlp_models.rules.synonyms import find_synonyms
from nlp_models.rules.tickets import find_tickets
from nlp_models.types import Entity

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

L = EntityLabel


def extract(text: str, **kwargs: object) -> list[Entity]:
    options: dict[str, object] = {"now": NOW, "tz": UTC, **kwargs}
    found = extract_rule_entities(text, **options)  # type: ignore[arg-type]
    # the contract every caller relies on: sorted, disjoint, true offsets
    assert [e.start for e in found] == sorted(e.start for e in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    assert all(text[e.start : e.end] == e.text for e in found)
    return found


def pairs(text: str, **kwargs: object) -> list[tuple[str, str]]:
    return [(str(e.label), e.value) for e in extract(text, **kwargs)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "called Jane Smith at Acme, she wants pricing for 50 seats, f/u next tue",
            [("INTERACTION_TYPE", "call"), ("QUANTITY", "50"), ("DATE", "2026-11-24")],
        ),
        (
            "new deal Acme 50 seats $25k close by end of month",
            [("QUANTITY", "50"), ("MONEY", "25000 USD"), ("DATE", "2026-11-30")],
        ),
        (
            "new order #7781 from Hamburg Logistik GmbH, 60 X300 switch, €3,500, delivery dec 10",
            [("QUANTITY", "60"), ("MONEY", "3500 EUR"), ("DATE", "2026-12-10")],
        ),
        (
            "add Jakub, jakub.z@poznanit.pl, +48 61 555 22 33",
            [("EMAIL", "jakub.z@poznanit.pl"), ("PHONE", "+48615552233")],
        ),
        (
            "any update on ticket 2231? opened it 3 days ago",
            [("TICKET_ID", "2231"), ("DATE", "2026-11-19")],
        ),
        (
            "Adeleke Farms deal closed won!! 12k",
            [("STAGE", "won"), ("MONEY", "12000 USD")],
        ),
        (
            "revenue by month for last quarter, top 10 customers",
            [("METRIC", "sales"), ("DATE", "2026-07-01/2026-09-30"), ("METRIC", "top_customers")],
        ),
        (
            "log order 3x Premium Support 4500 pln",
            [("QUANTITY", "3"), ("MONEY", "4500 PLN")],
        ),
        (
            "Acme Corp has placed an order for 50 X200 routers at $150 each.",
            [("QUANTITY", "50"), ("MONEY", "150 USD")],
        ),
    ],
)
def test_whole_messages(text: str, expected: list[tuple[str, str]]) -> None:
    assert pairs(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # an e-mail address with digits is not a phone, its words are not interaction types
        ("email jane123456789@acme.com", [("INTERACTION_TYPE", "email"), ("EMAIL", "jane123456789@acme.com")]),
        ("mail@acme.com", [("EMAIL", "mail@acme.com")]),
        ("demo@acme.io", [("EMAIL", "demo@acme.io")]),
        # money is never also a quantity
        ("$25k", [("MONEY", "25000 USD")]),
        ("budget 5000 units? no, budget 5000", [("QUANTITY", "5000"), ("MONEY", "5000 USD")]),
        ("$5 licences", [("MONEY", "5 USD")]),
        # a ticket number is not a phone or a quantity
        ("ticket 1234567", [("TICKET_ID", "1234567")]),
        ("tickets 1042, 1043", [("TICKET_ID", "1042"), ("TICKET_ID", "1043")]),
        # dates are not phones, money or quantities
        ("24.11.2026", [("DATE", "2026-11-24")]),
        ("2026-11-24", [("DATE", "2026-11-24")]),
        ("paid 14.11.", [("DATE", "2026-11-14")]),
        ("in 3 days", [("DATE", "2026-11-25")]),
        # a longer vocabulary phrase beats the word inside it
        ("calls per rep this week", [("METRIC", "activity"), ("DATE", "2026-11-16/2026-11-22")]),
        ("closed lost", [("STAGE", "lost")]),
        # a Slack phone markup is one phone
        ("ring <tel:+4930123456|+49 30 123456>", [("INTERACTION_TYPE", "call"), ("PHONE", "+4930123456")]),
    ],
)
def test_one_label_per_span(text: str, expected: list[tuple[str, str]]) -> None:
    assert pairs(text) == expected


def test_default_currency_and_past_are_passed_through() -> None:
    assert pairs("budget 5000", default_currency="EUR") == [("MONEY", "5000 EUR")]
    assert pairs("met Jane tuesday", past=True) == [("INTERACTION_TYPE", "meeting"), ("DATE", "2026-11-17")]
    assert pairs("meet Jane tuesday", past=False) == [("INTERACTION_TYPE", "meeting"), ("DATE", "2026-11-24")]


def test_time_zone_reaches_dates_and_money() -> None:
    stockholm = ZoneInfo("Europe/Stockholm")
    assert pairs("kr 5000 on 3/12", tz=stockholm) == [("MONEY", "5000 SEK"), ("DATE", "2026-12-03")]
    new_york = ZoneInfo("America/New_York")
    assert pairs("kr 5000 on 3/12", tz=new_york) == [("MONEY", "5000 NOK"), ("DATE", "2027-03-12")]


def test_no_gating_by_intent() -> None:
    # the pipeline keeps STAGE/INTERACTION_TYPE/METRIC per intent; the rules return them all
    assert pairs("negotiation call about revenue") == [
        ("STAGE", "negotiation"),
        ("INTERACTION_TYPE", "call"),
        ("METRIC", "sales"),
    ]


def test_entity_fields() -> None:
    [entity] = extract("pls check #1042")
    assert entity == Entity(L.TICKET_ID, "#1042", 10, 15, "1042")


def test_offsets_are_into_the_original_text_with_control_characters() -> None:
    text = "tab\there\x00 call +49 30 123456\x07 tomorrow"
    found = extract(text)
    assert [(e.text, e.value) for e in found] == [
        ("call", "call"),
        ("+49 30 123456", "+4930123456"),
        ("tomorrow", "2026-11-23"),
    ]


# blanks, control characters, other scripts and long repetitions that could make a
# pattern backtrack (benchmarks/rules_worst_case.py times them)
HARD_TEXTS = [
        "",
        " ",
        "\n\n\t",
        "\x00\xff",
        "\x00" * 100,
        "\ud800 lone surrogate \udfff",
        "😀",
        "😀" * 500,
        "🙏🙏 #1042 🙏",
        "你好，明天下午三点开会，预算五万元",
        "مرحبا، سأتصل بك غدا في الساعة الثالثة",
        "Привет, созвонимся завтра в 15:00, бюджет 5000 руб",
        "a" * 10_000,
        "1" * 10_000,
        "1 " * 5_000,
        "+1 " * 3_000,
        "$" * 10_000,
        "#1 " * 3_000,
        "1." * 5_000,
        "@" * 10_000,
        "<mailto:" * 1_200,
        "next tuesday in 3 days " * 450,
        "call +49 30 123456 tomorrow 3pm $25k ticket #1042 50 seats jane@acme.com " * 140,
    ]


@pytest.mark.parametrize("text", HARD_TEXTS)
def test_never_raises_on_long_or_repetitive_text(text: str) -> None:
    # how fast: benchmarks/rules_worst_case.py (a timed assertion would depend on the machine)
    found = extract(text)
    assert isinstance(found, list) and all(text[e.start : e.end] == e.text for e in found)


def test_non_latin_text_yields_only_what_is_really_there() -> None:
    assert pairs("你好，明天下午三点开会") == []
    assert pairs("مرحبا") == []
    assert pairs("Привет, завтра в 15:00") == [("DATE", "2026-11-22T15:00")]
    assert pairs("😀😀😀") == []


def test_random_junk_never_raises() -> None:
    rng = random.Random(20261122)
    pool = "0123456789 +-./,:;@#$€£¥₹'()<>|kmxqQtTnov\x00\xff\u200b😀中ع\n"
    for _ in range(300):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 200)))
        extract(text)


def test_each_extractor_survives_junk_on_its_own() -> None:
    # extract_rule_entities shields the caller from a failing extractor; here none may fail
    rng = random.Random(7)
    words = ["next", "tue", "3pm", "$25k", "#1042", "+49", "00", "30", "jane@acme.com", "<mailto:",
             "|", ">", "x10", "10x", "qty", "seats", "dozen", "lakh", "kr", "q3", "since", "from",
             "to", "1/2", "24.11.", "2026-02-30", "Feb 29", "the 31st", "in 99999 days", "\x00", "😀"]
    for _ in range(300):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 25)))
        find_emails(text)
        find_phones(text)
        find_money(text)
        find_tickets(text)
        find_dates(text, NOW, UTC, rng.random() < 0.5)
        find_quantities(text)
        find_synonyms(text)
