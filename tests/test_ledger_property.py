"""Random command sequences keep every ledger invariant: in the pure core, and through the real
store on a real SQLite file, where the result must also match a model kept by the test."""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.domain.errors import EdgeError
from edge.domain.ledger import Bucket, Movement, Place, Reservation, Stock
from edge.domain.stock import (
    AdjustStock,
    AnnounceReturn,
    FreezeStock,
    MoveStock,
    ReceiveStock,
    adjust_stock,
    announce_return,
    freeze_stock,
    move_stock,
    receive_stock,
)
from edge.service import stock as service
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor
from tests.support import migrated_copy, snapshot

SKUS = ("S1", "S2")
BINS = ("A", "B", "C")
LOTS = ("", "L1", "L2")

# --- the pure core -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reserve:
    """Reserve (delta > 0) or release (delta < 0, cut to what the line holds) at one grain."""

    line: str
    sku: str
    location: str
    lot: str
    delta: int


@dataclass(frozen=True)
class Transfer:
    """Raw movements between on_hand places, applied together (or refused together)."""

    moves: tuple[tuple[str, str, str, str, int], ...]  # (sku, from, to, lot, qty)


qty = st.integers(min_value=-2, max_value=15)
sku, bin_, lot = st.sampled_from(SKUS), st.sampled_from(BINS), st.sampled_from(LOTS)
targets = st.sampled_from([None, "Q"])
raw_moves = st.lists(st.tuples(sku, bin_, bin_, lot, st.integers(1, 8)), min_size=1, max_size=3)
pure_commands = st.one_of(
    st.builds(ReceiveStock, sku, bin_, qty, lot=lot),
    st.builds(AdjustStock, sku, bin_, st.integers(-12, 12), st.just("count"), lot=lot),
    st.builds(MoveStock, sku, bin_, bin_, qty, lot=st.none() | lot),
    st.builds(FreezeStock, sku, bin_, qty, st.just("damaged"), target=targets, lot=lot),
    st.builds(AnnounceReturn, sku, qty, st.just("RMA-1")),
    st.builds(Reserve, st.sampled_from(["L1", "L2"]), sku, bin_, lot, st.integers(-6, 8)),
    st.builds(Transfer, raw_moves.map(tuple)),
)

REFUSALS = {"insufficient_stock", "invalid_quantity", "same_location", "invalid_request"}


def shelf(location: str) -> Place:
    return Place(location, Bucket.ON_HAND)


def decide(stock: Stock, cmd: Any) -> Stock:
    if isinstance(cmd, ReceiveStock):
        return receive_stock(stock, cmd).state
    if isinstance(cmd, AdjustStock):
        return adjust_stock(stock, cmd).state
    if isinstance(cmd, MoveStock):
        return move_stock(stock, cmd).state
    if isinstance(cmd, FreezeStock):
        return freeze_stock(stock, cmd).state
    if isinstance(cmd, AnnounceReturn):
        return announce_return(stock, cmd).state
    if isinstance(cmd, Transfer):
        moves = [Movement("move", s, n, shelf(a), shelf(b), lot=lt) for s, a, b, lt, n in cmd.moves]
        return stock.apply(moves)
    held = stock.reserved.get((cmd.line, cmd.sku, cmd.location, "", cmd.lot), 0)
    delta = cmd.delta if cmd.delta > 0 else -min(held, -cmd.delta)
    return stock.apply([], [Reservation(cmd.line, cmd.sku, cmd.location, delta, lot=cmd.lot)])


def units_in(cmd: Any) -> int:
    """Units the command brings into (+) or takes out of (−) the building."""
    if isinstance(cmd, ReceiveStock | AnnounceReturn):
        return cmd.qty
    if isinstance(cmd, AdjustStock):
        return cmd.delta
    return 0


def assert_invariants(stock: Stock, expected_units: int) -> None:
    assert all(q >= 0 for q in stock.balances.values()), stock.balances
    for _line, sku_, location, container, lot_ in stock.reserved:
        on_hand = stock.qty(sku_, Place(location, Bucket.ON_HAND, container), lot_)
        assert stock.allocated(sku_, location, container, lot_) <= on_hand
    assert all(q > 0 for q in stock.reserved.values())
    assert sum(stock.balances.values()) == expected_units


@settings(max_examples=300, deadline=None)
@given(st.lists(pure_commands, max_size=40))
def test_random_commands_keep_the_pure_ledger_whole_and_refusals_change_nothing(commands) -> None:
    stock, units = Stock(), 0

    for cmd in commands:
        before = (dict(stock.balances), dict(stock.reserved))
        try:
            after = decide(stock, cmd)
        except EdgeError as err:
            assert err.code in REFUSALS
            assert (dict(stock.balances), dict(stock.reserved)) == before
            continue
        stock, units = after, units + units_in(cmd)
        assert_invariants(stock, units)


# --- through the real store ----------------------------------------------------------------

