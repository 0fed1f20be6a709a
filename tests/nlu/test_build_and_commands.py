"""Training, automatic rebuild, `evaluate` and `benchmark` on tiny data sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config import SettingsError, load_settings
from nlp_models.build import (
    DEFAULT_SEED,
    ensure_model,
    fingerprint,
    is_current,
    load_pipeline,
    read_meta,
)
from nlp_models.labels import Intent
from nlp_models.training_data import TrainingDataError, load_intent_examples
from tests.conftest import run_chatcrm

TINY = {
    "greet": ["hi", "hello", "hey there", "good morning", "hiya", "yo", "morning all", "hello bot"],
    "thanks": ["thanks", "thank you", "thx", "much appreciated", "ty", "cheers", "thanks a lot", "many thanks"],
    "out_of_scope": ["book a flight", "weather today", "tell me a joke", "play music", "order pizza",
                     "what is 2+2", "who won the game", "translate this"],
    "show_customer": ["what's up with [Acme](ORG)", "tell me about [Jane Smith](PERSON)",
                      "status of [Globex](ORG)", "anything new at [Initech](ORG)",
                      "who do we know at [Umbrella](ORG)", "show [Kwame Mensah](PERSON)",
                      "info on [Hooli](ORG)", "lookup [Li Wei](PERSON)"],
}


def write_tiny(train_dir: Path) -> None:
    (train_dir / "intents").mkdir(parents=True)
    for intent, examples in TINY.items():
        body = "\n".join(f'  - "{e}"' for e in examples)
        (train_dir / "intents" / f"{intent}.yml").write_text(f"intent: {intent}\nexamples:\n{body}\n")


@pytest.fixture
def tiny_train(tmp_path: Path) -> Path:
    write_tiny(tmp_path / "train")
    return tmp_path / "train"


def test_model_is_built_when_missing_and_rebuilt_when_data_changes(tiny_train: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    assert not is_current(model_dir, tiny_train)
    pipeline = load_pipeline(model_dir, train_dir=tiny_train)
    assert isinstance(pipeline.parse("hello").intent, Intent)
    first = read_meta(model_dir)
    assert first is not None and first["fingerprint"] == fingerprint(tiny_train)

    ensure_model(model_dir, tiny_train)  # unchanged data: no rebuild
    assert read_meta(model_dir) == first

    with open(tiny_train / "intents" / "greet.yml", "a") as fh:
        fh.write('  - "howdy partner"\n')
    assert not is_current(model_dir, tiny_train)
    ensure_model(model_dir, tiny_train)
    second = read_meta(model_dir)
    assert second is not None and second["fingerprint"] != first["fingerprint"]
    assert second["intent_examples"] == first["intent_examples"] + 1


def test_a_model_built_at_another_seed_is_rebuilt(tiny_train: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "model"
    ensure_model(model_dir, tiny_train, seed=DEFAULT_SEED)
    first = read_meta(model_dir)
    assert first is not None and first["seed"] == DEFAULT_SEED
    assert not is_current(model_dir, tiny_train, seed=2)
    ensure_model(model_dir, tiny_train, seed=2)
    second = read_meta(model_dir)
    assert second is not None and second["seed"] == 2
    assert second["fingerprint"] == fingerprint(tiny_train, seed=2) != first["fingerprint"]


def test_the_default_seed_setting_is_the_builds_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_NLU_SEED", raising=False)
    assert load_settings().crm_nlu_seed == DEFAULT_SEED


@pytest.mark.parametrize("value", ["-1", "seven", "1.5"])
def test_a_seed_setting_that_is_no_whole_number_from_zero_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CRM_NLU_SEED", value)
    with pytest.raises(SettingsError, match="^CRM_NLU_SEED"):
        load_settings()


def test_bad_training_data_is_named(tiny_train: Path) -> None:
    (tiny_train / "intents" / "bogus.yml").write_text('intent: order_pizza\nexamples:\n  - "pizza"\n')
    with pytest.raises(TrainingDataError, match="bogus.yml.*order_pizza"):
        load_intent_examples(tiny_train)
    (tiny_train / "intents" / "bogus.yml").write_text('intent: greet\nexamples:\n  - "on [friday](DATE)"\n')
    with pytest.raises(TrainingDataError, match="DATE comes from rules"):
        load_intent_examples(tiny_train)


def test_train_command_writes_a_model(tiny_train: Path, tmp_path: Path) -> None:
    out = tmp_path / "trained"
    proc = run_chatcrm("nlu", "train", "--data", str(tiny_train), "--out", str(out), "--seed", "3")
    assert proc.returncode == 0, proc.stderr.decode()
    meta = json.loads(proc.stdout.decode().splitlines()[-1])
    assert meta["intent_examples"] == 32
    assert meta["seed"] == 3 and meta["fingerprint"] == fingerprint(tiny_train, seed=3)
    assert (out / "intent.pkl").exists() and (out / "ner" / "meta.json").exists()


def test_evaluate_command_scores_a_tiny_file(tmp_path: Path) -> None:
    """The command's output; what the figures are for a given parse is
    tests/nlu/test_evaluation.py's. The trained model answers the intents, so only the
    mislabelled line and the rules' entities have a known score here."""
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"text": "hello!", "intent": "greet", "entities": []},
                {"text": "thanks a ton", "intent": "thanks", "entities": []},
                {"text": "remind me to call Jane tomorrow", "intent": "schedule_followup",
                 "entities": [["PERSON", "Jane"], ["DATE", "2026-11-23"], ["INTERACTION_TYPE", "call"]]},
                {"text": "hello", "intent": "report", "entities": [["METRIC", "sales"]]},
            ]
        )
    )
    proc = run_chatcrm("nlu", "evaluate", "--data", str(gold))
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode().splitlines()
    summary = json.loads(lines[-1])
    assert summary["examples"] == 4
    assert summary["intent_accuracy"] <= 0.75  # the last line is deliberately mislabelled
    assert "report" in {c["gold"] for c in summary["confusions"]}
    assert summary["entities"]["METRIC"]["recall"] == 0.0
    assert summary["entities"]["DATE"]["f1"] == 1.0
    assert any(line.startswith("greet") for line in lines)


