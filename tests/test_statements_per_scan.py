"""How many SQL statements a scan costs. Each is a round trip through sqlite3, which hands the
GIL to the event loop and waits to get it back, so the hot path keeps them few. The counts are
written down in bench/README.md ("Where a scan's time goes"); a change that adds statements to
a scan shows here first."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.support import EAN13, Floor


@contextmanager
def statements(floor: Floor) -> Iterator[list[str]]:
    """Every statement the edge runs (its writer and its readers) while the block runs."""
    seen: list[str] = []
    conns: list[sqlite3.Connection] = [floor.store.writer._conn, *floor.store.readers._all]
    for conn in conns:
        conn.set_trace_callback(seen.append)
    try:
        yield seen
    finally:
        for conn in conns:
            conn.set_trace_callback(None)


def per_batch(seen: list[str]) -> list[str]:
    """The statements of one scan without its batch's BEGIN, outside-write check and COMMIT
    (shared by every command of a group commit)."""
    shared = ("BEGIN IMMEDIATE", "PRAGMA data_version", "COMMIT")
    return [s for s in seen if s not in shared]


def counted(
    floor: Floor, headers: dict[str, str], raw: str, *, times: int = 3
) -> tuple[Any, list[str]]:
    """The scan `times` over and the fewest statements one of them ran: the app's background
    tasks (the exception push, the board) read now and then, and may fall in one window."""
    fewest: tuple[Any, list[str]] | None = None
    for _ in range(times):
        with statements(floor) as seen:
            resp = floor.scan(headers, raw)
        assert resp.status_code in (200, 409), resp.text
        if fewest is None or len(per_batch(seen)) < len(fewest[1]):
            fewest = resp, per_batch(seen)
    assert fewest is not None
    return fewest


def test_a_move_scan_of_an_item_runs_thirteen_statements(floor: Floor) -> None:
    h = floor.login()
    floor.start(h)
    for raw in ("A-01-01", "A-01-02", EAN13):
        floor.scan(h, raw)

    resp, seen = counted(floor, h, EAN13)

    assert resp.status_code == 200, resp.text
    assert len(seen) <= 13, "\n".join(seen)


def test_a_pick_scan_of_an_item_on_a_list_of_three_orders_runs_twenty_four_statements(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    for ref in ("S-1", "S-2", "S-3"):  # picking.batch_size: three orders a list
        order = {"channel": "shop", "channel_order_id": ref, "lines": [{"sku": "SKU-1", "qty": 3}]}
        assert floor.client.post("/api/v1/orders", json=order, headers=sup).status_code == 201
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    totes = "INSERT INTO containers (code, type) VALUES ('T-0002','tote'), ('T-0003','tote')"
    floor.store.writer.call(lambda tx: tx.execute(totes))
    for raw in ("T-0001", "T-0002", "T-0003", "A-01-01"):
        assert floor.scan(picker, raw).status_code == 200

    resp, seen = counted(floor, picker, EAN13, times=2)  # of three units: the order stays open

    assert resp.status_code == 200, resp.text
    assert len(resp.json()["view"]["totes"]) == 3
    assert len(seen) <= 24, "\n".join(seen)


def test_a_refused_scan_runs_ten_statements_and_keeps_its_answer(floor: Floor) -> None:
    h = floor.login()
    floor.start(h)
    for raw in ("A-01-01", "A-01-02"):
        floor.scan(h, raw)

    resp, seen = counted(floor, h, "19506000134359")  # a case of 12: only 10 there

    assert resp.status_code == 409, resp.text
    assert len(seen) <= 10, "\n".join(seen)
