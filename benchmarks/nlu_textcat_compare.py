"""spaCy's own text classifier against, and added to, our linear intent classifier (val only).

    cd /work/main && OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
        PYTHONPATH=. .venv/bin/python benchmarks/nlu_textcat_compare.py \
        [--data-dir /work/shared/data] [--datasets hwu64,snips,clinc150,banking77] \
        [--arch ensemble|cnn|bow] [--max-epochs 12] [--weights 0.25,0.5,1.0]

Prints one JSON line per (dataset, variant). Evaluation data: the official val split of
HWU64, SNIPS and CLINC150; BANKING77 has none, so one stratified 1/3 holdout of its train
split (seed 0). The test splits are loaded by the shared reader but never used. Accuracy
is in-scope accuracy, argmax over all classes (on CLINC150 a prediction of the trained
`oos` class is wrong for an in-scope query); CLINC150 lines also give oos recall (share
of oos val queries whose argmax is `oos`) and accuracy over all val queries.

Variants:
  baseline    `IntentClassifier(fallback_label=None)` fitted on train, argmax of margins.
  textcat     spaCy 3.8 `textcat` (exclusive classes) on `spacy.blank("en")`, no vectors
              or pretrained weights. --arch ensemble: the factory default
              TextCatEnsemble.v2 (Tok2Vec.v2 = MultiHashEmbed.v2 width 64 on NORM, LOWER,
              PREFIX, SUFFIX, SHAPE with rows 2000/2000/500/1000/500 + MaxoutWindowEncoder.v2
              depth 2, window 1, maxout 3; plus TextCatBOW.v3 unigrams, 2^18 buckets);
              --arch cnn: TextCatReduce.v1 (mean-pooled HashEmbedCNN.v2 width 96, depth 4,
              the tok2vec part only, the factory's "cnn" config); --arch bow: TextCatBOW.v3.
              Trained with `nlp.initialize` (its default optimizer: thinc Adam, lr 0.001,
              grad clip 1, parameter averaging) and `nlp.update` on minibatches whose size
              compounds from 32 to 128 utterances (x1.001 per batch, carried across
              epochs; smaller batches are too slow on one core: every update runs Adam
              over the bag-of-words part's dense 2^18 x n_classes weights, ~80 ms a step
              for 64 classes whatever the batch size),
              dropout 0.2, shuffled every epoch (seed 0); predictions use the averaged
              parameters, as `spacy train` evaluates. Raw text in (spaCy's tokenizer).
              Epoch count: chosen on an inner split of TRAIN (stratified 10 %, seed 0): a
              model trained on the other 90 % for --max-epochs epochs is scored on it
              after each epoch; the best epoch (earliest on ties) is then used for the model
              trained on all of train, which also runs --max-epochs epochs so its val curve
              is reported in full (`val_curve`, for information; not used for any choice).
              The epoch-e model of that run is the same as a run stopped at e (seeded; the
              evaluation draws no random numbers). `train_s` = training seconds up to the
              chosen epoch (evaluation excluded).
  ens w=...   baseline margins + w x (textcat log-probabilities / their standard deviation
              over the evaluated matrix; label-free), for each --weights value. `ens
              w=inner` uses the w (0 included) that is best on the inner split, where the
              baseline is refitted on the 90 % part.

One core: run with the thread variables above and one experiment at a time.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import spacy  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from spacy.training import Example  # noqa: E402
from spacy.util import compounding, fix_random_seed, minibatch  # noqa: E402
from thinc.api import Config  # noqa: E402

from nlp_models.intent_classifier import IntentClassifier  # noqa: E402
from nlp_models.public_data import OOS_LABEL, load_public_dataset  # noqa: E402

ARCHS = {
    "ensemble": """
[model]
@architectures = "spacy.TextCatEnsemble.v2"

[model.tok2vec]
@architectures = "spacy.Tok2Vec.v2"

[model.tok2vec.embed]
@architectures = "spacy.MultiHashEmbed.v2"
width = 64
rows = [2000, 2000, 500, 1000, 500]
attrs = ["NORM", "LOWER", "PREFIX", "SUFFIX", "SHAPE"]
include_static_vectors = false

