"""`chatcrm nlu parse`: stdin lines → one JSON object a line, same order, never a crash."""

from __future__ import annotations

import json

import pytest

from nlp_models.labels import EntityLabel, Intent
from tests.conftest import run_chatcrm

NOW = ["--now", "2026-11-22T10:00:00"]


def parse_lines(lines: list[bytes], *extra: str) -> list[dict]:
    proc = run_chatcrm("nlu", "parse", *NOW, *extra, stdin=b"\n".join(lines) + b"\n")
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode("utf-8").splitlines()
    assert len(out) == len(lines)
    return [json.loads(line) for line in out]


def test_product_example_parses_to_the_contract_shape() -> None:
    text = "called Jane Smith at Acme, she wants pricing for 50 seats, f/u next tue"
    [result] = parse_lines([text.encode()])
    assert set(result) == {"text", "intent", "confidence", "entities"}
    assert result["text"] == text
    assert Intent(result["intent"])
    assert 0.0 <= result["confidence"] <= 1.0
    for ent in result["entities"]:
        assert set(ent) == {"label", "text", "start", "end", "value"}
        assert EntityLabel(ent["label"])
        assert text[ent["start"] : ent["end"]] == ent["text"]
    # what the rules find, whatever the build; the intent and names the trained model finds
    # are scored in nlp_models/data/regression.jsonl (tests/nlu/test_pipeline.py)
    found = {(e["label"], e["value"]) for e in result["entities"]}
    assert {("DATE", "2026-11-24"), ("QUANTITY", "50")} <= found


def test_order_is_kept_and_time_zone_applies() -> None:
    lines = [b"remind me tomorrow at 9am to call Bob", b"hi", b"thanks, it works now"]
    results = parse_lines(lines, "--tz", "Asia/Tokyo", "--now", "2026-11-22T23:30:00")
    assert [r["text"] for r in results] == [line.decode() for line in lines]
    # 23:30 UTC is already Monday 08:30 in Tokyo, so "tomorrow" is Tuesday the 24th.
    dates = [e["value"] for e in results[0]["entities"] if e["label"] == "DATE"]
    assert dates == ["2026-11-24T09:00"]


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"x" * 10_000,
        ("hello " * 2000).encode(),
        b"\x00\xff\xfe\x81binary\x00junk\xc3\x28",
        "😀🎉👍🔥".encode(),
        "Я хочу вернуть заказ".encode(),
        "我的订单还没到".encode(),
        "طلبي لم يصل".encode(),
        b"   \t  ",
    ],
    ids=["empty", "10k-chars", "12k-words", "binary", "emoji", "russian", "chinese", "arabic", "blank"],
)
def test_bad_input_gets_a_valid_answer(raw: bytes) -> None:
    [result] = parse_lines([raw])
    assert Intent(result["intent"])
    assert isinstance(result["confidence"], float)
    assert isinstance(result["entities"], list)


def test_bad_arguments_get_a_clear_message() -> None:
    proc = run_chatcrm("nlu", "parse", "--now", "next tuesday", stdin=b"hi\n")
    assert proc.returncode == 2
    assert b"ISO" in proc.stderr
    proc = run_chatcrm("nlu", "parse", "--tz", "Mars/Olympus", stdin=b"hi\n")
    assert proc.returncode == 2
    assert b"unknown time zone" in proc.stderr
