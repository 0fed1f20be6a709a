"""The layers of STYLE.md stay apart: a module may not import what its layer must not know."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "crm_core": {"bot", "intents", "nlp_models", "app", "telegram", "slack_bolt", "slack_sdk", "spacy", "apscheduler"},
    "nlp_models": {"bot", "intents", "crm_core", "app", "sqlalchemy", "alembic", "telegram", "slack_bolt"},
    "intents": {"bot", "app", "telegram", "slack_bolt", "slack_sdk"},
    "bot": {"sqlalchemy"},
    "config": {"bot", "intents", "crm_core", "nlp_models", "app"},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_what_its_layer_must_not_know(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_walker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import spacy.tokens\nfrom telegram.ext import Application\nfrom . import x\n")
    assert imported_roots(sample) == {"spacy", "telegram"}
