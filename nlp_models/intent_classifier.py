"""Intent classifier: TF-IDF word n-grams, word pairs and character n-grams into two linear
models, averaged.

Features, TF-IDF with sublinear tf and L2 per block: word 1-2-grams plus the message's first
word once more, marked as the first (`_with_start_word`); unordered pairs of words at least
two positions apart, at half weight (`_word_pairs`); char_wb 2-5-grams. Models: a
Crammer-Singer multi-class linear SVM (C=0.5) and a multinomial logistic regression (C=10)
on the same features; each one's decision values are divided by their standard deviation
on the training data, then averaged. Both are linear, so the average is one weight matrix
and one message costs one sparse dot product (`_SingleMessageScorer`, equal to the batch
path to ~1e-14). `margins(texts, also)` averages the margins of two wordings of each
message (the pipeline passes the message with its names masked and as written).

Out of scope: confidence is a softmax over the averaged margins with one temperature fitted
on held-out margins (out-of-fold on our own data, the validation split on public data).
`calibrate` picks a rejection score and its threshold on the same held-out margins, by the
expected accuracy on traffic of which `OOS_PRIOR` is out of scope: (1 - prior) x in-scope
accuracy + prior x fallback recall. The score is the maximum softmax probability or, where
the fallback is a trained class, the best in-scope probability minus the fallback's
probability at a softer softmax. The threshold is never below the `FLOOR_QUANTILE` of the
confidences of correctly answered held-out messages. Below it, a message becomes the
fallback intent.

Why these features, models and rules, with the figures: docs/decisions/0001 (models),
0002 (out of scope), 0003 (spaCy textcat, not used), 0004 (first word), 0005 (how a change
is judged), 0006 (word pairs), 0007 (names masked).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.special import softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from nlp_models.text import for_classifier

TEMPERATURES = np.geomspace(0.5, 60.0, 40)
# Share of out-of-scope messages assumed in live traffic; weights fallback recall when the
# threshold is chosen. A statement about traffic, not a value tuned on any data.
OOS_PRIOR = 0.05
# The threshold is never below the confidence of the least sure 0.5 % of correctly answered
# held-out messages (see _best_threshold): a floor for inputs unlike any held-out example.
FLOOR_QUANTILE = 0.005
# Rejection scores the calibration chooses from, on the same held-out margins as the
# threshold (see `calibrate`): the maximum softmax probability at the fitted temperature,
# or, where the fallback is a trained class, the best in-scope probability minus the
# fallback's probability at a softer softmax (margins x temperature x scale).
REJECTION_CANDIDATES: tuple[tuple[str, float], ...] = (("max_probability", 1.0),) + tuple(
    ("versus_fallback", scale) for scale in (0.125, 0.25, 0.5, 1.0)
)


_FIRST_WORD = re.compile(r"\W*(\w+)")


def _with_start_word(text: str) -> str:
    """The first word once more, marked as the first: "email X the slides friday" (a task)
    has "xxstart_email", "email from X" does not. A word never seen first adds nothing (no
    marker of its own, which would weigh alone where every other word is new)."""
    first = _FIRST_WORD.match(text)
    return f"xxstart_{first.group(1)} {text}" if first else text


# Words further apart than neighbours, as unordered pairs ("play ~ song" in "play that
# song by adele"), in a block of their own at this weight beside words and characters.
WORD_PAIRS_WEIGHT = 0.5
# Only a message's first words form pairs: a long one would otherwise weigh by its length.
WORD_PAIRS_FIRST_WORDS = 16


def _word_pairs(text: str) -> list[str]:
    """Unordered pairs of the message's words at least two positions apart (neighbours are
    the word bigrams already): "play ~ song", "movie ~ schedule"."""
    words = text.split()[:WORD_PAIRS_FIRST_WORDS]
    return [
        f"{a}~{b}" if a < b else f"{b}~{a}"
        for i, a in enumerate(words)
        for b in words[i + 2 :]
    ]


class _WordPairsBlock(TfidfVectorizer):
    """TF-IDF of `_word_pairs` seen at least twice; with too little data for any pair to
    recur (a tiny training set), an empty block instead of sklearn's "no terms remain"."""

    def __init__(self) -> None:
        super().__init__(analyzer=_word_pairs, sublinear_tf=True, min_df=2)

    def fit_transform(self, raw_documents, y=None):  # type: ignore[no-untyped-def]
        try:
            return super().fit_transform(raw_documents, y)
        except ValueError:
            self.vocabulary_: dict[str, int] = {}
            self._empty = True
            return self.transform(raw_documents)

    def transform(self, raw_documents):  # type: ignore[no-untyped-def]
        if getattr(self, "_empty", False):
            return sparse.csr_matrix((len(raw_documents), 0))
        return super().transform(raw_documents)

    @property
    def idf_(self) -> np.ndarray:  # type: ignore[override]
        return np.zeros(0) if getattr(self, "_empty", False) else super().idf_


