"""A refund after release travels through the real sync: central (`warehouse-central serve`,
SQLite) takes the channel's order again with units refunded, the agent brings the cut down, the
edge gives back those units' reservation and answers, and central's demand, stock and event
stream agree with the edge's ledger."""

from __future__ import annotations

import json
from typing import Any

from edge.store.database import Store
from edge.store.verify import verify
from tests.sync.central import Central, assert_in_step
from tests.sync.feed import SHIP_TO
from tests.sync.running import delivered, eventually


def order(tea1: int, refunded: int = 0) -> dict[str, Any]:
    return {
        "channel": "shopify",
        "channel_order_id": "SH-1",
        "ship_to": SHIP_TO,
        "lines": [
            {"sku": "TEA-1", "qty": tea1, "refunded": refunded},
            {"sku": "TEA-2", "qty": 1},
        ],
    }


def edge_lines(store: Store) -> list[tuple[Any, ...]]:
    rows = store.read().execute(
        "SELECT l.sku, l.qty_ordered, l.qty_cancelled, l.qty_allocated FROM order_lines l"
        " JOIN orders o ON o.id = l.order_id WHERE o.channel_order_id = 'SH-1' ORDER BY l.line_no"
    )
    return [tuple(r) for r in rows]


def test_a_refund_after_release_reaches_the_edge_as_a_cut_of_those_units(
    edge: tuple[Store, Any], central: Central
) -> None:
    store, _ = edge
    eventually(lambda: delivered(store), what="the opening stock at central")
    with central.admin() as admin:
        for sku in ("TEA-1", "TEA-2"):
            admin.put(f"/api/v1/products/{sku}", json={"name": sku}).raise_for_status()
        made = admin.post("/api/v1/orders", json=order(3)).json()
        eventually(lambda: edge_lines(store), what="the order at the edge")

        again = admin.post("/api/v1/orders", json=order(1, refunded=2)).json()
        eventually(lambda: edge_lines(store)[0][2] == 2, what="the cut at the edge")
        eventually(lambda: delivered(store), what="the edge's answer up")
        at_central = admin.get(f"/api/v1/orders/{made['id']}").json()
        stock = admin.get("/api/v1/stock").json()["stock"]
        demand = {f["sku"]: f["demand"] for f in stock}
        exceptions = admin.get("/api/v1/exceptions").json()

    assert "TEA-1 refunded on shopify: edge-1 takes them off the order" in again["reason"]
    assert edge_lines(store) == [("TEA-1", 3, 2, 1), ("TEA-2", 1, 0, 1)]
    assert [(ln["sku"], ln["qty"], ln["refunded"]) for ln in at_central["lines"]] == [
        ("TEA-1", 1, 2),
        ("TEA-2", 1, 0),
    ]
    assert demand == {"TEA-1": 1, "TEA-2": 1}
    assert exceptions == []
    [payload] = (
        store.read()
        .execute("SELECT payload FROM outbox WHERE type = 'order_lines_cancelled'")
        .fetchone()
    )
    assert json.loads(payload)["lines"] == [
        {"line_no": 1, "sku": "TEA-1", "qty": 2, "from_shelf": 2, "from_tote": 0}
    ]
    assert verify(store.read()) == []
    assert_in_step(central, store)