STORE_SKUS = ("S1", "S1", "S1", "S2", "S9")  # S9 is not in the catalogue
STORE_BINS = ("A", "B", "A", "B", "Z")  # Z does not exist
# Every example starts from a few units at each grain, so that moves and freezes have work to do.
OPENING = [
    ReceiveStock(s, b, 2, lot=lt)
    for s in ("S1", "S2")
    for b in ("A", "B")
    for lt in ("", "L1", "L2", "L3")
]
# S1's lots: L2 expires first, L1 next; L3 is received but not in the lots table.
LOT_ORDER = {"S1": ("", "L2", "L1"), "S2": ("",)}
BUCKETS = ("on_hand", "picked", "frozen", "returns_in_transit")

s_sku, s_bin = st.sampled_from(STORE_SKUS), st.sampled_from(STORE_BINS)
s_lot = st.sampled_from(("", "L1", "L2", "L3"))
store_commands = st.one_of(
    st.builds(ReceiveStock, s_sku, s_bin, st.integers(0, 12), lot=s_lot),
    st.builds(MoveStock, s_sku, s_bin, s_bin, st.integers(0, 10), lot=st.none() | s_lot),
    st.builds(
        FreezeStock,
        s_sku,
        s_bin,
        st.integers(0, 8),
        st.just("damaged"),
        target=st.sampled_from([None, "Q"]),
        lot=s_lot,
    ),
    st.builds(AdjustStock, s_sku, s_bin, st.integers(-8, 8), st.just("count"), lot=s_lot),
    st.builds(AnnounceReturn, s_sku, st.integers(0, 4), st.just("RMA-9")),
)

Model = Counter[tuple[str, str, str, str]]  # (sku, location, lot, bucket) -> qty


class Refused(Exception):
    def __init__(self, code: str) -> None:
        self.code = code


def _check(ok: bool, code: str) -> None:
    if not ok:
        raise Refused(code)


def _take(
    model: Model, sku_: str, location: str, qty_: int, lots: list[str]
) -> list[tuple[str, int]]:
    taken, left = [], qty_
    for lot_ in lots:
        n = min(left, model[(sku_, location, lot_, "on_hand")])
        if n > 0:
            taken.append((lot_, n))
            left -= n
    _check(left == 0, "insufficient_stock")
    return taken


def _fefo(model: Model, sku_: str, location: str) -> list[str]:
    known = list(LOT_ORDER[sku_])
    at_bin = sorted(
        lt
        for (s, loc, lt, b), q in model.items()
        if (s, loc, b) == (sku_, location, "on_hand") and q > 0
    )
    return known + [lt for lt in at_bin if lt not in known]


def predict(model: Model, cmd: Any) -> Model:
    """What the store should do with `cmd`: the new model, or Refused with the expected code."""
    _check(cmd.sku in LOT_ORDER, "unknown_sku")
    places = [getattr(cmd, a) for a in ("location", "source", "target") if getattr(cmd, a, None)]
    for place in places:
        _check(place in ("A", "B", "Q", "RETURNS"), "unknown_location")
    new = Counter(model)
    if isinstance(cmd, ReceiveStock | AnnounceReturn):
        _check(cmd.qty > 0, "invalid_quantity")
        lot_, bucket = (
            (cmd.lot, "on_hand") if isinstance(cmd, ReceiveStock) else ("", "returns_in_transit")
        )
        new[(cmd.sku, cmd.location, lot_, bucket)] += cmd.qty
    elif isinstance(cmd, MoveStock):
        _check(cmd.qty > 0, "invalid_quantity")
        _check(cmd.source != cmd.target, "same_location")
        lots = [cmd.lot] if cmd.lot is not None else _fefo(model, cmd.sku, cmd.source)
        for lot_, n in _take(model, cmd.sku, cmd.source, cmd.qty, lots):
            new[(cmd.sku, cmd.source, lot_, "on_hand")] -= n
            new[(cmd.sku, cmd.target, lot_, "on_hand")] += n
    elif isinstance(cmd, FreezeStock):
        _check(cmd.qty > 0, "invalid_quantity")
        _take(model, cmd.sku, cmd.location, cmd.qty, [cmd.lot])
        new[(cmd.sku, cmd.location, cmd.lot, "on_hand")] -= cmd.qty
        new[(cmd.sku, cmd.target or cmd.location, cmd.lot, "frozen")] += cmd.qty
    else:
        _check(cmd.delta != 0, "invalid_quantity")
        if cmd.delta < 0:
            _take(model, cmd.sku, cmd.location, -cmd.delta, [cmd.lot])
        new[(cmd.sku, cmd.location, cmd.lot, "on_hand")] += cmd.delta
    return new


def run(store: Store, cmd: Any, n: int) -> str:
    """Send `cmd` through the service and the writer; '' when accepted, else the refusal code."""
    actor = Actor(operator_id=None, device_id="prop", scan_id=f"cmd-{n}")
    handlers = {
        ReceiveStock: service.receive,
        MoveStock: service.move,
        FreezeStock: service.freeze,
        AnnounceReturn: service.expect_return,
    }
    try:
        if isinstance(cmd, AdjustStock):
            return store.writer.call(
                lambda tx: service.adjust(tx, cmd, actor, request_id=f"cmd-{n}")
            ).code
        store.writer.call(lambda tx: handlers[type(cmd)](tx, cmd, actor))
    except EdgeError as err:
        return err.code
    return ""


