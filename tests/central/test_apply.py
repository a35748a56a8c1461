"""What central does with an applied event (docs/sync.md): movements change the stock figures,
order events move the order's status, `order_shipped` records the shipment."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from tests.central.support import EdgeSide, channel_order, move


def figures(central: Central, sku: str = "TEA-0001") -> dict[str, Any]:
    (row,) = central.stock(sku=sku)
    return row


def test_movements_change_the_buckets_and_external_accounts_are_not_counted(
    edge: EdgeSide, central: Central
) -> None:
    edge.receive("TEA-0001", 10)
    edge.send("pick", move("TEA-0001", 3, "A-01-01/on_hand", "BENCH-1/T-001/picked", kind="pick"))
    edge.send("ship", move("TEA-0001", 2, "BENCH-1/T-001/picked", "shipped", kind="ship"))
    edge.send("freeze", move("TEA-0001", 1, "A-01-01/on_hand", "Q-01/frozen", kind="freeze"))
    edge.send("return_expected", move("TEA-0001", 4, "customer", "RET-01/returns_in_transit"))

    row = figures(central)

    assert row == {
        "warehouse": "edge-1",
        "sku": "TEA-0001",
        "on_hand": 6,
        "picked": 1,
        "frozen": 1,
        "returns_in_transit": 4,
        "demand": 0,
        "available": 10,
    }


def test_two_movements_in_one_event_both_count(edge: EdgeSide, central: Central) -> None:
    edge.send(
        "receipt",
        move("TEA-0001", 5, "received", "A-01-01/on_hand"),
        move("TEA-0001", 2, "A-01-01/on_hand", "A-02-01/on_hand"),
    )

    assert figures(central)["on_hand"] == 5


def test_stock_is_kept_per_warehouse(make_edge: Any, central: Central) -> None:
    one, two = make_edge("edge-1"), make_edge("edge-2")
    one.receive("TEA-0001", 3)
    two.receive("TEA-0001", 8)

    rows = central.stock(sku="TEA-0001")

    assert [(r["warehouse"], r["on_hand"]) for r in rows] == [("edge-1", 3), ("edge-2", 8)]


@pytest.fixture
def released(
    edge: EdgeSide, client: TestClient, admin: dict[str, str], catalogue: list[str]
) -> str:
    """An order of the catalogue's first SKU released to edge-1 (which has it); its central id."""
    edge.receive(catalogue[0], 5)
    resp = client.post(
        "/api/v1/orders", json=channel_order("1001", (catalogue[0], 2)), headers=admin
    )
    assert resp.json()["warehouse"] == "edge-1", resp.text
    return str(resp.json()["id"])


LIFE = [
    ("order_picking_started", "picking"),
    ("order_picked", "picked"),
    ("order_packed", "packed"),
    ("order_shipped", "shipped"),
    ("order_completed", "completed"),
]


def test_order_status_follows_the_edges_order_events(
    edge: EdgeSide, central: Central, released: str
) -> None:
    seen = []
    for kind, _ in LIFE:
        edge.send(kind, order_id=released)
        seen.append(central.order(released)["status"])

    assert seen == [status for _, status in LIFE]


@pytest.mark.parametrize(
    ("kind", "status"),
    [("order_held", "on_hold"), ("order_cancelled", "cancelled"), ("order_released", "released")],
)
def test_hold_cancel_and_release_events_set_the_status(
    edge: EdgeSide, central: Central, released: str, kind: str, status: str
) -> None:
    edge.send("order_picking_started", order_id=released)

    edge.send(kind, order_id=released, reason="short pick at A-01-01")

    assert central.order(released)["status"] == status


def test_each_status_change_is_in_the_history_with_its_edge_and_seq(
    edge: EdgeSide, central: Central, released: str
) -> None:
    edge.send("order_held", order_id=released, reason="short pick")

    last = central.order(released)["history"][-1]

    assert last == {
        "at": "2026-11-25T09:12:03.123456Z",
        "from_status": "released",
        "to_status": "on_hold",
        "source": f"edge-1 epoch 1 seq {edge.seq}",
        "note": "short pick",
    }


PARCELS = [
    {
        "parcel_no": 1,
        "parcels": 2,
        "tracking_number": "SF1000000001",
        "carrier": "SF",
        "weight_g": 812,
        "contents": [{"sku": "TEA-0001", "qty": 1}],
    },
    {
        "parcel_no": 2,
        "parcels": 2,
        "tracking_number": "SF1000000002",
        "carrier": "SF",
        "weight_g": 640,
        "contents": [{"sku": "TEA-0001", "qty": 1}],
    },
]


def test_order_shipped_records_the_parcels_as_the_shipment(
    edge: EdgeSide, central: Central, released: str
) -> None:
    edge.send(
        "order_shipped",
        move("TEA-0001", 2, "BENCH-1/T-001/picked", "shipped", kind="ship"),
        order_id=released,
        parcels=PARCELS,
    )

    shipment = central.order(released)["shipment"]

    assert shipment == [p | {"edge_id": "edge-1"} for p in PARCELS]


def test_an_order_shipped_after_central_cancelled_it_is_recorded_as_shipped(
    edge: EdgeSide, client: TestClient, admin: dict[str, str], central: Central, released: str
) -> None:
    client.post(f"/api/v1/orders/{released}/cancel", json={"reason": "customer"}, headers=admin)

    edge.send("order_shipped", order_id=released, parcels=PARCELS[:1])

    order = central.order(released)
    assert (order["status"], order["history"][-1]["note"]) == (
        "shipped",
        "shipped after central cancelled it: the goods left the warehouse",
    )
    assert [p["tracking_number"] for p in order["shipment"]] == ["SF1000000001"]


def test_picked_units_count_per_order_from_pick_and_put_back_movements(
    edge: EdgeSide, central: Central, released: str
) -> None:
    pick = move("TEA-0001", 2, "A-01-01/on_hand", "BENCH-1/T-001/picked", kind="pick")
    put_back = move("TEA-0001", 1, "BENCH-1/T-001/picked", "A-01-01/on_hand", kind="put_back")
    edge.send("pick", pick, order_id=released)
    edge.send("put_back", put_back, order_id=released)

    assert central.order(released)["picked"] == {"TEA-0001": 1}


def test_order_events_for_an_order_of_another_warehouse_change_nothing(
    make_edge: Any, central: Central, released: str
) -> None:
    other = make_edge("edge-2")

    other.send("order_cancelled", order_id=released)

    assert central.order(released)["status"] == "released"


def test_order_events_for_orders_central_does_not_know_are_stored_only(
    edge: EdgeSide, central: Central
) -> None:
    edge.send("order_picked", order_id="LOCAL-1")

    assert central.orders() == []
    assert central.high_water("edge-1") == [{"epoch": 1, "seq": 1}]
