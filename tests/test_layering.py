"""Imports point down: every import between packages is one that docs/architecture.md's table
allows, every package stands in that table, and no module imports itself back through others.

The imports are read with `ast` from the source, function-level and type-checking ones included.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
SOURCES = ("edge", "central_sync", "labels", "kernel")

# Imports that the table does not allow yet, each with the change that removes it (strike the
# entry when that change lands).
TEMPORARY: dict[tuple[str, str], str] = {}


def dotted(path: str) -> str:
    """edge/api/ → edge.api; edge/files.py → edge.files."""
    return path.removesuffix("/").removesuffix(".py").replace("/", ".")


def table() -> dict[str, tuple[int, frozenset[str]]]:
    """package → (floor, the packages of its own floor that it may import), from the doc."""
    rows = re.findall(r"^\| `([\w/.]+)` \| (\d+) \|([^|\n]*)\|$", DOC.read_text(), re.MULTILINE)
    return {
        dotted(path): (int(floor), frozenset(dotted(p) for p in re.findall(r"`([\w/.]+)`", same)))
        for path, floor, same in rows
    }


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_of(module: str) -> str:
    """edge.api.routes.packing → edge.api; labels.zpl → labels; edge.files → edge.files."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] in ("edge", "central_sync") else parts[0]


def modules() -> dict[str, Path]:
    """Every module of the tree but the roots `edge` and `central_sync`, which only hold packages
    (their `__init__.py` is empty: the table places what is under them)."""
    found = {}
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if module_of(path) not in ("edge", "central_sync"):
                found[module_of(path)] = path
    return found


def imports(path: Path, known: set[str]) -> Iterator[tuple[int, str]]:
    """(line, module of this tree) for every import in the file; `from a import b` names a.b
    when that is a module."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{a.name}" for a in node.names]
            names = [n if n in known else node.module for n in names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in SOURCES:
                yield node.lineno, name


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {
        module: {name for _, name in imports(path, known) if name in known and name != module}
        for module, path in found.items()
    }


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_doc_s_table_is_read_and_its_own_floor_arrows_stay_on_one_floor() -> None:
    floors = table()
    assert {"edge.domain", "edge.store", "edge.service", "edge.api", "edge.cli"} <= set(floors)
    for name, (floor, sideways) in floors.items():
        for other in sideways:
            assert other in floors, f"{name} names {other}, which the table does not list"
            assert floors[other][0] == floor, f"{name} → {other} is no same-floor arrow"


def test_every_package_of_the_code_stands_in_the_doc_s_table() -> None:
    floors = table()
    missing = sorted({package_of(m) for m in modules()} - set(floors))
    assert missing == [], f"place these in docs/architecture.md's table: {missing}"


def test_every_import_between_packages_points_down_or_is_allowed_on_its_floor() -> None:
    floors = table()
    found = modules()
    known = set(found)
    wrong = []
    for module, path in found.items():
        source = package_of(module)
        if source not in floors:
            continue  # the test above names it
        floor, sideways = floors[source]
        for line, name in imports(path, known):
            target = package_of(name)
            if target == source or (source, target) in TEMPORARY:
                continue
            if target not in floors:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}, on no floor")
            elif not (floors[target][0] < floor or target in sideways):
                wrong.append(
                    f"{path.relative_to(ROOT)}:{line}: {source} (floor {floor}) imports {name}"
                    f" ({target}, floor {floors[target][0]})"
                )
    assert wrong == []


def test_no_module_imports_itself_back_through_others() -> None:
    assert circles(graph()) == []


def test_the_circle_finder_finds_a_circle_and_passes_a_chain() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_every_function_level_import_says_why_it_waits() -> None:
    """An import inside a function (start-up time, an optional driver) has its reason in a comment
    on its line or above the function's first import."""
    silent = []
    for path in modules().values():
        lines = path.read_text().splitlines()
        for fn in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            block = [n for n in fn.body if isinstance(n, ast.Import | ast.ImportFrom)]
            for node in ast.walk(fn):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                heads = {node.lineno - 1} | ({block[0].lineno - 1} if node in block else set())
                said = "#" in lines[node.lineno - 1] or any(
                    lines[head - 1].strip().startswith("#") for head in heads
                )
                if not said:
                    silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert silent == []
