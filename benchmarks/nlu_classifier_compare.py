"""Compare intent-classifier variants on validation data only; print JSON lines.

    cd /work/main && PYTHONPATH=. .venv/bin/python benchmarks/nlu_classifier_compare.py \
        [--data-dir ../shared/data] [--datasets clinc150,hwu64] [--variants base,cs+lr10] [--no-oos]

Validation data: the official val splits of CLINC150, HWU64 and SNIPS; BANKING77 has none,
so 3-fold stratified cross-validation on its train split (seed 0). The test splits are
never read. Accuracy is in-scope accuracy with no fallback threshold (argmax over all
classes; on CLINC150 the trained `oos` class counts as wrong for an in-scope query).

Then, for CLINC150 (train → val), the out-of-scope part: rejection scores of the one-vs-rest
SVM and of the two-model classifier (how much oos recall each keeps at a given val in-scope
accuracy, AUROC),
and the operating point the threshold rule picks on val for several stated priors.
Everything here runs on one core in about 25 minutes; pick subsets with the flags.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import snowballstemmer
from scipy.special import logsumexp, softmax
from scipy.stats import rankdata
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from nlp_models.intent_classifier import IntentClassifier, _AveragedLinearModel
from nlp_models.public_data import DATASETS, OOS_LABEL, load_public_dataset
from nlp_models.text import for_classifier

TOKEN = r"(?u)\b\w+\b"
_STEMMER = snowballstemmer.stemmer("english")
_STEMS: dict[str, str] = {}


def stem_words(text: str) -> str:
    out = []
    for word in text.split():
        if word not in _STEMS:
            _STEMS[word] = _STEMMER.stemWord(word)
        out.append(_STEMS[word])
    return " ".join(out)


VIEWS = {  # name → vectorizer; every block is L2-normalised TF-IDF
    "W": lambda: TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=TOKEN),
    "W3": lambda: TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True, token_pattern=TOKEN),
    "S": lambda: TfidfVectorizer(
        ngram_range=(1, 2), sublinear_tf=True, token_pattern=TOKEN, preprocessor=stem_words
    ),
    "CW": lambda: TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
    ),
    "CW14": lambda: TfidfVectorizer(
        analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, min_df=2
    ),
    "CW36": lambda: TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 6), sublinear_tf=True, min_df=2
    ),
    "C": lambda: TfidfVectorizer(analyzer="char", ngram_range=(3, 6), sublinear_tf=True, min_df=2),
}


class NBSVM:
    """One-vs-rest SVM on features scaled by per-class NB log-count ratios (Wang & Manning)."""

    def __init__(self, c: float = 0.5) -> None:
        self.c = c

    def fit(self, x, y):
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        binary = x.copy()
        binary.data[:] = 1.0
        total = np.asarray(binary.sum(0)).ravel()
        rows, bias = [], []
        for label in self.classes_:
            mask = y == label
            p = 1.0 + np.asarray(binary[mask].sum(0)).ravel()
            q = 1.0 + total - (p - 1.0)
            r = np.log((p / p.sum()) / (q / q.sum()))
            svm = LinearSVC(C=self.c).fit(x @ sp.diags(r), mask.astype(int))
            rows.append(svm.coef_.ravel() * r)
            bias.append(svm.intercept_[0])
        self.coef_, self.intercept_ = np.array(rows), np.array(bias)
        return self

    def decision_function(self, x):
        return np.asarray(x @ self.coef_.T) + self.intercept_


def model_factory(kind: str, c: float):
    if kind == "nbsvm":
        return NBSVM(c)
    if kind == "sgd":
        return SGDClassifier(
            loss="modified_huber", alpha=c, max_iter=30, tol=None, average=True, random_state=0
        )
    members = tuple(kind.split("+"))  # ovr, cs, lr (members of the production model)
    lr_c = c if members == ("lr",) else 30.0
    return _AveragedLinearModel(c=c, lr_c=lr_c, members=members)


# name: (views with block weights, model kind, C, lr C for ensembles, word-dropout copies)
VARIANTS: dict[str, tuple[dict[str, float], str, float, float, int]] = {
    "base: ovr svm C=0.5 (before)": ({"W": 1, "CW": 1}, "ovr", 0.5, 0, 0),
    "ovr svm C=0.35": ({"W": 1, "CW": 1}, "ovr", 0.35, 0, 0),
    "ovr svm C=1": ({"W": 1, "CW": 1}, "ovr", 1.0, 0, 0),
    "ovr svm + stems": ({"W": 1, "S": 1, "CW": 1}, "ovr", 0.5, 0, 0),
    "ovr svm + char 3-6": ({"W": 1, "CW": 1, "C": 1}, "ovr", 0.5, 0, 0),
    "ovr svm + stems + char 3-6": ({"W": 1, "S": 1, "CW": 1, "C": 1}, "ovr", 0.5, 0, 0),
    "ovr svm words 1-3": ({"W3": 1, "CW": 1}, "ovr", 0.5, 0, 0),
    "ovr svm char_wb 1-4": ({"W": 1, "CW14": 1}, "ovr", 0.5, 0, 0),
    "ovr svm char_wb 3-6": ({"W": 1, "CW36": 1}, "ovr", 0.5, 0, 0),
    "ovr svm words x1.5": ({"W": 1.5, "CW": 1}, "ovr", 0.5, 0, 0),
    "ovr svm chars x1.5": ({"W": 1, "CW": 1.5}, "ovr", 0.5, 0, 0),
    "ovr svm + word-dropout copy": ({"W": 1, "CW": 1}, "ovr", 0.5, 0, 1),
    "nb-svm": ({"W": 1, "CW": 1}, "nbsvm", 0.5, 0, 0),
    "sgd modified_huber": ({"W": 1, "CW": 1}, "sgd", 2e-5, 0, 0),
    "logreg C=10": ({"W": 1, "CW": 1}, "lr", 10.0, 0, 0),
    "logreg C=30": ({"W": 1, "CW": 1}, "lr", 30.0, 0, 0),
    "crammer-singer C=0.5": ({"W": 1, "CW": 1}, "cs", 0.5, 0, 0),
    "crammer-singer C=1": ({"W": 1, "CW": 1}, "cs", 1.0, 0, 0),
    "ovr svm + logreg C=30": ({"W": 1, "CW": 1}, "ovr+lr", 0.5, 30.0, 0),
    "cs + logreg C=30": ({"W": 1, "CW": 1}, "cs+lr", 0.5, 30.0, 0),
    "cs + logreg C=10 (chosen)": ({"W": 1, "CW": 1}, "cs+lr", 0.5, 10.0, 0),
    "cs + ovr svm + logreg C=10": ({"W": 1, "CW": 1}, "cs+ovr+lr", 0.5, 10.0, 0),
}


def word_dropout(texts, labels, copies=1, p=0.15, seed=0):
    rng = random.Random(seed)
    out_t, out_l = list(texts), list(labels)
    for _ in range(copies):
        for text, label in zip(texts, labels):
            words = text.split()
            if len(words) < 3:
                continue
            kept = [w for w in words if rng.random() > p]
            if kept and len(kept) < len(words):
                out_t.append(" ".join(kept))
                out_l.append(label)
    return out_t, np.array(out_l)


def units(name: str, data_dir: Path):
    """(train texts, train labels, eval texts, eval labels) — val split or 3 CV folds."""
    split = load_public_dataset(name, data_dir)
    tr_t = [for_classifier(t) for t, _ in split.train]
    tr_l = np.array([lab for _, lab in split.train])
    if split.val:
        return [
            (
                tr_t,
                tr_l,
                [for_classifier(t) for t, _ in split.val],
                np.array([lab for _, lab in split.val]),
            )
        ]
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0).split(tr_t, tr_l)
    return [([tr_t[i] for i in a], tr_l[a], [tr_t[i] for i in b], tr_l[b]) for a, b in folds]


class Features:
    """Per data set and unit, each view fitted once on the unit's train texts."""

    def __init__(self, data_units) -> None:
        self.units = data_units
        self.cache: dict[tuple[str, int, bool], tuple] = {}

    def get(self, views: dict[str, float], u: int, augmented: tuple | None = None):
        blocks_tr, blocks_ev = [], []
        for view, weight in views.items():
            key = (view, u, augmented is not None)
            if key not in self.cache:
                tr_t = augmented[0] if augmented is not None else self.units[u][0]
                vec = VIEWS[view]()
                self.cache[key] = (vec.fit_transform(tr_t), vec.transform(self.units[u][2]))
            xtr, xev = self.cache[key]
            blocks_tr.append(xtr * weight)
            blocks_ev.append(xev * weight)
        return sp.hstack(blocks_tr).tocsr(), sp.hstack(blocks_ev).tocsr()


