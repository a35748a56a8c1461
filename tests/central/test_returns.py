"""Return authorisations at central: reasons, the site's policy per channel and category, cancel
and expiry reaching the edge as `return_cancelled`, the missing parcel escalated, and the lists."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient

from central_sync.server.app import create_app
from central_sync.server.central import Central
from central_sync.server.returns import ReturnIn, ReturnLine
from tests.central.conftest import RETURNS_NOW
from tests.central.support import EdgeSide, authorise, snapshot
from tests.test_labels import decode, page_text, rasterise

Headers = dict[str, str]


def changes(edge: EdgeSide, kind: str) -> list[dict[str, Any]]:
    return [c["data"] for c in edge.changes(limit=500)["changes"] if c["type"] == kind]


def later(central: Central, days: float) -> None:
    central.returns.clock = lambda: RETURNS_NOW + timedelta(days=days)


def test_an_rma_carries_its_reasons_its_channel_its_label_number_and_expiry_to_the_edge(
    client: TestClient, admin: Headers, edge: EdgeSide, shipped: str
) -> None:
    lines = [{"sku": "TEA-0001", "qty": 2, "reason": "damaged"}, {"sku": "SNK-0001", "qty": 1}]

    resp = authorise(client, admin, shipped, lines=lines, reason="arrived crushed")

    body = resp.json()
    assert resp.status_code == 201
    assert changes(edge, "return_authorised") == [
        {
            "rma": "RMA-000001",
            "order_id": shipped,
            "lines": lines,
            "reason": "arrived crushed",
            "channel": "shop",
            "return_tracking_number": body["return_tracking_number"],
            "expires_at": "2026-12-26T12:12:03.123456Z",
        }
    ]
    assert client.get(f"/api/v1/orders/{shipped}", headers=admin).json()["status"] == (
        "return_expected"
    )


def test_past_the_no_reason_window_a_return_without_a_reason_is_refused_and_changes_nothing(
    client: TestClient, admin: Headers, central: Central, shipped: str
) -> None:
    later(central, 7)  # 8 days after shipping
    before = snapshot(central)

    resp = authorise(client, admin, shipped)
    zh = client.post(
        f"/api/v1/orders/{shipped}/returns",
        json={"lines": [{"sku": "TEA-0001", "qty": 1, "reason": "no_reason"}]},
        headers=admin | {"Accept-Language": "zh-CN"},
    )

    assert (resp.status_code, resp.json()["code"]) == (422, "return_reason_required")
    assert resp.json()["params"] == {
        "order_id": shipped,
        "days": 8,
        "limit": 7,
        "sku": "TEA-0001",
        "line": 0,
        "category": "tea",
        "channel": "shop",
    }
    assert "needs no reason" in resp.json()["detail"]
    assert "无理由" in zh.json()["detail"]
    assert snapshot(central) == before


def test_past_the_no_reason_window_a_return_with_a_reason_is_authorised(
    client: TestClient, admin: Headers, central: Central, shipped: str
) -> None:
    later(central, 7)

    resp = authorise(client, admin, shipped, reason="defective")

    assert resp.status_code == 201, resp.text


def test_past_the_window_with_reason_a_return_is_refused(
    client: TestClient, admin: Headers, central: Central, shipped: str
) -> None:
    later(central, 30)
    before = snapshot(central)

    resp = authorise(client, admin, shipped, reason="defective")

    assert (resp.status_code, resp.json()["code"], resp.json()["params"]["limit"]) == (
        422,
        "return_window_closed",
        30,
    )
    assert snapshot(central) == before


def test_a_category_rule_of_the_channel_is_more_specific_than_the_channel_s_rule(
    client: TestClient, admin: Headers, shipped: str
) -> None:
    policy = {
        "rules": [
            {"channel": "shop", "days_without_reason": 15, "days_with_reason": 30},
            {
                "channel": "shop",
                "category": "food",
                "days_without_reason": 0,
                "days_with_reason": 0,
            },
        ]
    }
    assert client.put("/api/v1/returns/policy", json=policy, headers=admin).status_code == 200

    tea = authorise(client, admin, shipped)
    food = authorise(client, admin, shipped, lines=[{"sku": "SNK-0001", "qty": 1}])

    assert tea.status_code == 201
    assert (food.json()["code"], food.json()["params"]["limit"]) == ("return_window_closed", 0)


@pytest.mark.parametrize(
    "policy",
    [
        {"days_without_reason": 10, "days_with_reason": 5},
        {"days_without_reason": -1},
        {"expire_after_days": 0},
        {"rules": [{"channel": "shop", "days_without_reason": 1}]},
        {"surprise": 1},
    ],
)
def test_a_policy_out_of_bounds_is_refused_and_the_old_one_kept(
    client: TestClient, admin: Headers, policy: dict[str, Any]
) -> None:
    before = client.get("/api/v1/returns/policy", headers=admin).json()

    resp = client.put("/api/v1/returns/policy", json=policy, headers=admin)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert client.get("/api/v1/returns/policy", headers=admin).json() == before


def test_cancelling_an_rma_sends_return_cancelled_once_and_frees_its_units(
    client: TestClient, admin: Headers, edge: EdgeSide, shipped: str
) -> None:
    authorise(client, admin, shipped, lines=[{"sku": "TEA-0001", "qty": 3}])

    first = client.post(
        "/api/v1/returns/RMA-000001/cancel", json={"reason": "kept it"}, headers=admin
    )
    again = client.post(
        "/api/v1/returns/RMA-000001/cancel", json={"reason": "kept it"}, headers=admin
    )
    anew = authorise(client, admin, shipped, lines=[{"sku": "TEA-0001", "qty": 3}])

    assert (first.json()["changed"], again.json()["changed"]) == (True, False)
    assert changes(edge, "return_cancelled") == [
        {"rma": "RMA-000001", "order_id": shipped, "reason": "kept it"}
    ]
    assert anew.status_code == 201
    assert client.get("/api/v1/returns/RMA-000001", headers=admin).json()["status"] == ("cancelled")


def test_an_unknown_rma_cannot_be_cancelled(client: TestClient, admin: Headers) -> None:
    resp = client.post("/api/v1/returns/RMA-9/cancel", json={"reason": "x"}, headers=admin)

    assert (resp.status_code, resp.json()["code"]) == (404, "not_found")


def test_the_sweep_expires_an_rma_past_its_date_and_tells_the_edge(
    client: TestClient, admin: Headers, central: Central, edge: EdgeSide, shipped: str
) -> None:
    authorise(client, admin, shipped)
    later(central, 29)
    assert central.returns.sweep()["expired"] == []

    later(central, 31)
    swept = central.returns.sweep()

    assert swept["expired"] == ["RMA-000001"]
    assert changes(edge, "return_cancelled") == [
        {"rma": "RMA-000001", "order_id": shipped, "reason": "expired"}
    ]
    assert central.returns.detail("RMA-000001")["status"] == "expired"
    assert central.order(shipped)["status"] == "shipped"
    assert central.returns.sweep()["expired"] == []


def test_a_parcel_not_arrived_after_the_policy_s_days_is_an_exception_for_a_person(
    client: TestClient, admin: Headers, central: Central, shipped: str
) -> None:
    authorise(client, admin, shipped)
    later(central, 13)
    central.returns.sweep()
    assert central.exceptions() == []

    later(central, 15)
    central.returns.sweep()
    central.returns.sweep()

    (exc,) = central.exceptions()
    assert (exc["kind"], exc["edge_id"], exc["order_id"]) == (
        "return_not_arrived",
        "edge-1",
        shipped,
    )
    assert "RMA-000001" in exc["detail"]
    central.returns.cancel("RMA-000001", "lost by the carrier")
    assert central.exceptions() == []


def test_the_rma_list_and_one_rma_show_status_reason_and_label_number(
    client: TestClient, admin: Headers, shipped: str
) -> None:
    made = authorise(client, admin, shipped, reason="too big").json()

    listed = client.get("/api/v1/returns", params={"status": "authorised"}, headers=admin)
    one = client.get("/api/v1/returns/RMA-000001", headers=admin).json()

    assert [r["rma"] for r in listed.json()["returns"]] == ["RMA-000001"]
    assert (one["status"], one["reason"], one["tracking_number"], one["source"]) == (
        "authorised",
        "too big",
        made["return_tracking_number"],
        "admin",
    )
    assert client.get("/api/v1/returns/RMA-404", headers=admin).status_code == 404


def test_the_return_label_s_barcodes_decode_to_its_tracking_number_and_the_rma(
    client: TestClient, admin: Headers, shipped: str
) -> None:
    made = authorise(client, admin, shipped).json()

    pdf = client.get("/api/v1/returns/RMA-000001/label.pdf", headers=admin)
    zpl = client.get("/api/v1/returns/RMA-000001/label.zpl", headers=admin)

    assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf")
    found = decode(rasterise(pdf.content, 203)[0], zxingcpp.BarcodeFormat.Code128)
    assert sorted(f.text for f in found) == sorted([made["return_tracking_number"], "RMA-000001"])
    assert "Li Lei" in page_text(pdf.content)
    assert zpl.text.startswith("^XA") and f"^FD{made['return_tracking_number']}" in zpl.text
    assert client.get("/api/v1/returns/RMA-9/label.pdf", headers=admin).status_code == 404


def test_a_return_the_channel_accepted_is_taken_past_the_window_and_marked_as_the_channels(
    client: TestClient, admin: Headers, central: Central, shipped: str
) -> None:
    later(central, 40)

    resp = authorise(client, admin, shipped, source="channel", reason="taobao refund 12345")

    assert resp.status_code == 201, resp.text
    assert central.returns.detail(resp.json()["rma"])["source"] == "channel"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/orders/shop:1/returns", {"lines": [{"sku": "TEA-0001", "qty": 0}]}),
        ("POST", "/api/v1/orders/shop:1/returns", {"lines": []}),
        ("POST", "/api/v1/orders/shop:1/returns", {"lines": [{"sku": "A", "qty": 1}] * 501}),
        ("POST", "/api/v1/orders/shop:1/returns",
         {"lines": [{"sku": "TEA-0001", "qty": 1, "reason": "x" * 201}]}),
        ("POST", "/api/v1/orders/shop:1/returns",
         {"lines": [{"sku": "TEA-0001", "qty": 1}], "rma": "has space"}),
        ("POST", "/api/v1/returns/RMA-000001/cancel", {"reason": ""}),
        ("POST", "/api/v1/returns/RMA-000001/cancel", {"reason": "x" * 201}),
        ("POST", f"/api/v1/returns/{'R' * 65}/cancel", {"reason": "x"}),
        ("GET", "/api/v1/returns?limit=0", None),
        ("GET", "/api/v1/returns?status=lost", None),
        ("GET", "/api/v1/returns/rates?days=0", None),
        ("GET", "/api/v1/returns/rates?days=367", None),
        ("GET", "/api/v1/refunds-due?limit=10001", None),
        ("GET", "/api/v1/refunds-due?format=xml", None),
        ("POST", "/api/v1/self-service/lookup", {"order": "1", "phone": "12a4"}),
        ("POST", "/api/v1/self-service/lookup", {"order": "x" * 65, "phone": "0000"}),
    ],
)  # fmt: skip
@pytest.mark.usefixtures("shipped")
def test_inputs_out_of_bounds_are_refused_and_change_nothing(
    client: TestClient, admin: Headers, central: Central, method: str, path: str, body: Any
) -> None:
    authorise(client, admin, "shop:1")
    before = snapshot(central)

    resp = client.request(method, path, json=body, headers=admin)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert snapshot(central) == before


def test_the_running_server_expires_an_rma_by_itself(
    central: Central, shipped: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("central_sync.server.app.WATCH_S", 0.05)
    central.returns.authorise(shipped, ReturnIn(lines=[ReturnLine(sku="TEA-0001", qty=1)]))
    later(central, 31)

    with TestClient(create_app(central)):
        deadline = time.monotonic() + 10
        while central.returns.detail("RMA-000001")["status"] != "expired":
            assert time.monotonic() < deadline, "the sweep did not run"
            time.sleep(0.05)

    assert central.returns.detail("RMA-000001")["closed_reason"] == "expired"


def test_an_order_in_full_shows_its_rmas_with_status_and_label_number(
    client: TestClient, admin: Headers, shipped: str
) -> None:
    made = authorise(client, admin, shipped, reason="too big").json()

    order = client.get(f"/api/v1/orders/{shipped}", headers=admin).json()

    assert [(r["rma"], r["status"], r["tracking_number"]) for r in order["returns"]] == [
        ("RMA-000001", "authorised", made["return_tracking_number"])
    ]
