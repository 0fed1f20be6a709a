"""`chatcrm nlu benchmark`: the intent classifier of our pipeline on a public benchmark.

Train on the official train split, calibrate on the validation split (or out-of-fold
margins where a data set has none), score the official test split. CLINC150 reports
in-scope accuracy and out-of-scope recall (Larson et al. 2019, threshold + oos class);
`intent_accuracy_no_threshold` is the same model's argmax, with no fallback threshold.

Where the data set has out-of-scope examples, a second operating point answers the question
"how much out-of-scope recall at a given in-scope accuracy": the highest threshold whose
in-scope accuracy on the validation split is still >= VAL_IN_SCOPE_TARGET (the goal, 92 %,
plus half a point for the usual drop from validation to test). The product keeps its own
prior-weighted threshold; this point is chosen on validation data only, like the other.

The classifier runs alone, without the pipeline's recogniser, on every data set; why a slot
recogniser in front of it was not kept on SNIPS: docs/decisions/0008.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from nlp_models.intent_classifier import IntentClassifier
from nlp_models.public_data import OOS_LABEL, load_public_dataset

VAL_IN_SCOPE_TARGET = 0.925


def run_benchmark(dataset: str, data_dir: Path, timing_sample: int = 500) -> dict[str, Any]:
    split = load_public_dataset(dataset, data_dir)
    has_oos = any(label == OOS_LABEL for _, label in split.train)
    texts = [t for t, _ in split.train]
    labels = [lab for _, lab in split.train]

    started = time.perf_counter()
    clf = IntentClassifier(fallback_label=OOS_LABEL if has_oos else None)
    operating_threshold = None
    if split.val:
        clf.fit(texts, labels)
        val_margins = clf.margins([t for t, _ in split.val])
        val_gold = [lab for _, lab in split.val]
        clf.calibrate(val_margins, val_gold)
        if has_oos:
            operating_threshold = clf.threshold_for_in_scope_accuracy(
                val_margins, val_gold, VAL_IN_SCOPE_TARGET
            )
    else:
        clf.fit_with_cv_calibration(texts, labels, folds=3)
    train_s = time.perf_counter() - started

    test_texts = [t for t, _ in split.test]
    gold = np.array([lab for _, lab in split.test])
    pred = np.array([p.label for p in clf.predict_many(test_texts)])
    argmax = clf.classes_[clf.margins(test_texts).argmax(axis=1)]
    in_scope = gold != OOS_LABEL
    result: dict[str, Any] = {
        "dataset": dataset,
        "intent_accuracy": round(float((pred[in_scope] == gold[in_scope]).mean()), 4),
        # the same model with no fallback threshold (what papers without oos report)
        "intent_accuracy_no_threshold": round(
            float((argmax[in_scope] == gold[in_scope]).mean()), 4
        ),
        "oos_recall": (
            round(float((pred[~in_scope] == OOS_LABEL).mean()), 4) if (~in_scope).any() else None
        ),
        "train_s": round(train_s, 1),
    }
    if operating_threshold is not None:
        accepted = clf.rejection_scores(clf.margins(test_texts)) >= operating_threshold
        result["at_val_in_scope_target"] = {
            "val_in_scope_min": VAL_IN_SCOPE_TARGET,
            "threshold": round(operating_threshold, 3),
            "intent_accuracy": round(
                float(((argmax == gold) & accepted)[in_scope].mean()), 4
            ),
            "oos_recall": round(
                float((~accepted | (argmax == OOS_LABEL))[~in_scope].mean()), 4
            ),
        }
    sample = test_texts[:timing_sample]
    times = []
    for text in sample:
        t0 = time.perf_counter()
        clf.predict(text)
        times.append((time.perf_counter() - t0) * 1000)
    result["parse_ms_p50"] = round(float(np.percentile(times, 50)), 3)
    result["parse_ms_p99"] = round(float(np.percentile(times, 99)), 3)
    result["n_train"] = len(texts)
    result["n_test"] = len(test_texts)
    result["threshold"] = round(clf.threshold, 3)
    result["rejection"] = f"{clf.rejection} x{clf.rejection_scale:g}"
    return result
