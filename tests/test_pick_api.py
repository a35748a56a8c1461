"""Picking through the real app: release, batch list, tote → location → item, refusals, short pick."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.config import load_settings
from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor
from tests.support import EAN13, GTIN, Floor, add_colleague, snapshot

# each test runs with the writer thread and with the writer process (tests/conftest.py)
WRITERS = ("thread", "process")

LOT_GTIN = "09506000134376"  # SKU-3, lot-tracked, in the tests that add it


pytestmark = pytest.mark.usefixtures("ledger_verifies")  # verify after each scenario


def _release(
    floor: Floor, headers: dict[str, str], ref: str, lines: list[dict[str, Any]]
) -> dict[str, Any]:
    resp = floor.client.post(
        "/api/v1/orders",
        json={"channel": "shop", "channel_order_id": ref, "lines": lines},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def test_a_released_order_reserves_stock_and_the_same_channel_order_twice_makes_one(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")

    first = _release(floor, sup, "TB-1", [{"sku": "SKU-1", "qty": 3}])
    again = _release(floor, sup, "TB-1", [{"sku": "SKU-1", "qty": 3}])

    assert (first["status"], again["duplicate"], again["order_id"]) == (
        "released",
        True,
        first["order_id"],
    )
    stock = floor.client.get("/api/v1/stock/SKU-1", headers=sup).json()
    assert (stock["on_hand"], stock["allocated"], stock["available"]) == (10, 3, 7)


def test_an_order_that_cannot_be_fully_allocated_goes_on_hold_with_the_reason(floor: Floor) -> None:
    sup = floor.login("B-SUP")

    held = _release(floor, sup, "TB-2", [{"sku": "SKU-1", "qty": 11}])

    detail = floor.client.get(f"/api/v1/orders/{held['order_id']}", headers=sup).json()
    assert detail["status"] == "on_hold"
    assert detail["hold_reason"] == "insufficient stock (SKU-1: need 11, 10 free)"
    assert floor.client.get("/api/v1/stock/SKU-1", headers=sup).json()["allocated"] == 0


def test_a_batch_pick_moves_each_unit_into_its_orders_tote(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    one = _release(floor, sup, "TB-3", [{"sku": "SKU-1", "qty": 2}])
    two = _release(floor, sup, "TB-4", [{"sku": "SKU-1", "qty": 1}, {"sku": "SKU-2", "qty": 1}])
    picker = floor.login("B-PICK")
    started = floor.client.post(
        "/api/v1/work-sessions", json={"workflow": "pick"}, headers=picker
    ).json()
    assert started["view"]["step"] == "tote"
    floor.store.writer.call(
        lambda tx: tx.execute("INSERT INTO containers (code, type) VALUES ('T-0002','tote')")
    )

    answers = [
        floor.scan(picker, raw) for raw in ("T-0001", "T-0002", "A-01-01", EAN13, EAN13, EAN13)
    ]
    answers += [floor.scan(picker, raw) for raw in ("A-01-02", "4006381333931")]

    assert [a.status_code for a in answers] == [200] * 8, [a.text for a in answers]
    assert answers[-1].json()["view"]["step"] == "done"
    for order in (one, two):
        detail = floor.client.get(f"/api/v1/orders/{order['order_id']}", headers=sup).json()
        assert detail["status"] == "picked"
        assert [h["to_status"] for h in detail["history"]] == ["released", "picking", "picked"]
    stock = floor.client.get("/api/v1/stock", headers=sup).json()
    assert {
        (b["container"], b["sku"], b["qty"], b["bucket"]) for b in stock if b["bucket"] == "picked"
    } == {
        ("T-0001", "SKU-1", 2, "picked"),
        ("T-0002", "SKU-1", 1, "picked"),
        ("T-0002", "SKU-2", 1, "picked"),
    }


def test_a_wrong_item_is_refused_and_moves_nothing(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    _release(floor, sup, "TB-5", [{"sku": "SKU-1", "qty": 1}])
    picker = floor.login("B-PICK")
    floor.client.post("/api/v1/work-sessions", json={"workflow": "pick"}, headers=picker)
    floor.scan(picker, "T-0001")
    floor.scan(picker, "A-01-01")
    before = snapshot(floor.store)

    resp = floor.scan(picker, "4006381333931")

    assert resp.status_code == 422
    assert resp.json()["code"] == "wrong_item"
    assert (
        resp.json()["next_message"] == "Scan SKU-1 at A-01-01: 1 to go, into tote T-0001 (slot 1)."
    )
    assert snapshot(floor.store) == before


def test_a_short_pick_holds_the_missing_units_and_the_order_when_no_other_bin_has_them(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    order = _release(floor, sup, "TB-6", [{"sku": "SKU-1", "qty": 4}])
    picker = floor.login("B-PICK")
    floor.client.post("/api/v1/work-sessions", json={"workflow": "pick"}, headers=picker)
    floor.scan(picker, "T-0001")
    floor.scan(picker, "A-01-01")
    floor.scan(picker, EAN13)

    resp = floor.scan(picker, "CMD:SHORT")

    assert resp.status_code == 200, resp.text
    assert resp.json()["tone"] == "info"
    detail = floor.client.get(f"/api/v1/orders/{order['order_id']}", headers=sup).json()
    assert detail["status"] == "on_hold"
    stock = floor.client.get("/api/v1/stock/SKU-1", headers=sup).json()
    # the 3 units not found are frozen; the bin's 6 others stay free
    assert (stock["on_hand"], stock["frozen"], stock["picked"], stock["allocated"]) == (6, 3, 1, 0)
    exceptions = floor.client.get("/api/v1/exceptions", headers=sup).json()
    assert [(e["kind"], e["location"]) for e in exceptions] == [("short_pick", "A-01-01")]


def test_units_picked_for_a_cancelled_order_go_back_to_a_bin_and_free_the_tote(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    order = _release(floor, sup, "TB-7", [{"sku": "SKU-1", "qty": 2}])
    picker = floor.login("B-PICK")
    floor.client.post("/api/v1/work-sessions", json={"workflow": "pick"}, headers=picker)
    for raw in ("T-0001", "A-01-01", EAN13):
        floor.scan(picker, raw)
    cancelled = floor.client.post(
        f"/api/v1/orders/{order['order_id']}/cancel",
        json={"reason": "customer cancelled"},
        headers=sup,
    ).json()
    task = floor.client.get("/api/v1/putbacks", headers=sup).json()[0]

    done = floor.client.post(
        f"/api/v1/putbacks/{task['id']}/done", json={"location": "A-01-02"}, headers=sup
    )

    assert cancelled["put_back"] == [{"container": "T-0001", "sku": "SKU-1", "lot": "", "qty": 1}]
    assert done.status_code == 200, done.text
    stock = floor.client.get("/api/v1/stock/SKU-1", headers=sup).json()
    assert (stock["on_hand"], stock["picked"], stock["allocated"]) == (10, 0, 0)
    bound = floor.store.read().execute(
        "SELECT COUNT(*) FROM container_bindings WHERE closed_at IS NULL"
    )
    assert bound.fetchone()[0] == 0


# --- re-allocation, unscanned completion, GS1 counts and lots ----------------------------------


def _pick_started(floor: Floor, *scans: str) -> dict[str, str]:
    """The picker's list started and `scans` accepted, in order."""
    picker = floor.login("B-PICK")
    assert floor.start(picker, "pick").status_code == 200
    for raw in scans:
        resp = floor.scan(picker, raw)
        assert resp.status_code == 200, resp.text
    return picker


