"""The intake (central_sync/server/intake.py): orders submitted while a transaction runs are
taken by the next one together, and the whole batch's answers reach the event loop in one call;
a busy database fails the batch, one order's fault fails only that order, and a request that went
away is skipped."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import pytest

from central_sync.server.intake import Intake
from central_sync.server.orders import Outcome
from central_sync.store.db import DatabaseBusy


class Gate:
    """An ingest that holds its first transaction until `open()`, recording every batch."""

    def __init__(self, fail: Exception | None = None, bad: str = "") -> None:
        self.batches: list[list[str]] = []
        self.entered, self.gate = threading.Event(), threading.Event()
        self.fail, self.bad = fail, bad

    def __call__(self, raws: Sequence[Any]) -> list[Outcome]:
        self.batches.append([r["id"] for r in raws])
        if len(self.batches) == 1:
            self.entered.set()
            assert self.gate.wait(10.0)
        elif self.fail is not None:
            raise self.fail
        if any(r["id"] == self.bad for r in raws):
            raise ValueError("a bad order")
        return [Outcome(i, "imported", r["id"], f"shop:{r['id']}") for i, r in enumerate(raws)]


async def take(intake: Intake, gate: Gate, ids: list[str]) -> list[Any]:
    """Submit "first", then `ids` while its transaction runs, then let it finish."""
    first = intake.submit({"id": "first"})
    await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 10.0)
    rest = [intake.submit({"id": i}) for i in ids]
    gate.gate.set()
    return await asyncio.gather(first, *rest, return_exceptions=True)


def test_orders_submitted_during_a_transaction_are_taken_together_and_answered_in_one_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate, intake = Gate(), None
    calls = []

    async def run() -> list[Any]:
        nonlocal intake
        loop = asyncio.get_running_loop()
        handed = loop.call_soon_threadsafe

        def counted(*args: Any) -> Any:
            calls.append(args)
            return handed(*args)

        monkeypatch.setattr(loop, "call_soon_threadsafe", counted)
        intake = Intake(gate)
        return await take(intake, gate, ["a", "b", "c", "d"])

    answers = asyncio.run(run())
    assert intake is not None
    intake.stop()

    assert gate.batches == [["first"], ["a", "b", "c", "d"]]
    assert [(o.index, o.id) for o in answers] == [
        (0, "shop:first"),
        (0, "shop:a"),
        (0, "shop:b"),
        (0, "shop:c"),
        (0, "shop:d"),
    ]
    answered = [args for args in calls if getattr(args[0], "__name__", "") == "_resolve"]
    assert len(answered) == 2  # one per transaction, not one per order


def test_a_busy_database_fails_the_whole_batch_and_a_bad_order_only_itself() -> None:
    async def run(gate: Gate) -> list[Any]:
        intake = Intake(gate)
        try:
            return await take(intake, gate, ["a", "b", "c"])
        finally:
            intake.stop()

    busy = asyncio.run(run(Gate(fail=DatabaseBusy("locked"))))
    assert [type(a).__name__ for a in busy[1:]] == ["DatabaseBusy"] * 3

    one_bad = Gate(bad="b")
    answers = asyncio.run(run(one_bad))
    assert [a.id if isinstance(a, Outcome) else type(a).__name__ for a in answers] == [
        "shop:first",
        "shop:a",
        "RuntimeError",
        "shop:c",
    ]
    assert one_bad.batches[1:] == [["a", "b", "c"], ["a"], ["b"], ["c"]]


def test_a_request_that_went_away_is_skipped_and_the_others_answered() -> None:
    gate = Gate()

    async def run() -> list[Any]:
        intake = Intake(gate)
        try:
            first = intake.submit({"id": "first"})
            await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 10.0)
            gone, kept = intake.submit({"id": "gone"}), intake.submit({"id": "kept"})
            gone.cancel()
            gate.gate.set()
            return [await first, await kept]
        finally:
            intake.stop()

    assert [o.id for o in asyncio.run(run())] == ["shop:first", "shop:kept"]
    assert gate.batches == [["first"], ["gone", "kept"]]
