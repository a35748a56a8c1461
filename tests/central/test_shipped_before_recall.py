"""An order a supervisor moved away from a quiet edge, which that edge shipped before the recall
reached it: central takes the shipment as the truth (the goods left), gives the order back to the
edge that shipped it, recalls the duplicate from the other edge when it has picked nothing (or
asks a person when it has), and shows it on the board — two edges, on both stores."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from tests.central.support import EdgeSide, channel_order, move

pytestmark = pytest.mark.usefixtures("catalogue")
QUIET_S = 1.0
PARCEL = {
    "parcel_no": 1,
    "parcels": 1,
    "tracking_number": "SF1000000001",
    "carrier": "SF",
    "weight_g": 240,
    "contents": [{"sku": "TEA-0001", "qty": 2}],
}


@pytest.fixture
def moved(
    central: Central,
    make_edge: Callable[[str], EdgeSide],
    client: TestClient,
    admin: dict[str, str],
) -> tuple[EdgeSide, EdgeSide]:
    """shop:1 released to edge-1, which went quiet; a supervisor moved it to edge-2."""
    central.quiet_after_s = QUIET_S
    first, second = make_edge("edge-1"), make_edge("edge-2")
    first.receive("TEA-0001", 10)
    second.receive("TEA-0001", 3)
    assert central.ingest([channel_order("1", ("TEA-0001", 2))])[0].warehouse == "edge-1"
    time.sleep(QUIET_S + 0.2)
    second.changes()
    resp = client.post("/api/v1/orders/shop:1/reassign", json={}, headers=admin)
    assert resp.json()["warehouse"] == "edge-2", resp.text
    return first, second


def ship_at(edge: EdgeSide) -> None:
    """The quiet edge picks the order, packs and ships it (it never saw the recall)."""
    edge.send(
        "item_picked", move("TEA-0001", 2, "A-01-01/on_hand", "T-1/picked"), order_id="shop:1"
    )
    edge.send(
        "order_shipped",
        move("TEA-0001", 2, "T-1/picked", "shipped"),
        order_id="shop:1",
        parcels=[PARCEL],
    )


def test_an_order_shipped_by_the_edge_it_was_moved_from_is_shipped_there_and_recalled_elsewhere(
    central: Central, moved: tuple[EdgeSide, EdgeSide], client: TestClient, admin: dict[str, str]
) -> None:
    first, second = moved

    ship_at(first)

    order = central.order("shop:1")
    assert (order["status"], order["warehouse"]) == ("shipped", "edge-1")
    assert order["shipment"] == [PARCEL | {"edge_id": "edge-1"}]
    assert second.change_types()[-2:] == [
        ("order_released", "shop:1"),
        ("order_recalled", "shop:1"),
    ]
    [exc] = central.exceptions()
    assert (exc["kind"], exc["edge_id"], exc["order_id"]) == (
        "duplicate_assignment",
        "edge-1",
        "shop:1",
    )
    assert exc["detail"] == (
        "edge-1 shipped order shop:1 before its recall reached it; edge-2, which held it too, "
        "has picked nothing of it: its copy is recalled"
    )
    assert {f["warehouse"]: f["demand"] for f in central.stock(sku="TEA-0001")} == {
        "edge-1": 0,
        "edge-2": 0,
    }
    board = client.get("/api/v1/board?lang=zh", headers=admin).json()
    [shown] = board["exceptions"]
    assert shown["detail"] == (
        "边缘服务器 edge-1 在撤回送达之前已发出订单 shop:1；同样持有该订单的 edge-2 尚未拣货：其副本已撤回"
    )


def test_when_the_other_edge_has_picked_it_a_person_is_asked_and_nothing_is_recalled(
    central: Central, moved: tuple[EdgeSide, EdgeSide]
) -> None:
    first, second = moved
    second.changes()  # it took the order
    second.send(
        "item_picked", move("TEA-0001", 1, "A-01-01/on_hand", "T-9/picked"), order_id="shop:1"
    )
    second.send("order_picking_started", order_id="shop:1")

    ship_at(first)

    assert central.order("shop:1")["status"] == "shipped"
    assert [t for t, _ in second.change_types()].count("order_recalled") == 0
    [exc] = central.exceptions()
    assert exc["detail"] == (
        "edge-1 shipped order shop:1 before its recall reached it; edge-2 holds it too and has "
        "picked 1 unit(s) of it (picking): stop it there (cancel its copy at the edge) and put "
        "the units back, then resolve this"
    )


def test_events_of_an_order_another_edge_never_held_are_still_not_applied(
    central: Central, make_edge: Callable[[str], EdgeSide]
) -> None:
    first, other = make_edge("edge-1"), make_edge("edge-3")
    first.receive("TEA-0001", 5)
    central.ingest([channel_order("1", ("TEA-0001", 2))])

    other.send("order_shipped", order_id="shop:1", parcels=[PARCEL])

    order = central.order("shop:1")
    assert (order["status"], order["warehouse"]) == ("released", "edge-1")
    assert central.exceptions() == []
