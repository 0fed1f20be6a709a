"""PHONE rules: E.164 when a country code is written (+ or 00), else the digits."""

from __future__ import annotations

import pytest

from nlp_models.rules.phones import find_phones


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+49 30 1234 567", ["+49301234567"]),
        ("(415) 555-0100", ["4155550100"]),
        ("call +49 30 123456 now", ["+4930123456"]),
        ("0049 30 1234567", ["+49301234567"]),
        # a group of "00..." inside a number is not a second country code
        ("+86 138 0013 8000", ["+8613800138000"]),
        ("change Chen Wei's phone to +86 138 0013 8000", ["+8613800138000"]),
        ("0086 138 0013 8000", ["+8613800138000"]),
        ("+1 (415) 555-0100 ext 22", ["+14155550100"]),
        ("tel +90 212 555 1234", ["+902125551234"]),
        ("+48 61 555 22 33", ["+48615552233"]),
        ("+44 7700 900123", ["+447700900123"]),
        ("+49 (0) 30 123456", ["+4930123456"]),
        ("<tel:+4930123456|+49 30 123456>", ["+4930123456"]),
        ("(11) 98765-4321", ["11987654321"]),
        ("new contact Deepika, phone 98450 12345", ["9845012345"]),
        ("add Ngozi 0803 123 4567", ["08031234567"]),
        ("Ganesh Pharma, mumbai, contact Sanjay 9820012345", ["9820012345"]),
        ("415.555.0100", ["4155550100"]),
        ("0176/1234567", ["01761234567"]),
        ("phone 600 700 800", ["600700800"]),
        ("+1 415 555 0100, +44 7700 900123", ["+14155550100", "+447700900123"]),
        # not phones
        ("24.11.2026", []),
        ("2026-11-24", []),
        ("on 11/24/2026 at 10:30", []),
        ("20261124", []),
        ("deal worth $1,250,000", []),
        ("25 000 000 EUR", []),
        ("€ 1 500 000", []),
        ("order #A-7781", []),
        ("ORD-22311234", []),
        ("order #77812345", []),
        ("ticket 1234567", []),
        ("invoice 55210099", []),
        ("case no. 4410123", []),
        ("12345", []),
        ("call 555 01", []),
        ("10:30-11:45", []),
        ("192.168.1.100", []),
        ("version 1.2.3", []),
        ("3 4 5 6 7 8 9", []),
        ("jane123456789@acme.com", []),
        ("price +25000", []),
        ("1234567 units", []),
    ],
)
def test_phone_values(text: str, expected: list[str]) -> None:
    assert [e.value for e in find_phones(text)] == expected


def test_spans_point_into_the_original_text() -> None:
    text = "call 0049 30 1234567 or (415) 555-0100"
    phones = find_phones(text)
    assert [(e.text, e.value) for e in phones] == [
        ("0049 30 1234567", "+49301234567"),
        ("(415) 555-0100", "4155550100"),
    ]
    assert all(text[e.start : e.end] == e.text for e in phones)


def test_slack_tel_span_is_the_whole_markup() -> None:
    text = "ring <tel:+4930123456|+49 30 123456>"
    [phone] = find_phones(text)
    assert (phone.start, phone.end, phone.value) == (5, len(text), "+4930123456")
