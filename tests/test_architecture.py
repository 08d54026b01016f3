"""The shape of the code, checked: which room may import what, where SQL lives, no import cycles,
small modules and functions.

The rooms (see README, "Where things are"): flows/ is pure dialogue and clinical logic; storage/
holds every table and query; bot/services joins them without Telegram; bot/render turns a
compiled intake into text or bytes; bot/telegram is the only code that imports telegram.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "flows", "storage")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

DATA_MODULES: dict[str, str] = {}
"""Modules allowed past MAX_MODULE_LINES because they hold only data (wording, phrase lists),
each with the reason."""

THIRD_PARTY_FOR_FLOWS = {"transitions"}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. "bot.services.router"
    path: Path
    tree: ast.Module

    @property
    def room(self) -> str:
        parts = self.name.split(".")
        return ".".join(parts[:2]) if parts[0] == "bot" and len(parts) > 2 else parts[0]


def _modules() -> list[Module]:
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Alembic revisions are generated data, not code to shape
            relative = path.relative_to(ROOT).with_suffix("")
            parts = list(relative.parts)
            if parts[-1] == "__init__":
                parts.pop()
            found.append(Module(".".join(parts), path, ast.parse(path.read_text())))
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: Module, *, runtime_only: bool = False) -> Iterator[str]:
    """Every module name `module` imports (relative imports resolved)."""

    def walk(nodes: list[ast.stmt]) -> Iterator[ast.AST]:
        for node in nodes:
            if runtime_only and isinstance(node, ast.If) and _is_type_checking(node):
                continue
            yield node
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    yield from walk([child])

    for node in walk(module.tree.body):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                base = module.name.split(".")[: -node.level]
                yield ".".join([*base, node.module])
            else:
                yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _top(name: str) -> str:
    return name.split(".")[0]


def _violations(room_prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{m.name} imports {name}"
        for m in MODULES
        if m.name == room_prefix or m.name.startswith(room_prefix + ".")
        for name in _imports(m)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def test_flows_imports_nothing_but_itself_the_standard_library_and_transitions() -> None:
    stdlib = sys.stdlib_module_names
    bad = sorted(
        f"{m.name} imports {name}"
        for m in MODULES
        if m.room == "flows"
        for name in _imports(m)
        if _top(name) not in stdlib | THIRD_PARTY_FOR_FLOWS | {"flows", "__future__"}
    )
    assert bad == []


def test_storage_imports_neither_telegram_nor_flows_nor_bot() -> None:
    assert _violations("storage", ("telegram", "flows", "bot")) == []


def test_only_the_telegram_adapter_imports_telegram() -> None:
    bad = sorted(
        f"{m.name} imports {name}"
        for m in MODULES
        if m.room != "bot.telegram"
        for name in _imports(m)
        if _top(name) == "telegram"
    )
    assert bad == []


def test_services_know_neither_the_adapter_nor_the_command_line() -> None:
    assert _violations("bot.services", ("bot.telegram", "bot.cli", "telegram")) == []


def test_renderers_take_compiled_intakes_and_know_no_services_or_database() -> None:
    forbidden = ("bot.services", "bot.telegram", "bot.cli", "storage", "sqlalchemy", "sqlmodel")
    assert _violations("bot.render", forbidden) == []


def test_no_sql_outside_storage() -> None:
    bad = []
    for module in MODULES:
        if module.room == "storage":
            continue
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name in {"select", "update", "delete", "insert", "text"} and _sql_call(node):
                    bad.append(f"{module.name}:{node.lineno} {name}(")
    assert bad == []


def _sql_call(node: ast.Call) -> bool:
    """A call of sqlalchemy/sqlmodel's statement builders (not, say, str.join or dict.update)."""
    func = node.func
    return isinstance(func, ast.Name) or (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id in {"sqlalchemy", "sqlmodel", "sa"}
    )


def test_no_import_cycles_among_our_modules() -> None:
    names = {m.name for m in MODULES}

    def resolve(name: str) -> str | None:
        while name and name not in names:
            name = name.rpartition(".")[0]
        return name or None

    graph = {
        m.name: {
            target
            for name in _imports(m, runtime_only=True)
            if _ours(name) and (target := resolve(name)) and target != m.name
            and not m.name.startswith(target + ".")  # a package's own __init__
        }
        for m in MODULES
    }
    cycles = _cycles(graph)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.name)
def test_modules_are_small(module: Module) -> None:
    lines = len(module.path.read_text().splitlines())
    if module.name in DATA_MODULES:
        return
    assert lines <= MAX_MODULE_LINES, f"{module.path} has {lines} lines"


def test_functions_fit_on_a_screen() -> None:
    long = sorted(
        f"{m.name}.{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for m in MODULES
        for node in ast.walk(m.tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    )
    assert long == []


def test_every_module_says_what_it_is_for() -> None:
    missing = sorted(m.name for m in MODULES if ast.get_docstring(m.tree) is None)
    assert missing == []
