"""Clock times and numeric dates no calendar has, found so that they are refused."""

from __future__ import annotations

import pytest

from nlp_models.rules.dates.impossible import impossible_when


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call Acme next tuesday at 25:00", "25:00"),
        ("at 13pm", "13pm"),
        ("at 0am", "0am"),
        ("10:75", "10:75"),
        ("24:30", "24:30"),
        ("31/02", "31/02"),
        ("29/02/2027", "29/02/2027"),
        ("14/13", "14/13"),
    ],
)
def test_an_impossible_time_or_date_is_found_as_written(text: str, expected: str) -> None:
    assert impossible_when(text) == expected


@pytest.mark.parametrize(
    "text",
    ["tomorrow 3pm", "at 24:00", "12am", "29/02", "3/12", "24/11", "12/24", "10:30am", "v1.2/3", "no time at all"],
)
def test_possible_times_and_dates_are_left_alone(text: str) -> None:
    assert impossible_when(text) is None
