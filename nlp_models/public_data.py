"""Readers for the public intent benchmarks in ../shared/data (official splits, unchanged).

Each reader returns `Split(train, test, val)` lists of (text, label). For CLINC150 the
out-of-scope queries carry the label `oos` (PRODUCT.md: in-scope accuracy + oos recall).
Where a data set's train split marks entities (SNIPS's `seq.out`, one BIO tag per word),
`Split.train_spans` holds them as character spans of each train text; only the train
split's are read, so nothing at test time can see a gold entity.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

OOS_LABEL = "oos"
DATASETS = ("clinc150", "banking77", "hwu64", "snips")

Pairs = list[tuple[str, str]]
Spans = tuple[tuple[int, int, str], ...]


@dataclass
class Split:
    train: Pairs
    test: Pairs
    val: Pairs = field(default_factory=list)
    # (start, end, label) entity spans of each train text, where the data set marks them
    train_spans: list[Spans] | None = None


def _clinc150(root: Path) -> Split:
    data = json.loads((root / "clinc150" / "data_full.json").read_text(encoding="utf-8"))

    def pairs(*keys: str) -> Pairs:
        return [(text, label) for key in keys for text, label in data[key]]

    return Split(
        train=pairs("train", "oos_train"),
        test=pairs("test", "oos_test"),
        val=pairs("val", "oos_val"),
    )


def _banking77(root: Path) -> Split:
    def read(name: str) -> Pairs:
        with open(root / "banking77" / name, newline="", encoding="utf-8") as fh:
            return [(row["text"], row["category"]) for row in csv.DictReader(fh)]

    return Split(train=read("train.csv"), test=read("test.csv"))


def _lines(folder: Path, name: str, count: int | None = None) -> list[str]:
    lines = [line.strip() for line in (folder / name).read_text(encoding="utf-8").splitlines()]
    if count is not None and len(lines) != count:
        raise ValueError(f"{folder}: {count} texts but {len(lines)} lines in {name}")
    return lines


_WORD = re.compile(r"\S+")


def bio_spans(text: str, tags: str, where: str = "") -> Spans:
    """Character spans of the entities that BIO tags (one per whitespace-separated word)
    mark: "play the album x" + "O O O B-album" → ((15, 16, "album"),). An I- tag that does
    not continue its own label starts a new entity, as in CoNLL evaluation."""
    words = list(_WORD.finditer(text))
    labels = tags.split()
    if len(words) != len(labels):
        raise ValueError(f"{where}: {len(words)} words but {len(labels)} tags")
    spans: list[tuple[int, int, str]] = []
    previous = "O"
    for word, tag in zip(words, labels):
        prefix, _, label = tag.partition("-")
        if tag != "O" and prefix == "I" and previous[2:] == label:
            spans[-1] = (spans[-1][0], word.end(), label)
        elif tag != "O":
            spans.append((word.start(), word.end(), label))
        previous = tag
    return tuple(spans)


def _seq_in_label(root: Path, name: str) -> Split:
    def read(split: str) -> Pairs:
        folder = root / name / split
        texts = _lines(folder, "seq.in")
        return list(zip(texts, _lines(folder, "label", len(texts))))

    train = read("train")
    train_spans = None
    folder = root / name / "train"
    if (folder / "seq.out").is_file():
        tags = _lines(folder, "seq.out", len(train))
        train_spans = [
            bio_spans(text, line, f"{folder / 'seq.out'}:{i}")
            for i, ((text, _), line) in enumerate(zip(train, tags), 1)
        ]
    return Split(train=train, test=read("test"), val=read("valid"), train_spans=train_spans)


def load_public_dataset(name: str, data_dir: Path) -> Split:
    readers = {
        "clinc150": _clinc150,
        "banking77": _banking77,
        "hwu64": lambda root: _seq_in_label(root, "hwu64"),
        "snips": lambda root: _seq_in_label(root, "snips"),
    }
    if name not in readers:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if not (data_dir / name).is_dir():
        raise FileNotFoundError(f"no folder {data_dir / name} (give --data-dir)")
    return readers[name](data_dir)
