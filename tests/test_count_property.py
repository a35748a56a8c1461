"""Random sequences of receipts, counts, approvals and rejections through the real store keep
the ledger whole (balances = movements, nothing negative, every movement has its event) and
match a model: a booked count moves the bin's on_hand by exactly its variance; a count waiting
for approval, a rejected one and every refusal change no balance."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.domain.cycle_count import Threshold
from edge.domain.errors import EdgeError
from edge.domain.stock import ReceiveStock
from edge.service import counts as service
from edge.service.stock import receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.operators import add_operator
from edge.store.verify import verify
from tests.support import migrated_copy, snapshot
from tests.test_ledger_property import assert_ledger_holds, balances_in_table

SKUS, BINS, LOTS = ("S1", "S2"), ("A", "B"), ("", "L1")
THRESHOLD = Threshold(units=4)
COUNTER, FIRST, SECOND = 1, 2, 3  # operator ids: a picker and two supervisors


@dataclass(frozen=True)
class Open:
    location: str
    sku: str | None


@dataclass(frozen=True)
class Submit:
    task: int  # which of the tasks opened so far (modulo their number)
    by: int
    lines: tuple[tuple[str, str, int], ...]


@dataclass(frozen=True)
class Decide:
    task: int
    by: int
    approve: bool


s_sku, s_bin, s_lot = st.sampled_from(SKUS), st.sampled_from(BINS), st.sampled_from(LOTS)
s_who = st.sampled_from((COUNTER, FIRST, SECOND))
commands = st.one_of(
    st.builds(ReceiveStock, s_sku, s_bin, st.integers(1, 6), lot=s_lot),
    st.builds(Open, s_bin, st.none() | s_sku),
    st.builds(Decide, st.integers(0, 3), s_who, st.booleans()),
    st.builds(
        Submit,
        st.integers(0, 3),
        s_who,
        st.lists(st.tuples(s_sku, s_lot, st.integers(0, 9)), max_size=3).map(tuple),
    ),
    st.builds(Decide, st.integers(0, 3), s_who, st.booleans()),
)


def seed(tx: Any) -> None:
    for sku in SKUS:
        catalog.upsert_product(tx, sku=sku, name=sku)
    for b in BINS:
        catalog.upsert_location(tx, code=b, type="bin")
    for badge, role in (("C", "picker"), ("S1", "supervisor"), ("S2", "supervisor")):
        add_operator(tx, badge=badge, name=badge, role=role, pin_hash="x")
    for sku in SKUS:
        for b in BINS:
            receive(tx, ReceiveStock(sku, b, 3), Actor())


def on_hand(store: Store) -> Counter[tuple[str, str, str]]:
    return Counter(
        {
            (k[0], k[1], k[3]): q
            for k, q in balances_in_table(store.read()).items()
            if k[4] == "on_hand" and q
        }
    )


def run(store: Store, tasks: list[int], cmd: Any) -> str:
    try:
        if isinstance(cmd, ReceiveStock):
            store.writer.call(lambda tx: receive(tx, cmd, Actor()))
        elif isinstance(cmd, Open):
            got = store.writer.call(
                lambda tx: service.open_count(tx, cmd.location, cmd.sku, "manual", Actor(FIRST))
            )
            if got["opened"]:
                tasks.append(got["task_id"])
        elif isinstance(cmd, Submit):
            store.writer.call(
                lambda tx: service.submit_count(
                    tx, tasks[cmd.task % len(tasks)], list(cmd.lines), Actor(cmd.by), THRESHOLD
                )
            )
        else:
            store.writer.call(
                lambda tx: service.decide_count(
                    tx, tasks[cmd.task % len(tasks)], cmd.approve, Actor(cmd.by), str(cmd.by), ""
                )
            )
    except EdgeError as err:
        return err.code
    return ""


def pending_delta(store: Store, task_id: int) -> Counter[tuple[str, str, str]]:
    conn = store.read()
    location = conn.execute("SELECT location FROM count_tasks WHERE id = ?", (task_id,)).fetchone()
    rows = conn.execute(
        "SELECT sku, lot, counted - expected FROM count_lines WHERE task_id = ?", (task_id,)
    )
    return Counter({(r[0], location[0], r[1]): r[2] for r in rows})


def status(store: Store, task_id: int) -> str:
    row = store.read().execute("SELECT status FROM count_tasks WHERE id = ?", (task_id,))
    return str(row.fetchone()[0])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(commands, min_size=1, max_size=20))
def test_random_counts_approvals_and_rejections_keep_the_ledger_and_book_exact_variances(
    cmds: list[Any],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(migrated_copy(Path(tmp) / "edge.db"))
        try:
            store.writer.call(seed)
            tasks: list[int] = []
            for location in BINS:  # a count of each bin to begin with
                assert run(store, tasks, Open(location, None)) == ""
            for cmd in cmds:
                before, stock = snapshot(store), on_hand(store)
                target = tasks[cmd.task % len(tasks)] if hasattr(cmd, "task") else None
                counter = _counted_by(store, target) if target is not None else None
                code = run(store, tasks, cmd)
                after = on_hand(store)
                if code:
                    assert snapshot(store) == before, (cmd, code)
                    continue
                if isinstance(cmd, ReceiveStock):
                    stock[(cmd.sku, cmd.location, cmd.lot)] += cmd.qty
                elif isinstance(cmd, Submit | Decide) and target is not None:
                    booked = status(store, target) == "done" and not (
                        isinstance(cmd, Decide) and not cmd.approve
                    )
                    if isinstance(cmd, Decide):
                        assert cmd.by != counter, "the counter approved their own count"
                    if booked:
                        stock.update(pending_delta(store, target))
                assert after == +stock, cmd
            assert_ledger_holds(store.read())
            assert verify(store.read()) == []
        finally:
            store.close()


def _counted_by(store: Store, task_id: int) -> int | None:
    row = store.read().execute("SELECT counted_by FROM count_tasks WHERE id = ?", (task_id,))
    return row.fetchone()[0]