def run_variant(feats: Features, spec):
    views, kind, c, lr_c, copies = spec
    accs, margins, fit_s = [], [], 0.0
    for u, (tr_t, tr_l, _, ev_l) in enumerate(feats.units):
        augmented = word_dropout(tr_t, tr_l, copies) if copies else None
        xtr, xev = feats.get(views, u, augmented)
        y = augmented[1] if augmented else tr_l
        model = model_factory(kind, c)
        if lr_c:
            model.lr_c = lr_c
        t0 = time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(xtr, y)
        fit_s += time.process_time() - t0
        m = np.asarray(model.decision_function(xev))
        pred = model.classes_[m.argmax(1)]
        inscope = ev_l != OOS_LABEL
        accs.append(float((pred[inscope] == ev_l[inscope]).mean()))
        margins.append((m, model.classes_))
    return 100 * float(np.mean(accs)), fit_s / len(feats.units), margins


# -- out-of-scope ----------------------------------------------------------------------


def operating_points(score, pred, gold):
    """(threshold, in-scope accuracy, oos recall) for every threshold on `score`."""
    is_oos = gold == OOS_LABEL
    in_right = pred[~is_oos] == gold[~is_oos]
    oos_fb = pred[is_oos] == OOS_LABEL
    out = []
    for t in np.concatenate([[-np.inf], np.unique(score)]):
        out.append(
            (t, (in_right & (score[~is_oos] >= t)).mean(), (oos_fb | (score[is_oos] < t)).mean())
        )
    return np.array(out)


