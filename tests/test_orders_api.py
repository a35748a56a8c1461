"""Orders through the real app: allocation by expiry, holds and re-allocation, cancellation before
and after picking, pick lists per picker, and the live `pick_list_assigned` event over SSE."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog
from edge.store.ledger import Actor
from edge.store.writer import Tx
from tests.servers import add_operators, run_cli, running_server, seed
from tests.support import EAN13, Floor, log_in_on, new_device

LOT_GTIN = "09506000134376"


pytestmark = pytest.mark.usefixtures("ledger_verifies")  # verify after each scenario


def release(floor: Floor, headers: dict[str, str], ref: str, lines: list[dict[str, Any]]) -> str:
    body = {"channel": "shop", "channel_order_id": ref, "lines": lines}
    resp = floor.client.post("/api/v1/orders", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["order_id"])


def stock_of(floor: Floor, headers: dict[str, str], sku: str = "SKU-1") -> tuple[int, int, int]:
    s = floor.client.get(f"/api/v1/stock/{sku}", headers=headers).json()
    return s["on_hand"], s["allocated"], s["available"]


def detail(floor: Floor, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    resp = floor.client.get(f"/api/v1/orders/{order_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def history(order: dict[str, Any]) -> list[tuple[str | None, str, str]]:
    return [(h["from_status"], h["to_status"], h["reason"]) for h in order["history"]]


def cancel(floor: Floor, headers: dict[str, str], order_id: str) -> httpx.Response:
    url = f"/api/v1/orders/{order_id}/cancel"
    return floor.client.post(url, json={"reason": "customer asked"}, headers=headers)


def test_an_order_reserves_the_lot_that_expires_first(floor: Floor) -> None:
    def lots(tx: Tx) -> None:
        catalog.upsert_product(tx, sku="SKU-3", name="Matcha 30g", lot_tracked=True)
        catalog.upsert_lot(tx, sku="SKU-3", lot="L-LATE", expiry="2031-01-31")
        catalog.upsert_lot(tx, sku="SKU-3", lot="L-SOON", expiry="2030-01-31")
        receive(tx, ReceiveStock("SKU-3", "A-01-02", 4, lot="L-LATE"), Actor())
        receive(tx, ReceiveStock("SKU-3", "B-02-01", 2, lot="L-SOON"), Actor())

    floor.store.writer.call(lots)
    sup = floor.login("B-SUP")

    order = release(floor, sup, "FEFO-1", [{"sku": "SKU-3", "qty": 3}])

    allocations = detail(floor, sup, order)["lines"][0]["allocations"]
    assert sorted(allocations, key=lambda a: a["lot"]) == [
        {"location": "A-01-02", "lot": "L-LATE", "qty": 1},
        {"location": "B-02-01", "lot": "L-SOON", "qty": 2},
    ]


def test_cancelling_before_picking_gives_the_reservation_back(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    order = release(floor, sup, "CX-1", [{"sku": "SKU-1", "qty": 3}])
    assert stock_of(floor, sup) == (10, 3, 7)

    resp = cancel(floor, sup, order)

    assert resp.status_code == 200, resp.text
    assert resp.json() == {"order_id": order, "status": "cancelled", "put_back": []}
    assert stock_of(floor, sup) == (10, 0, 10)
    after = detail(floor, sup, order)
    assert [ln["allocations"] for ln in after["lines"]] == [[]]
    assert history(after) == [
        (None, "released", ""),
        ("released", "cancelled", "customer asked"),
    ]


def test_cancelling_after_picking_makes_put_back_tasks_for_the_units_in_the_tote(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    order = release(floor, sup, "CX-2", [{"sku": "SKU-1", "qty": 3}, {"sku": "SKU-2", "qty": 1}])
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01", EAN13, EAN13):
        assert floor.scan(picker, raw).status_code == 200

    resp = cancel(floor, sup, order)

    assert resp.status_code == 200, resp.text
    put_back = [{"container": "T-0001", "sku": "SKU-1", "lot": "", "qty": 2}]
    assert resp.json() == {"order_id": order, "status": "cancelled", "put_back": put_back}
    rows = floor.store.read().execute(
        "SELECT order_id, container, sku, lot, qty, status FROM putback_tasks"
    )
    assert [tuple(r) for r in rows] == [(order, "T-0001", "SKU-1", "", 2, "open")]
    assert stock_of(floor, sup) == (8, 0, 8)
    assert stock_of(floor, sup, "SKU-2") == (5, 0, 5)
    assert [h[:2] for h in history(detail(floor, sup, order))] == [
        (None, "released"),
        ("released", "picking"),
        ("picking", "cancelled"),
    ]


def test_cancelling_the_only_order_of_a_list_ends_the_list_and_the_next_one_is_offered(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    first = release(floor, sup, "CX-3", [{"sku": "SKU-1", "qty": 2}])
    picker = floor.login("B-PICK")
    first_list = floor.start(picker, "pick").json()["view"]["list_id"]
    floor.scan(picker, "T-0001")
    cancel(floor, sup, first)
    release(floor, sup, "CX-4", [{"sku": "SKU-2", "qty": 1}])

    again = floor.start(picker, "pick").json()

    assert [t["channel_order_id"] for t in again["view"]["totes"]] == ["CX-4"]
    lists = floor.client.get("/api/v1/pick-lists", headers=picker).json()
    assert [(pl["id"], pl["status"]) for pl in lists] == [
        (again["view"]["list_id"], "open"),
        (first_list, "done"),
    ]


def test_an_order_on_hold_is_allocated_once_stock_arrives(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    order = release(floor, sup, "HOLD-1", [{"sku": "SKU-1", "qty": 12}])
    floor.store.writer.call(lambda tx: receive(tx, ReceiveStock("SKU-1", "B-02-01", 5), Actor()))

    resp = floor.client.post(f"/api/v1/orders/{order}/allocate", headers=sup)

    assert resp.json() == {"order_id": order, "status": "released"}
    assert history(detail(floor, sup, order)) == [
        (None, "released", ""),
        ("released", "on_hold", "insufficient stock (SKU-1: need 12, 10 free)"),
        ("on_hold", "released", ""),
    ]
    assert stock_of(floor, sup) == (15, 12, 3)


def test_a_picker_sees_only_their_own_lists_and_gets_the_one_made_for_them(floor: Floor) -> None:
    floor.store.writer.call(lambda tx: add_operators(tx, ["B-PICK-2"]))
    sup = floor.login("B-SUP")
    orders = [release(floor, sup, f"PL-{n}", [{"sku": "SKU-1", "qty": 1}]) for n in range(2)]
    made = [
        floor.client.post(
            "/api/v1/pick-lists", json={"order_ids": [o], "assignee_badge": badge}, headers=sup
        ).json()["list_id"]
        for o, badge in zip(orders, ("B-PICK", "B-PICK-2"), strict=True)
    ]
    picker, other = floor.login("B-PICK"), floor.login("B-PICK-2")

    mine = floor.client.get("/api/v1/pick-lists", headers=picker).json()
    theirs = floor.client.get("/api/v1/pick-lists", headers=other).json()
    everyone = floor.client.get("/api/v1/pick-lists", headers=sup).json()
    started = floor.start(other, "pick").json()

    assert [pl["id"] for pl in mine] == [made[0]]
    assert [pl["id"] for pl in theirs] == [made[1]]
    assert sorted(pl["id"] for pl in everyone) == sorted(made)
    assert started["view"]["list_id"] == made[1]


# --- the live event stream, through a real server ------------------------------------------


def seed_floor(tx: Tx) -> None:
    catalog.upsert_product(tx, sku="SKU-1", name="Green tea 100g")
    catalog.add_barcode(tx, code=EAN13, sku="SKU-1")
    catalog.upsert_location(tx, code="A-01-01", type="bin", pick_seq=10)
    catalog.upsert_container(tx, code="T-0001", type="tote")
    add_operators(tx, ["B-PICK"])
    add_operators(tx, ["B-SUP"], role="supervisor")
    receive(tx, ReceiveStock("SKU-1", "A-01-01", 10), Actor())


def log_in(http: httpx.Client, badge: str) -> str:
    headers = log_in_on(http, new_device(http, f"HH-{badge}"), badge)
    return headers["Authorization"].removeprefix("Bearer ")


def next_event(lines: Iterator[str], name: str, *, within: int = 50) -> dict[str, Any]:
    """The data of the next `name` event; other events (hello, ping) are passed over."""
    for _ in range(within):
        if next(lines) == f"event: {name}":
            data = next(lines)
            assert data.startswith("data: "), data
            return dict(json.loads(data.removeprefix("data: ")))
    raise AssertionError(f"no {name} event in {within} lines")


@pytest.mark.slow
def test_a_list_made_for_a_picker_reaches_their_open_event_stream(tmp_path: Path) -> None:
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    seed(data_dir / "edge.db", seed_floor)

    with running_server(data_dir) as server:
        # A read timeout: a missing event fails the test instead of hanging it.
        with httpx.Client(base_url=server.url, timeout=10.0) as http:
            sup = {"Authorization": f"Bearer {log_in(http, 'B-SUP')}"}
            body = {
                "channel": "shop",
                "channel_order_id": "SSE-1",
                "lines": [{"sku": "SKU-1", "qty": 1}],
            }
            order = http.post("/api/v1/orders", json=body, headers=sup).json()["order_id"]
            token = log_in(http, "B-PICK")
            with http.stream("GET", "/api/v1/events/stream", params={"access_token": token}) as sse:
                lines = sse.iter_lines()
                assert next_event(lines, "hello") == {}
                made = http.post(
                    "/api/v1/pick-lists",
                    json={"order_ids": [order], "assignee_badge": "B-PICK"},
                    headers=sup,
                ).json()
                event = next_event(lines, "pick_list_assigned")
        exit_code = server.stop()

    assert exit_code == 0, server.log()
    assert event == {"list_id": made["list_id"]}
    verified = run_cli("verify", "--db", str(server.db_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr


@pytest.mark.parametrize(
    ("given_id", "asked"),
    [
        ("", ["TB-77", "shop:TB-77"]),  # released at the edge: an id of its own, no prefix in it
        ("shop:TB-77", ["TB-77", "shop:TB-77"]),  # from central: the prefix is part of the id
    ],
    ids=["edge id", "central id"],
)
def test_an_order_is_found_by_its_id_and_by_its_channel_number_with_or_without_the_prefix(
    floor: Floor, given_id: str, asked: list[str]
) -> None:
    sup = floor.login("B-SUP")
    body = {"channel": "shop", "channel_order_id": "TB-77", "lines": [{"sku": "SKU-1", "qty": 1}]}
    made = floor.client.post("/api/v1/orders", json=body | {"id": given_id}, headers=sup)
    order_id = made.json()["order_id"]

    found = [floor.client.get(f"/api/v1/orders/{key}", headers=sup) for key in [order_id, *asked]]

    assert [(f.status_code, f.json().get("id")) for f in found] == [(200, order_id)] * 3
