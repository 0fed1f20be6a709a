"""`evaluate` and `read_gold` on a table-driven language layer: the figures for given
parses, exactly, whatever the build of the trained model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nlp_models.evaluation import EvaluationDataError, evaluate, read_gold
from tests.fakes.fake_language import P, TableLanguage

TABLE = {
    "hello!": P("greet"),
    "remind me to call Jane tomorrow": P("schedule_followup", ("PERSON", "Jane")),
    "met Tom Smith today": P("log_interaction", ("PERSON", "Tom")),
    "hello": P("greet"),
    "what's up with zyxqor plc?": P("show_customer"),
}
GOLD = [
    {"text": "hello!", "intent": "greet", "entities": []},
    {"text": "remind me to call Jane tomorrow", "intent": "schedule_followup",
     "entities": [["PERSON", "Jane"], ["DATE", "2026-11-23"], ["INTERACTION_TYPE", "call"]]},
    {"text": "met Tom Smith today", "intent": "log_interaction",
     "entities": [["PERSON", "Tom Smith"], ["DATE", "2026-11-22"], ["INTERACTION_TYPE", "meeting"]]},
    {"text": "hello", "intent": "report", "entities": [["METRIC", "sales"]]},
]


def write_gold(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def report(tmp_path: Path) -> dict[str, Any]:
    return evaluate(TableLanguage(TABLE), read_gold(write_gold(tmp_path / "gold.jsonl", GOLD)))  # type: ignore[arg-type]


def test_intent_accuracy_and_confusions(report: dict[str, Any]) -> None:
    assert report["examples"] == 4
    assert report["intent_accuracy"] == 0.75
    assert report["confusions"] == [{"gold": "report", "predicted": "greet", "count": 1}]


def test_entities_count_as_label_and_value_pairs(report: dict[str, Any]) -> None:
    # "Tom" found for "Tom Smith": one false positive and one miss
    assert report["entities"]["PERSON"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert report["entities"]["DATE"]["f1"] == 1.0
    assert report["entities"]["METRIC"]["recall"] == 0.0
    assert report["entity_micro"] == {"precision": 0.8333, "recall": 0.7143, "f1": 0.7692, "support": 7}


def test_errors_name_each_wrong_line(report: dict[str, Any]) -> None:
    assert [e["text"] for e in report["errors"]] == ["met Tom Smith today", "hello"]
    assert report["errors"][0]["missing"] == [("PERSON", "Tom Smith")]
    assert report["errors"][0]["extra"] == [("PERSON", "Tom")]


def test_a_lines_known_names_reach_the_parse(tmp_path: Path) -> None:
    line = {"text": "what's up with zyxqor plc?", "intent": "show_customer", "entities": [["ORG", "zyxqor plc"]]}
    language = TableLanguage(TABLE)
    with_known = read_gold(write_gold(tmp_path / "known.jsonl", [{**line, "known": {"ORG": ["Zyxqor PLC"]}}]))
    without = read_gold(write_gold(tmp_path / "unknown.jsonl", [line]))
    assert evaluate(language, with_known)["entity_micro"]["f1"] == 1.0  # type: ignore[arg-type]
    assert evaluate(language, without)["entity_micro"]["f1"] == 0.0  # type: ignore[arg-type]


@pytest.mark.parametrize("known", [{"CITY": ["Oslo"]}, ["Acme"]])
def test_a_line_with_bad_known_names_is_named(tmp_path: Path, known: object) -> None:
    rows: list[dict[str, Any]] = [GOLD[0], {"text": "hi", "intent": "greet", "entities": [], "known": known}]
    with pytest.raises(EvaluationDataError, match=r"gold\.jsonl:2"):
        read_gold(write_gold(tmp_path / "gold.jsonl", rows))
