"""Shopify's own webhook body reaches a real `warehouse-central serve` on 127.0.0.1 at
/api/v1/channels/shopify/webhook: taken when its X-Shopify-Hmac-Sha256 is the body's, answered
401 problem+json with nothing changed when it is not (tests/fixtures/channels/README.md names
the body's source: Shopify's Python SDK fixtures)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from central_sync.server.webhooks import secret_setting, shopify_hmac
from tests.central.servers import CentralServer, running_central

SECRET = "shpss_test_secret_0123456789"
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "channels" / "shopify_orders.json"
URL = "/api/v1/channels/shopify/webhook"
IPODS = ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK")


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[CentralServer]:
    with running_central(db_url, tmp_path, env={secret_setting("shopify"): SECRET}) as running:
        central = Central(db_url)
        central.upsert_products([(s, ProductIn(name=s)) for s in (*IPODS, "IPOD2009BLACK")])
        central.close()
        yield running


def order_body() -> bytes:
    """The orders/updated body: Shopify sends the order object itself."""
    order = json.loads(FIXTURE.read_text(encoding="utf-8"))["orders"][0]
    return json.dumps(order).encode()


def post(
    server: CentralServer, body: bytes, signature: str | None, topic: str = "orders/updated"
) -> httpx.Response:
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic}
    if signature is not None:
        headers["X-Shopify-Hmac-Sha256"] = signature
    return httpx.post(server.url + URL, content=body, headers=headers, timeout=10)


def stored_orders(db_url: str) -> list[dict]:
    central = Central(db_url)
    try:
        return central.orders(limit=100)
    finally:
        central.close()


def test_a_shopify_webhook_signed_with_the_app_secret_is_taken_in(
    server: CentralServer, db_url: str
) -> None:
    body = order_body()

    first = post(server, body, shopify_hmac(SECRET.encode(), body))
    again = post(server, body, shopify_hmac(SECRET.encode(), body))

    assert first.status_code == 201, first.text
    assert first.json()["id"] == "shopify:450789469"
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    central = Central(db_url)
    detail = central.order("shopify:450789469")
    central.close()
    assert [(ln["sku"], ln["qty"]) for ln in detail["lines"]] == [("IPOD2008RED", 1)]  # refunds
    assert detail["buyer_note"] == "custom engraving: Happy Birthday; colour: green"


def test_shopifys_orders_updated_with_a_new_ship_to_is_answered_address_updated(
    server: CentralServer, db_url: str
) -> None:
    first = FIXTURE.with_name("shopify_orders_2026_07.json").read_text(encoding="utf-8")
    order = json.dumps(json.loads(first)["orders"][0]).encode()
    update = FIXTURE.with_name("shopify_order_address_updated.json").read_text(encoding="utf-8")
    moved = json.dumps(json.loads(update)["order"]).encode()  # shopify-api-ruby test_33's
    assert post(server, order, shopify_hmac(SECRET.encode(), order)).status_code == 201

    resp = post(server, moved, shopify_hmac(SECRET.encode(), moved))
    again = post(server, moved, shopify_hmac(SECRET.encode(), moved))

    assert (resp.status_code, resp.json()["status"]) == (200, "updated"), resp.text
    assert "address updated from shopify (Bob Norman, 123 Ship Street" in resp.json()["reason"]
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    central = Central(db_url)
    ship_to = central.order("shopify:450789469")["ship_to"]
    central.close()
    assert (ship_to["address"], ship_to["city"]) == ("123 Ship Street", "Shipsville")


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "no signature header was sent"),
        ("not-a-signature", "the signature is not the body's"),
        (shopify_hmac(b"another app's secret", order_body()), "the signature is not the body's"),
    ],
)
def test_a_shopify_webhook_without_the_bodys_signature_is_a_401_and_changes_nothing(
    server: CentralServer, db_url: str, signature: str | None, reason: str
) -> None:
    resp = post(server, order_body(), signature)

    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["code"] == "webhook_signature_invalid"
    assert reason in problem["detail"]
    assert secret_setting("shopify") in problem["detail"]
    assert stored_orders(db_url) == []


def test_a_body_changed_after_signing_is_refused(server: CentralServer, db_url: str) -> None:
    body = order_body()
    signature = shopify_hmac(SECRET.encode(), body)

    resp = post(server, body.replace(b'"quantity": 1', b'"quantity": 9', 1), signature)

    assert (resp.status_code, resp.json()["code"]) == (401, "webhook_signature_invalid")
    assert stored_orders(db_url) == []


def test_a_channel_without_a_webhook_is_named(server: CentralServer) -> None:
    resp = httpx.post(server.url + "/api/v1/channels/ebay/webhook", content=b"{}", timeout=10)

    assert (resp.status_code, resp.json()["code"]) == (404, "not_found")


def test_a_webhook_before_its_secret_is_set_is_refused_naming_the_setting(
    central: Central, client: TestClient
) -> None:
    central.webhook_secrets = {}

    resp = client.post(URL, content=order_body(), headers={"X-Shopify-Hmac-Sha256": "x"})

    assert (resp.status_code, resp.json()["code"]) == (503, "webhook_not_configured")
    assert secret_setting("shopify") in resp.json()["detail"]
    assert central.orders() == []


def test_an_order_shopify_cancelled_after_central_took_it_is_cancelled_at_the_edge_too(
    central: Central, client: TestClient, make_edge: Any
) -> None:
    central.webhook_secrets = {"shopify": SECRET.encode()}
    edge = make_edge("edge-1")
    central.upsert_products(
        [(s, ProductIn(name=s)) for s in ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK")]
    )
    for sku in ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"):
        edge.receive(sku, 5)
    order = json.loads(order_body())
    body = json.dumps(order).encode()
    sign = {"X-Shopify-Hmac-Sha256": shopify_hmac(SECRET.encode(), body)}
    assert client.post(URL, content=body, headers=sign).json()["order_status"] == "released"
    cancelled = json.dumps(
        order | {"cancelled_at": "2021-02-13T09:00:00-05:00", "cancel_reason": "customer"}
    ).encode()

    resp = client.post(
        URL,
        content=cancelled,
        headers={"X-Shopify-Hmac-Sha256": shopify_hmac(SECRET.encode(), cancelled)},
    )

    assert resp.status_code == 200, resp.text
    assert central.order("shopify:450789469")["status"] == "cancelled"
    assert edge.changes()["changes"][-1]["type"] == "order_cancelled"


def published(name: str) -> bytes:
    """A webhook body from one of Shopify's published REST answers: the order object itself."""
    document = json.loads((FIXTURE.parent / name).read_text(encoding="utf-8"))
    [order] = document["orders"] if "orders" in document else [document["order"]]
    return json.dumps(order).encode()


