"""A carrier handover through real processes: central (`warehouse-central serve`) takes an order,
the edge's agent brings it down, the edge picks and packs it and hands its parcel over in a bag;
`handover_closed` goes up through the real sync and central keeps it once, showing on the
order's page and in its order list when and in which handover the parcel left."""

from __future__ import annotations

from typing import Any

import pytest

from edge.domain.operator import hash_pin
from edge.service import handovers, packing, scripted
from edge.service.carriers import carrier_for
from edge.store import catalog
from edge.store.database import Store
from edge.store.operators import add_operator
from tests.support import EAN13
from tests.sync.central import Central
from tests.sync.feed import SHIP_TO
from tests.sync.running import delivered, eventually

pytestmark = pytest.mark.slow


def staff(tx: Any) -> None:
    catalog.upsert_container(tx, code="T-0001", type="tote")
    catalog.add_barcode(tx, code=EAN13, sku="TEA-1")
    for badge, role in (("P001", "picker"), ("K001", "packer")):
        pin = hash_pin("2468", salt=b"0123456789abcdef", cost=10)
        add_operator(tx, badge=badge, name=role.title(), role=role, pin_hash=pin)


def test_a_closed_handover_reaches_central_once_and_shows_on_the_orders_page(
    edge: tuple[Store, Any], central: Central
) -> None:
    store, settings = edge
    store.writer.call(staff)
    with central.admin() as admin:
        admin.put("/api/v1/products/TEA-1", json={"name": "Green tea"}).raise_for_status()
        order = {"channel": "tmall", "channel_order_id": "TM-9", "ship_to": SHIP_TO}
        body = order | {"lines": [{"sku": "TEA-1", "qty": 2}]}
        order_id = str(admin.post("/api/v1/orders", json=body).json()["id"])
        eventually(
            lambda: (
                store.read().execute("SELECT 1 FROM orders WHERE id = ?", (order_id,)).fetchone()
            ),
            what="the order at the edge",
        )
        scripted.pick_orders_whole(store, [order_id], badge="P001")
        rules = handovers.HandoverRules.of(settings)

        def hand_over(tx: Any) -> str:
            tracking = scripted.pack_and_dispatch(
                tx,
                order_id=order_id,
                carrier=carrier_for(store, settings.carrier),
                rules=packing.pack_rules(settings),
                box=settings.pack_packages[0],
                packer="K001",
                tag="live",
                dispatch=False,
            )
            clerk = scripted._session(tx, "K001")
            bag = handovers.open_handover(tx, rules, clerk, carrier="Edge Post", container="bag")
            answer = handovers.scan_into(
                tx, rules, clerk, bag["id"], scan_id="live-1", raw=tracking
            )
            assert answer.body["ok"], answer.body
            handovers.close(tx, rules, clerk, bag["id"], station="")
            return str(bag["id"])

        handover_id = store.writer.call(hand_over)
        eventually(lambda: delivered(store), what="the handover at central")
        page = admin.get(f"/api/v1/orders/{order_id}").json()
        listed = admin.get("/api/v1/orders", params={"status": "shipped"}).json()

    kept = central.query("SELECT handover_id, carrier, parcels FROM handovers")
    assert kept == [(handover_id, "Edge Post", 1)]
    assert page["status"] == "shipped"
    (went,) = page["handovers"]
    assert (went["handover_id"], went["carrier"]) == (handover_id, "Edge Post")
    assert went["tracking_number"] == page["shipment"][0]["tracking_number"]
    mine = next(o for o in listed["orders"] if o["id"] == order_id)
    assert mine["handover"]["handover_id"] == handover_id
