"""Status back to the channels (issue 19 item 2): shipped (carrier, tracking number), cancelled,
returned and refunded written back to each channel in its own shape, from an outbox queued in the
status change's transaction, sent to a real HTTP listener playing the platform, retried with
back-off, once per order + status + parcel, and on the board when a channel keeps refusing."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_sync.channels.pushes import Settings, idempotency_key, md5_sign
from central_sync.server import channel_status
from central_sync.server.app import create_app
from central_sync.server.board_text import translated
from central_sync.server.central import Central
from central_sync.server.outbound import ANSWER_MAX, Outbound, settings_from
from tests.central.platforms import Platform, free_port
from tests.central.support import EdgeSide, authorise, channel_order, product
from tests.sync.faultproxy import FaultProxy

PARCELS = [
    {
        "parcel_no": n,
        "parcels": 2,
        "tracking_number": f"SF100000000{n}",
        "carrier": "SF",
        "weight_g": 700,
        "contents": [{"sku": "TEA-0001", "qty": 1}],
    }
    for n in (1, 2)
]


class Clock:
    """The senders' clock, moved by the test past each back-off."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=30)  # past what the test queues

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def wire(central: Central, channel: str, url: str, **options: Any) -> Clock:
    """Point the channel's sender at `url` (the others stay off) with a test clock."""
    clock = Clock()
    settings = Settings(
        url=url,
        token="tok-1",
        secret="app-secret",
        app_key="12345",
        marketplace_id="ATVPDKIKX0DER",
        enabled=True,
    )
    options = {"timeout_s": 0.5, "base_s": 1.0, "cap_s": 60.0} | options
    central.outbound = Outbound(
        central.write, central.read, {channel: settings}, clock=clock, **options
    )
    return clock


@pytest.fixture
def platform() -> Iterator[Platform]:
    up = Platform().start()
    yield up
    up.stop()


def ship(
    client: TestClient,
    admin: dict[str, str],
    edge: EdgeSide,
    coid: str,
    *,
    channel: str = "shopify",
    parcels: list[dict[str, Any]] | None = None,
) -> str:
    """An order of the channel released to edge-1 and shipped; its central id."""
    client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
    edge.receive("TEA-0001", 2)
    order = channel_order(coid, ("TEA-0001", 2), channel=channel)
    resp = client.post("/api/v1/orders", json=order, headers=admin)
    assert resp.json()["warehouse"] == "edge-1", resp.text
    order_id = str(resp.json()["id"])
    edge.send("order_shipped", order_id=order_id, parcels=parcels or PARCELS)
    return order_id


def take(client: TestClient, admin: dict[str, str], coid: str, channel: str) -> str:
    """An order of the channel taken (not released: no warehouse has it); its central id."""
    client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
    resp = client.post(
        "/api/v1/orders", json=channel_order(coid, ("TEA-0001", 1), channel=channel), headers=admin
    )
    assert resp.status_code in (200, 201), resp.text
    return str(resp.json()["id"])


def pushes(central: Central, **filters: str) -> list[dict[str, Any]]:
    return central.channel_pushes(**filters)


