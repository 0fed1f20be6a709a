"""5-fold cross-validation of intent-classifier variants on the public train splits; JSON lines.

    cd /work/main && PYTHONPATH=. .venv/bin/python benchmarks/nlu_public_cv.py \
        [--data-dir ../shared/data] [--datasets snips,hwu64] [--variants base,"no pairs",knn] [--jobs 2]

A classifier change is judged here, on the official train splits only (stratified 5-fold,
seed 0), before any test split is read (docs/decisions/0005). Prints, per variant and data
set, the in-scope utterances answered right by the argmax (no fallback threshold; on
CLINC150 the trained `oos` class counts as wrong for an in-scope query) and the right
answers per fold, so a difference can be read fold by fold. The test splits are never read.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize

from nlp_models.intent_classifier import IntentClassifier
from nlp_models.public_data import DATASETS, OOS_LABEL, load_public_dataset
from nlp_models.text import for_classifier

FOLDS = 5


def _without_pairs() -> IntentClassifier:
    """The classifier without its word-pairs block."""
    clf = IntentClassifier(fallback_label=OOS_LABEL)
    clf.features.transformer_list = [b for b in clf.features.transformer_list if b[0] != "pairs"]
    clf.features.transformer_weights = None
    return clf


def _pairs_at(weight: float) -> Callable[[], IntentClassifier]:
    def make() -> IntentClassifier:
        clf = IntentClassifier(fallback_label=OOS_LABEL)
        clf.features.transformer_weights = {**(clf.features.transformer_weights or {}), "pairs": weight}
        return clf

    return make


# "knn" or "knn:<variant>": that variant's margins plus, at several weights, each class's
# mean cosine similarity to its k nearest training examples (KNN_WEIGHTS x KNN_KS).
VARIANTS: dict[str, Callable[[], IntentClassifier]] = {
    "base": lambda: IntentClassifier(fallback_label=OOS_LABEL),
    "no pairs": _without_pairs,
    "pairs x1": _pairs_at(1.0),
    "pairs x0.35": _pairs_at(0.35),
}


def _variant_name(variant: str) -> str:
    return (variant.partition(":")[2] or "base") if variant.startswith("knn") else variant


def _load(dataset: str, data_dir: Path) -> tuple[list[str], np.ndarray]:
    train = load_public_dataset(dataset, data_dir).train
    return [t for t, _ in train], np.array([lab for _, lab in train])


KNN_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0)
KNN_KS = (1, 3)


def knn_scores(clf: IntentClassifier, train_texts, train_labels, texts, k: int) -> np.ndarray:
    """Per class, the mean cosine similarity of each text to its k nearest training
    examples of that class, on the classifier's own features (one row per text)."""
    def vectors(batch):
        return normalize(clf.features.transform([for_classifier(t) for t in batch]))

    sims = (vectors(texts) @ vectors(train_texts).T).toarray()
    out = np.zeros((len(texts), len(clf.classes_)))
    for j, label in enumerate(clf.classes_):
        cols = sims[:, np.asarray(train_labels) == label]
        kk = min(k, cols.shape[1])
        out[:, j] = np.partition(cols, -kk, axis=1)[:, -kk:].mean(axis=1)
    return out


def _one_fold(args: tuple[str, str, Path, int]) -> list[tuple[str, str, int, int, int, float]]:
    variant, dataset, data_dir, fold = args
    texts, labels = _load(dataset, data_dir)
    splits = list(StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(texts, labels))
    train_idx, test_idx = splits[fold]
    started = time.perf_counter()
    knn = variant.startswith("knn")
    clf = VARIANTS[_variant_name(variant)]()
    train_texts = [texts[i] for i in train_idx]
    clf.fit(train_texts, labels[train_idx])
    test_texts = [texts[i] for i in test_idx]
    margins = clf.margins(test_texts)
    gold = labels[test_idx]
    in_scope = gold != OOS_LABEL
    seconds = time.perf_counter() - started

    def right(scores: np.ndarray) -> int:
        pred = clf.classes_[scores.argmax(axis=1)]
        return int((pred[in_scope] == gold[in_scope]).sum())

    if not knn:
        return [(variant, dataset, fold, right(margins), int(in_scope.sum()), seconds)]
    out = []
    for k in KNN_KS:
        sims = knn_scores(clf, train_texts, labels[train_idx], test_texts, k)
        for w in KNN_WEIGHTS:
            name = f"{variant} k={k} w={w:g}"
            out.append((name, dataset, fold, right(margins + w * sims), int(in_scope.sum()), seconds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--variants", default="base")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    variants = args.variants.split(",")
    unknown = [v for v in variants if _variant_name(v) not in VARIANTS]
    if unknown:
        parser.error(f"unknown variants {unknown}; choose from {list(VARIANTS)}")
    tasks = [
        (v, d, args.data_dir, f) for v in variants for d in args.datasets.split(",") for f in range(FOLDS)
    ]
    results: dict[tuple[str, str], list[tuple[int, int, int, float]]] = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        rows_of_tasks = pool.map(_one_fold, tasks)
        for variant, dataset, fold, right, n, seconds in (r for rows in rows_of_tasks for r in rows):
            results.setdefault((variant, dataset), []).append((fold, right, n, seconds))
            if len(results[(variant, dataset)]) < FOLDS:
                continue
            rows = sorted(results[(variant, dataset)])
            line = {
                "variant": variant,
                "dataset": dataset,
                "right": sum(r[1] for r in rows),
                "of": sum(r[2] for r in rows),
                "per_fold": [r[1] for r in rows],
                "fit_s_mean": round(sum(r[3] for r in rows) / FOLDS, 1),
            }
            print(json.dumps(line), flush=True)

if __name__ == "__main__":
    main()
