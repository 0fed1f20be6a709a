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

Where the train split marks entities (SNIPS's slots), the benchmark runs the whole of our
pipeline, not the classifier alone: a recogniser (`train_entity_recognizer`, our settings,
the data set's labels) learns the train split's entities; the classifier learns each train
text with its marked entities masked (`mask_entities`: "add someentityname to
someplaylist") and as written; a val or test message is masked where the recogniser finds
entities, and its intent is the mean of the margins on both wordings, as `NluPipeline.parse`
does with names. Rasa's DIET, the anchor, learns the same entities beside the intents.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp_models.entity_recognizer import train_entity_recognizer
from nlp_models.intent_classifier import IntentClassifier, Prediction
from nlp_models.public_data import OOS_LABEL, Split, load_public_dataset
from nlp_models.text import mask_entities

VAL_IN_SCOPE_TARGET = 0.925


@dataclass(frozen=True, slots=True)
class _Marked:
    text: str
    spans: tuple[tuple[int, int, str], ...]


class BenchmarkPipeline:
    """The classifier, with a recogniser in front where the train split marks entities."""

    def __init__(self, split: Split, fallback_label: str | None) -> None:
        texts = [t for t, _ in split.train]
        labels = [lab for _, lab in split.train]
        self.ner = None
        also: list[str | None] = [None] * len(texts)
        if split.train_spans is not None:
            marked = [_Marked(t, tuple(s)) for t, s in zip(texts, split.train_spans)]
            self.ner = train_entity_recognizer(
                marked, labels=sorted({label for m in marked for _, _, label in m.spans})
            )
            also = [t if s else None for t, s in zip(texts, split.train_spans)]
            texts = [mask_entities(m.text, m.spans) for m in marked]
        self.clf = IntentClassifier(fallback_label=fallback_label)
        if split.val:
            pairs = list(zip(texts, labels)) + [(a, lab) for a, lab in zip(also, labels) if a]
            self.clf.fit([t for t, _ in pairs], [lab for _, lab in pairs])
        else:
            self.clf.fit_with_cv_calibration(texts, labels, folds=3, also_train_on=also)

    def wordings(self, texts: list[str]) -> tuple[list[str], list[str | None] | None]:
        """The texts to score, masked where the recogniser finds entities, and each one's
        second wording (as written) where masking changed it."""
        if self.ner is None:
            return texts, None
        docs = self.ner.pipe(texts, batch_size=256)
        masked = [
            mask_entities(t, [(e.start_char, e.end_char, e.label_) for e in doc.ents])
            for t, doc in zip(texts, docs)
        ]
        return masked, [t if m != t else None for t, m in zip(texts, masked)]

    def margins(self, texts: list[str]) -> np.ndarray:
        return self.clf.margins(*self.wordings(texts))

    def predict_many(self, texts: list[str]) -> list[Prediction]:
        return self.clf.predict_many(*self.wordings(texts))


def run_benchmark(dataset: str, data_dir: Path, timing_sample: int = 500) -> dict[str, Any]:
    split = load_public_dataset(dataset, data_dir)
    has_oos = any(label == OOS_LABEL for _, label in split.train)

    started = time.perf_counter()
    understood = BenchmarkPipeline(split, OOS_LABEL if has_oos else None)
    clf = understood.clf
    operating_threshold = None
    if split.val:
        val_margins = understood.margins([t for t, _ in split.val])
        val_gold = [lab for _, lab in split.val]
        clf.calibrate(val_margins, val_gold)
        if has_oos:
            operating_threshold = clf.threshold_for_in_scope_accuracy(
                val_margins, val_gold, VAL_IN_SCOPE_TARGET
            )
    train_s = time.perf_counter() - started

    test_texts = [t for t, _ in split.test]
    gold = np.array([lab for _, lab in split.test])
    pred = np.array([p.label for p in understood.predict_many(test_texts)])
    test_margins = understood.margins(test_texts)
    argmax = clf.classes_[test_margins.argmax(axis=1)]
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
        accepted = clf.rejection_scores(test_margins) >= operating_threshold
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
        understood.predict_many([text])
        times.append((time.perf_counter() - t0) * 1000)
    result["parse_ms_p50"] = round(float(np.percentile(times, 50)), 3)
    result["parse_ms_p99"] = round(float(np.percentile(times, 99)), 3)
    result["n_train"] = len(split.train)
    result["entities"] = understood.ner is not None
    result["n_test"] = len(test_texts)
    result["threshold"] = round(clf.threshold, 3)
    result["rejection"] = f"{clf.rejection} x{clf.rejection_scale:g}"
    return result
