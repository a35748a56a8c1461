"""The pick workflow (pure) under random scan sequences over random small pick lists: no task is
picked beyond its quantity, no unit moves or is reserved that the ledger does not have, every
order is `picked` exactly when all its units are, and a refused scan changes nothing."""

from __future__ import annotations

import copy
import itertools
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.allocation import Candidate
from edge.domain.classify import Classified
from edge.domain.decision import CountTaskOpened, Decision, ExceptionRaised
from edge.domain.errors import EdgeError
from edge.domain.ledger import Stock
from edge.domain.order import OrderStatus, StatusChange
from edge.domain.pick import (
    PickContext,
    PickList,
    PickListFinished,
    PickSession,
    PickSlot,
    PickTask,
    TaskAdded,
    TaskProgress,
    ToteBound,
    decide_pick,
    step_of,
)
from edge.domain.scan import Scan


def scan(kind: str, key: str, code: str | None = None, **extra: object) -> Classified:
    code = code or key
    return Classified(kind, key, Scan(raw=code, code=code, kind="raw"), **extra)  # type: ignore[arg-type]


SKUS, LOTS = ("S1", "S2"), ("", "L1", "L0")
TODAY = date(2026, 6, 1)
# L0 expired on the day (allocated while it was good); L1 is good. A lot expires at 00:00 of its day.
EXPIRY = {"L0": "2026-06-01", "L1": "2026-12-31"}
SEQ = {"A": 10, "B": 20, "C": 30, "D": 40}  # D holds only spare stock, for short picks
REFUSED = {
    "unexpected_scan",
    "wrong_location",
    "wrong_item",
    "item_for_another_order",
    "over_pick",
    "lot_mismatch",
    "wrong_tote",
    "scan_each_item",
    "expired_item",
}
GOOD = scan("command", "(whatever the screen asks for)")


@dataclass(frozen=True)
class Model:
    """What the store would hold: the session, the list, the stock, and the totes' bindings."""

    session: PickSession
    pl: PickList
    stock: Stock
    lines: Mapping[str, int]  # line id -> units ordered
    bindings: Mapping[str, str]  # tote -> order, in this list or elsewhere
    finished: bool = False


def _line(draw: st.DrawFn, order: int, n: int) -> list[tuple[int, str, int, int, str, str]]:
    """A line reserved in 1-2 (bin, lot)s, as rows sorted like the store's pick tasks."""
    sku = draw(st.sampled_from(SKUS))
    part = st.tuples(st.sampled_from("ABC"), st.sampled_from(LOTS), st.integers(1, 3))
    parts = draw(st.lists(part, min_size=1, max_size=2, unique_by=lambda p: p[:2]))
    return [(SEQ[loc], loc, order, n, lot, f"{sku}:{q}") for loc, lot, q in parts]


@st.composite
def models(draw: st.DrawFn) -> Model:
    """1-3 orders of 1-2 lines, each line reserved in 1-2 bins; tasks in walking order."""
    orders = range(1, draw(st.integers(1, 3)) + 1)
    rows = sorted(
        r for o in orders for n in range(1, draw(st.integers(1, 2)) + 1) for r in _line(draw, o, n)
    )
    tasks = tuple(
        PickTask(
            i, f"O-{o}", f"O-{o}-{n}", what[:2], loc, int(what[3:]), lot=lot, expiry=EXPIRY.get(lot)
        )
        for i, (_, loc, o, n, lot, what) in enumerate(rows, start=1)
    )
    reserved, balances, lines = Counter(), Counter(), Counter()
    for t in tasks:
        reserved[(t.line_id, t.sku, t.location, "", t.lot)] += t.qty
        balances[(t.sku, t.location, "", t.lot, "on_hand")] += t.qty
        lines[t.line_id] += t.qty
    for sku, loc, lot in itertools.product(SKUS, SEQ, LOTS):
        balances[(sku, loc, "", lot, "on_hand")] += draw(st.sampled_from((0, 0, 0, 1, 2)))
    pl = PickList(
        "PL-1",
        tuple(PickSlot(o, f"O-{o}") for o in orders),
        tasks,
        {f"O-{o}": OrderStatus.RELEASED for o in orders},
    )
    stock = Stock({k: q for k, q in balances.items() if q}, dict(reserved))
    return Model(PickSession("PL-1"), pl, stock, dict(lines), {"T-X": "O-X"})


other_scans = st.one_of(
    st.sampled_from(list(SEQ)).map(lambda code: scan("location", code)),
    st.builds(
        lambda sku, qty, lot, expiry: scan("product", sku, quantity=qty, lot=lot, expiry=expiry),
        st.sampled_from(("S1", "S2", "S3")),
        st.sampled_from((1, 1, 2, 12)),
        st.sampled_from((None, "L1", "L2")),
        st.sampled_from((None, None, TODAY, TODAY - timedelta(days=3), TODAY + timedelta(days=1))),
    ),
    st.sampled_from(("T-1", "T-2", "T-3", "T-X")).map(
        lambda t: scan("container", t, container_type="tote")
    ),
    st.just(scan("container", "CART-1", container_type="cart")),
    st.sampled_from(("CONFIRM", "SHORT", "NEXT")).map(lambda c: scan("command", c, f"CMD:{c}")),
    st.just(scan("order", "O-1")),
)
# Mostly what the screen asks for, so that lists get picked to the end; the rest anything at all.
random_scans = st.one_of(st.just(GOOD), st.just(GOOD), st.just(GOOD), other_scans)