def _features() -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",
                    preprocessor=_with_start_word,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
            ("pairs", _WordPairsBlock()),
        ],
        transformer_weights={"words": 1.0, "chars": 1.0, "pairs": WORD_PAIRS_WEIGHT},
    )


class _AveragedLinearModel:
    """Crammer-Singer SVM and logistic regression, margins scaled to unit spread, averaged.

    Each member's decision values on the training data give its scale (their standard
    deviation); the average of the scaled members is again linear: `coef_`, `intercept_`.
    """

    def __init__(self, c: float = 0.5, lr_c: float = 10.0, members: Sequence[str] = ("cs", "lr"), seed: int = 0):
        self.c = c
        self.lr_c = lr_c
        self.members = tuple(members)
        self.seed = seed  # liblinear's order of visiting examples in the SVM's solver

    def _member(self, name: str) -> object:
        if name == "cs":
            return LinearSVC(C=self.c, multi_class="crammer_singer", tol=1e-3, random_state=self.seed)
        if name == "ovr":
            return LinearSVC(C=self.c, random_state=self.seed)
        if name == "lr":
            return LogisticRegression(C=self.lr_c, max_iter=100)
        raise ValueError(f"unknown member {name!r}")

    def fit(self, x, y) -> _AveragedLinearModel:
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        n = len(self.classes_)
        coef = np.zeros((n, x.shape[1]))
        intercept = np.zeros(n)
        for name in self.members:
            model = self._member(name)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(x, y)  # type: ignore[attr-defined]
            w = np.asarray(model.coef_, dtype=np.float64)  # type: ignore[attr-defined]
            b = np.asarray(model.intercept_, dtype=np.float64).ravel()  # type: ignore[attr-defined]
            if w.shape[0] == 1 and n == 2:  # binary: one column for the second class
                w, b = np.vstack([-w, w]) / 2, np.concatenate([-b, b]) / 2
            if b.size == 1 and n > 1:
                b = np.full(n, b[0])
            scale = float(np.asarray(x @ w.T + b).std()) or 1.0
            coef += w / scale
            intercept += b / scale
        self.coef_ = coef / len(self.members)
        self.intercept_ = intercept / len(self.members)
        return self

    def decision_function(self, x) -> np.ndarray:
        return np.asarray(x @ self.coef_.T) + self.intercept_


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    confidence: float
    runner_up: str


