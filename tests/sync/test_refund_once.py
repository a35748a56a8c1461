"""A graded return crosses a faulty link (dropped, delayed, duplicated, cut requests) from a real
edge's outbox to a real central: central makes its refund-due record exactly once."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.domain.decision import Decision, Event
from edge.store.ledger import Actor, apply_decision
from edge.store.writer import Tx
from tests.central.support import channel_order
from tests.sync.central import Central
from tests.sync.faultproxy import FaultProxy
from tests.sync.running import delivered, eventually, synced_edge

ORDER = "shop:R1"


def ship_and_grade(tx: Tx) -> None:
    """The order leaves (as the pack bench records it), then its parcel comes back and the
    clerk grades one unit resellable and closes it (as the returns desk records it)."""
    shipped = Event("order_shipped", {"parcels": []}, order_id=ORDER)
    graded = Event(
        "return_graded",
        {
            "parcel_id": "PARCEL-1",
            "rma": None,
            "order_id": ORDER,
            "lines": [{"sku": "TEA-1", "qty": 1, "grade": "resellable", "wrong_item": False,
                       "reason": None}],
            "missing": [],
            "closed_at": "2026-12-03T10:00:00Z",
        },
        order_id=ORDER,
    )  # fmt: skip
    apply_decision(tx, Decision(None, (shipped, graded)), Actor())


@pytest.mark.parametrize("fault", ["drop", "duplicate", "cut"])
def test_a_graded_return_makes_one_refund_due_through_a_faulty_link(
    tmp_path: Path, central: Central, proxy: FaultProxy, fault: str
) -> None:
    with (
        synced_edge(tmp_path / "edge", proxy.url, central.edge_token) as (store, _),
        central.admin() as admin,
    ):
        admin.put("/api/v1/products/TEA-1", json={"name": "Green tea"}).raise_for_status()
        eventually(lambda: delivered(store), what="the opening stock at central")
        order = channel_order("R1", ("TEA-1", 2))
        assert admin.post("/api/v1/orders", json=order).json()["warehouse"] == "edge-1"
        proxy.rule(fault, times=3, path="/events", method="POST")

        store.writer.call(ship_and_grade)
        eventually(lambda: delivered(store), what="the return's events delivered")
        eventually(lambda: not proxy.in_flight, what="the proxy's late copies sent")

        refunds = admin.get("/api/v1/refunds-due").json()["refunds_due"]

    assert proxy.seen[fault] >= 1  # the return's batch met the fault (and was retried)
    assert [(r["order_id"], r["parcel_id"], r["units"]) for r in refunds] == [
        (ORDER, "PARCEL-1", 1)
    ]
    assert central.query("SELECT COUNT(*) FROM refund_lines") == [(1,)]