def good_scan(m: Model) -> Classified:
    """The scan the screen asks for now: a fresh tote, the task's bin, one unit of its item."""
    step, task = step_of(m.session, m.pl), m.pl.current
    if step == "tote":
        tote = next(t for t in ("T-1", "T-2", "T-3") if t not in m.bindings)
        return scan("container", tote, container_type="tote")
    if step == "done" or task is None:
        return scan("location", "A")
    if step == "location":
        return scan("location", task.location)
    return scan("product", task.sku, quantity=1)


def context(m: Model, s: Classified, allow: bool) -> PickContext:
    """As the store loads it: the stock, free stock for a short pick, the scanned tote's order."""
    task = m.pl.current
    free = (
        [(loc, lot, m.stock.free(task.sku, loc, "", lot)) for loc in SEQ for lot in LOTS]
        if task
        else []
    )
    candidates = tuple(
        Candidate(loc, n, SEQ[loc], lot, EXPIRY.get(lot)) for loc, lot, n in free if n > 0
    )
    owner = m.bindings.get(s.key) if s.kind == "container" else None
    return PickContext(m.pl, m.stock, candidates, owner, allow, today=TODAY)


def record(m: Model, change: object) -> Model:
    """The store's side of a decision's records (edge.store.decision_records), on the model."""
    pl = m.pl
    if isinstance(change, ToteBound):
        slots = tuple(
            replace(x, tote=change.tote) if x.order_id == change.order_id else x for x in pl.slots
        )
        bindings = {**m.bindings, change.tote: change.order_id}
        return replace(m, pl=replace(pl, slots=slots), bindings=bindings)
    if isinstance(change, TaskProgress):
        tasks = tuple(
            replace(t, picked=change.picked, status=change.status) if t.id == change.task_id else t
            for t in pl.tasks
        )
        return replace(m, pl=replace(pl, tasks=tasks))
    if isinstance(change, TaskAdded):
        new = PickTask(
            len(pl.tasks) + 1,
            change.order_id,
            change.line_id,
            change.sku,
            change.location,
            change.qty,
            lot=change.lot,
        )
        return replace(m, pl=replace(pl, tasks=(*pl.tasks, new)))
    if isinstance(change, StatusChange):
        assert pl.order_status[change.order_id] == change.from_status
        statuses = {**pl.order_status, change.order_id: change.to_status}
        return replace(m, pl=replace(pl, order_status=statuses))
    if isinstance(change, PickListFinished):
        return replace(m, finished=True)
    assert isinstance(change, CountTaskOpened | ExceptionRaised), change
    return m


def check(before: Model, after: Model, decision: Decision[PickSession]) -> None:
    tasks = after.pl.tasks
    assert all(0 <= t.picked <= t.qty for t in tasks)
    picks = sum(mv.qty for mv in decision.movements if mv.type == "pick")
    assert picks == sum(t.picked for t in tasks) - sum(t.picked for t in before.pl.tasks)
    assert sum(after.stock.balances.values()) == sum(before.stock.balances.values())
    in_totes = sum(q for k, q in after.stock.balances.items() if k[4] == "picked")
    assert in_totes == sum(t.picked for t in tasks)
    for line, ordered in after.lines.items():
        mine = [t for t in tasks if t.line_id == line]
        held = sum(q for k, q in after.stock.reserved.items() if k[0] == line)
        assert held == sum(t.remaining for t in mine if t.status in ("open", "held")), line
        assert sum(t.picked for t in mine) <= ordered
    for order, state in after.pl.order_status.items():
        complete = all(
            sum(t.picked for t in tasks if t.line_id == ln) == q
            for ln, q in after.lines.items()
            if ln.startswith(f"{order}-")
        )
        assert (state is OrderStatus.PICKED) == complete, (order, state, tasks)
    assert after.finished == (after.pl.current is None)
    # Nothing expired is picked or re-allocated, whatever the scan says.
    assert all(mv.lot != "L0" for mv in decision.movements if mv.type == "pick")
    assert all(c.lot != "L0" for c in decision.changes if isinstance(c, TaskAdded))
    assert all(r.lot != "L0" for r in decision.reservations if r.delta > 0)
    # A short pick freezes exactly the units not found, never the bin's other free stock.
    frozen = sum(q for k, q in after.stock.balances.items() if k[4] == "frozen") - sum(
        q for k, q in before.stock.balances.items() if k[4] == "frozen"
    )
    shorted = [
        t
        for t in before.pl.tasks
        if t.status == "open" and next(a for a in tasks if a.id == t.id).status == "short"
    ]
    assert frozen == sum(t.remaining for t in shorted)
    assert sum(c.held for c in decision.changes if isinstance(c, CountTaskOpened)) == frozen


@settings(max_examples=300, deadline=None)
@given(models(), st.lists(random_scans, min_size=5, max_size=80), st.booleans())
def test_random_scans_keep_tasks_stock_and_order_statuses_consistent(
    m: Model, scans: list[Classified], allow: bool
) -> None:
    for drawn in scans:
        s = good_scan(m) if drawn is GOOD else drawn
        kept = copy.deepcopy(m)
        try:
            decision = decide_pick(m.session, s, context(m, s, allow))
        except EdgeError as err:
            assert err.code in REFUSED, err
            assert m == kept
            continue
        # The ledger must have every unit the decision moves and reserves: apply() refuses otherwise.
        stock = m.stock.apply(decision.movements, decision.reservations)
        after = replace(m, session=decision.state, stock=stock)
        for change in decision.changes:
            after = record(after, change)
        check(m, after, decision)
        m = after
