"""Central's numbers and texts stay within their declared ranges: a value past int64, a boolean
or a text where a whole number belongs is refused as problem+json and changes nothing."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.app import create_app
from central_sync.server.central import Central
from central_sync.server.routes.returns import refunds_csv
from central_sync.server.webhooks import shopify_hmac
from tests.central.support import EdgeSide, channel_order, move, product, snapshot

BIG = 2**63


def test_a_change_feed_cursor_past_int64_is_refused(edge: EdgeSide) -> None:
    resp = edge.client.get(
        f"/api/v1/edges/{edge.edge_id}/changes",
        params={"after": BIG, "wait": 0},
        headers=edge.headers,
    )

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")


def test_an_epoch_or_an_exception_id_past_int64_is_refused(
    edge: EdgeSide, client: TestClient, admin: dict[str, str]
) -> None:
    own = edge.client.get(
        f"/api/v1/edges/{edge.edge_id}/events", params={"epoch": BIG}, headers=edge.headers
    )
    resolve = client.post(f"/api/v1/exceptions/{BIG}/resolve", headers=admin)

    assert [(r.status_code, r.json()["code"]) for r in (own, resolve)] == [
        (400, "invalid_request"),
        (400, "invalid_request"),
    ]


@pytest.mark.parametrize("qty", [BIG, 2**64, 10**12])
def test_an_edge_event_moving_more_than_the_ledger_allows_is_refused_whole(
    edge: EdgeSide, central: Central, qty: int
) -> None:
    before = snapshot(central)

    resp = edge.post(
        [edge.event("stock_received", move("TEA-0001", qty, "received", "A-01-01/on_hand"))]
    )

    assert (resp.status_code, resp.json()["code"]) == (422, "invalid_batch")
    assert resp.json()["params"]["field"] == "payload.movements[0].qty"
    assert snapshot(central) == before


@pytest.mark.parametrize("qty", [True, "1", 1.5, BIG])
def test_a_return_line_takes_only_a_whole_number_in_range(
    client: TestClient, admin: dict[str, str], central: Central, qty: Any
) -> None:
    before = snapshot(central)
    body = {"lines": [{"sku": "TEA-0001", "qty": qty}]}

    resp = client.post("/api/v1/orders/O-1/returns", json=body, headers=admin)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert snapshot(central) == before


@pytest.mark.parametrize("qty", [BIG, 2**64, True, "1", 1.5, -1, 0])
def test_an_order_line_in_the_common_shape_takes_only_a_whole_number_in_range(
    client: TestClient, admin: dict[str, str], catalogue: list[str], central: Central, qty: Any
) -> None:
    before = snapshot(central)

    resp = client.post(
        "/api/v1/orders", json=channel_order("C-1", (catalogue[0], qty)), headers=admin
    )

    assert resp.status_code == 422, resp.text
    assert resp.json()["code"] == "order_rejected"
    assert snapshot(central) == before


@pytest.mark.parametrize("field", ["ship_by", "ordered_at"])
def test_an_order_time_without_a_zone_or_unparseable_is_rejected(
    client: TestClient, admin: dict[str, str], catalogue: list[str], central: Central, field: str
) -> None:
    before = snapshot(central)
    bodies = [
        channel_order(f"C-{n}", (catalogue[0], 1), **{field: when})
        for n, when in enumerate(["next tuesday", "2026-12-03T10:00:00"])
    ]

    answers = [client.post("/api/v1/orders", json=body, headers=admin) for body in bodies]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(422, "order_rejected")] * 2
    assert snapshot(central) == before


@pytest.fixture(scope="module")
def one_central(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Central, TestClient, dict[str, str]]]:
    """One central on SQLite for the whole table (the guard is the same on either backend): the
    central, its client, and each route's headers (webhook's signature added per body)."""
    central = Central(f"sqlite:///{tmp_path_factory.mktemp('central') / 'central.db'}")
    central.open()
    central.webhook_secrets = {"shopify": b"s3cret"}
    headers = {
        "events": f"Bearer {central.add_edge('edge-1', 'Edge one')}",
        "orders": f"Bearer {central.create_admin_token()}",
    }
    with TestClient(create_app(central)) as client:
        yield central, client, headers
    central.close()


# A body no reader may take: the guard in front of every route refuses each whole (the webhook's
# signed, so it is the body and not the signature that is refused).
NOT_STRICT_JSON: dict[str, bytes] = {
    "nested 100000 deep": b"[" * 100_000 + b"]" * 100_000,
    "objects nested 5000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "NaN": b'{"id": NaN}',
    "a lone surrogate": b'{"id": "\\ud800"}',
    "invalid UTF-8": b'{"id": "\xff"}',
    "a key twice": b'{"id": 1, "id": 2}',
}
JSON = {"content-type": "application/json"}
RAW_ROUTES = {
    "events": "/api/v1/edges/edge-1/events",
    "orders": "/api/v1/orders",
    "webhook": "/api/v1/channels/shopify/webhook",
}


@pytest.mark.parametrize("route", list(RAW_ROUTES))
@pytest.mark.parametrize("body", NOT_STRICT_JSON.values(), ids=list(NOT_STRICT_JSON))
def test_a_body_that_is_not_strict_json_is_refused_on_the_routes_that_read_it_raw(
    one_central: tuple[Central, TestClient, dict[str, str]], route: str, body: bytes
) -> None:
    central, client, tokens = one_central
    signed = {"X-Shopify-Hmac-Sha256": shopify_hmac(b"s3cret", body)}
    auth = {"Authorization": tokens[route]} if route in tokens else signed
    admin = {"Authorization": tokens["orders"]}
    before = snapshot(central)

    resp = client.post(RAW_ROUTES[route], content=body, headers=auth | JSON)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request"), resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert snapshot(central) == before
    assert client.get("/api/v1/edges", headers=admin).status_code == 200  # it serves on


INVISIBLE = {"NUL": "TEA\x00-1", "RTL override": "\u202eTEA-1", "zero-width space": "TEA\u200b-1"}
ADMIN_TEXT: dict[str, Callable[[str], tuple[str, str, dict[str, Any]]]] = {
    "product sku": lambda v: ("post", "/api/v1/products", {"products": [product(v)]}),
    "product name": lambda v: ("post", "/api/v1/products", {"products": [product("T-1", v)]}),
    "barcode": lambda v: (
        "post",
        "/api/v1/products",
        {"products": [product("T-1", barcodes=[{"code": v}])]},
    ),
    "kit sku": lambda v: (
        "post",
        "/api/v1/kits",
        {"kits": [{"sku": v, "name": "Kit", "components": [{"sku": "T-1", "qty": 2}]}]},
    ),
    "return carrier": lambda v: ("put", "/api/v1/returns/policy", {"carrier": v}),
}
TEXT_CASES = [(f, v) for f in ADMIN_TEXT for v in INVISIBLE]


@pytest.mark.parametrize(("field", "value"), TEXT_CASES, ids=[f"{f}={v}" for f, v in TEXT_CASES])
def test_a_code_or_name_with_a_control_or_invisible_character_is_refused_by_central(
    one_central: tuple[Central, TestClient, dict[str, str]], field: str, value: str
) -> None:
    central, client, tokens = one_central
    method, route, body = ADMIN_TEXT[field](INVISIBLE[value])
    before = snapshot(central)

    resp = client.request(method, route, json=body, headers={"Authorization": tokens["orders"]})

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request"), resp.text
    assert "a control or invisible character" in resp.json()["messages"]["en"]
    assert snapshot(central) == before


@pytest.mark.parametrize(
    "reason", ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=cmd|x", "\r=cmd|x"]
)
def test_a_refund_export_keeps_a_cell_that_a_spreadsheet_would_run_as_text(reason: str) -> None:
    row = {"id": 1, "lines": [{"sku": "TEA-0001", "qty": 1, "wrong_item": False}], "reason": reason}

    exported = refunds_csv([row])

    cells = next(csv.DictReader(io.StringIO(exported)))
    assert cells["reason"] == "'" + reason
