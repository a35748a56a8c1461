"""Kits and bundles (组合装) at central (kits.py): defined in the catalogue and sent to the edges,
an order for kits assigned only where every component is, its units counted as components, and a
kit offered to the channels as what its components allow; on both stores."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from tests.central.support import EdgeSide, channel_order, product, snapshot

GIFT_BOX = {
    "name": "Tea gift box",
    "name_zh": "茶叶礼盒",
    "components": [{"sku": "TEA-0001", "qty": 2}, {"sku": "TEA-0002", "qty": 1}],
}


@pytest.fixture
def teas(central: Central, client: TestClient, admin: dict[str, str]) -> None:
    assert central.settle(10)
    skus = ["TEA-0001", "TEA-0002", "SNK-0001"]
    resp = client.post(
        "/api/v1/products", json={"products": [product(s) for s in skus]}, headers=admin
    )
    assert resp.status_code == 200, resp.text


def put_kit(client: TestClient, admin: dict[str, str], sku: str, body: dict[str, Any]) -> Any:
    return client.put(f"/api/v1/kits/{sku}", json=body, headers=admin)


def offered(central: Central, client: TestClient, admin: dict[str, str]) -> dict[str, int]:
    assert central.settle(10)
    resp = client.get("/api/v1/channels/taobao/available", params={"since": 0}, headers=admin)
    assert resp.status_code == 200, resp.text
    return {f["sku"]: f["available"] for f in resp.json()["figures"]}


@pytest.mark.usefixtures("teas")
def test_a_kit_is_stored_listed_and_sent_to_every_edge_once(
    client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    first = put_kit(client, admin, "KIT-TEA-GIFT", GIFT_BOX)
    again = put_kit(client, admin, "KIT-TEA-GIFT", GIFT_BOX)

    assert first.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1}
    listed = client.get("/api/v1/kits", headers=admin).json()["kits"]
    assert listed == [{"sku": "KIT-TEA-GIFT"} | GIFT_BOX]
    sent = [c for c in edge.changes(limit=500)["changes"] if c["type"] == "kit_upserted"]
    assert [c["data"] for c in sent] == [{"sku": "KIT-TEA-GIFT"} | GIFT_BOX]


@pytest.mark.usefixtures("teas")
def test_a_new_edge_gets_the_kits_after_the_products(
    client: TestClient, admin: dict[str, str], make_edge: Any
) -> None:
    put_kit(client, admin, "KIT-TEA-GIFT", GIFT_BOX)

    types = [t for t, _ in make_edge("edge-7").change_types()]

    assert types[-1] == "kit_upserted"
    assert types.count("product_upserted") == 3


@pytest.mark.usefixtures("teas", "edge")
@pytest.mark.parametrize(
    ("sku", "components", "reason"),
    [
        ("KIT-1", [{"sku": "TEA-9999", "qty": 1}], "component TEA-9999 is not in central's"),
        ("KIT-1", [{"sku": "KIT-TEA-GIFT", "qty": 1}], "component KIT-TEA-GIFT is a kit"),
        ("KIT-1", [{"sku": "KIT-1", "qty": 1}], "a kit cannot contain itself"),
        ("TEA-0002", [{"sku": "TEA-0001", "qty": 1}], "it is a product's SKU"),
        (
            "KIT-1",
            [{"sku": "TEA-0001", "qty": 1}, {"sku": "TEA-0001", "qty": 2}],
            "component TEA-0001 is named twice",
        ),
    ],
)
def test_a_kit_that_breaks_a_rule_is_refused_and_changes_nothing(
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    sku: str,
    components: list[dict[str, Any]],
    reason: str,
) -> None:
    put_kit(client, admin, "KIT-TEA-GIFT", GIFT_BOX)
    before = snapshot(central)

    resp = put_kit(client, admin, sku, {"name": "Bad", "components": components})

    assert resp.status_code == 422
    assert resp.json()["code"] == "kit_invalid"
    assert reason in resp.json()["detail"]
    assert snapshot(central) == before


@pytest.mark.usefixtures("teas")
def test_a_json_import_with_one_bad_kit_stores_none_of_them(
    client: TestClient, admin: dict[str, str]
) -> None:
    good = {"sku": "KIT-A"} | GIFT_BOX
    bad = {"sku": "KIT-B", "name": "B", "components": [{"sku": "TEA-0001", "qty": 0}]}
    worse = {"sku": "KIT-C", "name": "C", "components": [{"sku": "NOPE", "qty": 1}]}

    shape = client.post("/api/v1/kits", json={"kits": [good, bad]}, headers=admin)
    unknown = client.post("/api/v1/kits", json={"kits": [good, worse]}, headers=admin)

    assert (shape.status_code, unknown.status_code) == (400, 422)
    assert client.get("/api/v1/kits", headers=admin).json()["kits"] == []


@pytest.mark.usefixtures("teas")
def test_a_kit_is_offered_as_what_its_components_allow_and_its_orders_take_components(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    put_kit(client, admin, "KIT-TEA-GIFT", GIFT_BOX)
    edge.receive("TEA-0001", 10)
    edge.receive("TEA-0002", 7)
    before = offered(central, client, admin)

    order = channel_order("1", ("KIT-TEA-GIFT", 2), ("TEA-0002", 1), channel="taobao")
    resp = client.post("/api/v1/orders", json=order, headers=admin)

    assert before == {"TEA-0001": 10, "TEA-0002": 7, "KIT-TEA-GIFT": 5}
    assert resp.json()["warehouse"] == "edge-1", resp.text
    # TEA-0001: 10 - 2×2 = 6; TEA-0002: 7 - 2 - 1 = 4; the kit: min(6 // 2, 4 // 1) = 3
    assert offered(central, client, admin) == {
        "TEA-0001": 6,
        "TEA-0002": 4,
        "KIT-TEA-GIFT": 3,
    }
    released = [c for c in edge.changes(limit=500)["changes"] if c["type"] == "order_released"]
    assert released[0]["data"]["lines"] == [
        {
            "sku": "KIT-TEA-GIFT",
            "qty": 2,
            "lot": "",
            "components": [{"sku": "TEA-0001", "qty": 2}, {"sku": "TEA-0002", "qty": 1}],
        },
        {"sku": "TEA-0002", "qty": 1, "lot": ""},
    ]


@pytest.mark.usefixtures("teas")
def test_an_order_for_more_kits_than_the_components_allow_waits_unassigned(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    put_kit(client, admin, "KIT-TEA-GIFT", GIFT_BOX)
    edge.receive("TEA-0001", 10)
    edge.receive("TEA-0002", 3)

    resp = client.post(
        "/api/v1/orders", json=channel_order("1", ("KIT-TEA-GIFT", 4)), headers=admin
    )
    edge.receive("TEA-0002", 1)
    assert central.settle(10)

    assert resp.json()["order_status"] == "unassigned"
    order = client.get("/api/v1/orders/shop:1", headers=admin).json()
    assert (order["status"], order["warehouse"]) == ("released", "edge-1")
