"""The layers of STYLE.md stay apart: a module may not import what its layer must not know.

The rules are the `[tool.importlinter]` contracts in pyproject.toml, one list for both
checks: `lint-imports` (`make lint`) and this test, which reads the same contracts and
checks them with its own import walker, so the rules hold even where import-linter is not
installed. Like import-linter, a forbidden contract is broken by a direct import and, unless
it sets `allow_indirect_imports`, by a chain of imports through our own modules.
"""

from __future__ import annotations

import ast
import tomllib
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# the contract options this walker understands; any other option would be ignored here
# while lint-imports honours it, and the two checks would disagree
KNOWN_OPTIONS = {"name", "type", "source_modules", "forbidden_modules", "allow_indirect_imports"}


@dataclass(frozen=True)
class Contract:
    name: str
    source_modules: tuple[str, ...]
    forbidden_modules: tuple[str, ...]
    allow_indirect_imports: bool


def load_contracts(pyproject: Path) -> tuple[list[str], list[Contract]]:
    """The root packages and the forbidden contracts of `[tool.importlinter]`."""
    options = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contracts = []
    for raw in options["contracts"]:
        unknown = set(raw) - KNOWN_OPTIONS
        assert raw["type"] == "forbidden" and not unknown, (
            f"contract {raw['name']!r}: this walker checks forbidden contracts with the "
            f"options {sorted(KNOWN_OPTIONS)} only; teach it {raw['type']!r} / {sorted(unknown)}"
        )
        contracts.append(
            Contract(
                name=raw["name"],
                source_modules=tuple(raw["source_modules"]),
                forbidden_modules=tuple(raw["forbidden_modules"]),
                allow_indirect_imports=str(raw.get("allow_indirect_imports", False)).lower() == "true",
            )
        )
    return list(options["root_packages"]), contracts


def module_files(root: Path, packages: list[str]) -> dict[str, Path]:
    """Every module of our packages by dotted name (a package by its own name)."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_modules(path: Path, module: str, ours: set[str]) -> set[str]:
    """What one file imports: our modules by full name, anything else by its top-level name.

    Imports inside functions and `if TYPE_CHECKING:` count, as they do for import-linter.
    `from package import name` is the submodule `package.name` when there is one.
    """
    is_package = path.name == "__init__.py"
    found: set[str] = set()

    def add(name: str) -> None:
        top = name.split(".")[0]
        if top not in {m.split(".")[0] for m in ours}:
            found.add(top)
            return
        while name and name not in ours:  # an attribute of a module, not a module
            name = name.rpartition(".")[0]
        if name:
            found.add(name)

    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                add(submodule if submodule in ours else target)
    found.discard(module)
    return found


def import_graph(root: Path, packages: list[str]) -> dict[str, set[str]]:
    files = module_files(root, packages)
    ours = set(files)
    return {module: imported_modules(path, module, ours) for module, path in files.items()}


def within(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def broken_imports(graph: dict[str, set[str]], contract: Contract) -> list[str]:
    """Each import chain from a source module to a forbidden one, as 'a -> b -> c'."""
    broken = []
    for source in sorted(m for m in graph if within(m, contract.source_modules)):
        # breadth first from the source: the shortest chain to each module reached
        chains = {source: [source]}
        queue = deque([source])
        while queue:
            module = queue.popleft()
            for imported in sorted(graph.get(module, ())):
                if imported in chains:
                    continue
                chains[imported] = chains[module] + [imported]
                if within(imported, contract.forbidden_modules):
                    broken.append(" -> ".join(chains[imported]))
                elif not contract.allow_indirect_imports and imported in graph:
                    queue.append(imported)
    return broken


ROOT_PACKAGES, CONTRACTS = load_contracts(ROOT / "pyproject.toml")


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(ROOT, ROOT_PACKAGES)


@pytest.mark.parametrize("contract", CONTRACTS, ids=[c.name for c in CONTRACTS])
def test_the_layer_does_not_import_what_it_must_not_know(
    graph: dict[str, set[str]], contract: Contract
) -> None:
    assert broken_imports(graph, contract) == []


def test_the_contracts_cover_the_boundaries_of_style_md() -> None:
    forbidden: dict[tuple[str, ...], set[str]] = {}
    for c in CONTRACTS:
        forbidden.setdefault(c.source_modules, set()).update(c.forbidden_modules)
    assert {"bot", "intents", "telegram", "slack_bolt", "spacy", "apscheduler"} <= forbidden[("crm_core",)]
    assert {"telegram", "slack_bolt", "slack_sdk"} <= forbidden[("intents",)]
    assert {"crm_core", "sqlalchemy"} <= forbidden[("nlp_models",)]
    assert {"sqlalchemy"} <= forbidden[("bot",)]
    assert {"sqlalchemy"} <= forbidden[("intents",)]


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_the_walker_sees_imports(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/a.py": (
                "import spacy.tokens\nfrom telegram.ext import Application\nfrom . import b\n"
                "from .b import helper\nfrom core.sub import c\n"
                "def f():\n    import apscheduler\n"
            ),
            "core/b.py": "",
            "core/sub/__init__.py": "from .. import a\n",
            "core/sub/c.py": "",
        },
    )
    graph = import_graph(tmp_path, ["core"])
    assert graph["core.a"] == {"spacy", "telegram", "apscheduler", "core.b", "core.sub.c"}
    assert graph["core.sub"] == {"core.a"}


def test_a_broken_contract_is_reported_direct_and_through_a_chain(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "core/__init__.py": "",
            "core/a.py": "from core import b\n",
            "core/b.py": "from chat import adapter\n",
            "core/c.py": "import sqlalchemy\n",
            "chat/__init__.py": "",
            "chat/adapter.py": "import core.c\n",
        },
    )
    graph = import_graph(tmp_path, ["core", "chat"])
    core_no_chat = Contract("core knows no chat", ("core",), ("chat",), False)
    assert broken_imports(graph, core_no_chat) == [
        "core.a -> core.b -> chat.adapter",
        "core.b -> chat.adapter",
    ]
    chat_no_sql = Contract("chat holds no query", ("chat",), ("sqlalchemy",), True)
    assert broken_imports(graph, chat_no_sql) == []
    direct_only = Contract("chat holds no query", ("chat",), ("sqlalchemy",), False)
    assert broken_imports(graph, direct_only) == ["chat.adapter -> core.c -> sqlalchemy"]
