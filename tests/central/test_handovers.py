"""Central keeps the edges' carrier handovers (`handover_closed`, docs/handover.md) once, on
SQLite and PostgreSQL: the same event sent again changes nothing, the order's page lists the
handover its parcel left in, the order list says when and which; an unreadable one is an
exception for a person, never a refused batch."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.central.support import EdgeSide

CLOSED = {
    "handover_id": "H-261203-001",
    "carrier": "SF",
    "container": "bag",
    "label": "BAG-7",
    "site": "edge-1",
    "opened_at": "2026-12-03T09:00:00Z",
    "opened_by": "Packer",
    "closed_at": "2026-12-03T09:20:00Z",
    "closed_by": "Packer",
    "count": 1,
    "total_weight_g": 480,
    "parcels": [{"order_id": "shop:1", "tracking_number": "EE100000015CN", "weight_g": 480}],
}


def test_a_closed_handover_is_kept_once_and_shows_on_the_orders_page_and_list(
    shipped: str, edge: EdgeSide, client: TestClient, admin: dict[str, str]
) -> None:
    event = edge.event("handover_closed", **CLOSED)
    first = edge.post([event])
    again = edge.post([event])  # the agent's retry of a batch whose answer was lost

    page = client.get(f"/api/v1/orders/{shipped}", headers=admin).json()
    listed = client.get("/api/v1/orders", headers=admin).json()["orders"]

    assert first.json()["applied"] == 1
    assert again.status_code == 200 and again.json()["duplicates"] == 1
    (went,) = page["handovers"]
    assert (went["handover_id"], went["carrier"], went["tracking_number"]) == (
        "H-261203-001",
        "SF",
        "EE100000015CN",
    )
    assert went["handed_over_at"] == "2026-12-03T09:20:00Z"
    mine = next(o for o in listed if o["id"] == shipped)
    assert mine["handover"] == {"handover_id": "H-261203-001", "at": "2026-12-03T09:20:00Z"}


def test_an_unreadable_handover_opens_an_exception_and_the_batch_is_taken(
    edge: EdgeSide, client: TestClient, admin: dict[str, str]
) -> None:
    answer = edge.send("handover_closed", handover_id="H-261203-002")

    found: Any = client.get("/api/v1/exceptions", headers=admin).json()

    assert answer["applied"] == 1
    kinds = [x["kind"] for x in (found["exceptions"] if isinstance(found, dict) else found)]
    assert "handover_unreadable" in kinds
