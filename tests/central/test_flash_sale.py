"""No order is released beyond stock: an edge's event batch committing while an order is being
assigned (forced between the assignment's reads, on real concurrent connections), and a short
flash sale (many concurrent one-unit orders for a few hot SKUs while the edges pick and put back)."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import pytest

from central_sync.server.batch import parse_batch
from central_sync.server.central import Central
from central_sync.store.db import Tx
from tests.central.support import EdgeSide, channel_order, move

pytestmark = pytest.mark.usefixtures("catalogue")


def send_direct(central: Central, edge: EdgeSide, kind: str, *moves: Any, **kw: Any) -> None:
    """Post one event of `edge` straight to the service, on its own pooled connection."""
    event = edge.event(kind, *moves, **kw)
    central.receive_events(edge.edge_id, parse_batch({"events": [event]}, edge.edge_id))


@contextmanager
def after_first_stock_read(action: Callable[[], None]) -> Iterator[threading.Event]:
    """Run `action` in another thread (its own connection) right after the first statement of the
    calling thread that reads central's stock, and wait up to 1.5 s for it to finish: a batch that
    does not wait for the assignment commits between the assignment's reads."""
    original = Tx.all
    caller = threading.get_ident()
    fired, done = threading.Event(), threading.Event()

    def run() -> None:
        try:
            action()
        finally:
            done.set()

    def spy(self: Tx, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        rows = original(self, sql, params)
        if threading.get_ident() == caller and "FROM stock" in sql and not fired.is_set():
            fired.set()
            threading.Thread(target=run, daemon=True).start()
            done.wait(1.5)
        return rows

    Tx.all = spy  # type: ignore[method-assign]
    try:
        yield fired
    finally:
        Tx.all = original  # type: ignore[method-assign]
    assert done.wait(30.0), "the forced event batch never finished"


def test_a_pick_committed_between_the_assignments_reads_releases_nothing_beyond_stock(
    central: Central, edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 50)
    first = central.ingest([channel_order("1", ("TEA-0001", 50))])[0]
    assert (first.warehouse, first.order_status) == ("edge-1", "released")

    def pick_the_first_order() -> None:
        pick = move("TEA-0001", 50, "A-01-01/on_hand", "BENCH-1/T-1/picked", kind="pick")
        send_direct(central, edge, "pick", pick, order_id="shop:1")

    with after_first_stock_read(pick_the_first_order) as fired:
        second = central.ingest([channel_order("2", ("TEA-0001", 50))])[0]

    assert fired.is_set()
    assert (second.order_status, second.warehouse) == ("unassigned", None)
    (figure,) = central.stock(sku="TEA-0001")
    assert (figure["on_hand"], figure["picked"], figure["demand"], figure["available"]) == (
        0,
        50,
        0,
        0,
    )


def test_a_stock_change_assigns_the_waiting_orders_it_covers_and_no_more(
    central: Central, edge: EdgeSide
) -> None:
    waiting = [channel_order(str(n), ("TEA-0001", 2), priority=n) for n in range(1, 4)]
    waiting.append(channel_order("other", ("TEA-0002", 1)))
    assert {o.order_status for o in central.ingest(waiting)} == {"unassigned"}

    edge.receive("TEA-0001", 4)
    assert central.settle()

    status = {o["id"]: o["status"] for o in central.orders()}
    assert status == {
        "shop:3": "released",
        "shop:2": "released",
        "shop:1": "unassigned",
        "shop:other": "unassigned",
    }
    assert central.order("shop:1")["hold_reason"] == (
        "no warehouse can cover every line; TEA-0001: need 2, none available"
    )
    assert [f["available"] for f in central.stock(sku="TEA-0001")] == [0]


def test_a_pick_in_a_sold_out_sale_retries_the_waiting_orders_without_the_feed_lock(
    central: Central, edge: EdgeSide, monkeypatch: pytest.MonkeyPatch
) -> None:
    edge.receive("TEA-0001", 1)
    sold, waiting = central.ingest([channel_order(str(n), ("TEA-0001", 1)) for n in (1, 2)])
    assert (sold.order_status, waiting.order_status) == ("released", "unassigned")
    assert central.settle()
    locked_by: list[str] = []
    lock_feed = Tx.lock_feed

    def spy(self: Tx) -> None:
        locked_by.append(threading.current_thread().name)
        lock_feed(self)

    monkeypatch.setattr(Tx, "lock_feed", spy)

    pick = move("TEA-0001", 1, "A-01-01/on_hand", "BENCH-1/T-1/picked", kind="pick")
    send_direct(central, edge, "pick", pick, order_id="shop:1")
    assert central.settle()

    assert locked_by == []  # nothing can be sold: the intake is never kept waiting by the retry
    assert central.order("shop:2")["status"] == "unassigned"
    edge.receive("TEA-0001", 1)  # a unit to sell: the retry takes the lock and assigns
    assert central.settle()
    assert central.order("shop:2")["status"] == "released"
    assert "central-retry" in locked_by


HOT = ("TEA-0001", "TEA-0002", "SNK-0001")


@pytest.fixture
def instances(central: Central, db_url: str) -> Iterator[list[Central]]:
    """`central`; on PostgreSQL also a second central on the one database (another process's
    connections and background work), the orders and batches taking turns between them."""
    if central.backend != "postgresql":
        yield [central]
        return
    other = Central(db_url)
    yield [central, other]
    other.close()


def test_a_flash_sale_releases_exactly_the_stock_while_the_edges_pick_and_put_back(
    central: Central, instances: list[Central], make_edge: Callable[[str], EdgeSide]
) -> None:
    edges = {"edge-1": make_edge("edge-1"), "edge-2": make_edge("edge-2")}
    stocked = {"edge-1": 30, "edge-2": 20}
    for edge_id, edge in edges.items():
        for sku in HOT:
            edge.receive(sku, stocked[edge_id])
    released: dict[str, queue.Queue[str | None]] = {e: queue.Queue() for e in edges}

    def shopper(start: int) -> list[Any]:
        outcomes = []
        for n in range(start, start + 50):
            taker = instances[n % len(instances)]
            (out,) = taker.ingest([channel_order(str(n), (HOT[n % 3], 1))])
            if out.warehouse:
                released[out.warehouse].put(out.id)
            outcomes.append(out)
        return outcomes

    def picker(edge: EdgeSide) -> int:
        """Picks one unit of each order released to it; every other one is put back and picked
        again (a pick, a put-back and a pick: three batches that move stock)."""
        moves, turns = 0, itertools.count()
        while (order_id := released[edge.edge_id].get()) is not None:
            sku = HOT[int(order_id.removeprefix("shop:")) % 3]
            pick = move(sku, 1, "A-01-01/on_hand", "BENCH-1/T-1/picked", kind="pick")
            back = move(sku, 1, "BENCH-1/T-1/picked", "A-01-01/on_hand", kind="putback")
            for step in (pick, back, pick) if moves % 2 else (pick,):
                sender = instances[next(turns) % len(instances)]  # each batch: the next one
                send_direct(sender, edge, step["type"], step, order_id=order_id)
            moves += 1
        return moves

    with ThreadPoolExecutor(8) as pool:
        pickers = [pool.submit(picker, edge) for edge in edges.values()]
        shoppers = [pool.submit(shopper, start) for start in range(0, 300, 50)]
        outcomes = [o for f in shoppers for o in f.result()]
        for q in released.values():
            q.put(None)
        picked = sum(f.result() for f in pickers)
    assert all(c.settle() for c in instances)

    assert picked == 150
    sold = {
        sku: sum(1 for o in outcomes if o.warehouse and HOT[int(o.channel_order_id) % 3] == sku)
        for sku in HOT
    }
    assert sold == dict.fromkeys(HOT, 50)
    figures = {(f["warehouse"], f["sku"]): f for f in central.stock()}
    for (edge_id, _), f in figures.items():
        assert (f["on_hand"], f["picked"], f["demand"], f["available"]) == (
            0,
            stocked[edge_id],
            0,
            0,
        ), f
