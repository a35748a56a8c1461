"""The writer thread outlives callers that give up: a cancelled command is dropped, the rest
commit, and the thread keeps serving (it used to die on InvalidStateError, and with it every
later write, so the server never stopped)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.store.writer import Tx, Writer


def _table(tx: Tx) -> None:
    tx.conn.execute("CREATE TABLE IF NOT EXISTS seen (name TEXT)")


def _seen(writer: Writer) -> list[str]:
    return writer.call(lambda tx: [r[0] for r in tx.conn.execute("SELECT name FROM seen")])


def test_a_command_cancelled_while_queued_is_dropped_and_the_writer_keeps_serving(
    tmp_path: Path,
) -> None:
    writer = Writer(tmp_path / "w.db")
    try:
        writer.call(_table)
        busy, release = threading.Event(), threading.Event()

        def hold(tx: Tx) -> None:
            busy.set()
            release.wait(10)
            tx.conn.execute("INSERT INTO seen VALUES ('first')")

        first = writer.submit(hold)
        assert busy.wait(10)
        queued = writer.submit(lambda tx: tx.conn.execute("INSERT INTO seen VALUES ('gave up')"))
        assert queued.cancel()
        release.set()
        first.result(10)

        assert (
            writer.call(lambda tx: tx.conn.execute("INSERT INTO seen VALUES ('later')")) is not None
        )
        assert writer.alive
        assert sorted(_seen(writer)) == ["first", "later"]
    finally:
        writer.close()


def test_an_awaiting_task_cancelled_after_its_command_started_still_gets_it_committed(
    tmp_path: Path,
) -> None:
    writer = Writer(tmp_path / "w.db")
    try:
        writer.call(_table)
        started, release = threading.Event(), threading.Event()

        def slow(tx: Tx) -> str:
            started.set()
            release.wait(10)
            tx.conn.execute("INSERT INTO seen VALUES ('started')")
            return "done"

        async def give_up() -> None:
            task = asyncio.ensure_future(writer.run(slow))
            await asyncio.get_running_loop().run_in_executor(None, started.wait, 10)
            task.cancel()
            release.set()
            await asyncio.gather(task, return_exceptions=True)

        asyncio.run(give_up())

        assert writer.alive
        assert _seen(writer) == ["started"]
    finally:
        writer.close()


# --- savepoints: a nested savepoint right inside one that wrote nothing reuses it ---

Step = tuple[Any, ...]  # ("write", name) or ("nest", steps, fails)


class _Refused(Exception):
    pass


def _model(steps: list[Step]) -> list[str]:
    """What a command keeps: a nest that fails keeps nothing of its own, a caught failure inside
    a nest leaves the nest's other writes."""
    kept: list[str] = []
    for step in steps:
        if step[0] == "write":
            kept.append(step[1])
        elif not step[2]:
            kept += _model(step[1])
    return kept


def _run(tx: Tx, steps: list[Step]) -> None:
    for step in steps:
        if step[0] == "write":
            tx.execute("INSERT INTO seen VALUES (?)", (step[1],))
            tx.memo[("seen", step[1])] = True
            continue
        try:
            with tx.savepoint():
                _run(tx, step[1])
                if step[2]:
                    raise _Refused
        except _Refused:
            pass


_names = st.text(alphabet="abcdef", min_size=1, max_size=3)
_steps = st.recursive(
    st.lists(st.tuples(st.just("write"), _names), max_size=3),
    lambda inner: st.lists(
        st.one_of(
            st.tuples(st.just("write"), _names), st.tuples(st.just("nest"), inner, st.booleans())
        ),
        max_size=4,
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=_steps, fails=st.booleans())
def test_nested_savepoints_keep_exactly_what_did_not_fail_and_the_memo_follows(
    tmp_path: Path, steps: list[Step], fails: bool
) -> None:
    writer = _shared_writer(tmp_path)
    writer.call(lambda tx: tx.execute("DELETE FROM seen"))
    writer.call(lambda tx: tx.memo.clear())
    program: list[Step] = [("nest", steps, fails)]

    writer.call(lambda tx: _run(tx, program))

    kept = _model(program)
    assert sorted(_seen(writer)) == sorted(kept)
    memo = writer.call(lambda tx: {k[1] for k in tx.memo if k[0] == "seen"})
    assert memo == set(kept)


_writers: dict[Path, Writer] = {}


def _shared_writer(tmp_path: Path) -> Writer:
    """One writer for all of a property test's examples (a thread and a file each would be slow);
    closed with the session by the fixture below."""
    if tmp_path not in _writers:
        _writers[tmp_path] = Writer(tmp_path / "w.db")
        _writers[tmp_path].call(_table)
    return _writers[tmp_path]


@pytest.fixture(autouse=True)
def _close_writers() -> Iterator[None]:
    yield
    while _writers:
        _writers.popitem()[1].close()
