"""TICKET_ID rules: the digits of support tickets, never order or invoice numbers."""

from __future__ import annotations

import pytest

from nlp_models.rules.tickets import bare_ticket_numbers, find_tickets


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#1042", ["1042"]),
        ("ticket 1042", ["1042"]),
        ("ticket #1042", ["1042"]),
        ("case no. 1042", ["1042"]),
        ("pls check status of case no 7012", ["7012"]),
        ("issue 1042", ["1042"]),
        ("tkt 1042", ["1042"]),
        ("TKT-1042", ["1042"]),
        ("any news on #1042?", ["1042"]),
        ("NOBODY ANSWERED MY TICKET #8890 THIS IS RIDICULOUS", ["8890"]),
        ("STILL NOTHING ON CASE 4410", ["4410"]),
        ("support ticket #2231 pls", ["2231"]),
        ("tickets 1042, 1043 and #1044", ["1042", "1043", "1044"]),
        ("ticket 7", ["7"]),
        ("#2088 ??", ["2088"]),
        ("whats happening with ticket T-1042", ["1042"]),
        ("case CS-88121 please", ["88121"]),
        ("my ticket number is 5531, any update", ["5531"]),
        ("ticket no. is 77", ["77"]),
        # not tickets
        ("order #7781", []),
        ("new order #7781 from Hamburg Logistik GmbH", []),
        ("#A-7781", []),
        ("ORD-2231", []),
        ("invoice 5521", []),
        ("invoice #5521", []),
        ("PO #88123", []),
        ("complete task #2", []),
        ("mark reminder #123 done", []),
        ("i opened a ticket 3 days ago", []),
        ("the issue happened 3 times", []),
        ("in case 2026 we grow", []),
        ("the #1 customer", []),
        ("<#C0123|general>", []),
        ("the ticket is 3 days old", []),
        ("ticket about the T-2 model", []),
    ],
)
def test_ticket_values(text: str, expected: list[str]) -> None:
    assert [e.value for e in find_tickets(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("any news on 1042?", ["1042"]),
        ("1042 works now, thanks", ["1042"]),
        ("close 1042 and 1043", ["1042", "1043"]),
        ("is 88123 fixed yet", ["88123"]),
        # an order, an invoice, a unit, a decimal, a date, a time, a share, an amount
        ("status of order 7781 please", []),
        ("where is my refund for invoice 5521", []),
        ("they want 1200 licenses", []),
        ("it costs 1042.50", []),
        ("since 01/12/2026", []),
        ("at 10:30", []),
        ("up 120%", []),
        ("I paid $1042", []),
        ("any update on 42", []),
    ],
)
def test_bare_numbers(text: str, expected: list[str]) -> None:
    assert [e.value for e in bare_ticket_numbers(text)] == expected
