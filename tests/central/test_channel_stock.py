"""Available to sell for the channels (channel_stock.py): the figures each channel is offered
under its reservation rules, published with a cursor and read back since one, on both stores."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from tests.central.support import EdgeSide, channel_order, move, product

CHANNELS = ("amazon", "jd", "shopify", "taobao")
pytestmark = pytest.mark.usefixtures("teas")


@pytest.fixture
def teas(central: Central, client: TestClient, admin: dict[str, str]) -> list[str]:
    assert central.settle(10)  # the full pass at start is over before the products arrive
    skus = ["TEA-0001", "TEA-0002"]
    resp = client.post(
        "/api/v1/products", json={"products": [product(s) for s in skus]}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    return skus


def available(
    client: TestClient, admin: dict[str, str], channel: str, since: int = 0, **params: Any
) -> dict[str, Any]:
    resp = client.get(
        f"/api/v1/channels/{channel}/available", params={"since": since, **params}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def offered(
    central: Central, client: TestClient, admin: dict[str, str], channel: str
) -> dict[str, int]:
    """The channel's latest figure per SKU once every change is published."""
    assert central.settle(10)
    return {f["sku"]: f["available"] for f in available(client, admin, channel)["figures"]}


def rules(client: TestClient, admin: dict[str, str], channel: str, **body: Any) -> Any:
    return client.put(f"/api/v1/channels/{channel}/stock-rules", json=body, headers=admin)


def test_a_received_unit_is_offered_to_every_channel_in_full_without_rules(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)

    assert {c: offered(central, client, admin, c)["TEA-0001"] for c in CHANNELS} == dict.fromkeys(
        CHANNELS, 10
    )


def test_a_cap_and_a_safety_stock_hold_back_stock_and_a_skus_own_rule_wins(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)
    edge.receive("TEA-0002", 10)

    resp = rules(
        client,
        admin,
        "taobao",
        cap_pct=80,
        safety_stock=1,
        skus=[{"sku": "TEA-0002", "cap_pct": 100, "safety_stock": 4}],
    )

    assert resp.status_code == 200, resp.text
    assert resp.json()["skus"] == [
        {"sku": "TEA-0002", "cap_pct": 100, "safety_stock": 4, "listing": ""}
    ]
    # TEA-0001: min(80 % of 10, 10 - 1) = 8; TEA-0002: min(10, 10 - 4) = 6; jd is untouched
    assert offered(central, client, admin, "taobao") == {"TEA-0001": 8, "TEA-0002": 6}
    assert offered(central, client, admin, "jd") == {"TEA-0001": 10, "TEA-0002": 10}
    got = client.get("/api/v1/channels/taobao/stock-rules", headers=admin).json()
    assert (got["cap_pct"], got["safety_stock"]) == (80, 1)


def test_an_order_from_one_channel_takes_its_units_off_every_channels_figure(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)
    rules(client, admin, "jd", cap_pct=50)

    resp = client.post(
        "/api/v1/orders", json=channel_order("1", ("TEA-0001", 3), channel="shopify"), headers=admin
    )

    assert resp.status_code == 201, resp.text
    assert offered(central, client, admin, "shopify")["TEA-0001"] == 7
    assert offered(central, client, admin, "jd")["TEA-0001"] == 3  # 50 % of 7


def test_the_pull_api_answers_only_what_changed_since_the_cursor_and_a_pick_changes_nothing(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)
    edge.receive("TEA-0002", 5)
    assert central.settle(10)
    first = available(client, admin, "amazon")
    order = channel_order("1", ("TEA-0001", 2), channel="amazon")
    client.post("/api/v1/orders", json=order, headers=admin)
    assert central.settle(10)
    second = available(client, admin, "amazon", first["cursor"])

    pick = move("TEA-0001", 2, "A-01-01/on_hand", "BENCH-1/T-001/picked", kind="pick")
    edge.send("pick", pick, order_id="amazon:1")
    assert central.settle(10)
    third = available(client, admin, "amazon", second["cursor"])

    assert [(f["sku"], f["available"]) for f in first["figures"]] == [
        ("TEA-0001", 10),
        ("TEA-0002", 5),
    ]
    assert [(f["sku"], f["available"]) for f in second["figures"]] == [("TEA-0001", 8)]
    assert second["cursor"] > first["cursor"]
    assert (third["figures"], third["cursor"], third["more"]) == ([], second["cursor"], False)


def test_the_pull_api_pages_in_seq_order_and_each_sku_comes_once_at_its_latest_figure(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)
    assert central.settle(10)
    edge.receive("TEA-0002", 5)
    assert central.settle(10)
    edge.receive("TEA-0001", 1)
    assert central.settle(10)

    page = available(client, admin, "jd", limit=1)
    rest = available(client, admin, "jd", page["cursor"], limit=5)

    assert [(f["sku"], f["available"]) for f in page["figures"] + rest["figures"]] == [
        ("TEA-0002", 5),
        ("TEA-0001", 11),
    ]
    assert (page["more"], rest["more"], rest["cursor"]) == (True, False, rest["latest"])
    seqs = [f["seq"] for f in page["figures"] + rest["figures"]]
    assert seqs == sorted(seqs)