class IntentClassifier:
    """fit(texts, labels) → predict(text) with a tuned fallback threshold."""

    def __init__(
        self,
        fallback_label: str | None = None,
        c: float = 0.5,
        lr_c: float = 10.0,
        oos_prior: float = OOS_PRIOR,
        members: Sequence[str] = ("cs", "lr"),
        floor_quantile: float = FLOOR_QUANTILE,
        seed: int = 0,
    ) -> None:
        """`seed` drives every random choice of training: the SVM solver's order and the
        calibration folds."""
        self.fallback_label = fallback_label
        self.seed = seed
        self.floor_quantile = floor_quantile
        self.c = c
        self.lr_c = lr_c
        self.oos_prior = oos_prior
        self.members = tuple(members)
        self.features = _features()
        self.model = _AveragedLinearModel(c, lr_c, self.members, seed)
        self.temperature = 10.0
        self.threshold = 0.0
        self.rejection = "max_probability"
        self.rejection_scale = 1.0
        self.classes_: np.ndarray = np.array([])

    # -- training -------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> IntentClassifier:
        x = self.features.fit_transform([for_classifier(t) for t in texts])
        self.model.fit(x, list(labels))
        self.classes_ = self.model.classes_
        self._scorer = _SingleMessageScorer(self.features, self.model)
        return self

    def margins(self, texts: Sequence[str], also: Sequence[str | None] | None = None) -> np.ndarray:
        """Decision values, one row per text. Where `also[i]` is given (a second wording of
        text i: the message as written beside its names masked), the row is the mean of
        both wordings' margins."""
        if len(texts) == 1:
            row = self._scorer.margins(for_classifier(texts[0]))
            if also is not None and also[0] is not None:
                row = (row + self._scorer.margins(for_classifier(also[0]))) / 2
            return row[None, :]
        x = self.features.transform([for_classifier(t) for t in texts])
        out = self.model.decision_function(x)
        if also is not None:
            rows = [i for i, a in enumerate(also) if a is not None]
            if rows:
                second = self.features.transform([for_classifier(also[i]) for i in rows])  # type: ignore[arg-type]
                out[rows] = (out[rows] + self.model.decision_function(second)) / 2
        return out

    def calibrate(
        self, margins: np.ndarray, gold: Sequence[str], classes: np.ndarray | None = None
    ) -> dict[str, float]:
        """Fit the temperature and the fallback threshold on held-out margins."""
        classes = self.classes_ if classes is None else classes
        gold_arr = np.asarray(gold)
        index = {c: i for i, c in enumerate(classes)}
        known = np.array([g in index for g in gold_arr])
        gold_idx = np.array([index.get(g, 0) for g in gold_arr])
        best_nll, best_t = np.inf, self.temperature
        for t in TEMPERATURES:
            probs = softmax(margins[known] * t, axis=1)
            nll = -np.mean(np.log(probs[np.arange(known.sum()), gold_idx[known]] + 1e-12))
            if nll < best_nll:
                best_nll, best_t = nll, float(t)
        self.temperature = best_t
        pred = classes[margins.argmax(axis=1)]
        # The rejection score and its threshold: the candidate whose best threshold gives
        # the highest expected accuracy under the stated prior; ties keep the earlier one
        # (the maximum probability first).
        best: tuple[float, str, float, float] | None = None
        for name, scale in REJECTION_CANDIDATES:
            if name == "versus_fallback" and self.fallback_label not in set(classes):
                continue
            scores = self._scores(margins, classes, name, scale)
            threshold = self._best_threshold(scores, pred, gold_arr)
            value = self._expected_accuracy(scores, pred, gold_arr, threshold)
            if best is None or value > best[0] + 1e-12:
                best = (value, name, scale, threshold)
        assert best is not None
        _, self.rejection, self.rejection_scale, self.threshold = best
        return {
            "temperature": self.temperature,
            "threshold": self.threshold,
            "rejection": self.rejection,
            "rejection_scale": self.rejection_scale,
        }

    def _scores(self, margins: np.ndarray, classes: np.ndarray, name: str, scale: float) -> np.ndarray:
        probs = softmax(margins * (self.temperature * scale), axis=1)
        if name == "max_probability":
            return probs.max(axis=1)
        fallback = int(np.flatnonzero(classes == self.fallback_label)[0])
        others = probs.copy()
        others[:, fallback] = -np.inf
        # >= 0 whenever the argmax is in scope, so a threshold of 0 rejects nothing
        return others.max(axis=1) - probs[:, fallback]

    def rejection_scores(self, margins: np.ndarray) -> np.ndarray:
        """The score compared with `threshold`: below it a message becomes the fallback."""
        return self._scores(margins, self.classes_, self.rejection, self.rejection_scale)

    def _expected_accuracy(
        self, scores: np.ndarray, pred: np.ndarray, gold: np.ndarray, threshold: float
    ) -> float:
        if self.fallback_label is None:
            return 0.0
        is_oos = gold == self.fallback_label
        in_acc = float(((pred == gold) & (scores >= threshold))[~is_oos].mean()) if (~is_oos).any() else 0.0
        if not is_oos.any():
            return in_acc
        oos_rec = float(((pred == self.fallback_label) | (scores < threshold))[is_oos].mean())
        return (1.0 - self.oos_prior) * in_acc + self.oos_prior * oos_rec

    def _best_threshold(self, conf: np.ndarray, pred: np.ndarray, gold: np.ndarray) -> float:
        """Threshold with the best expected accuracy under the stated out-of-scope prior.

        Messages below the threshold become the fallback. Score = (1 - prior) x accuracy on
        held-out messages whose gold is not the fallback (a wrongly rejected one counts as
        an error) + prior x the share of fallback messages that end up as the fallback
        (rejected, or predicted as the fallback class when it is trained). Independent of
        how many fallback messages the held-out set happens to have. Ties: the lowest.

        Held-out fallback examples only stand for the out-of-scope messages that resemble
        them; where a trained fallback class already catches those, the score never asks
        for a threshold and gibberish would get an intent. So the threshold is at least the
        confidence below which `floor_quantile` (0.5 %, one in 200) of the correctly
        answered held-out messages fall: less sure than that is no answer.
        """
        if self.fallback_label is None:
            return 0.0
        is_oos = gold == self.fallback_label
        in_conf = conf[~is_oos]
        in_right = pred[~is_oos] == gold[~is_oos]
        floor = 0.0
        if self.floor_quantile > 0 and in_right.any():
            floor = float(np.quantile(in_conf[in_right], self.floor_quantile, method="lower"))
        if not is_oos.any():
            return floor
        oos_conf = conf[is_oos]
        oos_as_fallback = pred[is_oos] == self.fallback_label
        candidates = np.concatenate([[0.0], np.unique(conf)])
        # accepted in-scope message is right iff conf >= threshold and pred right
        in_acc = np.array([(in_right & (in_conf >= t)).mean() for t in candidates])
        oos_rec = np.array([(oos_as_fallback | (oos_conf < t)).mean() for t in candidates])
        score = (1.0 - self.oos_prior) * in_acc + self.oos_prior * oos_rec
        return max(float(candidates[int(np.argmax(score))]), floor)

    def threshold_for_in_scope_accuracy(
        self, margins: np.ndarray, gold: Sequence[str], min_accuracy: float
    ) -> float:
        """The highest threshold whose in-scope accuracy on these held-out margins stays at
        or above `min_accuracy`: the operating point "most out-of-scope recall at a given
        in-scope accuracy" (on the fitted rejection score; does not change the classifier)."""
        gold_arr = np.asarray(gold)
        conf = self.rejection_scores(margins)
        right = (self.classes_[margins.argmax(axis=1)] == gold_arr)[gold_arr != self.fallback_label]
        in_conf = conf[gold_arr != self.fallback_label]
        best = 0.0
        for t in np.unique(conf):
            if (right & (in_conf >= t)).mean() >= min_accuracy:
                best = float(t)
        return best

    def fit_with_cv_calibration(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        folds: int = 5,
        also_train_on: Sequence[str | None] | None = None,
    ) -> dict[str, float]:
        """Out-of-fold margins calibrate, then the model is refit on everything.

        `also_train_on[i]`, where given and not None, is a second wording of example i
        (the same message with its names unmasked): trained on beside `texts[i]`, always in
        the same fold; a held-out example with a second wording is scored on both, as
        `predict(text, also=...)` scores a message whose names were masked.
        """
        labels_arr = np.asarray(labels)
        texts_list = list(texts)
        extra = list(also_train_on) if also_train_on is not None else [None] * len(texts_list)

        def training_set(idx: Sequence[int]) -> tuple[list[str], list[str]]:
            pairs = [(texts_list[i], labels_arr[i]) for i in idx]
            pairs += [(extra[i], labels_arr[i]) for i in idx if extra[i] is not None]
            return [t for t, _ in pairs], [str(lab) for _, lab in pairs]

        self.fit(*training_set(range(len(texts_list))))
        oof = np.zeros((len(texts_list), len(self.classes_)))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.seed)
        for train_idx, test_idx in splitter.split(texts_list, labels_arr):
            fold = IntentClassifier(
                self.fallback_label,
                self.c,
                self.lr_c,
                self.oos_prior,
                self.members,
                self.floor_quantile,
                self.seed,
            )
            fold.fit(*training_set(train_idx))
            fold_margins = fold.margins([texts_list[i] for i in test_idx], [extra[i] for i in test_idx])
            cols = [int(np.where(self.classes_ == c)[0][0]) for c in fold.classes_]
            full = np.full((len(test_idx), len(self.classes_)), -10.0)
            full[:, cols] = fold_margins
            oof[test_idx] = full
        return self.calibrate(oof, labels_arr)

    # -- prediction -----------------------------------------------------------------------

    def predict_many(self, texts: Sequence[str], also: Sequence[str | None] | None = None) -> list[Prediction]:
        if not texts:
            return []
        margins = self.margins(texts, also)
        probs = softmax(margins * self.temperature, axis=1)
        if self.rejection == "max_probability":
            scores = probs.max(axis=1)
        else:
            scores = self.rejection_scores(margins)
        order = np.argsort(-probs, axis=1)
        out = []
        for row, ranking, score in zip(probs, order, scores):
            label = str(self.classes_[ranking[0]])
            confidence = float(row[ranking[0]])
            runner_up = str(self.classes_[ranking[1]]) if len(ranking) > 1 else label
            if self.fallback_label is not None and score < self.threshold:
                label, runner_up = self.fallback_label, label
            out.append(Prediction(label, confidence, runner_up))
        return out

    def predict(self, text: str, also: str | None = None) -> Prediction:
        return self.predict_many([text], None if also is None else [also])[0]


