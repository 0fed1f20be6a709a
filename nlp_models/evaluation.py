"""`chatcrm nlu evaluate`: intent accuracy, per-intent P/R/F1, entity P/R/F1, confusions.

An evaluation line is a parse result's shape plus gold fields:
`{"text": ..., "intent": ..., "entities": [["LABEL", "value"], ...]}`, optionally with
`"now"` (ISO; naive means UTC), `"tz"` and `"known"`: the names the CRM already knows,
`{"ORG": ["Acme"], "PERSON": [...]}`, passed to `parse(known_names=...)`. Entities count as
(label, normalised value) pairs, so a span found with a slightly different boundary but the
same value still counts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nlp_models.labels import EntityLabel
from nlp_models.pipeline import NluPipeline

DEFAULT_NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class GoldExample:
    text: str
    intent: str
    entities: tuple[tuple[str, str], ...]
    now: datetime
    tz: ZoneInfo
    known: tuple[tuple[EntityLabel, tuple[str, ...]], ...] = ()


class EvaluationDataError(ValueError):
    pass


def read_gold(path: Path) -> list[GoldExample]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            now = datetime.fromisoformat(row["now"]) if row.get("now") else DEFAULT_NOW
            if now.tzinfo is None:
                now = now.replace(tzinfo=UTC)
            examples.append(
                GoldExample(
                    text=row["text"],
                    intent=row["intent"],
                    entities=tuple((str(lab), str(val)) for lab, val in row.get("entities", [])),
                    now=now,
                    tz=ZoneInfo(row.get("tz") or "UTC"),
                    known=tuple(
                        (EntityLabel(label), tuple(str(name) for name in names))
                        for label, names in (row.get("known") or {}).items()
                    ),
                )
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise EvaluationDataError(f"{path}:{number}: {exc}") from None
    return examples


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def evaluate(pipeline: NluPipeline, examples: Iterable[GoldExample]) -> dict[str, Any]:
    intent_counts: dict[str, Counter[str]] = {}
    confusions: Counter[tuple[str, str]] = Counter()
    entity_counts: dict[str, Counter[str]] = {}
    errors: list[dict[str, Any]] = []
    total = correct = 0
    for ex in examples:
        known = pipeline.known_names(dict(ex.known)) if ex.known else None
        result = pipeline.parse(ex.text, now=ex.now, tz=ex.tz, known_names=known)
        predicted = result.intent.value
        total += 1
        correct += predicted == ex.intent
        intent_counts.setdefault(ex.intent, Counter())
        intent_counts.setdefault(predicted, Counter())
        if predicted == ex.intent:
            intent_counts[ex.intent]["tp"] += 1
        else:
            intent_counts[ex.intent]["fn"] += 1
            intent_counts[predicted]["fp"] += 1
            confusions[(ex.intent, predicted)] += 1
        gold = Counter(ex.entities)
        found = Counter((e.label.value, e.value) for e in result.entities)
        for (label, _), n in (gold & found).items():
            entity_counts.setdefault(label, Counter())["tp"] += n
        for (label, _), n in (found - gold).items():
            entity_counts.setdefault(label, Counter())["fp"] += n
        for (label, _), n in (gold - found).items():
            entity_counts.setdefault(label, Counter())["fn"] += n
        if predicted != ex.intent or gold != found:
            errors.append(
                {
                    "text": ex.text,
                    "intent": ex.intent,
                    "predicted": predicted,
                    "missing": sorted(gold - found),
                    "extra": sorted(found - gold),
                }
            )
    micro = Counter[str]()
    for c in entity_counts.values():
        micro.update(c)
    return {
        "examples": total,
        "intent_accuracy": round(correct / total, 4) if total else 0.0,
        "intents": {k: _prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(intent_counts.items())},
        "entities": {k: _prf(c["tp"], c["fp"], c["fn"]) for k, c in sorted(entity_counts.items())},
        "entity_micro": _prf(micro["tp"], micro["fp"], micro["fn"]),
        "confusions": [
            {"gold": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common(10)
        ],
        "errors": errors,
    }


def format_report(report: dict[str, Any]) -> str:
    micro = report["entity_micro"]
    lines = [
        (
            f"examples: {report['examples']}   intent accuracy: {report['intent_accuracy']:.4f}   "
            f"entity micro P/R/F1: {micro['precision']:.4f} / {micro['recall']:.4f} / "
            f"{micro['f1']:.4f}"
        ),
        "",
        f"{'intent':<20} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}",
    ]
    for name, m in report["intents"].items():
        lines.append(f"{name:<20} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} {m['support']:>5}")
    lines += ["", f"{'entity':<20} {'prec':>6} {'rec':>6} {'f1':>6} {'n':>5}"]
    for name, m in report["entities"].items():
        lines.append(f"{name:<20} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f} {m['support']:>5}")
    if report["confusions"]:
        lines += ["", "top confusions (gold → predicted):"]
        lines += [f"  {c['gold']} → {c['predicted']}: {c['count']}" for c in report["confusions"]]
    return "\n".join(lines)
