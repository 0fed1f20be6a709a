"""Our own training data, split: train the whole pipeline on four fifths, score the rest.

    .venv/bin/python benchmarks/nlu_dev_split.py [--part 0] [--errors] [--train-dir DIR]

The honest measure is the hand-written held-out file (`make nlu-evaluate`); it is never
used to choose anything. Choices about our training data are made here instead: each
intent example goes to the dev part when a hash of its text, modulo 5, equals `--part`.
The hash keeps every example where it was when new ones are added, so two versions of the
data are compared on the same old dev examples plus the new examples that fell in it.

Prints one JSON object: intent accuracy on the dev examples, span precision/recall/F1 of
the learnt labels (PERSON, ORG, PRODUCT, CAMPAIGN; exact character spans), and with
`--errors` every wrong intent (text, gold, predicted, confidence) and every message whose
learnt names differ (the gold ones missed, the ones found that are not gold).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp_models.build import load_pipeline, train  # noqa: E402
from nlp_models.training_data import TRAIN_DIR, parse_marked  # noqa: E402

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def in_dev(raw: str, part: int) -> bool:
    return int(hashlib.sha256(raw.encode()).hexdigest(), 16) % 5 == part


def split_training_data(target: Path, part: int, source: Path = TRAIN_DIR) -> list[tuple[str, str]]:
    """Copy the training data into `target` without its dev examples; return those."""
    shutil.copytree(source, target)
    dev: list[tuple[str, str]] = []
    for path in sorted((target / "intents").glob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        kept = []
        for raw in doc["examples"]:
            if in_dev(raw, part):
                dev.append((raw, doc["intent"]))
            else:
                kept.append(raw)
        doc["examples"] = kept
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dev


def _named(text: str, spans: set[tuple[int, int, str]]) -> list[str]:
    return [f"{label} {text[start:end]}" for start, end, label in sorted(spans)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", type=int, default=0, choices=range(5))
    parser.add_argument("--errors", action="store_true", help="list the wrong intents")
    parser.add_argument(
        "--train-dir", type=Path, default=TRAIN_DIR,
        help="training data to split (default: ours; a changed copy compares a change)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        train_dir = Path(tmp) / "train"
        dev = split_training_data(train_dir, args.part, args.train_dir)
        started = time.perf_counter()
        train(train_dir, Path(tmp) / "model")
        train_s = time.perf_counter() - started
        nlu = load_pipeline(Path(tmp) / "model", train_dir=train_dir)

    utc = ZoneInfo("UTC")
    right = 0
    errors = []
    spans = Counter()
    span_errors = []
    for raw, intent in dev:
        text, gold_spans = parse_marked(raw)
        result = nlu.parse(text, NOW, utc)
        if result.intent.value == intent:
            right += 1
        else:
            errors.append({"text": text, "gold": intent, "got": result.intent.value,
                           "confidence": round(result.confidence, 3)})
        gold = {(s, e, str(label)) for s, e, label in gold_spans}
        found = {(x.start, x.end, x.label.value) for x in result.entities
                 if x.label.value in {"PERSON", "ORG", "PRODUCT", "CAMPAIGN"}}
        if gold != found:
            span_errors.append({"text": text, "missing": _named(text, gold - found), "extra": _named(text, found - gold)})
        spans["tp"] += len(gold & found)
        spans["fp"] += len(found - gold)
        spans["fn"] += len(gold - found)
    precision = spans["tp"] / max(1, spans["tp"] + spans["fp"])
    recall = spans["tp"] / max(1, spans["tp"] + spans["fn"])
    report = {
        "part": args.part,
        "dev_examples": len(dev),
        "intent_accuracy": round(right / len(dev), 4),
        "span_precision": round(precision, 4),
        "span_recall": round(recall, 4),
        "span_f1": round(2 * precision * recall / max(1e-9, precision + recall), 4),
        "train_s": round(train_s, 1),
    }
    if args.errors:
        report["errors"] = errors
        report["span_errors"] = span_errors
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
