"""The ledger's writes in the store (edge/store/ledger.py) on a real SQLite file: the balance
guard at the top of the range, the stock read's rows whatever order the bins are named in, and
the buckets' CHECKs (migration 0030) refusing what they always refused, checked in place."""

from __future__ import annotations

import sqlite3

import pytest

from edge.domain.decision import Decision, Event
from edge.domain.errors import EdgeError
from edge.domain.ledger import MAX_BALANCE, Account, Bucket, Movement, Place
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import (
    _INSERT_BALANCE,
    _INSERT_MOVEMENT,
    Actor,
    apply_decision,
    load_stock_and_lots,
    load_stock_rows,
)
from edge.store.writer import Tx
from tests.support import snapshot

BIN = Place("A-01", Bucket.ON_HAND)
MOVEMENT = {"type": "move", "sku": "S1", "qty": 1, "from_location": "A-01", "to_location": "A-02"}
MOVEMENT |= {"event_epoch": 1, "event_seq": 1, "at": "2026-01-01T00:00:00.000000Z", "hash": "h"}


def receipt(qty: int) -> Decision[None]:
    """Units received into A-01 as the store is told, past the domain's own checks."""
    moved = Movement("receive", "S1", qty, Account.RECEIVED, BIN)
    return Decision(None, events=(Event("stock_received", movements=(moved,), sku="S1"),))


def floor(tx: Tx, held: int = 100) -> None:
    """S1, five bins, `held` units in A-01 (written as they stand: one movement may carry no
    more than MAX_QUANTITY)."""
    catalog.upsert_product(tx, sku="S1", name="Tea")
    for code in ("A-01", "A-02", "B-01", "b-01", "É-01"):
        catalog.upsert_location(tx, code=code, type="bin")
    tx.execute(
        "INSERT INTO balances (sku, location, container, lot, bucket, qty)"
        " VALUES ('S1', 'A-01', '', '', 'on_hand', ?)",
        (held,),
    )


@pytest.mark.parametrize("held", [MAX_BALANCE - 1, 2**63 - 2])  # the second: past int64
def test_a_balance_taken_past_the_ledgers_range_is_refused_and_nothing_is_written(
    store: Store, held: int
) -> None:
    store.writer.call(lambda tx: floor(tx, held))
    before = snapshot(store)

    with pytest.raises(EdgeError) as refused:
        store.writer.call(lambda tx: apply_decision(tx, receipt(2), Actor()))

    assert refused.value.code == "balance_out_of_range"
    assert dict(refused.value.params) == {
        "sku": "S1",
        "location": "A-01",
        "bucket": "on_hand",
        "limit": MAX_BALANCE,
    }
    assert snapshot(store) == before


def test_a_balance_up_to_the_top_of_the_range_is_written(store: Store) -> None:
    store.writer.call(lambda tx: floor(tx, MAX_BALANCE - 1))

    store.writer.call(lambda tx: apply_decision(tx, receipt(1), Actor()))

    assert load_stock_rows(store.read(), "S1", ["A-01"])[0] == {
        ("S1", "A-01", "", "", "on_hand"): MAX_BALANCE
    }


def test_the_stock_read_gives_each_bin_once_in_code_order_whatever_order_it_is_asked_in(
    store: Store,
) -> None:
    def spread(tx: Tx) -> None:
        for code, qty in (("É-01", 1), ("b-01", 2), ("B-01", 3), ("A-02", 4)):
            move = Movement("move", "S1", qty, BIN, Place(code, Bucket.ON_HAND))
            apply_decision(
                tx, Decision(None, events=(Event("stock_moved", movements=(move,)),)), Actor()
            )

    store.writer.call(floor)
    store.writer.call(spread)
    conn = store.read()

    asked = [
        load_stock_rows(conn, "S1", bins)[0]
        for bins in (["É-01", "b-01", "A-02", "B-01"], ["A-02", "B-01", "b-01", "É-01", "A-02"])
    ]

    expected = [("A-02", 4), ("B-01", 3), ("b-01", 2), ("É-01", 1)]
    assert [[(k[1], q) for k, q in found.items()] for found in asked] == [expected, expected]
    assert load_stock_and_lots(conn, "S1", []) == ({}, {}, ("",))
    assert load_stock_rows(conn, "S1", []) == ({}, {})


@pytest.mark.parametrize(
    ("table", "row"),
    [
        ("balances", {"sku": "S1", "location": "A-01", "bucket": "received", "qty": 1}),
        ("movements", MOVEMENT | {"from_bucket": "on_hand", "to_bucket": "lost"}),
        ("movements", MOVEMENT | {"from_bucket": "", "to_bucket": "on_hand"}),
    ],
)
def test_a_bucket_outside_the_ledgers_buckets_is_still_refused_by_the_table(
    store: Store, table: str, row: dict[str, object]
) -> None:
    store.writer.call(floor)
    sql = f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"

    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        store.writer.call(lambda tx: tx.execute(sql, tuple(row.values())))


def test_writing_a_movement_or_a_new_balance_fills_no_temporary_table(store: Store) -> None:
    conn = store.read()

    plans = [
        [op for _, op, *_ in conn.execute(f"EXPLAIN {sql}", (None,) * sql.count("?"))]
        for sql in (_INSERT_MOVEMENT, _INSERT_BALANCE)
    ]

    assert [plan.count("OpenEphemeral") for plan in plans] == [0, 0]
