"""`POST /api/v1/orders` with one order is answered by a lean route in front of the documented
one (routes/admin.py `OneOrder`, for a flash sale's CPU); every request gets the answer the
documented route gives, and whatever is not one order in a JSON object is left to that route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.routes.admin import OneOrder
from tests.central.support import EdgeSide, channel_order

pytestmark = pytest.mark.usefixtures("catalogue")


@contextmanager
def documented_route_only(client: TestClient) -> Iterator[None]:
    """The app without its lean route: every request goes to `post_orders`."""
    routes = client.app.router.routes  # type: ignore[attr-defined]
    (lean,) = [r for r in routes if isinstance(r, OneOrder)]
    at = routes.index(lean)
    routes.remove(lean)
    try:
        yield
    finally:
        routes.insert(at, lean)


def requests(tag: str, admin: dict[str, str], edge: EdgeSide) -> list[dict[str, Any]]:
    """One of each kind of request to the path; `tag` makes this pass's orders its own."""
    good = channel_order(f"1{tag}", ("TEA-0001", 1))
    as_json = {"Content-Type": "application/json"}
    return [
        {"json": good, "headers": admin},
        {"json": good, "headers": admin},  # the same again: a duplicate
        {"json": channel_order(f"2{tag}", ("NOPE-1", 1)), "headers": admin},  # unknown SKU
        {"json": {"channel": "shop", "lines": []}, "headers": admin},  # bad field
        {"json": good | {"channel_order_id": f"3{tag}"}, "headers": {}},  # no token
        {"json": good | {"channel_order_id": f"4{tag}"}, "headers": edge.headers},  # an edge
        {"content": b'{"channel": ', "headers": admin | as_json},  # not JSON
        {"content": b"[1, 2]", "headers": admin | as_json},  # not an object
        {"content": b"", "headers": admin},  # no body
        {"json": {"orders": [channel_order(f"5{tag}", ("TEA-0002", 1))]}, "headers": admin},
        {
            "content": json.dumps(channel_order(f"6{tag}", ("SNK-0001", 1))).encode(),
            "headers": admin | {"Content-Type": "application/json; charset=utf-8"},
        },
        {
            "content": json.dumps(channel_order(f"7{tag}", ("SNK-0001", 1))).encode(),
            "headers": admin | {"Content-Type": "text/plain"},
        },
    ]


def answers(client: TestClient, tag: str, admin: dict[str, str], edge: EdgeSide) -> list[Any]:
    """(status, body) of each request, this pass's tag taken out of the body."""
    found = []
    for kw in requests(tag, admin, edge):
        resp = client.post("/api/v1/orders", **kw)
        found.append((resp.status_code, json.loads(resp.text.replace(tag, "_") or "null")))
    return found


def test_every_request_to_the_orders_path_gets_the_documented_routes_answer(
    client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    edge.receive("TEA-0001", 10)

    lean = answers(client, "QQ1", admin, edge)
    with documented_route_only(client):
        documented = answers(client, "QQ2", admin, edge)

    assert lean == documented
    codes = [(status, body.get("code")) for status, body in lean]
    assert codes == [
        (201, None),
        (200, None),  # a duplicate
        (422, "order_rejected"),
        (422, "order_rejected"),
        (401, "not_authenticated"),
        (403, "admin_only"),
        (400, "invalid_request"),  # not JSON
        (422, "order_rejected"),  # a JSON list: the intake refuses it
        (400, "invalid_request"),  # no body
        (200, None),  # a batch
        (201, None),
        (422, "order_rejected"),  # text/plain: the body is no order
    ]
    assert lean[0][1] == {
        "index": 0,
        "status": "imported",
        "channel_order_id": "1_",
        "id": "shop:1_",
        "warehouse": "edge-1",
        "order_status": "released",
    }


def test_one_order_is_answered_without_the_documented_route_and_a_batch_by_it(
    client: TestClient, admin: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (lean,) = [r for r in client.app.router.routes if isinstance(r, OneOrder)]  # type: ignore[attr-defined]
    reached = []
    handle = lean.documented.handle

    async def counted(*args: Any) -> None:
        reached.append(args[0]["path"])
        await handle(*args)

    monkeypatch.setattr(lean.documented, "handle", counted)

    one = client.post("/api/v1/orders", json=channel_order("1", ("TEA-0001", 1)), headers=admin)
    assert (one.status_code, reached) == (201, [])
    batch = {"orders": [channel_order("2", ("TEA-0001", 1))]}
    assert client.post("/api/v1/orders", json=batch, headers=admin).status_code == 200
    assert reached == ["/api/v1/orders"]