def test_evaluate_names_a_broken_line(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"text": "hi", "intent": "greet", "entities": []}\nnot json\n')
    proc = run_chatcrm("nlu", "evaluate", "--data", str(gold))
    assert proc.returncode == 2
    assert b"gold.jsonl:2" in proc.stderr


def test_benchmark_command_on_a_tiny_public_style_dataset(tmp_path: Path) -> None:
    for split, rows in {
        "train": [(t, i) for i, ex in TINY.items() for t in ex if "[" not in t] * 3,
        "valid": [("hello friend", "greet"), ("thank u", "thanks")],
        "test": [("hello hello", "greet"), ("thanks so much", "thanks"), ("book me a flight", "out_of_scope")],
    }.items():
        folder = tmp_path / "snips" / split
        folder.mkdir(parents=True)
        (folder / "seq.in").write_text("\n".join(t for t, _ in rows) + "\n")
        (folder / "label").write_text("\n".join(i for _, i in rows) + "\n")
    proc = run_chatcrm("nlu", "benchmark", "--dataset", "snips", "--data-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout.decode().splitlines()[-1])
    assert result["dataset"] == "snips"
    assert result["intent_accuracy"] == 1.0
    assert result["oos_recall"] is None
    assert set(result) >= {"train_s", "parse_ms_p50"}


def test_benchmark_command_names_a_missing_dataset(tmp_path: Path) -> None:
    proc = run_chatcrm("nlu", "benchmark", "--dataset", "hwu64", "--data-dir", str(tmp_path))
    assert proc.returncode == 2
    assert b"hwu64" in proc.stderr
    proc = run_chatcrm("nlu", "benchmark", "--dataset", "atis", "--data-dir", str(tmp_path))
    assert proc.returncode == 2
