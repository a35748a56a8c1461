"""Orders at central: ingest with dedup, SKUs checked against the catalogue, assignment by stock,
available-to-sell, and the decisions (cancel, address, RMA) that reach the edge's feed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from tests.central.support import EdgeSide, channel_order, move

Headers = dict[str, str]
pytestmark = pytest.mark.usefixtures("catalogue")


def ingest(client: TestClient, admin: Headers, order: dict[str, Any]) -> Any:
    return client.post("/api/v1/orders", json=order, headers=admin)


def test_a_new_order_is_imported_and_assigned_to_the_edge_with_stock(
    client: TestClient, admin: Headers, edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 5)

    resp = ingest(client, admin, channel_order("1001", ("TEA-0001", 2)))

    assert resp.status_code == 201
    assert resp.json() == {
        "index": 0,
        "status": "imported",
        "channel_order_id": "1001",
        "id": "shop:1001",
        "warehouse": "edge-1",
        "order_status": "released",
    }


def test_the_same_channel_order_twice_makes_one_order(
    client: TestClient, admin: Headers, central: Central
) -> None:
    ingest(client, admin, channel_order("1001", ("TEA-0001", 2)))

    resp = ingest(client, admin, channel_order("1001", ("TEA-0001", 2)))

    assert (resp.status_code, resp.json()["status"], resp.json()["id"]) == (
        200,
        "duplicate",
        "shop:1001",
    )
    assert [o["id"] for o in central.orders()] == ["shop:1001"]


def test_the_same_channel_order_id_on_another_channel_is_another_order(
    client: TestClient, admin: Headers, central: Central
) -> None:
    ingest(client, admin, channel_order("1001", ("TEA-0001", 1), channel="jd"))

    ingest(client, admin, channel_order("1001", ("TEA-0001", 1), channel="taobao"))

    assert sorted(o["id"] for o in central.orders()) == ["jd:1001", "taobao:1001"]


def test_the_order_list_filters_by_channel_and_refuses_a_channel_too_long(
    client: TestClient, admin: Headers
) -> None:
    ingest(client, admin, channel_order("1001", ("TEA-0001", 1), channel="jd"))
    ingest(client, admin, channel_order("1002", ("TEA-0001", 1), channel="taobao"))

    jd = client.get("/api/v1/orders", params={"channel": "jd"}, headers=admin)
    too_long = client.get("/api/v1/orders", params={"channel": "j" * 33}, headers=admin)

    assert [o["id"] for o in jd.json()["orders"]] == ["jd:1001"]
    assert (too_long.status_code, too_long.json()["code"]) == (400, "invalid_request")


def test_an_unknown_sku_is_rejected_with_the_field_and_reason(
    client: TestClient, admin: Headers, central: Central
) -> None:
    order = channel_order("1002", ("TEA-0001", 1), ("NOPE-1", 2))

    resp = ingest(client, admin, order)

    assert resp.status_code == 422
    assert (resp.json()["code"], resp.json()["params"]) == (
        "order_rejected",
        {
            "channel_order_id": "1002",
            "field": "lines[1].sku",
            "reason": "unknown SKU NOPE-1: not in central's catalogue (add the product first:"
            " `warehouse-central catalog import FILE`, or PUT /api/v1/products/NOPE-1)",
        },
    )
    assert central.orders() == []


def test_a_list_of_orders_goes_in_except_the_bad_ones(client: TestClient, admin: Headers) -> None:
    orders = [
        channel_order("1", ("TEA-0001", 1)),
        channel_order("2", ("TEA-0001", 0)),
        channel_order("1", ("TEA-0001", 1)),
        channel_order("3", ("SNK-0001", 1)),
    ]

    resp = client.post("/api/v1/orders", json={"orders": orders}, headers=admin)

    body = resp.json()
    assert (body["imported"], body["duplicates"], body["rejected"]) == (2, 1, 1)
    assert [(o["index"], o["status"]) for o in body["orders"]] == [
        (0, "imported"),
        (1, "rejected"),
        (2, "duplicate"),
        (3, "imported"),
    ]
    assert body["orders"][1]["field"] == "lines[0].qty"


def test_an_order_id_outside_the_edges_pattern_is_made_safe(
    client: TestClient, admin: Headers
) -> None:
    resp = ingest(client, admin, channel_order("#1041", ("TEA-0001", 1), channel="shopify"))

    assert resp.json()["id"].startswith("shopify:_1041.")


def test_assignment_picks_the_edge_with_most_available_and_ties_by_edge_id(
    client: TestClient, admin: Headers, make_edge: Any
) -> None:
    a, b, c = make_edge("edge-a"), make_edge("edge-b"), make_edge("edge-c")
    a.receive("TEA-0001", 4)
    b.receive("TEA-0001", 9)
    c.receive("TEA-0001", 9)

    first = ingest(client, admin, channel_order("1", ("TEA-0001", 2))).json()
    second = ingest(client, admin, channel_order("2", ("TEA-0001", 2))).json()

    assert (first["warehouse"], second["warehouse"]) == ("edge-b", "edge-c")


def test_an_order_no_edge_can_cover_is_unassigned_with_the_reason(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central
) -> None:
    edge.receive("TEA-0001", 1)

    resp = ingest(client, admin, channel_order("1", ("TEA-0001", 3)))

    assert (resp.json()["order_status"], resp.json().get("warehouse")) == ("unassigned", None)
    assert central.order("shop:1")["hold_reason"] == (
        "no warehouse can cover every line; TEA-0001: need 3, most available 1 (edge-1)"
    )


def test_an_unassigned_order_is_assigned_when_stock_events_arrive(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central
) -> None:
    ingest(client, admin, channel_order("1", ("TEA-0001", 3)))

    edge.receive("TEA-0001", 5)
    assert central.settle()  # the retry runs in the background, after the batch's answer

    order = central.order("shop:1")
    assert (order["status"], order["warehouse"]) == ("released", "edge-1")
    assert edge.change_types() == [
        ("product_upserted", None),
        ("product_upserted", None),
        ("product_upserted", None),
        ("order_released", "shop:1"),
    ]


def test_assign_endpoint_assigns_an_order_that_fits_now(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central
) -> None:
    edge.receive("TEA-0001", 2)
    # The receipt's background retry must be over first: run between the cancel and the
    # endpoint, it assigned shop:2 itself and the endpoint found nothing to do (a CI flake).
    central.settle()
    ingest(client, admin, channel_order("1", ("TEA-0001", 2)))
    ingest(client, admin, channel_order("2", ("TEA-0001", 2)))  # nothing left for this one
    client.post("/api/v1/orders/shop:1/cancel", json={"reason": "customer"}, headers=admin)

    resp = client.post("/api/v1/orders/assign", headers=admin)

    assert resp.json() == {"assigned": [{"id": "shop:2", "warehouse": "edge-1"}], "count": 1}
    assert central.order("shop:2")["status"] == "released"


def test_available_to_sell_takes_off_open_demand_until_picked(
    client: TestClient, admin: Headers, edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)
    ingest(client, admin, channel_order("1", ("TEA-0001", 3)))
    edge.send(
        "pick",
        move("TEA-0001", 2, "A-01-01/on_hand", "B/T-1/picked", kind="pick"),
        order_id="shop:1",
    )

    resp = client.get("/api/v1/stock", params={"sku": "TEA-0001"}, headers=admin)

    assert resp.json()["stock"] == [
        {
            "warehouse": "edge-1",
            "sku": "TEA-0001",
            "on_hand": 8,
            "picked": 2,
            "frozen": 0,
            "returns_in_transit": 0,
            "demand": 1,
            "available": 7,
        }
    ]


def test_a_cancelled_order_demands_nothing(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central
) -> None:
    edge.receive("TEA-0001", 10)
    ingest(client, admin, channel_order("1", ("TEA-0001", 3)))

    client.post("/api/v1/orders/shop:1/cancel", json={"reason": "customer"}, headers=admin)

    assert central.stock(sku="TEA-0001")[0]["available"] == 10


@pytest.fixture
def released(client: TestClient, admin: Headers, edge: EdgeSide) -> str:
    edge.receive("TEA-0001", 10)
    edge.receive("TEA-0002", 10)
    resp = ingest(client, admin, channel_order("1", ("TEA-0001", 3), ("TEA-0002", 1)))
    assert resp.json()["warehouse"] == "edge-1", resp.text
    return "shop:1"


def last_change(edge: EdgeSide) -> dict[str, Any]:
    return edge.changes(limit=500)["changes"][-1]


def test_cancel_sends_order_cancelled_to_the_edge(
    client: TestClient, admin: Headers, edge: EdgeSide, released: str
) -> None:
    resp = client.post(
        f"/api/v1/orders/{released}/cancel", json={"reason": "customer"}, headers=admin
    )

    assert resp.json() == {"order_id": released, "status": "cancelled", "changed": True}
    change = last_change(edge)
    assert (change["type"], change["order_id"], change["data"]) == (
        "order_cancelled",
        released,
        {"order_id": released, "reason": "customer"},
    )


def test_cancelling_twice_sends_one_change(
    client: TestClient, admin: Headers, edge: EdgeSide, released: str
) -> None:
    client.post(f"/api/v1/orders/{released}/cancel", json={"reason": "a"}, headers=admin)

    resp = client.post(f"/api/v1/orders/{released}/cancel", json={"reason": "a"}, headers=admin)

    assert resp.json()["changed"] is False
    assert [t for t, _ in edge.change_types()].count("order_cancelled") == 1


def test_an_order_central_knows_shipped_cannot_be_cancelled(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central, released: str
) -> None:
    edge.send(
        "order_shipped",
        order_id=released,
        parcels=[
            {"parcel_no": 1, "parcels": 1, "tracking_number": "SF1", "carrier": "SF", "weight_g": 1}
        ],
    )

    resp = client.post(f"/api/v1/orders/{released}/cancel", json={"reason": "late"}, headers=admin)

    assert (resp.status_code, resp.json()["code"], resp.json()["params"]["tracking"]) == (
        409,
        "order_shipped",
        "SF1",
    )
    assert central.order(released)["status"] == "shipped"


def test_an_address_change_reaches_the_edge(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central, released: str
) -> None:
    ship_to = {
        "name": "Han Meimei",
        "phone": "13900000000",
        "country": "CN",
        "province": "Zhejiang",
        "city": "Hangzhou",
        "district": "Xihu",
        "address": "2 Lake Rd",
        "postcode": "310000",
    }

    resp = client.post(
        f"/api/v1/orders/{released}/address", json={"ship_to": ship_to}, headers=admin
    )

    assert resp.json() == {"order_id": released, "ship_to": ship_to, "changed": True}
    assert (last_change(edge)["type"], last_change(edge)["data"]) == (
        "address_changed",
        {"order_id": released, "ship_to": ship_to},
    )
    assert central.order(released)["ship_to"] == ship_to


def test_a_return_of_a_shipped_order_is_authorised_and_reaches_the_edge(
    client: TestClient, admin: Headers, edge: EdgeSide, released: str
) -> None:
    edge.send("order_shipped", order_id=released)
    lines = [{"sku": "TEA-0001", "qty": 2}]

    resp = client.post(f"/api/v1/orders/{released}/returns", json={"lines": lines}, headers=admin)

    data = {
        "rma": "RMA-000001",
        "order_id": released,
        "lines": lines,
        "channel": "shop",
        "expires_at": "2026-12-26T12:12:03.123456Z",
        "return_tracking_number": resp.json()["return_tracking_number"],
    }
    assert (resp.status_code, resp.json()) == (201, data | {"created": True})
    assert re.fullmatch(r"RT\d{10}", data["return_tracking_number"])
    assert (last_change(edge)["type"], last_change(edge)["data"]) == ("return_authorised", data)


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([{"sku": "TEA-0001", "qty": 4}], "invalid_request"),
        ([{"sku": "SNK-0001", "qty": 1}], "invalid_request"),
        ([{"sku": "TEA-0001", "qty": 0}], "invalid_request"),
    ],
)
def test_a_return_of_more_than_was_ordered_is_refused(
    client: TestClient, admin: Headers, edge: EdgeSide, released: str, lines: Any, code: str
) -> None:
    edge.send("order_shipped", order_id=released)
    before = edge.change_types()

    resp = client.post(f"/api/v1/orders/{released}/returns", json={"lines": lines}, headers=admin)

    assert (resp.status_code, resp.json()["code"]) == (400, code)
    assert edge.change_types() == before


def test_a_return_before_central_knows_the_order_shipped_is_refused(
    client: TestClient, admin: Headers, released: str
) -> None:
    lines = [{"sku": "TEA-0001", "qty": 1}]

    resp = client.post(f"/api/v1/orders/{released}/returns", json={"lines": lines}, headers=admin)

    assert (resp.status_code, resp.json()["code"]) == (409, "not_shipped")


def test_the_order_board_lists_orders_with_their_tracking_numbers(
    client: TestClient, admin: Headers, edge: EdgeSide, released: str
) -> None:
    edge.send(
        "order_shipped",
        order_id=released,
        parcels=[{"parcel_no": 1, "parcels": 1, "tracking_number": "SF77", "carrier": "SF"}],
    )

    resp = client.get("/api/v1/orders", params={"warehouse": "edge-1"}, headers=admin)

    (order,) = resp.json()["orders"]
    assert (order["id"], order["channel"], order["status"], order["tracking_numbers"]) == (
        released,
        "shop",
        "shipped",
        ["SF77"],
    )


def picked_late(edge: EdgeSide, order_id: str) -> None:
    """What an edge offline since before central's decision sends when it comes back."""
    edge.send("order_picking_started", order_id=order_id)
    edge.send(
        "pick", move("TEA-0001", 2, "A-01-01/on_hand", "BENCH-1/T-001/picked"), order_id=order_id
    )
    edge.send("order_picked", order_id=order_id)


