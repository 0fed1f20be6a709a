"""How many of the intent classifier's SNIPS errors only a title can decide; one JSON object.

    cd /work/main && PYTHONPATH=. .venv/bin/python benchmarks/nlu_snips_ambiguity.py \
        [--data-dir ../shared/data] [--jobs 2]

The same 5-fold cross-validation of SNIPS's train split as `nlu_public_cv.py` (stratified,
seed 0; the test split is never read). SNIPS marks its slots (`seq.out`), so each utterance
has a template: its words outside the slots, each slot one `X` ("find X", "play the X X").
An error is *decided only by the slot's words* when, among the utterances the fold trained
on, its template is at least as often the predicted intent as the gold one: the words a
model could learn from the rest of the sentence point the other way or nowhere, and what
remains is knowing that "the terror within" is a film showing in cinemas and "another time"
a work to look up, not a song to play. A model with no knowledge beyond the train split
cannot be expected to get these right except by chance.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

from nlp_models.intent_classifier import IntentClassifier
from nlp_models.public_data import OOS_LABEL, load_public_dataset

FOLDS = 5


def templates(data_dir: Path) -> list[str]:
    """Each SNIPS train utterance's words outside its slots, a slot as one X."""
    folder = data_dir / "snips" / "train"
    rows = zip(
        (folder / "seq.in").read_text(encoding="utf-8").splitlines(),
        (folder / "seq.out").read_text(encoding="utf-8").splitlines(),
        strict=True,
    )
    out = []
    for words, tags in rows:
        kept = [w if t == "O" else "X" for w, t in zip(words.split(), tags.split(), strict=True)
                if t == "O" or t.startswith("B-")]
        out.append(" ".join(kept))
    return out


def _fold(args: tuple[Path, int]) -> list[dict]:
    data_dir, fold = args
    train = load_public_dataset("snips", data_dir).train
    texts, labels = [t for t, _ in train], np.array([lab for _, lab in train])
    shapes = templates(data_dir)
    train_idx, test_idx = list(StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(texts, labels))[fold]
    clf = IntentClassifier(fallback_label=OOS_LABEL)
    clf.fit([texts[i] for i in train_idx], labels[train_idx])
    pred = clf.classes_[clf.margins([texts[i] for i in test_idx]).argmax(axis=1)]
    seen: dict[str, Counter] = {}
    for i in train_idx:
        seen.setdefault(shapes[i], Counter())[labels[i]] += 1
    errors = []
    for i, p in zip(test_idx, pred):
        if p == labels[i]:
            continue
        counts = seen.get(shapes[i], Counter())
        errors.append({
            "template": shapes[i], "gold": str(labels[i]), "predicted": str(p),
            "title_only": counts[p] > 0 and counts[p] >= counts[labels[i]],
        })
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with ProcessPoolExecutor(args.jobs) as pool:
        errors = [e for fold in pool.map(_fold, [(args.data_dir, f) for f in range(FOLDS)]) for e in fold]
    title_only = [e for e in errors if e["title_only"]]
    print(json.dumps({
        "dataset": "snips",
        "utterances": len(templates(args.data_dir)),
        "errors": len(errors),
        "decided_only_by_slot_words": len(title_only),
        "top_templates": Counter(e["template"] for e in title_only).most_common(5),
    }))


if __name__ == "__main__":
    main()
