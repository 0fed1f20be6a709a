"""QUANTITY rules: integer counts of items; the span is the count, never the product."""

from __future__ import annotations

import pytest

from nlp_models.rules.quantities import find_quantities


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50 seats", [("50", "50")]),
        ("x10", [("x10", "10")]),
        ("10x", [("10x", "10")]),
        ("qty 5", [("qty 5", "5")]),
        ("product Scanner Kit, qty: 6", [("qty: 6", "6")]),
        ("three licences", [("three", "3")]),
        ("a dozen units", [("a dozen", "12")]),
        ("two dozen boxes", [("two dozen", "24")]),
        ("twenty-five seats", [("twenty-five", "25")]),
        ("a couple of licences", [("a couple of", "2")]),
        ("20 X200 routers", [("20", "20")]),
        ("5 Pro licences", [("5", "5")]),
        ("3x Premium Support", [("3x", "3")]),
        ("Acme ordered 15 X200 router", [("15", "15")]),
        ("Dr. Mensah ordered 3 Tablet Stand for the clinic", [("3", "3")]),
        ("she needs 10 more Basic licences maybe", [("10", "10")]),
        ("they cut 10 licences", [("10", "10")]),
        ("book an order: 50 Thermal Paper Roll boxes", [("50", "50")]),
        ("1,000 units", [("1,000", "1000")]),
        ("10k users", [("10k", "10000")]),
        ("Pro licence x10", [("x10", "10")]),
        ("12 users, budget around $5k", [("12", "12")]),
        ("wants 4 store licences", [("4", "4")]),
        ("upsell: +30 seats Pro plan", [("30", "30")]),
        ("order from Dunmore Breweries 10 Handheld H5", [("10", "10")]),
        ("ordered 18 Handheld H5 and 18 chargers", [("18", "18"), ("18", "18")]),
        # not quantities
        ("4/5", []),
        ("5 stars", []),
        ("50%", []),
        ("in 3 days", []),
        ("he is 30 years old", []),
        ("2026", []),
        ("$25k", []),
        ("ticket 1042", []),
        ("on 3 March", []),
        ("at 5 Main Street", []),
        ("6 ppl on the call", []),
        ("one of the routers failed", []),
        ("2x a week", []),
        ("10x faster", []),
        ("1920x1080 screen", []),
        ("version 3 users", []),
        ("in 2026 Acme grew", []),
        ("change the address to Hauptstraße 12, 80331 München", []),
        ("my Nimbus 5 laptop screen flickers", []),
        ("the AirMax 3 headphones only work on the left side", []),
        ("WORST SUPPORT EVER 1 STAR", []),
    ],
)
def test_quantity_values(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(e.text, e.value) for e in find_quantities(text)] == expected