def test_late_edge_events_do_not_reopen_an_order_central_cancelled(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central, released: str
) -> None:
    client.post(f"/api/v1/orders/{released}/cancel", json={"reason": "buyer"}, headers=admin)

    picked_late(edge, released)

    order = central.order(released)
    assert order["status"] == "cancelled"
    assert [(h["from_status"], h["to_status"], h["note"]) for h in order["history"]][-3:] == [
        ("released", "cancelled", "buyer"),
        (
            "cancelled",
            "cancelled",
            "late order_picking_started from the edge: central keeps the order cancelled",
        ),
        (
            "cancelled",
            "cancelled",
            "late order_picked from the edge: central keeps the order cancelled",
        ),
    ]
    assert central.stock(sku="TEA-0001")[0]["demand"] == 0  # not counted again
    (exc,) = client.get("/api/v1/exceptions", headers=admin).json()
    assert (exc["kind"], exc["edge_id"], exc["order_id"]) == ("late_event", "edge-1", released)
    assert "after central holds it cancelled" in exc["detail"] and "TEA-0001 × 2" in exc["detail"]
    change = last_change(edge)
    assert (change["type"], change["data"]) == (
        "putback_requested",
        {
            "order_id": released,
            "status": "cancelled",
            "units": [{"sku": "TEA-0001", "qty": 2}],
            "reason": "central holds this order cancelled; late pick from this edge",
        },
    )
    assert client.get("/api/v1/board", headers=admin).json()["exceptions"] == [exc]