def test_each_parcel_shipped_is_written_back_to_shopify_as_a_fulfillment_with_its_tracking(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    wire(central, "shopify", platform.url)
    ship(client, admin, edge, "S1")
    assert central.outbound.send_due("shopify") == 2
    assert [s.path for s in platform.seen] == ["/admin/api/2024-10/fulfillments.json"] * 2
    bodies = [s.json["fulfillment"] for s in platform.seen]
    assert [b["tracking_info"] for b in bodies] == [
        {"company": "SF", "number": "SF1000000001"},
        {"company": "SF", "number": "SF1000000002"},
    ]
    assert all(b["notify_customer"] is True for b in bodies)
    assert {s.headers["X-Shopify-Access-Token"] for s in platform.seen} == {"tok-1"}
    assert [p["state"] for p in pushes(central)] == ["sent", "sent"]
    assert central.outbound.send_due("shopify") == 0  # nothing more to send


@pytest.mark.parametrize("channel", ["amazon", "taobao", "jd"])
def test_the_shipment_goes_to_amazon_taobao_and_jd_in_each_ones_own_call(
    channel: str,
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    edge: EdgeSide,
    platform: Platform,
) -> None:
    clock = wire(central, channel, platform.url)
    ship(client, admin, edge, "7001", channel=channel, parcels=PARCELS[:1])
    central.outbound.send_due(channel)
    [seen] = platform.seen
    if channel == "amazon":  # SP-API Orders v0 confirmShipment
        assert seen.path == "/orders/v0/orders/7001/shipmentConfirmation"
        assert seen.headers["x-amz-access-token"] == "tok-1"
        detail = seen.json["packageDetail"]
        assert (detail["trackingNumber"], detail["carrierCode"]) == ("SF1000000001", "SF")
        assert seen.json["marketplaceId"] == "ATVPDKIKX0DER"
        return
    form = seen.form
    sign = form.pop("sign")
    assert sign == md5_sign("app-secret", form)  # signed as the platform checks it
    assert form["timestamp"] == (clock.now + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")
    if channel == "taobao":  # TOP taobao.logistics.offline.send
        assert seen.path == "/router/rest"
        assert form["method"] == "taobao.logistics.offline.send"
        assert (form["tid"], form["out_sid"], form["company_code"]) == (
            "7001",
            "SF1000000001",
            "SF",
        )
        assert form["session"] == "tok-1"
    else:  # JOS jingdong.pop.order.shipment
        assert seen.path == "/routerjson"
        assert form["method"] == "jingdong.pop.order.shipment"
        business = json.loads(form["360buy_param_json"])
        assert business == {"orderId": "7001", "logiCoprId": "SF", "logiNo": "SF1000000001"}
    assert pushes(central)[0]["state"] == "sent"


def test_a_refused_batch_queues_no_write_back_and_a_taken_one_queues_it_with_its_status(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
    edge.receive("TEA-0001", 2)
    resp = client.post(
        "/api/v1/orders",
        json=channel_order("S2", ("TEA-0001", 1), channel="shopify"),
        headers=admin,
    )
    order_id = resp.json()["id"]
    shipped = edge.event("order_shipped", order_id=order_id, parcels=PARCELS[:1])
    edge.seq += 1  # a gap: central refuses the whole batch
    gap = edge.event("order_packed", order_id=order_id)
    assert edge.post([shipped, gap]).status_code == 409
    assert pushes(central) == []
    with central.read() as tx:
        assert tx.value("SELECT status FROM orders WHERE id = ?", (order_id,)) == "released"
    edge.seq = 1  # the edge sends again from after its receipt
    edge.send("order_shipped", order_id=order_id, parcels=PARCELS[:1])
    [push] = pushes(central)
    assert (push["state"], push["order_id"], push["payload"]["tracking_number"]) == (
        "pending",
        order_id,
        "SF1000000001",
    )


def test_the_same_write_back_is_queued_once_however_often_its_change_arrives(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    order_id = ship(client, admin, edge, "S3", parcels=PARCELS[:1])
    again = edge.event("order_shipped", order_id=order_id, parcels=PARCELS[:1])
    assert edge.post([again]).status_code == 200  # a second event with the same parcel
    assert len(pushes(central)) == 1


def test_a_platform_failing_with_5xx_gets_the_write_back_once_after_back_off(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    clock = wire(central, "shopify", platform.url)
    ship(client, admin, edge, "S4", parcels=PARCELS[:1])
    platform.fail_next = 2
    central.outbound.send_due("shopify")
    [push] = pushes(central)
    assert (push["state"], push["attempts"], push["answer_status"]) == ("pending", 1, 503)
    assert central.outbound.send_due("shopify") == 0  # not due again before its back-off
    for _ in range(2):
        clock.advance(120)
        central.outbound.send_due("shopify")
    [push] = pushes(central)
    assert (push["state"], push["attempts"]) == ("sent", 3)
    keys = {s.headers["Idempotency-Key"] for s in platform.seen}
    assert keys == {idempotency_key(push["dedupe_key"])}  # the same key on every try
    assert len(platform.applied) == 1


@pytest.mark.parametrize("trouble", ["down", "slow"])
def test_a_platform_down_or_too_slow_keeps_the_write_back_queued_with_growing_waits(
    trouble: str,
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    edge: EdgeSide,
    platform: Platform,
) -> None:
    url = f"http://127.0.0.1:{free_port()}" if trouble == "down" else platform.url
    platform.mode = "slow"
    clock = wire(central, "shopify", url, timeout_s=0.3)
    ship(client, admin, edge, "S5", parcels=PARCELS[:1])
    waits = []
    for _ in range(3):
        central.outbound.send_due("shopify")
        [push] = pushes(central)
        assert push["state"] == "pending"
        assert push["answer"].startswith("no answer:")
        due = datetime.fromisoformat(push["next_at"].replace("Z", "+00:00"))
        waits.append((due - clock.now).total_seconds())
        clock.advance(waits[-1] + 0.01)
    assert waits[0] < waits[2]  # the waits grow (kernel/backoff.py)
    assert pushes(central)[0]["attempts"] == 3


def test_a_channel_that_keeps_refusing_shows_on_the_board_with_its_answer_until_retried(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    wire(central, "shopify", platform.url)
    order_id = ship(client, admin, edge, "S6", parcels=PARCELS[:1])
    platform.mode = "refuse"
    platform.refusal = json.dumps({"errors": "fulfillment order is closed " + "x" * 2000})
    central.outbound.send_due("shopify")
    resp = client.get("/api/v1/channel-pushes", params={"state": "failed"}, headers=admin)
    [failed] = resp.json()
    assert (failed["order_id"], failed["answer_status"]) == (order_id, 422)
    assert failed["answer"].startswith('{"errors": "fulfillment order is closed')
    assert len(failed["answer"]) == ANSWER_MAX
    [exc] = client.get("/api/v1/exceptions", headers=admin).json()
    assert (exc["kind"], exc["edge_id"], exc["order_id"]) == (
        "channel_push_failed",
        "shopify",
        order_id,
    )
    assert "SF1000000001" in exc["detail"] and "HTTP 422" in exc["detail"]
    assert translated(exc["detail"], "zh").startswith(f"shopify 未接受订单 {order_id} 的发货回传")
    assert central.outbound.send_due("shopify") == 0  # failed: no more tries by itself

    platform.mode = "up"
    resp = client.post(f"/api/v1/channel-pushes/{failed['id']}/retry", headers=admin)
    assert resp.status_code == 200 and resp.json()["state"] == "pending"
    central.outbound.send_due("shopify")
    assert (
        client.get("/api/v1/channel-pushes", params={"state": "failed"}, headers=admin).json() == []
    )
    assert client.get("/api/v1/exceptions", headers=admin).json() == []
    assert len(platform.applied) == 1


def test_retrying_a_write_back_that_is_not_there_is_a_404_problem(
    client: TestClient, admin: dict[str, str]
) -> None:
    resp = client.post("/api/v1/channel-pushes/999/retry", headers=admin)
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


def test_a_cancel_at_central_is_written_back_but_one_the_channel_made_is_not(
    central: Central, client: TestClient, admin: dict[str, str], platform: Platform
) -> None:
    wire(central, "shopify", platform.url)
    for coid in ("C1", "C2"):
        take(client, admin, coid, "shopify")
    central.cancel("shopify:C1", "buyer asked by phone")
    central.cancel("shopify:C2", "cancelled on shopify", tell_channel=False)
    central.cancel("shopify:C1", "again")  # no change, no second write-back
    central.outbound.send_due("shopify")
    [seen] = platform.seen
    assert seen.path == "/admin/api/2024-10/orders/C1/cancel.json"
    assert seen.json["note"] == "buyer asked by phone"


def test_taobao_gets_the_first_parcel_of_an_order_and_the_second_is_skipped_not_refused(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    wire(central, "taobao", platform.url)
    ship(client, admin, edge, "T2", channel="taobao")
    central.outbound.send_due("taobao")
    [seen] = platform.seen
    assert seen.form["out_sid"] == "SF1000000001"
    states = [(p["payload"]["parcel_no"], p["state"]) for p in reversed(pushes(central))]
    assert states == [(1, "sent"), (2, "skipped")]
    assert "first parcel" in pushes(central)[0]["answer"]


def test_a_status_the_platform_has_no_call_for_is_skipped_with_the_reason(
    central: Central, client: TestClient, admin: dict[str, str], platform: Platform
) -> None:
    wire(central, "taobao", platform.url)
    central.cancel(take(client, admin, "T1", "taobao"), "out of stock")
    central.outbound.send_due("taobao")
    assert platform.seen == []
    [push] = pushes(central)
    assert push["state"] == "skipped" and "buyer's refund" in push["answer"]


def test_every_tracking_number_is_written_back_exactly_once_through_network_faults(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    proxy = FaultProxy(upstream_port=platform.port, delay_s=0.6, duplicate_after_s=0.05).start()
    try:
        clock = wire(central, "shopify", proxy.url, timeout_s=0.4, cap_s=5.0)
        client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
        edge.receive("TEA-0001", 40)
        tracking = []
        for n in range(12):
            order = channel_order(f"F{n}", ("TEA-0001", 1), channel="shopify")
            order_id = client.post("/api/v1/orders", json=order, headers=admin).json()["id"]
            parcel = PARCELS[0] | {"parcels": 1, "tracking_number": f"YT{n:010d}"}
            edge.send("order_shipped", order_id=order_id, parcels=[parcel])
            tracking.append(parcel["tracking_number"])
        proxy.chaos({"drop": 0.2, "cut": 0.2, "delay": 0.15, "duplicate": 0.15}, seed=19)
        for _ in range(40):
            central.outbound.send_due("shopify")
            if all(p["state"] == "sent" for p in pushes(central)):
                break
            clock.advance(10)
        assert all(p["state"] == "sent" for p in pushes(central))
        assert proxy.seen["cut"] and proxy.seen["drop"]  # the faults did happen
    finally:
        proxy.stop()
    written = sorted(
        s.json["fulfillment"]["tracking_info"]["number"] for s in platform.applied.values()
    )
    assert written == sorted(tracking)  # each once: none lost, none twice


def test_central_serving_sends_the_write_backs_by_itself(
    central: Central, admin: dict[str, str], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE_CENTRAL_SHOPIFY_PUSH_URL", platform.url)
    monkeypatch.setenv("WAREHOUSE_CENTRAL_SHOPIFY_PUSH_TOKEN", "tok-env")
    central.outbound = Outbound(central.write, central.read, settings_from(), poll_s=0.05)
    with TestClient(create_app(central)) as client:
        take(client, admin, "B1", "shopify")
        client.post(
            "/api/v1/orders/shopify:B1/cancel", json={"reason": "buyer asked"}, headers=admin
        )
        for _ in range(100):  # seen by the platform, then marked sent by the sender
            if platform.seen and pushes(central)[0]["state"] == "sent":
                break
            time.sleep(0.05)
    [seen] = platform.seen
    assert seen.headers["X-Shopify-Access-Token"] == "tok-env"
    assert pushes(central)[0]["state"] == "sent"


def test_a_push_url_that_is_not_http_stops_central_naming_the_setting() -> None:
    with pytest.raises(ValueError, match="WAREHOUSE_CENTRAL_JD_PUSH_URL"):
        settings_from({"WAREHOUSE_CENTRAL_JD_PUSH_URL": "ftp://jd.example"})
    off = settings_from(
        {
            "WAREHOUSE_CENTRAL_JD_PUSH_URL": "https://api.jd.com",
            "WAREHOUSE_CENTRAL_JD_PUSH_ENABLED": "0",
        }
    )
    assert off["jd"].enabled is False and off["shopify"].enabled is False


def test_a_return_received_and_its_refund_due_are_written_back_after_the_shipment(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    wire(central, "shopify", platform.url)
    order_id = ship(client, admin, edge, "R1", parcels=PARCELS[:1])
    rma = authorise(client, admin, order_id).json()["rma"]
    edge.send("return_received", order_id=order_id, parcel_id="P-1", rma=rma, scanned="RT1",
              matched_by="rma", received_at="2026-11-26T10:00:00Z")  # fmt: skip
    grade = {
        "sku": "TEA-0001",
        "qty": 1,
        "grade": "resellable",
        "wrong_item": False,
        "reason": None,
    }
    graded = edge.event("return_graded", order_id=order_id, parcel_id="P-1", rma=rma,
                        lines=[grade], missing=[], closed_at="2026-11-26T10:05:00Z")  # fmt: skip
    for _ in range(2):  # the same event sent again: one refund due, one write-back
        assert edge.post([graded]).status_code == 200
    central.outbound.send_due("shopify")
    states = [(p["payload"]["status"], p["state"]) for p in reversed(pushes(central))]
    assert states == [("shipped", "sent"), ("returned", "skipped"), ("refunded", "sent")]
    assert [s.path for s in platform.seen] == [
        "/admin/api/2024-10/fulfillments.json",
        "/admin/api/2024-10/orders/R1/refunds.json",
    ]
    assert platform.seen[1].json["refund"]["note"].endswith(": 1 units")


def test_an_order_the_edge_cancelled_is_written_back_as_cancelled(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    wire(central, "shopify", platform.url)
    client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
    edge.receive("TEA-0001", 2)
    order_id = take(client, admin, "E1", "shopify")
    edge.send("order_cancelled", order_id=order_id, reason="damaged in the bin")
    central.outbound.send_due("shopify")
    [seen] = platform.seen
    assert seen.path == "/admin/api/2024-10/orders/E1/cancel.json"


ANSWERS = st.lists(st.sampled_from([201, 503, 429, 500, 422, 404]), min_size=1, max_size=7)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answers=ANSWERS)
def test_whatever_the_platform_answers_a_write_back_is_applied_at_most_once_and_ends_as_it_said(
    answers: list[int], tmp_path: Path, platform: Platform
) -> None:
    central = Central(f"sqlite:///{tmp_path / f'{uuid.uuid4().hex}.db'}")
    central.open()
    try:
        platform.seen.clear()
        platform.applied.clear()
        platform.script = list(answers)
        clock = wire(central, "shopify", platform.url, max_attempts=5)
        with central.write() as tx:
            tx.execute(
                "INSERT INTO orders (id, channel, channel_order_id, status, ship_to, created_at,"
                " updated_at) VALUES ('shopify:P1', 'shopify', 'P1', 'released', '{}', 'x', 'x')"
            )
            channel_status.cancelled(tx, "shopify:P1", "property")
        for _ in range(10):
            central.outbound.send_due("shopify")
            clock.advance(3600)
        [push] = pushes(central)
        tried = (answers + [201] * 5)[:5]  # past its script the platform takes it
        first_no = next((n for n, a in enumerate(tried) if a in (422, 404)), None)
        first_ok = next((n for n, a in enumerate(tried) if a == 201), None)
        if first_ok is not None and (first_no is None or first_ok < first_no):
            assert (push["state"], push["attempts"]) == ("sent", first_ok + 1)
            assert len(platform.applied) == 1
        else:
            assert push["state"] == "failed"
            assert push["attempts"] == (first_no + 1 if first_no is not None else 5)
            assert platform.applied == {}
            with central.read() as tx:
                assert tx.value("SELECT COUNT(*) FROM exceptions WHERE status = 'open'") == 1
        assert len(platform.seen) == push["attempts"]  # no call after the last state
    finally:
        central.close()
