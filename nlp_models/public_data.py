"""Readers for the public intent benchmarks in ../shared/data (official splits, unchanged).

Each reader returns `Split(train, test, val)` lists of (text, label). For CLINC150 the
out-of-scope queries carry the label `oos` (PRODUCT.md: in-scope accuracy + oos recall).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

OOS_LABEL = "oos"
DATASETS = ("clinc150", "banking77", "hwu64", "snips")

Pairs = list[tuple[str, str]]


@dataclass
class Split:
    train: Pairs
    test: Pairs
    val: Pairs = field(default_factory=list)


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


def _seq_in_label(root: Path, name: str) -> Split:
    def read(split: str) -> Pairs:
        folder = root / name / split
        texts = (folder / "seq.in").read_text(encoding="utf-8").splitlines()
        labels = (folder / "label").read_text(encoding="utf-8").splitlines()
        if len(texts) != len(labels):
            raise ValueError(f"{folder}: {len(texts)} texts but {len(labels)} labels")
        return [(t.strip(), lab.strip()) for t, lab in zip(texts, labels)]

    return Split(train=read("train"), test=read("test"), val=read("valid"))


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
