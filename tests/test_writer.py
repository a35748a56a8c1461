"""The writer thread outlives callers that give up: a cancelled command is dropped, the rest
commit, and the thread keeps serving (it used to die on InvalidStateError, and with it every
later write, so the server never stopped)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

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
