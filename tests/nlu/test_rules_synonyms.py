"""STAGE, INTERACTION_TYPE and METRIC vocabularies (no intent gating at this level)."""

from __future__ import annotations

import pytest

from nlp_models.labels import EntityLabel
from nlp_models.rules.synonyms import find_synonyms


def _values(text: str, label: EntityLabel) -> list[tuple[str, str]]:
    return [(e.text, e.value) for e in find_synonyms(text) if e.label is label]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("move Acme deal to negotiation", [("negotiation", "negotiation")]),
        ("Sasaki Pharma moved to negotiating", [("negotiating", "negotiation")]),
        ("we're in negotiations", [("in negotiations", "negotiation")]),
        ("still negotating the price", [("negotating", "negotiation")]),
        ("proposal sent to Brennan", [("proposal sent", "proposal")]),
        ("deals in proposal stage", [("proposal stage", "proposal")]),
        ("set stage to closed won", [("closed won", "won")]),
        ("deal -> Closed-Won", [("Closed-Won", "won")]),
        ("Marigold signed :tada:", [("signed", "won")]),
        ("we won the Globex deal", [("won", "won")]),
        ("closed lost, timing", [("closed lost", "lost")]),
        ("the deal is dead", [("dead", "lost")]),
        ("mark Kirin as lost", [("lost", "lost")]),
        ("qualified lead from the expo", [("qualified lead", "qualified")]),
        ("set opp to qualified", [("qualified", "qualified")]),
        ("list leads", [("leads", "lead")]),
        ("qualifed already", [("qualifed", "qualified")]),
    ],
)
def test_stage(text: str, expected: list[tuple[str, str]]) -> None:
    assert _values(text, EntityLabel.STAGE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("called Jane Smith", [("called", "call")]),
        ("rang Siobhan, no answer", [("rang", "call")]),
        ("phoned Wang Fang", [("phoned", "call")]),
        ("spoke on the phone with Ewa", [("spoke on the phone", "call")]),
        # a conversation with no place named is a call; a voicemail is a call
        ("spoke with Maria Lopez about the renewal", [("spoke with", "call")]),
        ("talked to their CFO", [("talked to", "call")]),
        ("had a quick chat with Tom from Zenith", [("quick chat with", "call")]),
        ("chatted with Yusuf re onboarding", [("chatted with", "call")]),
        ("left a vm for Priya", [("left a vm for", "call")]),
        ("vm to Carlos, no answer", [("vm", "call")]),
        ("cald Bob re pricing", [("cald", "call")]),
        ("cold call to Acme", [("cold call", "call")]),
        ("mtg w/ Hiroshi today", [("mtg", "meeting")]),
        ("metting with Globex went ok", [("metting", "meeting")]),
        ("met Kowalski yesterday", [("met", "meeting")]),
        ("sat down with Klaus", [("sat down with", "meeting")]),
        ("had lunch with Dimitris", [("had lunch with", "meeting")]),
        ("emailed Fatima the deck", [("emailed", "email")]),
        ("wrote to Li about it", [("wrote to", "email")]),
        ("sent Noor the signed order form", [("sent", "email")]),
        ("sent over the deck to Ben", [("sent over", "email")]),
        ("dropped a line to Kofi", [("dropped a line", "email")]),
        ("just demoed Analytics Suite", [("demoed", "demo")]),
        ("demo'd the mobile app", [("demo'd", "demo")]),
        ("showed the product to Harbor Bank", [("showed the product", "demo")]),
        ("visited Taller Ramírez", [("visited", "visit")]),
        ("dropped by Café Aurora", [("dropped by", "visit")]),
        ("was on site at Bosphorus", [("on site", "visit")]),
        ("fyi decision maker is Bill", [("fyi", "note")]),
        ("note for Initech", [("note", "note")]),
    ],
)
def test_interaction_type(text: str, expected: list[tuple[str, str]]) -> None:
    assert _values(text, EntityLabel.INTERACTION_TYPE) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("revenue this month", [("revenue", "sales")]),
        ("sales by region", [("sales", "sales")]),
        ("bookings q3", [("bookings", "sales")]),
        ("how much we sold", [("sold", "sales")]),
        ("show the pipeline", [("pipeline", "pipeline")]),
        ("forecast for q1", [("forecast", "pipeline")]),
        ("pipline value", [("pipline", "pipeline")]),
        ("support load this week", [("support load", "tickets")]),
        ("complaints by product", [("complaints", "tickets")]),
        ("CSAT last month", [("CSAT", "csat")]),
        ("customer satisfaction trend", [("customer satisfaction", "csat")]),
        ("our NPS", [("NPS", "csat")]),
        ("campaign roi", [("campaign", "campaign"), ("roi", "campaign")]),
        ("who is at risk of churning", [("at risk of churning", "churn_risk")]),
        ("churn risk list", [("churn risk", "churn_risk")]),
        ("RFM segmentation", [("RFM", "segments"), ("segmentation", "segments")]),
        ("calls per rep", [("calls per rep", "activity")]),
        ("how busy was the team", [("how busy", "activity")]),
        ("how many calls did the team log this week", [("how many calls", "activity")]),
        ("how is the team doing on calls this week", [("calls", "activity")]),
        ("demos per rep last month", [("demos", "activity")]),
        ("top 10 customers", [("top 10 customers", "top_customers")]),
        ("our best customers", [("best customers", "top_customers")]),
        ("biggest accounts by revenue", [("biggest accounts", "top_customers"), ("revenue", "sales")]),
        ("satisfacton scores", [("satisfacton", "csat")]),
    ],
)
def test_metric(text: str, expected: list[tuple[str, str]]) -> None:
    assert _values(text, EntityLabel.METRIC) == expected


@pytest.mark.parametrize(
    "text",
    [
        "revenge is sweet",  # one letter from "revenue", but a word of its own
        "metrics dashboard",
        "demoted to junior",
        "jane@demo.io",
        "mail@acme.com",
        "calendar invite",
    ],
)
def test_no_false_vocabulary(text: str) -> None:
    assert find_synonyms(text) == []
