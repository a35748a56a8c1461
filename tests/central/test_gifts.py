"""Gift rules (赠品) at central (gifts.py): a matching order gets the gift as a line flagged `gift`
naming its rule, sent to its edge; no gift when the rule does not match or its stock is gone
(the order is not held for it); a bad rule is refused and changes nothing; on both stores."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from tests.central.support import EdgeSide, channel_order, product, snapshot

RULE = {
    "channel": "shop",
    "trigger_sku": "TEA-0001",
    "min_total": "100",
    "min_qty": 2,
    "starts_at": "2026-11-01T00:00:00Z",
    "ends_at": "2026-12-01T00:00:00+08:00",
    "gift_sku": "SNK-0001",
    "gift_qty": 1,
}


@pytest.fixture
def stocked(central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide) -> None:
    assert central.settle(10)
    skus = ["TEA-0001", "TEA-0002", "SNK-0001"]
    client.post("/api/v1/products", json={"products": [product(s) for s in skus]}, headers=admin)
    edge.receive("TEA-0001", 10)
    edge.receive("TEA-0002", 10)


def add_rule(client: TestClient, admin: dict[str, str], **changes: Any) -> Any:
    return client.post("/api/v1/gift-rules", json=RULE | changes, headers=admin)


def released_lines(edge: EdgeSide, order_id: str) -> list[dict[str, Any]]:
    found = [
        c["data"]["lines"]
        for c in edge.changes(limit=500)["changes"]
        if c["type"] == "order_released" and c["order_id"] == order_id
    ]
    return found[0]


@pytest.mark.usefixtures("stocked")
def test_a_matching_order_gets_the_gift_as_a_flagged_line_naming_its_rule(
    client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("SNK-0001", 3)
    rule = add_rule(client, admin).json()

    resp = client.post("/api/v1/orders", json=channel_order("1", ("TEA-0001", 2)), headers=admin)

    assert resp.json()["warehouse"] == "edge-1", resp.text
    assert released_lines(edge, "shop:1") == [
        {"sku": "TEA-0001", "qty": 2, "lot": ""},
        {"sku": "SNK-0001", "qty": 1, "lot": "", "gift": True},
    ]
    lines = client.get("/api/v1/orders/shop:1", headers=admin).json()["lines"]
    assert [(ln["sku"], ln["gift_rule"]) for ln in lines] == [
        ("TEA-0001", None),
        ("SNK-0001", rule["id"]),
    ]


@pytest.mark.usefixtures("stocked")
@pytest.mark.parametrize(
    ("lines", "extra"),
    [
        ((("TEA-0001", 1),), {}),  # fewer units of the trigger than the rule asks
        ((("TEA-0002", 5),), {}),  # no trigger SKU
        ((("TEA-0001", 2),), {"total": "99.99"}),  # below the minimum total
        ((("TEA-0001", 2),), {"channel": "jd"}),  # another channel
        ((("TEA-0001", 2),), {"ordered_at": "2026-12-01T08:00:00+08:00"}),  # after the window
    ],
)
def test_an_order_the_rule_does_not_match_gets_no_gift(
    client: TestClient,
    admin: dict[str, str],
    edge: EdgeSide,
    lines: tuple[tuple[str, int], ...],
    extra: dict[str, Any],
) -> None:
    edge.receive("SNK-0001", 3)
    add_rule(client, admin)

    resp = client.post("/api/v1/orders", json=channel_order("1", *lines, **extra), headers=admin)

    assert resp.json()["warehouse"] == "edge-1", resp.text
    assert all("gift" not in ln for ln in released_lines(edge, resp.json()["id"]))


@pytest.mark.usefixtures("stocked")
def test_when_the_gifts_stock_is_gone_the_order_ships_without_it_and_is_not_held(
    client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("SNK-0001", 1)
    add_rule(client, admin)

    first = client.post("/api/v1/orders", json=channel_order("1", ("TEA-0001", 2)), headers=admin)
    second = client.post("/api/v1/orders", json=channel_order("2", ("TEA-0001", 2)), headers=admin)

    assert [r.json()["order_status"] for r in (first, second)] == ["released", "released"]
    assert [ln["sku"] for ln in released_lines(edge, "shop:1")] == ["TEA-0001", "SNK-0001"]
    assert released_lines(edge, "shop:2") == [{"sku": "TEA-0001", "qty": 2, "lot": ""}]


@pytest.mark.usefixtures("stocked")
def test_an_ended_rule_gives_no_more_gifts(
    client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("SNK-0001", 3)
    rule = add_rule(client, admin).json()

    ended = client.delete(f"/api/v1/gift-rules/{rule['id']}", headers=admin)
    resp = client.post("/api/v1/orders", json=channel_order("1", ("TEA-0001", 2)), headers=admin)

    assert ended.status_code == 204
    assert client.get("/api/v1/gift-rules", headers=admin).json()["rules"][0]["active"] is False
    assert released_lines(edge, resp.json()["id"]) == [{"sku": "TEA-0001", "qty": 2, "lot": ""}]


@pytest.mark.usefixtures("stocked")
@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"gift_sku": "NOPE"}, "gift NOPE is not a product"),
        ({"trigger_sku": "NOPE"}, "trigger NOPE is not in central's catalogue"),
        ({"ends_at": "2026-10-01T00:00:00Z"}, "the window ends"),
    ],
)
def test_a_bad_gift_rule_is_refused_and_changes_nothing(
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    changes: dict[str, Any],
    reason: str,
) -> None:
    before = snapshot(central)

    resp = add_rule(client, admin, **changes)

    assert (resp.status_code, resp.json()["code"]) == (422, "gift_rule_invalid")
    assert reason in resp.json()["detail"]
    assert snapshot(central) == before
