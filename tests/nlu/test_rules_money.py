"""MONEY rules: amount without separators or trailing zeros, a space, an ISO code."""

from __future__ import annotations

import pytest

from nlp_models.rules.money import find_money


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$25k", ["25000 USD"]),
        ("$ 25,000", ["25000 USD"]),
        ("25000 usd", ["25000 USD"]),
        ("USD 25,000", ["25000 USD"]),
        ("€3,500", ["3500 EUR"]),
        ("3.500 €", ["3500 EUR"]),
        ("won Baltica 120k€ !!!", ["120000 EUR"]),
        ("120 k€", ["120000 EUR"]),
        ("budget 1,2 M€", ["1200000 EUR"]),
        ("5k$ and 3k£", ["5000 USD", "3000 GBP"]),
        ("3,50 €", ["3.5 EUR"]),
        ("£1.2m", ["1200000 GBP"]),
        ("¥500,000", ["500000 JPY"]),
        ("₹2 crore", ["20000000 INR"]),
        ("4.5 lakh", ["450000 USD"]),
        ("CHF 85'000", ["85000 CHF"]),
        ("25k EUR", ["25000 EUR"]),
        ("1.5M", ["1500000 USD"]),
        ("$12.50", ["12.5 USD"]),
        ("30 bucks", ["30 USD"]),
        ("budget 5000", ["5000 USD"]),
        ("worth 40k", ["40000 USD"]),
        ("valued at 12000", ["12000 USD"]),
        ("R$ 500", ["500 BRL"]),
        ("kr 5000", ["5000 NOK"]),
        ("5000 NOK", ["5000 NOK"]),
        ("A$ 300", ["300 AUD"]),
        ("C$1,200", ["1200 CAD"]),
        ("500 zł", ["500 PLN"]),
        ("₩85m", ["85000000 KRW"]),
        ("£8.5k", ["8500 GBP"]),
        ("~¥9m", ["9000000 JPY"]),
        ("$9k/yr", ["9000 USD"]),
        ("R$ 18.000", ["18000 BRL"]),
        ("SEK 62,500.", ["62500 SEK"]),
        ("nok 9,800", ["9800 NOK"]),
        ("mxn 27k", ["27000 MXN"]),
        ("aed 165k", ["165000 AED"]),
        ("14m vnd", ["14000000 VND"]),
        ("around 500m VND", ["500000000 VND"]),
        ("we have new oppty, around 15m naira", ["15000000 NGN"]),
        ("45000 try", ["45000 TRY"]),
        ("sipariş - try 22k", ["22000 TRY"]),
        ("Rs. 4,500", ["4500 INR"]),
        ("US$500", ["500 USD"]),
        ("$25,000 AUD", ["25000 AUD"]),
        ("€ 25 000", ["25000 EUR"]),
        ("5 grand", ["5000 USD"]),
        ("$1.5MM", ["1500000 USD"]),
        ("$1,250,000.50", ["1250000.5 USD"]),
        ("1.234.567,89 €", ["1234567.89 EUR"]),
        ("$0.99", ["0.99 USD"]),
        ("qualified 18k", ["18000 USD"]),
        ("deal value 300k now", ["300000 USD"]),
        ("amount: 20000 sgd", ["20000 SGD"]),
        ("price is around 1,200", ["1200 USD"]),
        ("50 seats at $20 each, total $1,000", ["20 USD", "1000 USD"]),
        ("they want €20k not €25k", ["20000 EUR", "25000 EUR"]),
        # not money
        ("invoice 5521", []),
        ("50 seats", []),
        ("10k users", []),
        ("ticket 1042", []),
        ("in 2026", []),
        ("budget 2027 review", []),
        ("I'll try 3 times", []),
        ("remind me in 5m", []),
        ("ordered 3M tape", []),
        ("X200 router", []),
        ("ORD-2231", []),
        ("version 3.2", []),
        ("4/5", []),
        ("paid 2 invoices", []),
        ("price 3/5", []),
        ("call 555 0100", []),
        ("grew 5 percent", []),
        ("bought the Mira 4K TV last week", []),
        ("300m dong", ["300000000 VND"]),
    ],
)
def test_money_values(text: str, expected: list[str]) -> None:
    assert [e.value for e in find_money(text)] == expected


@pytest.mark.parametrize(
    ("text", "default", "tz_key", "expected"),
    [
        ("budget 5000", "EUR", None, ["5000 EUR"]),
        ("4.5 lakh", "INR", None, ["450000 INR"]),
        ("$25k", "CAD", None, ["25000 CAD"]),  # a Canadian desk's "$"
        ("$25k", "EUR", None, ["25000 USD"]),  # "$" is USD unless the default is a dollar
        ("¥500,000", "CNY", None, ["500000 CNY"]),
        ("kr 5000", "USD", "Europe/Stockholm", ["5000 SEK"]),
        ("kr 5000", "DKK", "Europe/Oslo", ["5000 DKK"]),
        ("25k EUR", "GBP", None, ["25000 EUR"]),
    ],
)
def test_default_currency_and_local_symbols(text: str, default: str, tz_key: str | None, expected: list[str]) -> None:
    assert [e.value for e in find_money(text, default, tz_key)] == expected


def test_span_of_a_cued_amount_is_the_amount() -> None:
    text = "budget 5000 for Acme"
    [money] = find_money(text)
    assert (money.text, money.start, money.end) == ("5000", 7, 11)


def test_span_covers_symbol_amount_and_code() -> None:
    text = "new deal: £8.5k, proposal sent"
    [money] = find_money(text)
    assert (money.text, money.value) == ("£8.5k", "8500 GBP")
    assert text[money.start : money.end] == money.text