def test_the_board_in_chinese_says_what_a_late_event_means_and_what_to_do(
    client: TestClient, admin: Headers, edge: EdgeSide, released: str
) -> None:
    client.post(f"/api/v1/orders/{released}/cancel", json={"reason": "buyer"}, headers=admin)
    picked_late(edge, released)

    board = client.get("/api/v1/board", params={"lang": "zh"}, headers=admin).json()

    (exc,) = board["exceptions"]
    assert exc["detail"].startswith(f"订单 {released}：中央已记为“已取消”之后，边缘服务器 edge-1")
    assert "TEA-0001 × 2" in exc["detail"] and "然后处理此异常。" in exc["detail"]
    names = rf"{released}|edge-1|order_\w+|TEA-0001|/api/v1/putbacks"  # ids, event types, a path
    assert re.findall(r"[A-Za-z]{3,}", re.sub(names, "", exc["detail"])) == ["GET"]


def test_late_picking_of_an_order_central_knows_shipped_keeps_it_shipped_and_asks_per_pick(
    edge: EdgeSide, central: Central, released: str
) -> None:
    edge.send(
        "order_shipped",
        order_id=released,
        parcels=[
            {"parcel_no": 1, "parcels": 1, "tracking_number": "SF1", "carrier": "SF", "weight_g": 1}
        ],
    )

    picked_late(edge, released)
    picked_late(edge, released)
    edge.send("order_cancelled", order_id=released, reason="central holds it shipped")

    assert central.order(released)["status"] == "shipped"
    # the first late event, then each late pick: the edge hears of every unit to put back
    assert [t for t, _ in edge.change_types()].count("putback_requested") == 3
    assert len(central.exceptions()) == 1


