"""The single-message scorer must give the batch path's margins (averaged CS SVM + LR)."""

import numpy as np
from scipy.special import softmax

from nlp_models.intent_classifier import IntentClassifier

TEXTS = {
    "greet": ["hi there", "hello", "good morning team", "hey bot", "hiya", "morning!"],
    "report": [
        "sales report for q3",
        "show pipeline this month",
        "csat last week",
        "report on tickets",
        "revenue ytd please",
        "churn risk report",
    ],
    "out_of_scope": [
        "tell me a joke",
        "weather in Berlin?",
        "play some music",
        "book a flight",
        "what is the meaning of life",
        "order pizza",
    ],
}


def _data():
    texts = [t for ts in TEXTS.values() for t in ts]
    labels = [label for label, ts in TEXTS.items() for _ in ts]
    return texts, labels


def test_single_message_equals_batch() -> None:
    texts, labels = _data()
    clf = IntentClassifier(fallback_label="out_of_scope").fit(texts, labels)
    probe = texts + ["Hello, show me the sales report", "xyz", "", "<@U123> pipeline?"]
    batch = clf.margins(probe)
    single = np.vstack([clf.margins([t]) for t in probe])
    assert np.abs(batch - single).max() < 1e-9


def test_a_second_wording_is_averaged_in_the_batch_and_the_single_path() -> None:
    texts, labels = _data()
    clf = IntentClassifier(fallback_label="out_of_scope").fit(texts, labels)
    probe, also = ["show me somecompany", "hello"], ["show me Acme", None]
    both = clf.margins(probe, also)
    expected = (clf.margins(["show me somecompany"]) + clf.margins(["show me Acme"])) / 2
    np.testing.assert_allclose(both[0], expected[0], atol=1e-9)
    np.testing.assert_allclose(both[1], clf.margins(["hello"])[0], atol=1e-9)
    np.testing.assert_allclose(clf.margins(probe[:1], also[:1])[0], both[0], atol=1e-9)
    assert clf.predict("show me somecompany", also="show me Acme").label == clf.classes_[both[0].argmax()]


def test_two_classes_and_calibration() -> None:
    texts, labels = _data()
    keep = [i for i, lab in enumerate(labels) if lab != "report"]
    clf = IntentClassifier(fallback_label="out_of_scope")
    clf.fit([texts[i] for i in keep], [labels[i] for i in keep])
    assert clf.margins(["hello"]).shape == (1, 2)
    assert np.abs(clf.margins(["hello", "joke"])[0] - clf.margins(["hello"])[0]).max() < 1e-9
    cal = clf.fit_with_cv_calibration(texts, labels, folds=2)
    assert cal["temperature"] > 0 and 0.0 <= cal["threshold"] <= 1.0
    assert clf.predict("good morning").label in TEXTS


def test_threshold_floor_without_held_out_fallback_examples() -> None:
    clf = IntentClassifier(fallback_label="oos")
    clf.classes_ = np.array(["a", "b", "oos"])
    # No out-of-scope rows held out: the threshold is the floor, the 0.5 % quantile of the
    # confidences of correct answers (here the least sure correct one), not zero.
    margins = np.array([[2.0, -1, -1]] * 100 + [[0.2, 0.0, -0.2]] + [[-1, 2.0, -1]] * 99)
    gold = ["a"] * 101 + ["b"] * 99
    clf.calibrate(margins, gold)
    conf = np.sort(softmax(margins * clf.temperature, axis=1).max(axis=1))
    assert clf.threshold == conf[0] > 0


def test_versus_fallback_rejection_score() -> None:
    clf = IntentClassifier(fallback_label="oos")
    clf.classes_ = np.array(["a", "b", "oos"])
    clf.temperature, clf.rejection, clf.rejection_scale = 1.0, "versus_fallback", 0.5
    margins = np.array([[2.0, 0.0, 1.0], [0.0, 0.2, 0.1], [0.0, 0.0, 2.0]])
    scores = clf.rejection_scores(margins)
    probs = softmax(margins * 0.5, axis=1)
    assert np.allclose(scores, np.delete(probs, 2, axis=1).max(axis=1) - probs[:, 2])
    assert (scores[:2] >= 0).all() and scores[2] < 0  # negative only when oos is the argmax
    # calibration picks among the candidate scores by the prior-weighted objective; the
    # threshold it returns is on the chosen score
    gold = ["a"] * 30 + ["oos"] * 10
    rows = [[2.0, 0.0, 0.5]] * 30 + [[0.6, 0.0, 0.55]] * 10
    cal = clf.calibrate(np.array(rows), gold)
    assert cal["rejection"] in {"max_probability", "versus_fallback"}
    chosen = clf.rejection_scores(np.array(rows))
    assert (chosen[:30] >= clf.threshold).all() and (chosen[30:] < clf.threshold).all()


def test_word_pairs_are_scored_alike_in_both_paths() -> None:
    """Pairs of words further apart than neighbours form a block of their own (at half
    weight); the single-message path must weigh it as the batch path does."""
    texts = [
        "play that song by adele",
        "play the new song now",
        "play my favourite song again",
        "find the movie schedule for tonight",
        "find a movie with a late schedule",
        "find when the movie plays on the schedule",
    ]
    labels = ["PlayMusic"] * 3 + ["SearchScreeningEvent"] * 3
    clf = IntentClassifier().fit(texts, labels)
    pairs = dict(clf.features.transformer_list)["pairs"]
    assert "play~song" in pairs.vocabulary_ and "find~schedule" in pairs.vocabulary_
    probe = ["play it loud, that song", "find me the schedule of a movie", "play", ""]
    batch = clf.margins(probe)
    single = np.vstack([clf.margins([t]) for t in probe])
    assert np.abs(batch - single).max() < 1e-9
    assert clf.predict("could you play any old song").label == "PlayMusic"