def test_a_short_pick_re_allocated_from_another_bin_sends_the_picker_there(floor: Floor) -> None:
    floor.store.writer.call(lambda tx: receive(tx, ReceiveStock("SKU-1", "B-02-01", 5), Actor()))
    sup = floor.login("B-SUP")
    order = _release(floor, sup, "TB-8", [{"sku": "SKU-1", "qty": 4}])["order_id"]
    picker = _pick_started(floor, "T-0001", "A-01-01", EAN13)

    short = floor.scan(picker, "CMD:SHORT").json()
    rest = [floor.scan(picker, raw).json() for raw in ("B-02-01", EAN13, EAN13, EAN13)]

    assert (short["prompt"], short["view"]["step"]) == ("short_reallocated", "location")
    assert short["message"] == (
        "Short pick noted: 3 × SKU-1 missing at A-01-01. Frozen for a count: 3 × SKU-1 at A-01-01;"
        " the rest there stays free. They will be picked from another bin."
    )
    assert short["next_message"] == "Go to B-02-01 and scan its label."
    tasks = floor.store.read().execute(
        "SELECT location, qty, picked, status FROM pick_tasks ORDER BY id"
    )
    assert [tuple(t) for t in tasks] == [("A-01-01", 4, 1, "short"), ("B-02-01", 3, 3, "done")]
    assert rest[-1]["view"]["step"] == "done"
    detail = floor.client.get(f"/api/v1/orders/{order}", headers=sup).json()
    assert [h["to_status"] for h in detail["history"]] == ["released", "picking", "picked"]
    stock = floor.client.get("/api/v1/stock/SKU-1", headers=sup).json()
    assert (stock["on_hand"], stock["frozen"], stock["picked"], stock["allocated"]) == (8, 3, 4, 0)
    exceptions = floor.client.get("/api/v1/exceptions", headers=sup).json()
    assert [
        (e["kind"], e["location"], json.loads(e["detail"])["reallocated"]) for e in exceptions
    ] == [("short_pick", "A-01-01", True)]
    counts = floor.store.read().execute("SELECT location, sku, reason, status FROM count_tasks")
    assert [tuple(c) for c in counts] == [("A-01-01", "SKU-1", "short_pick", "open")]