def test_an_edge_cancelling_an_order_central_cancelled_raises_nothing(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central, released: str
) -> None:
    client.post(f"/api/v1/orders/{released}/cancel", json={"reason": "buyer"}, headers=admin)

    edge.send("order_cancelled", order_id=released, reason="buyer")

    assert central.exceptions() == []
    assert "putback_requested" not in [t for t, _ in edge.change_types()]


def test_a_resolved_exception_leaves_the_board(
    client: TestClient, admin: Headers, edge: EdgeSide, central: Central, released: str
) -> None:
    client.post(f"/api/v1/orders/{released}/cancel", json={"reason": "buyer"}, headers=admin)
    picked_late(edge, released)
    (exc,) = central.exceptions()

    resp = client.post(f"/api/v1/exceptions/{exc['id']}/resolve", headers=admin)

    assert resp.json()["status"] == "resolved"
    assert client.get("/api/v1/board", headers=admin).json()["exceptions"] == []


def test_a_shipped_event_for_an_order_central_holds_completed_changes_nothing(
    edge: EdgeSide, central: Central, released: str
) -> None:
    parcels = [
        {"parcel_no": 1, "parcels": 1, "tracking_number": "SF1", "carrier": "SF", "weight_g": 1}
    ]
    edge.send("order_shipped", order_id=released, parcels=parcels)
    edge.send("order_completed", order_id=released)

    edge.send("order_shipped", order_id=released, parcels=parcels)

    assert central.order(released)["status"] == "completed"
    assert central.exceptions() == []