[model.tok2vec.encode]
@architectures = "spacy.MaxoutWindowEncoder.v2"
width = ${model.tok2vec.embed.width}
window_size = 1
maxout_pieces = 3
depth = 2

[model.linear_model]
@architectures = "spacy.TextCatBOW.v3"
exclusive_classes = true
length = 262144
ngram_size = 1
no_output_layer = false
""",
    "cnn": """
[model]
@architectures = "spacy.TextCatReduce.v1"
exclusive_classes = true
use_reduce_first = false
use_reduce_last = false
use_reduce_max = false
use_reduce_mean = true

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 96
depth = 4
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true
""",
    "bow": """
[model]
@architectures = "spacy.TextCatBOW.v3"
exclusive_classes = true
length = 262144
ngram_size = 1
no_output_layer = false
""",
}
DROPOUT = 0.2
BATCH_START, BATCH_END, BATCH_RATE = 32.0, 128.0, 1.001
SEED = 0


def emit(**row) -> None:
    print(json.dumps(row), flush=True)


def accuracy(pred: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    inscope = gold != OOS_LABEL
    out = {"acc": round(100 * float((pred[inscope] == gold[inscope]).mean()), 2)}
    if (~inscope).any():
        out["oos_recall"] = round(100 * float((pred[~inscope] == OOS_LABEL).mean()), 2)
        out["acc_all"] = round(100 * float((pred == gold).mean()), 2)
    return out


def combine(margins: np.ndarray, logp: np.ndarray, w: float) -> np.ndarray:
    return margins + w * logp / (logp.std() or 1.0)


class TextCat:
    """spaCy textcat trained epoch by epoch; `scores` with columns in `classes` order."""

    def __init__(self, arch: str, texts, labels, classes: np.ndarray) -> None:
        fix_random_seed(SEED)
        self.nlp = spacy.blank("en")
        model_cfg = Config().from_str(ARCHS[arch])["model"]
        self.textcat = self.nlp.add_pipe("textcat", config={"model": model_cfg})
        for label in classes:
            self.textcat.add_label(str(label))
        self.classes = [str(c) for c in classes]
        self.examples = [
            Example.from_dict(
                self.nlp.make_doc(t), {"cats": {c: float(c == y) for c in self.classes}}
            )
            for t, y in zip(texts, labels)
        ]
        t0 = time.process_time()
        self.optimizer = self.nlp.initialize(lambda: self.examples)
        self.train_s = time.process_time() - t0
        self.sizes = compounding(BATCH_START, BATCH_END, BATCH_RATE)
        self.rng = random.Random(SEED)
        self.epochs = 0
        order = [self.textcat.labels.index(c) for c in self.classes]
        self.order = np.array(order)

    def epoch(self) -> float:
        t0 = time.process_time()
        self.rng.shuffle(self.examples)
        losses: dict[str, float] = {}
        for batch in minibatch(self.examples, size=self.sizes):
            self.nlp.update(batch, drop=DROPOUT, sgd=self.optimizer, losses=losses)
        self.train_s += time.process_time() - t0
        self.epochs += 1
        return losses.get("textcat", 0.0)

    def scores(self, texts) -> np.ndarray:
        docs = [self.nlp.make_doc(t) for t in texts]
        out = []
        with self.nlp.use_params(self.optimizer.averages):
            for start in range(0, len(docs), 512):
                out.append(np.asarray(self.textcat.predict(docs[start : start + 512])))
        return np.vstack(out)[:, self.order]


def eval_split(name: str, data_dir: Path):
    split = load_public_dataset(name, data_dir)
    tr_t = [t for t, _ in split.train]
    tr_l = np.array([lab for _, lab in split.train])
    if split.val:
        return tr_t, tr_l, [t for t, _ in split.val], np.array([lab for _, lab in split.val])
    a, b = train_test_split(
        np.arange(len(tr_t)), test_size=1 / 3, stratify=tr_l, random_state=SEED
    )
    return [tr_t[i] for i in a], tr_l[a], [tr_t[i] for i in b], tr_l[b]


def run(name: str, data_dir: Path, arch: str, max_epochs: int, weights: list[float]) -> None:
    tr_t, tr_l, ev_t, ev_l = eval_split(name, data_dir)
    eval_name = "val" if name != "banking77" else "train 1/3 holdout"
    base = dict(dataset=name, eval=eval_name, n_train=len(tr_t), n_eval=len(ev_t))

    # 1. baseline
    t0 = time.process_time()
    clf = IntentClassifier(fallback_label=None).fit(tr_t, tr_l)
    base_s = time.process_time() - t0
    classes = clf.classes_
    margins = clf.margins(ev_t)
    emit(**base, variant="baseline", **accuracy(classes[margins.argmax(1)], ev_l),
         train_s=round(base_s, 1))

    # 2a. epoch count (and ensemble weight) on an inner split of train
    i_a, i_b = train_test_split(
        np.arange(len(tr_t)), test_size=0.1, stratify=tr_l, random_state=SEED
    )
    in_tr, in_trl = [tr_t[i] for i in i_a], tr_l[i_a]
    in_ev, in_evl = [tr_t[i] for i in i_b], tr_l[i_b]
    inner_clf = IntentClassifier(fallback_label=None).fit(in_tr, in_trl)
    assert list(inner_clf.classes_) == list(classes)
    inner_m = inner_clf.margins(in_ev)
    tc = TextCat(arch, in_tr, in_trl, classes)
    inner_curve, inner_w = [], []
    candidates = [0.0] + weights
    for _ in range(max_epochs):
        tc.epoch()
        p = tc.scores(in_ev)
        inner_curve.append(accuracy(classes[p.argmax(1)], in_evl)["acc"])
        logp = np.log(np.clip(p, 1e-12, 1.0))
        accs = [accuracy(classes[combine(inner_m, logp, w).argmax(1)], in_evl)["acc"]
                for w in candidates]
        inner_w.append(accs)
    best_epoch = int(np.argmax(inner_curve)) + 1
    w_accs = inner_w[best_epoch - 1]
    w_inner = candidates[int(np.argmax(w_accs))]
    emit(**base, variant=f"textcat-{arch} inner split", n_inner_train=len(in_tr),
         n_inner_eval=len(in_ev), inner_curve=inner_curve, chosen_epoch=best_epoch,
         inner_ens_acc=dict(zip(map(str, candidates), w_accs)), chosen_w=w_inner,
         selection_train_s=round(tc.train_s, 1))
    del tc

    # 2b. all of train, val scored after every epoch; the chosen epoch is reported
    tc = TextCat(arch, tr_t, tr_l, classes)
    val_curve, chosen = [], None
    for e in range(1, max_epochs + 1):
        tc.epoch()
        p = tc.scores(ev_t)
        val_curve.append(accuracy(classes[p.argmax(1)], ev_l)["acc"])
        if e == best_epoch:
            chosen = (p, tc.train_s)
    p, tc_s = chosen
    logp = np.log(np.clip(p, 1e-12, 1.0))
    emit(**base, variant=f"textcat-{arch}", epochs=best_epoch,
         **accuracy(classes[p.argmax(1)], ev_l), train_s=round(tc_s, 1),
         val_curve=val_curve, train_s_all_epochs=round(tc.train_s, 1))

    # 3. ensemble
    for w in weights:
        emit(**base, variant=f"ens w={w}", epochs=best_epoch,
             **accuracy(classes[combine(margins, logp, w).argmax(1)], ev_l),
             train_s=round(base_s + tc_s, 1))
    emit(**base, variant="ens w=inner", w=w_inner, epochs=best_epoch,
         **accuracy(classes[combine(margins, logp, w_inner).argmax(1)], ev_l))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", type=Path, default=Path("/work/shared/data"))
    ap.add_argument("--datasets", default="hwu64,snips,clinc150")
    ap.add_argument("--arch", choices=sorted(ARCHS), default="ensemble")
    ap.add_argument("--max-epochs", type=int, default=12)
    ap.add_argument("--weights", default="0.25,0.5,1.0")
    args = ap.parse_args(argv)
    weights = [float(w) for w in args.weights.split(",")]
    for name in args.datasets.split(","):
        run(name, args.data_dir, args.arch, args.max_epochs, weights)
    return 0


if __name__ == "__main__":
    sys.exit(main())
