"""Worst cases of the rule extractors: the slowest of the long, repetitive and odd texts
that tests/nlu/test_rules_extract.py feeds them (a pattern that backtracks shows here).

`python benchmarks/rules_worst_case.py`: one JSON object, the milliseconds of the slowest
texts (best of 3 runs each).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlp_models.rules import extract_rule_entities
from tests.nlu.test_rules_extract import HARD_TEXTS

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def main() -> None:
    timings = []
    for text in HARD_TEXTS:
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            extract_rule_entities(text, now=NOW, tz=UTC)  # type: ignore[arg-type]
            best = min(best, time.perf_counter() - started)
        timings.append((best * 1000, text[:40]))
    timings.sort(reverse=True)
    print(json.dumps({
        "texts": len(timings),
        "slowest_ms": round(timings[0][0], 1),
        "slowest_text_start": timings[0][1],
        "top5_ms": [round(t, 1) for t, _ in timings[:5]],
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