def oos_report(feats: Features, tag: str, kind: str, lr_c: float) -> list[dict]:
    ((_, tr_l, _, ev_l),) = feats.units
    xtr, xev = feats.get({"W": 1, "CW": 1}, 0)
    model = model_factory(kind, 0.5)
    if lr_c:
        model.lr_c = lr_c
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(xtr, tr_l)
    m = model.decision_function(xev)
    clf = IntentClassifier(OOS_LABEL)
    clf.classes_ = model.classes_
    cal = clf.calibrate(m, ev_l)
    probs = softmax(m * cal["temperature"], axis=1)
    pred = model.classes_[m.argmax(1)]
    top = np.sort(m, axis=1)
    a_tr, a_ev = normalize(xtr[tr_l != OOS_LABEL]), normalize(xev)
    nn1, nn5 = np.empty(a_ev.shape[0]), np.empty(a_ev.shape[0])
    for start in range(0, a_ev.shape[0], 500):  # in blocks: the full matrix is large
        block = np.sort((a_ev[start : start + 500] @ a_tr.T).toarray(), axis=1)
        nn1[start : start + 500], nn5[start : start + 500] = block[:, -1], block[:, -5:].mean(1)
    labels_in = tr_l[tr_l != OOS_LABEL]
    cents = normalize(
        sp.vstack([sp.csr_matrix(a_tr[labels_in == k].mean(0)) for k in np.unique(labels_in)])
    )

    def rank(s):
        return rankdata(s) / len(s)

    scores = {
        "max softmax probability": probs.max(1),
        "top-1 minus top-2 margin": top[:, -1] - top[:, -2],
        "top-1 margin": top[:, -1],
        "energy (logsumexp)": logsumexp(m * cal["temperature"], axis=1),
        "nearest-neighbour cosine": nn1,
        "mean of 5 nearest cosines": nn5,
        "nearest-centroid cosine": (a_ev @ cents.T).toarray().max(1),
        "rank(max prob) + rank(5-nn cosine)": rank(probs.max(1)) + rank(nn5),
    }
    rows = []
    for name, s in scores.items():
        pts = operating_points(s, pred, ev_l)
        row = {
            "section": "oos-score (CLINC150 val)",
            "model": tag,
            "score": name,
            "auroc": round(roc_auc_score(ev_l != OOS_LABEL, s), 4),
        }
        for floor in (0.92, 0.925, 0.93):
            ok = pts[pts[:, 1] >= floor]
            row[f"oos_recall_at_in_scope>={floor}"] = (
                round(100 * ok[:, 2].max(), 1) if len(ok) else None
            )
        rows.append(row)
    pts = operating_points(probs.max(1), pred, ev_l)
    for prior in (0.0, 0.02, 0.05, 0.1, 0.2, 0.5):  # 0.0: the floor alone
        clf.oos_prior = prior
        t = clf._best_threshold(probs.max(1), pred, ev_l)
        i = int(np.searchsorted(pts[:, 0], t)) if t > 0 else 0
        rows.append(
            {
                "section": "threshold rule (CLINC150 val)",
                "model": tag,
                "oos_prior": prior,
                "threshold": round(t, 4),
                "in_scope_acc": round(100 * pts[i, 1], 2),
                "oos_recall": round(100 * pts[i, 2], 1),
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--variants", default="", help="comma-separated prefixes of variant names")
    ap.add_argument("--no-oos", action="store_true")
    args = ap.parse_args()
    wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
    chosen = {
        k: v for k, v in VARIANTS.items() if not wanted or any(k.startswith(w) for w in wanted)
    }
    table: dict[str, dict[str, float]] = {k: {} for k in chosen}
    for ds in args.datasets.split(","):
        feats = Features(units(ds, args.data_dir))
        for name, spec in chosen.items():
            acc, fit_s, _ = run_variant(feats, spec)
            table[name][ds] = round(acc, 2)
            print(
                json.dumps(
                    {
                        "section": "accuracy (validation)",
                        "dataset": ds,
                        "variant": name,
                        "in_scope_acc": round(acc, 2),
                        "fit_cpu_s": round(fit_s, 1),
                    }
                ),
                flush=True,
            )
        if ds == "clinc150" and not args.no_oos:
            for row in oos_report(feats, "base: ovr svm", "ovr", 0) + oos_report(
                feats, "cs + logreg C=10 (chosen)", "cs+lr", 10.0
            ):
                print(json.dumps(row), flush=True)
    summary = {
        k: {**v, "mean": round(float(np.mean(list(v.values()))), 2)} for k, v in table.items()
    }
    print(json.dumps({"section": "summary (validation in-scope accuracy, %)", "table": summary}))


if __name__ == "__main__":
    sys.exit(main())
