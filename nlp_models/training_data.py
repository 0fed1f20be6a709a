"""Our own training data: intent examples with inline entity marks, and entity templates.

`data/train/intents/<intent>.yml` holds messages as people type them, with the learnt
entities marked inline (`called [Jane Smith](PERSON) at [Acme](ORG)`).
`data/train/entities.yml` holds templates and slot lists that teach the entity recogniser
many more names than anyone would write by hand. Nothing here comes from ../shared/data.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlp_models.labels import LEARNED_LABELS, EntityLabel, Intent
from nlp_models.text import replace_spans

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_DIR = DATA_DIR / "train"
HELDOUT_FILE = DATA_DIR / "heldout.jsonl"
REGRESSION_FILE = DATA_DIR / "regression.jsonl"

_MARK = re.compile(r"\[(?P<text>[^\[\]]+)\]\((?P<label>[A-Z_]+)\)")
_PLACEHOLDER = re.compile(
    r"\{(?:(?P<upper>PERSON|ORG|PRODUCT|CAMPAIGN)(?P<second>2)?|(?P<lower>person|org|product|campaign)_lower)\}"
)


class TrainingDataError(ValueError):
    """A training file is malformed; the message names the file and the problem."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    intent: Intent
    spans: tuple[tuple[int, int, EntityLabel], ...] = ()


def parse_marked(marked: str, where: str = "") -> tuple[str, tuple[tuple[int, int, EntityLabel], ...]]:
    """Turn `called [Jane](PERSON)` into plain text plus character spans."""
    out: list[str] = []
    spans: list[tuple[int, int, EntityLabel]] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(marked):
        before = marked[pos : m.start()]
        out.append(before)
        length += len(before)
        label_name = m.group("label")
        try:
            label = EntityLabel(label_name)
        except ValueError:
            raise TrainingDataError(f"{where}: unknown entity label {label_name!r}") from None
        if label not in LEARNED_LABELS:
            raise TrainingDataError(f"{where}: {label_name} comes from rules; do not mark it")
        value = m.group("text")
        spans.append((length, length + len(value), label))
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(marked[pos:])
    return "".join(out), tuple(spans)


def load_intent_examples(train_dir: Path = TRAIN_DIR) -> list[Example]:
    examples: list[Example] = []
    files = sorted((train_dir / "intents").glob("*.yml"))
    if not files:
        raise TrainingDataError(f"no intent files in {train_dir / 'intents'}")
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        try:
            intent = Intent(doc.get("intent", ""))
        except ValueError:
            raise TrainingDataError(f"{path.name}: unknown intent {doc.get('intent')!r}") from None
        for i, raw in enumerate(doc.get("examples") or []):
            text, spans = parse_marked(str(raw), f"{path.name}#{i + 1}")
            if text.strip():
                examples.append(Example(text, intent, spans))
    return examples


def _fill(template: str, slots: dict[str, list[str]], rng: random.Random) -> tuple[str, tuple[tuple[int, int, EntityLabel], ...]]:
    chosen: dict[tuple[str, bool], str] = {}
    out: list[str] = []
    spans: list[tuple[int, int, EntityLabel]] = []
    pos = 0
    length = 0
    for m in _PLACEHOLDER.finditer(template):
        name, second = m.group("upper") or m.group("lower"), bool(m.group("second"))
        label = EntityLabel(name.upper())
        key = (label.value, second)
        if key not in chosen:
            other = chosen.get((label.value, not second))
            pool = [v for v in slots[label.value] if v != other]
            chosen[key] = rng.choice(pool)
        value = chosen[key].lower() if name.islower() else chosen[key]
        before = template[pos : m.start()]
        out.append(before)
        length += len(before)
        spans.append((length, length + len(value), label))
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), tuple(spans)


def _entities_doc(train_dir: Path) -> dict:
    path = train_dir / "entities.yml"
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.exists() else {}


def _slots_of(doc: dict) -> dict[str, list[str]]:
    return {k: list(v) for k, v in (doc.get("slots") or {}).items()}


def load_slots(train_dir: Path = TRAIN_DIR) -> dict[str, list[str]]:
    """The slot lists of entities.yml: label → names."""
    return _slots_of(_entities_doc(train_dir))


def with_other_names(examples: Sequence[Example], slots: dict[str, list[str]], seed: int = 0) -> list[str | None]:
    """Each example's text with every marked name replaced by a random name of the same
    label from the slot lists (lower case kept); None for an example without names.

    A second wording for the intent classifier: it learns what the words around a name
    mean, not which names went with which intent (seeded, reproducible)."""
    rng = random.Random(seed)

    def other(written: str, label: str) -> str:
        name = rng.choice(slots.get(label) or [written])
        return name.lower() if written.islower() else name

    return [replace_spans(ex.text, ex.spans, other) if ex.spans else None for ex in examples]


def generate_entity_examples(
    train_dir: Path = TRAIN_DIR, per_template: int = 3, seed: int = 13
) -> list[Example]:
    """Fill every template `per_template` times with slot values (seeded, reproducible)."""
    doc = _entities_doc(train_dir)
    if not doc:
        return []
    slots = _slots_of(doc)
    rng = random.Random(seed)
    examples: list[Example] = []
    for intent_name, templates in (doc.get("templates") or {}).items():
        intent = Intent(intent_name)
        for template in templates:
            for _ in range(per_template):
                text, spans = _fill(template, slots, rng)
                examples.append(Example(text, intent, spans))
    return examples


def training_files(train_dir: Path = TRAIN_DIR) -> Iterator[Path]:
    yield from sorted(p for p in train_dir.rglob("*") if p.is_file())