class _SingleMessageScorer:
    """The fitted features and linear model, evaluated for one message without sklearn.

    sklearn's transform validates and builds sparse matrices per call (about 4 ms for one
    message); a chat bot scores one message at a time, so the same arithmetic is done here
    directly: sublinear tf, idf, L2 per block, then the averaged weights. A check compares
    it with the batch path (`margins` of several messages).
    """

    def __init__(self, features: FeatureUnion, model: _AveragedLinearModel) -> None:
        self.blocks: list[tuple[object, dict[str, int], np.ndarray, int, float]] = []
        offset = 0
        weights = features.transformer_weights or {}
        for name, vectorizer in features.transformer_list:
            vocab = vectorizer.vocabulary_
            weight = float(weights.get(name, 1.0))
            self.blocks.append((vectorizer.build_analyzer(), vocab, vectorizer.idf_, offset, weight))
            offset += len(vocab)
        self.weights = np.ascontiguousarray(model.coef_.T, dtype=np.float64)
        self.intercept = np.asarray(model.intercept_, dtype=np.float64)

    def margins(self, cleaned: str) -> np.ndarray:
        scores = self.intercept.copy()
        for analyzer, vocab, idf, offset, weight in self.blocks:
            counts: dict[int, int] = {}
            for gram in analyzer(cleaned):  # type: ignore[operator]
                j = vocab.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            values = tf * idf[idx]
            values *= weight / np.sqrt(values @ values)
            scores += values @ self.weights[idx + offset]
        return scores
