"""Reading messages about follow-ups (nlp_models.tasks): titles, next steps, moves,
listings and the words that may name a follow-up."""

from __future__ import annotations

import pytest

from nlp_models.tasks import (
    Listing,
    followup_listing,
    followup_title,
    followup_words,
    is_reschedule,
    names_a_next_step,
    next_step,
    reports_what_happened,
    says_followup,
    words,
)


@pytest.mark.parametrize(
    ("text", "date_texts", "title"),
    [
        ("remind me to send pricing to Jane Smith tomorrow 9am", ["tomorrow 9am"], "Send pricing to Jane Smith"),
        ("remind me to book the Acme Corp visit on friday", ["friday"], "Book the Acme Corp visit"),
        ("pls set up a follow-up to call Hugo next week", ["next week"], "Call Hugo"),
        ("mtg w Wolt tmrw 11am pls add to my list", ["tmrw 11am"], "Mtg w Wolt"),
        ("put on my list: send Wolt the quote by monday", ["monday"], "Send Wolt the quote"),
        ("i need to chase the invoice due friday", ["friday"], "Chase the invoice"),
        ("remind me to call Acme Corp next tuesday at 25:00", ["next tuesday"], "Call Acme Corp"),
    ],
)
def test_a_followup_title_is_what_is_to_be_done(text: str, date_texts: list[str], title: str) -> None:
    assert followup_title(text, date_texts) == title


def test_one_word_left_is_no_title() -> None:
    assert followup_title("remind me tomorrow", ["tomorrow"]) == ""


@pytest.mark.parametrize(
    ("text", "date_text", "step"),
    [
        ("met Jane Smith yesterday, next step: send the proposal by friday", "friday", "Send the proposal"),
        ("called X re renewal f/u tmrw about the discount", "tmrw", "About the discount"),
        ("demo went well, f/u with Jane next week", "next week", "Follow up with Jane"),
        ("called Hugo, will send the contract on monday", "monday", "Send the contract"),
    ],
)
def test_the_next_step_is_the_clause_of_its_date_without_the_markers(text: str, date_text: str, step: str) -> None:
    assert next_step(text, date_text) == step


def test_a_next_step_of_one_word_is_none() -> None:
    assert next_step("called Jane Smith at Acme, f/u next tue", "next tue") is None


def test_a_date_in_no_clause_names_no_next_step() -> None:
    assert next_step("called Jane, all good", "friday") is None


@pytest.mark.parametrize(
    ("text", "date_text", "names"),
    [
        ("met Acme, f/u next week", "next week", True),
        ("met Acme, we'll send the proposal this month", "this month", True),
        ("met Acme, budget approved for Q1", "Q1", False),
        ("met Acme, they decide next month", "next month", False),
    ],
)
def test_a_period_names_a_next_step_only_when_its_clause_says_one(text: str, date_text: str, names: bool) -> None:
    assert names_a_next_step(text, date_text) is names


@pytest.mark.parametrize(
    ("text", "moves"),
    [
        ("push the Cian follow up to friday", True),
        ("postpone the reminder about the pricing sheet to wednesday 9:30am", True),
        ("move my call with Hugo to monday", True),
        ("can we reschedule the demo to thursday", True),
        ("remind me to move the boxes on friday", False),  # a new task
        ("push for a decision by friday", False),  # no follow-up or meeting is moved
        ("remind me to call Hugo friday", False),
    ],
)
def test_is_reschedule(text: str, moves: bool) -> None:
    assert is_reschedule(text) is moves


@pytest.mark.parametrize(("text", "says"), [("push the Cian follow up", True), ("move my call with Hugo", False)])
def test_says_followup(text: str, says: bool) -> None:
    assert says_followup(text) is says


@pytest.mark.parametrize(
    ("text", "listing"),
    [
        ("anything overdue?", Listing.OVERDUE),
        ("any missed tasks", Listing.OVERDUE),
        ("what's due today?", Listing.DUE_TODAY),
        ("tasks", Listing.DUE_TODAY),
        ("show all my follow-ups", Listing.OPEN),
        ("upcoming reminders", Listing.OPEN),
    ],
)
def test_followup_listing(text: str, listing: Listing) -> None:
    assert followup_listing(text) is listing


def test_words_are_lower_cased_words() -> None:
    assert words("Send Wolt the quote!") == {"send", "wolt", "the", "quote"}


def test_followup_words_leave_out_the_words_of_marking_one_done() -> None:
    assert followup_words("mark the pricing follow-up as done") == {"pricing"}


def test_followup_words_leave_out_the_words_of_moving_one_when_moving() -> None:
    assert followup_words("push the pricing reminder back", moving=True) == {"pricing"}


def test_followup_words_keep_the_words_of_moving_one_otherwise() -> None:
    assert followup_words("push the pricing reminder back") == {"push", "pricing", "reminder", "back"}


@pytest.mark.parametrize(
    ("text", "reports"),
    [
        # opens with what happened: a log, whatever it asks for next
        ("phoned Gianni Russo at Verdant Foods re the tender, f/u thursday 9am", True),
        ("just met Priya at Kestrel, next step proposal friday", True),
        ("emailed Tom the quote, follow up monday", True),
        ("today spoke with Maria about renewal, f/u in 2 weeks", True),
        ("left a vm for Otieno, try again thursday", True),
        # an order, a request, a plan: a follow-up
        ("call Gianni Russo thursday 9am", False),
        ("remind me to call Gianni after the tender", False),
        ("follow up with the people I called yesterday", False),
        ("schedule a demo with Verdant Foods friday", False),
        ("meeting with Hugo next tuesday 3pm", False),
    ],
)
def test_a_message_that_opens_with_what_happened_reports_it(text: str, reports: bool) -> None:
    assert reports_what_happened(text) is reports