def seed(tx: Any) -> None:
    for code in ("S1", "S2"):
        catalog.upsert_product(tx, sku=code, name=f"Product {code}")
    for code in ("A", "B"):
        catalog.upsert_location(tx, code=code, type="bin")
    catalog.upsert_location(tx, code="Q", type="quarantine")
    catalog.upsert_location(tx, code="RETURNS", type="returns")
    catalog.upsert_lot(tx, sku="S1", lot="L1", expiry="2031-01-31")
    catalog.upsert_lot(tx, sku="S1", lot="L2", expiry="2030-06-30")
    for cmd in OPENING:
        service.receive(tx, cmd, Actor())


def balances_in_table(conn: sqlite3.Connection) -> dict[tuple, int]:
    rows = conn.execute("SELECT sku, location, container, lot, bucket, qty FROM balances")
    return {tuple(r[:5]): r[5] for r in rows}


def balances_from_movements(conn: sqlite3.Connection) -> dict[tuple, int]:
    """Every place's balance summed from the ledger alone (accounts are not places)."""
    marks = ",".join("?" * len(BUCKETS))
    rows = conn.execute(
        f"SELECT sku, loc, c, lot, b, SUM(q) FROM ("
        f" SELECT sku, to_location loc, to_container c, lot, to_bucket b, qty q FROM movements"
        f"  WHERE to_bucket IN ({marks})"
        f" UNION ALL SELECT sku, from_location, from_container, lot, from_bucket, -qty"
        f"  FROM movements"
        f"  WHERE from_bucket IN ({marks})) GROUP BY sku, loc, c, lot, b",
        BUCKETS * 2,
    )
    return {tuple(r[:5]): r[5] for r in rows}


def assert_ledger_holds(conn: sqlite3.Connection) -> None:
    """Balances equal movements, nothing negative, every movement has its event, seq contiguous."""
    assert balances_in_table(conn) == balances_from_movements(conn)
    assert conn.execute("SELECT COUNT(*) FROM balances WHERE qty < 0").fetchone()[0] == 0
    orphans = conn.execute(
        "SELECT m.id FROM movements m LEFT JOIN outbox o"
        " ON o.epoch = m.event_epoch AND o.seq = m.event_seq WHERE o.seq IS NULL"
    ).fetchall()
    assert orphans == []
    seqs = [r[0] for r in conn.execute("SELECT seq FROM outbox WHERE epoch = 1 ORDER BY seq")]
    assert seqs == list(range(1, len(seqs) + 1))


def check_command(store: Store, model: Model, cmd: Any, n: int) -> tuple[Model, bool]:
    try:
        expected, want = predict(model, cmd), ""
    except Refused as refusal:
        expected, want = model, refusal.code
    before = snapshot(store)

    got = run(store, cmd, n)

    assert got == want, cmd
    if got:
        assert snapshot(store) == before, cmd
    return expected, not got


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(store_commands, min_size=1, max_size=25))
def test_random_commands_through_the_store_keep_the_ledger_and_match_a_model(commands) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(migrated_copy(Path(tmp) / "edge.db"))
        try:
            store.writer.call(seed)
            model, accepted = Counter(), len(OPENING)
            for cmd in OPENING:
                model = predict(model, cmd)

            for n, cmd in enumerate(commands):
                model, ok = check_command(store, model, cmd, n)
                accepted += ok

            conn = store.read()
            assert_ledger_holds(conn)
            assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == accepted
            in_store = {
                (k[0], k[1], k[3], k[4]): q for k, q in balances_in_table(conn).items() if q
            }
            assert in_store == {k: q for k, q in model.items() if q}
        finally:
            store.close()


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(
        st.one_of(
            st.integers(min_value=1, max_value=10**9), st.integers(min_value=1, max_value=2**64)
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_no_sequence_of_receipts_takes_a_balance_past_the_ledgers_range(
    start: int, qtys: list[int]
) -> None:
    from edge.domain.ledger import MAX_BALANCE, Account, Bucket, Movement, Place, Stock, key_of

    bin_ = Place("A-01-01", Bucket.ON_HAND)
    stock = Stock({key_of("SKU-1", bin_): start})
    for qty in qtys:
        try:
            stock = stock.apply([Movement("receive", "SKU-1", qty, Account.RECEIVED, bin_)])
        except EdgeError as refused:
            assert refused.code in ("quantity_too_large", "balance_out_of_range")
            assert qty > 10**9 or stock.qty("SKU-1", bin_) + qty > MAX_BALANCE

    assert all(isinstance(q, int) and 0 <= q <= MAX_BALANCE for q in stock.balances.values())
