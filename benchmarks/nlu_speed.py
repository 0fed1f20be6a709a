"""Speed of the language layer: parse p50/p99 per message, model load, training time.

Run on one core (BLAS threads pinned to 1): `python benchmarks/nlu_speed.py [--train]`.
Prints one JSON object. Targets: parse p50 <= 2 ms, p99 <= 10 ms, load <= 2 s,
training on our data <= 60 s.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse
import gc
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import load_settings
from nlp_models.build import build, ensure_model, load_pipeline
from nlp_models.evaluation import read_gold
from nlp_models.training_data import HELDOUT_FILE


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--train", action="store_true", help="also time a full build from scratch")
    parser.add_argument("--rounds", type=int, default=5, help="passes over the held-out messages")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    settings = load_settings()
    result: dict[str, object] = {}
    if args.train:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            build(Path(tmp) / "nlu")
            result["train_s"] = round(time.perf_counter() - started, 1)
    ensure_model(settings.nlu_model_dir)
    started = time.perf_counter()
    pipeline = load_pipeline(settings.nlu_model_dir)
    result["load_s"] = round(time.perf_counter() - started, 3)

    messages = [g.text for g in read_gold(HELDOUT_FILE)]
    now = datetime(2026, 11, 22, 10, tzinfo=UTC)
    tz = ZoneInfo("Europe/Berlin")
    for text in messages[:50]:  # warm caches
        pipeline.parse(text, now, tz)
    timings: list[float] = []
    gc.collect()
    for _ in range(args.rounds):
        for text in messages:
            t0 = time.perf_counter()
            pipeline.parse(text, now, tz)
            timings.append((time.perf_counter() - t0) * 1000)
    result.update(
        {
            "messages": len(timings),
            "parse_ms_p50": round(percentile(timings, 50), 3),
            "parse_ms_p99": round(percentile(timings, 99), 3),
            "parse_ms_max": round(max(timings), 3),
            "messages_per_s": round(len(timings) / (sum(timings) / 1000), 1),
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