@pytest.mark.parametrize(("allowed", "code"), [(True, None), (False, "scan_each_item")])
def test_confirm_completes_the_line_only_where_unscanned_completion_is_allowed(
    store: Store, tmp_path: Path, allowed: bool, code: str | None
) -> None:
    overrides = {
        "edge.data_dir": tmp_path,
        "auth.pin_hash_cost": 10,
        "picking.allow_unscanned_completion": allowed,
    }
    settings = load_settings(env={}, overrides=overrides)
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        order = _release(floor, floor.login("B-SUP"), "TB-9", [{"sku": "SKU-1", "qty": 3}])[
            "order_id"
        ]
        picker = _pick_started(floor, "T-0001", "A-01-01", EAN13)

        resp = floor.scan(picker, "CMD:CONFIRM")

    assert resp.json().get("code") == code
    picks = store.read().execute(
        "SELECT reason, qty FROM movements WHERE type = 'pick' ORDER BY id"
    )
    status = store.read().execute("SELECT status FROM orders WHERE id = ?", (order,)).fetchone()[0]
    if allowed:
        assert resp.json()["view"]["step"] == "done"
        assert ([tuple(p) for p in picks], status) == ([("scanned", 1), ("confirmed", 2)], "picked")
    else:
        assert resp.status_code == 422
        assert ([tuple(p) for p in picks], status) == ([("scanned", 1)], "picking")


