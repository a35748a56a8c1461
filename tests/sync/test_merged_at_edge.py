"""A merged order as the edge gets it from a real central's feed (issue 19 item 4): the edge,
unchanged, takes the consignment as one order (its lines' extra `order_id` / `order_line_no`
ignored), and central's cut of one merged order takes only that order's line off it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from central_sync.server.batch import parse_batch
from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from central_sync.server.merge import MergeSettings
from tests.central.support import AT, channel_order, move
from tests.support import Floor
from tests.sync.feed import apply, rows

pytestmark = pytest.mark.usefixtures("ledger_verifies")


def receipt(edge_id: str, sku: str, qty: int) -> Any:
    event = {
        "event_id": "e-receipt-1",
        "edge_id": edge_id,
        "epoch": 1,
        "seq": 1,
        "schema_version": 1,
        "type": "receipt",
        "occurred_at": AT,
        "scan_id": None,
        "order_id": None,
        "order_line_id": None,
        "sku": sku,
        "payload": {"movements": [move(sku, qty, "received", "A-01-01/on_hand")]},
    }
    return parse_batch({"events": [event]}, edge_id)


def test_the_edge_takes_a_merged_order_and_a_cut_of_one_of_its_orders_takes_only_its_line(
    floor: Floor, tmp_path: Path
) -> None:
    edge_id = floor.store.edge_id
    central = Central(f"sqlite:///{tmp_path / 'central.db'}")
    central.open()
    try:
        central.add_edge(edge_id)
        central.upsert_products([("SKU-1", ProductIn(name="Oolong 100g"))])
        central.receive_events(edge_id, receipt(edge_id, "SKU-1", 10))
        assert central.settle(10)
        central.merging = MergeSettings(window_s=60)
        first, second = (
            central.ingest([channel_order(coid, ("SKU-1", qty))])[0].id
            for coid, qty in (("A", 1), ("B", 2))
        )
        [done] = central.release_merges(datetime.now(UTC) + timedelta(seconds=61))
        central.cancel(str(first), "buyer changed mind")
        page = central.changes(edge_id, 0, 100)["changes"]
    finally:
        central.close()
    cid = done["consignment"]

    apply(floor.store, *[c for c in page if c["order_id"] == cid])

    assert [(c["type"], c["order_id"]) for c in page if c["order_id"] == cid] == [
        ("order_released", cid),
        ("order_lines_cancelled", cid),
    ]
    assert rows(
        floor.store,
        "SELECT line_no, sku, qty_ordered, qty_cancelled FROM order_lines WHERE order_id = ?"
        " ORDER BY line_no",
        (cid,),
    ) == [(1, "SKU-1", 1, 1), (2, "SKU-1", 2, 0)]
    assert rows(floor.store, "SELECT status FROM orders WHERE id = ?", (cid,)) == [("released",)]
    body = next(c["data"] for c in page if c["type"] == "order_released" and c["order_id"] == cid)
    assert [(ln["order_id"], ln["order_line_no"]) for ln in body["lines"]] == [
        (first, 1),
        (second, 1),
    ]
