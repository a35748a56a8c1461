"""The shape of a command: routers parse, authorise, call one service function and map its result;
services own the unit of work (they open the transaction through the writer); every SQL string
lives in a store (`edge/store/`, central's `central_sync/store/`). Read from the source with
`ast`, like the purity test."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Where no SQL may stand: the edge outside its store, the sync agent and central's server.
NO_SQL = ["edge", "central_sync/agent", "central_sync/server"]
STORES = ["edge/store", "central_sync/store"]

# Files that still hold SQL, each with its reason; delete an entry as its SQL moves to a store.
KNOWN_SQL: dict[str, str] = {}

SQL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|WITH|BEGIN|REPLACE|SAVEPOINT"
    r"|RELEASE|ROLLBACK|VACUUM|ATTACH)\b"
)
SQL_CALLS = {"execute", "executemany", "executescript"}


def _files(*dirs: str) -> Iterator[Path]:
    for d in dirs:
        yield from sorted((ROOT / d).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _in_store(rel: str) -> bool:
    return any(rel == s or rel.startswith(s + "/") for s in STORES)


def sql_in(source: str) -> list[str]:
    """Where a module holds SQL: a string (or f-string part) that reads as SQL, or a call of a
    connection's execute."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL.match(node.value):
                found.append(f"line {node.lineno}: {node.value.strip()[:50]!r}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SQL_CALLS:
                found.append(f"line {node.lineno}: .{node.func.attr}(…)")
    return found


def writer_commands_in(source: str) -> list[str]:
    """Where a module runs a command through the writer itself (`….writer.run(…)`, `.call(…)`,
    `.submit(…)`); reading the writer's health (`writer.alive`, its counters) is not a command."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"run", "call", "submit"}
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "writer"
        ):
            found.append(f"line {node.lineno}")
    return found


def transactions_built_in(source: str) -> list[str]:
    """Where a module takes the writer's transaction (`edge.store.writer`, its `Tx`) to put a
    command's steps together itself, at any level (function-level imports included)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "edge.store.writer":
            found.append(f"line {node.lineno}: from edge.store.writer import …")
        elif isinstance(node, ast.ImportFrom) and node.module == "edge.store":
            if any(alias.name == "writer" for alias in node.names):
                found.append(f"line {node.lineno}: from edge.store import writer")
        elif isinstance(node, ast.Import) and any(
            alias.name == "edge.store.writer" for alias in node.names
        ):
            found.append(f"line {node.lineno}: import edge.store.writer")
    return found


def test_no_sql_string_stands_outside_the_store() -> None:
    offenders = {}
    for path in _files(*NO_SQL):
        rel = _rel(path)
        if _in_store(rel) or rel in KNOWN_SQL:
            continue
        hits = sql_in(path.read_text(encoding="utf-8"))
        if hits:
            offenders[rel] = hits
    assert offenders == {}, (
        f"SQL outside the stores (move it into a module of edge/store or central_sync/store"
        f" named for what it keeps): {offenders}"
    )


def test_every_known_exception_still_holds_sql() -> None:
    """An entry whose SQL has moved must go, so the list only ever shrinks."""
    stale = [rel for rel in KNOWN_SQL if not sql_in((ROOT / rel).read_text(encoding="utf-8"))]
    assert stale == [], f"no SQL left in {stale}: delete them from KNOWN_SQL"


def test_no_router_or_api_module_runs_a_command_through_the_writer() -> None:
    offenders = {}
    for path in _files("edge/api"):
        hits = writer_commands_in(path.read_text(encoding="utf-8"))
        if hits:
            offenders[_rel(path)] = hits
    assert offenders == {}, f"call a service function instead of the writer: {offenders}"


def _commands_or_transactions_in(*dirs: str) -> dict[str, list[str]]:
    """The modules under `dirs` that run a command through the writer or build a transaction."""
    offenders = {}
    for path in _files(*dirs):
        source = path.read_text(encoding="utf-8")
        hits = writer_commands_in(source) + transactions_built_in(source)
        if hits:
            offenders[_rel(path)] = hits
    return offenders


def test_no_command_line_module_runs_a_command_through_the_writer_or_builds_a_transaction() -> None:
    """A command of `warehouse-edge` calls one service function, which owns its transaction (the
    same function the API calls, where the API has the command)."""
    offenders = _commands_or_transactions_in("edge/cli")
    assert offenders == {}, f"call a service function instead of the writer: {offenders}"


def test_the_demo_never_runs_a_command_through_the_writer_or_builds_a_transaction() -> None:
    """The demo seeds its floor through service functions that own their transaction
    (`edge/service/scripted.py`: releasing, picking, shipping, stock commands), as a person's
    scans would go."""
    offenders = _commands_or_transactions_in("edge/demo")
    assert offenders == {}, f"call a service function instead of the writer: {offenders}"


def test_the_scans_catch_sql_and_a_router_that_commits_itself() -> None:
    """The two checks above would see what they look for."""
    found = sql_in('x = conn.execute("SELECT 1")')
    assert sorted(found) == ["line 1: 'SELECT 1'", "line 1: .execute(…)"]
    assert sql_in('q = f"UPDATE t SET a = {v}"') == ["line 1: 'UPDATE t SET a ='"]
    assert sql_in('msg = "Select a printer"\nsql = "selection"') == []
    routed = "async def h(store):\n    return await store.writer.run(lambda tx: f(tx))\n"
    assert writer_commands_in(routed) == ["line 2"]
    assert writer_commands_in("ok = store.writer.alive and store.writer.commits") == []
    assert writer_commands_in("def f(store):\n    store.writer.submit(g).result()\n") == ["line 2"]
    built = "def f():\n    from edge.store.writer import Tx\n    from edge.store import writer\n"
    assert transactions_built_in(built) == [
        "line 2: from edge.store.writer import …",
        "line 3: from edge.store import writer",
    ]
    assert transactions_built_in("from edge.store.database import Store") == []