def test_units_of_an_order_no_warehouse_can_fill_are_not_offered_again(
    central: Central, client: TestClient, admin: dict[str, str], make_edge: Any
) -> None:
    make_edge("edge-1").receive("TEA-0001", 3)
    make_edge("edge-2").receive("TEA-0001", 3)

    order = channel_order("1", ("TEA-0001", 5), channel="taobao")
    resp = client.post("/api/v1/orders", json=order, headers=admin)

    assert resp.json()["order_status"] == "unassigned", resp.text
    assert offered(central, client, admin, "taobao")["TEA-0001"] == 1  # 3 + 3 - 5


def test_a_quiet_warehouses_stock_is_not_offered_until_it_is_heard_again(
    central: Central, client: TestClient, admin: dict[str, str], make_edge: Any
) -> None:
    make_edge("edge-1").receive("TEA-0001", 3)
    edge2 = make_edge("edge-2")
    edge2.receive("TEA-0001", 4)
    assert offered(central, client, admin, "jd")["TEA-0001"] == 7
    with central.write() as tx:  # edge-2 last heard an hour ago
        tx.execute(
            "UPDATE edges SET last_event_at = '2026-01-01T00:00:00.000000Z', last_seen_at = NULL"
            " WHERE edge_id = 'edge-2'"
        )

    central.check_edges()  # the watcher's pass (every WATCH_S when serving)
    quiet = offered(central, client, admin, "jd")["TEA-0001"]
    edge2.receive("TEA-0002", 1)  # heard again

    assert quiet == 3
    central.check_edges()
    assert offered(central, client, admin, "jd")["TEA-0001"] == 7


def test_frozen_units_and_returns_in_transit_count_as_assign_counts_them(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)
    edge.send("freeze", move("TEA-0001", 2, "A-01-01/on_hand", "Q-01/frozen", kind="freeze"))
    edge.send("return_expected", move("TEA-0001", 1, "customer", "RET-01/returns_in_transit"))

    assert offered(central, client, admin, "shopify")["TEA-0001"] == 9  # 10 - 2 + 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cap_pct": 101}, "cap_pct"),
        ({"cap_pct": -1}, "cap_pct"),
        ({"cap_pct": "80"}, "cap_pct"),
        ({"safety_stock": 1_000_001}, "safety_stock"),
        ({"skus": [{"sku": "A B"}]}, "sku"),
        ({"skus": [{"sku": "A"}, {"sku": "A"}]}, "two rules"),
    ],
)
def test_stock_rules_out_of_bounds_are_refused_and_change_nothing(
    client: TestClient, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    rules(client, admin, "jd", cap_pct=70)

    resp = rules(client, admin, "jd", **body)

    assert resp.status_code == 400, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["code"] == "invalid_request"
    assert field in resp.text
    assert client.get("/api/v1/channels/jd/stock-rules", headers=admin).json()["cap_pct"] == 70


def test_an_unknown_channel_is_refused_naming_the_channels(
    client: TestClient, admin: dict[str, str]
) -> None:
    resp = client.get("/api/v1/channels/ebay/available", headers=admin)

    assert (resp.status_code, resp.json()["code"]) == (404, "unknown_channel")
    assert "amazon, jd, shopify, taobao" in resp.json()["detail"]


def test_a_cursor_past_the_last_figure_is_refused_saying_to_start_again(
    client: TestClient, admin: dict[str, str]
) -> None:
    resp = client.get("/api/v1/channels/jd/available", params={"since": 99}, headers=admin)

    assert (resp.status_code, resp.json()["code"]) == (409, "cursor_ahead")
    assert "from 0" in resp.json()["detail"]
    documented = client.get("/openapi.json").json()["paths"]["/api/v1/channels/{channel}/available"]
    assert "409" in documented["get"]["responses"]


def test_the_rules_need_the_admin_and_the_overview_shows_each_channel(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)
    rules(client, admin, "amazon", cap_pct=80, safety_stock=2)

    refused = client.put("/api/v1/channels/amazon/stock-rules", json={"cap_pct": 1})
    assert central.settle(10)
    overview = client.get("/api/v1/channels", headers=admin).json()["channels"]

    assert refused.status_code == 401
    amazon = next(c for c in overview if c["channel"] == "amazon")
    assert [c["channel"] for c in overview] == list(CHANNELS)
    assert (amazon["cap_pct"], amazon["safety_stock"], amazon["units_offered"]) == (80, 2, 8)
    board = client.get("/api/v1/board", headers=admin).json()["channels"]
    assert board == overview  # the board shows the operator the same


def test_a_pass_over_more_skus_than_a_statement_may_name_reads_them_all(
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    edge: EdgeSide,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("central_sync.server.channel_stock.MAX_LISTED", 1)
    two = [
        move("TEA-0001", 4, "received", "A-01-01/on_hand", kind="receive"),
        move("TEA-0002", 6, "received", "A-01-01/on_hand", kind="receive"),
    ]

    edge.send("receipt", *two)

    assert offered(central, client, admin, "jd") == {"TEA-0001": 4, "TEA-0002": 6}