@pytest.mark.parametrize(
    ("name", "topic", "status", "answer"),
    [
        ("shopify_orders_2026_07.json", "orders/updated", 201, {"status": "imported"}),
        (
            "shopify_order_no_address.json",
            "orders/create",
            201,
            {"status": "imported", "order_status": "on_hold"},
        ),
        (
            "shopify_order_fulfilment_service.json",
            "orders/create",
            200,
            {
                "status": "not_taken",
                "field": "order.line_items",
                "reason": "no line ships from this warehouse: line_items[0] IPOD2009BLACK is"
                " fulfilled elsewhere (fulfillment_service 'shipwire-app')",
            },
        ),
        (
            "shopify_order_custom_lines.json",
            "orders/create",
            200,
            {
                "status": "not_taken",
                "field": "order.line_items[0].sku",
                "reason": "missing (the line 'Red Leather Coat')",
            },
        ),
        (
            "shopify_order_cancelled.json",
            "orders/cancelled",
            200,
            {"status": "not_taken", "reason": "status 'cancelled' is not ready to ship"},
        ),
    ],
)
def test_each_published_shopify_order_body_is_answered_2xx_saying_what_central_did(
    server: CentralServer, db_url: str, name: str, topic: str, status: int, answer: dict
) -> None:
    body = published(name)

    resp = post(server, body, shopify_hmac(SECRET.encode(), body), topic)

    # a refusal of the body itself is no failure to deliver: a 4xx would have Shopify retry
    # the same body for hours and then delete the subscription
    assert resp.status_code == status, resp.text
    assert resp.json().items() >= answer.items()
    taken = [o["id"] for o in stored_orders(db_url)]
    assert taken == ([resp.json()["id"]] if status == 201 else [])


def test_a_refunds_create_webhook_is_answered_200_and_changes_nothing(
    server: CentralServer, db_url: str
) -> None:
    refund = json.loads((FIXTURE.parent / "shopify_refund.json").read_text(encoding="utf-8"))
    body = json.dumps(refund["refund"]).encode()

    resp = post(server, body, shopify_hmac(SECRET.encode(), body), "refunds/create")

    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "status": "ignored",
        "topic": "refunds/create",
        "reason": "refunds/create carries no order: central takes orders/create, orders/updated,"
        " orders/paid and orders/cancelled (a refund arrives in orders/updated's refunds)",
    }
    assert stored_orders(db_url) == []


def test_a_webhook_with_an_unsupported_topic_and_no_signature_is_still_a_401(
    server: CentralServer,
) -> None:
    resp = post(server, b"{}", None, "refunds/create")

    assert resp.status_code == 401


def test_a_webhook_order_whose_ship_to_holds_a_bidi_override_is_refused_in_both_languages(
    server: CentralServer, db_url: str
) -> None:
    order = json.loads(order_body())
    order["shipping_address"]["address1"] = "Chestnut Street 92\u202e"
    body = json.dumps(order).encode()

    resp = post(server, body, shopify_hmac(SECRET.encode(), body))

    problem = resp.json()
    assert (resp.status_code, problem["code"]) == (422, "order_rejected"), resp.text
    assert problem["messages"]["en"].startswith(
        "Order 450789469 was refused: ship_to.address: holds U+202E (RIGHT-TO-LEFT OVERRIDE)"
    )
    assert problem["messages"]["zh"].startswith(
        "订单 450789469 被拒绝：ship_to.address：含有 U+202E (RIGHT-TO-LEFT OVERRIDE)"
    )
    assert stored_orders(db_url) == []