def test_a_gs1_count_scan_picks_that_many_units(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    _release(floor, sup, "TB-10", [{"sku": "SKU-1", "qty": 5}])
    picker = _pick_started(floor, "T-0001", "A-01-01")

    three = floor.scan(picker, f"]C102{GTIN}373").json()
    two = floor.scan(picker, f"]C102{GTIN}372").json()

    assert three["message"] == "Picked 3 × SKU-1 into tote T-0001 (slot 1)."
    assert three["view"]["task"]["remaining"] == 2
    assert (two["params"]["qty"], two["view"]["step"]) == (2, "done")
    stock = floor.client.get("/api/v1/stock/SKU-1", headers=sup).json()
    assert (stock["on_hand"], stock["picked"], stock["allocated"]) == (5, 5, 0)


def test_a_lot_tracked_item_is_picked_from_the_allocated_lot_into_the_tote(floor: Floor) -> None:
    def lots(tx: Any) -> None:
        catalog.upsert_product(tx, sku="SKU-3", name="Matcha 30g", lot_tracked=True)
        catalog.add_barcode(tx, code=LOT_GTIN, sku="SKU-3")
        catalog.upsert_lot(tx, sku="SKU-3", lot="L1", expiry="2030-01-31")
        receive(tx, ReceiveStock("SKU-3", "B-02-01", 4, lot="L1"), Actor())

    floor.store.writer.call(lots)
    _release(floor, floor.login("B-SUP"), "TB-11", [{"sku": "SKU-3", "qty": 2}])
    picker = _pick_started(floor, "T-0001", "B-02-01")

    wrong = floor.scan(picker, f"]C101{LOT_GTIN}10L2")
    right = [floor.scan(picker, f"]C101{LOT_GTIN}10L1") for _ in range(2)]

    assert (wrong.status_code, wrong.json()["code"]) == (422, "lot_mismatch")
    assert [r.status_code for r in right] == [200, 200]
    picked = floor.store.read().execute(
        "SELECT container, lot, qty FROM balances WHERE sku = 'SKU-3' AND bucket = 'picked'"
    )
    assert [tuple(p) for p in picked] == [("T-0001", "L1", 2)]


def test_a_tote_still_holding_another_order_is_refused(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    _release(floor, sup, "TB-12", [{"sku": "SKU-1", "qty": 1}])
    _pick_started(floor, "T-0001")
    _release(floor, sup, "TB-13", [{"sku": "SKU-2", "qty": 1}])
    floor.start(sup, "pick")
    before = snapshot(floor.store)

    resp = floor.scan(sup, "T-0001")

    assert (resp.status_code, resp.json()["code"]) == (422, "wrong_tote")
    assert resp.json()["detail"] == (
        "Tote T-0001 cannot be used here (still holds another order). "
        "Scan another tote, or the one shown on screen."
    )
    assert snapshot(floor.store) == before


def test_with_the_quantity_prompt_on_one_item_scan_counts_the_typed_quantity(
    store: Store, tmp_path: Path
) -> None:
    overrides = {
        "edge.data_dir": tmp_path,
        "auth.pin_hash_cost": 10,
        "picking.quantity_prompt": True,
    }
    settings = load_settings(env={}, overrides=overrides)
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        _release(floor, floor.login("B-SUP"), "TB-10", [{"sku": "SKU-1", "qty": 3}])
        picker = _pick_started(floor, "T-0001", "A-01-01")
        too_many = client.post(
            "/api/v1/scans",
            json={"scan_id": "qty-too-many", "raw": EAN13, "quantity": 4},
            headers=picker,
        )

        resp = client.post(
            "/api/v1/scans",
            json={"scan_id": "qty-three", "raw": EAN13, "quantity": 3},
            headers=picker,
        )

    assert too_many.json()["code"] == "over_pick"
    assert resp.status_code == 200, resp.text
    assert resp.json()["view"]["step"] == "done"
    picks = store.read().execute("SELECT qty FROM movements WHERE type = 'pick'").fetchall()
    assert [p[0] for p in picks] == [3]


def test_a_pick_list_assigned_to_one_picker_is_refused_to_another_and_open_to_a_supervisor(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    order_id = _release(floor, sup, "TB-A", [{"sku": "SKU-1", "qty": 1}])["order_id"]
    made = floor.client.post(
        "/api/v1/pick-lists",
        json={"order_ids": [order_id], "assignee_badge": "B-PICK"},
        headers=sup,
    ).json()
    other = add_colleague(floor, "B-PICK-2", "picker")
    before = snapshot(floor.store)

    taken = floor.client.post(
        "/api/v1/work-sessions",
        json={"workflow": "pick", "pick_list_id": made["list_id"]},
        headers=other,
    )

    assert (taken.status_code, taken.json()["code"]) == (403, "not_assignee")
    assert taken.json()["params"] == {"what": "pick_list", "key": made["list_id"]}
    assert floor.client.get("/api/v1/work-sessions/current", headers=other).status_code == 204
    assert snapshot(floor.store) == before
    for headers in (floor.login("B-PICK"), sup):
        opened = floor.client.post(
            "/api/v1/work-sessions",
            json={"workflow": "pick", "pick_list_id": made["list_id"]},
            headers=headers,
        )
        assert opened.status_code == 200, opened.text


def test_an_unassigned_pick_list_becomes_the_first_pickers_and_is_refused_to_the_next(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    order_id = _release(floor, sup, "TB-B", [{"sku": "SKU-1", "qty": 1}])["order_id"]
    list_id = floor.client.post(
        "/api/v1/pick-lists", json={"order_ids": [order_id]}, headers=sup
    ).json()["list_id"]
    body = {"workflow": "pick", "pick_list_id": list_id}

    first = floor.client.post("/api/v1/work-sessions", json=body, headers=floor.login("B-PICK"))
    second = floor.client.post(
        "/api/v1/work-sessions", json=body, headers=add_colleague(floor, "B-PICK-2", "picker")
    )

    assert first.status_code == 200, first.text
    assert (second.status_code, second.json()["code"]) == (403, "not_assignee")
    mine = floor.client.get("/api/v1/pick-lists", headers=floor.login("B-PICK")).json()
    assert [row["id"] for row in mine] == [list_id]


@pytest.mark.parametrize("where", ["at the next bin", "before the next bin"])
def test_one_unit_more_of_a_finished_line_is_an_over_pick_naming_the_item_and_what_remains(
    floor: Floor, where: str
) -> None:
    sup = floor.login("B-SUP")
    lines = [{"sku": "SKU-1", "qty": 2}, {"sku": "SKU-2", "qty": 1}]
    order = {"channel": "shop", "channel_order_id": "OP-1", "lines": lines}
    assert floor.client.post("/api/v1/orders", json=order, headers=sup).status_code == 201
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01", EAN13, EAN13):
        assert floor.scan(picker, raw).json()["ok"], raw
    if where == "at the next bin":
        assert floor.scan(picker, "A-01-02").json()["ok"]
    before = snapshot(floor.store)

    extra = floor.scan(picker, EAN13)

    assert (extra.status_code, extra.json()["code"]) == (422, "over_pick")
    assert extra.json()["detail"] == (
        "Too many SKU-1: this scan counts 1, but only 0 more are needed here. "
        "Put the extra back in its bin and scan single units."
    )
    assert snapshot(floor.store) == before
