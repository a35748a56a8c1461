"""Blind cycle counts (issue 20 item 3): the counter is never told what the records say; a
variance is booked through the ledger with reason codes, at once when small, after a second
person's approval when over the threshold; a short pick's count resolves its exception."""

from __future__ import annotations

from typing import Any

import pytest

from edge.config import Settings
from edge.service.exceptions import sweep_once
from tests.support import EAN13, Floor, add_colleague, snapshot

pytestmark = pytest.mark.usefixtures("ledger_verifies")  # verify after each scenario

QUANTITY_KEYS = {"held", "expected", "counted", "found", "qty", "on_hand", "variance"}


def _open(floor: Floor, sup: dict[str, str], location: str, sku: str | None = None) -> int:
    resp = floor.client.post("/api/v1/counts", json={"location": location, "sku": sku}, headers=sup)
    assert resp.status_code == 201, resp.text
    return int(resp.json()["task_id"])


def _submit(floor: Floor, h: dict[str, str], task_id: int, lines: list[dict[str, Any]]) -> Any:
    return floor.client.post(f"/api/v1/counts/{task_id}/submit", json={"lines": lines}, headers=h)


def _on_hand(floor: Floor, h: dict[str, str], sku: str = "SKU-1") -> int:
    return int(floor.client.get(f"/api/v1/stock/{sku}", headers=h).json()["on_hand"])


def short_pick(floor: Floor) -> tuple[dict[str, str], dict[str, str]]:
    """An order for 2 × SKU-1; the picker takes 1 at A-01-01 and reports the other short."""
    sup = floor.login("B-SUP")
    order = {"channel": "shop", "channel_order_id": "S-1", "lines": [{"sku": "SKU-1", "qty": 2}]}
    assert floor.client.post("/api/v1/orders", json=order, headers=sup).status_code == 201
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01", EAN13, "CMD:SHORT"):
        assert floor.scan(picker, raw).status_code == 200, raw
    return sup, picker


def test_the_counter_is_never_told_what_the_records_expect(floor: Floor) -> None:
    sup, picker = short_pick(floor)
    _open(floor, sup, "A-01-02")

    tasks = floor.client.get("/api/v1/counts", headers=picker).json()
    answer = _submit(floor, picker, tasks[0]["id"], [{"item": EAN13, "qty": 8}])

    assert [(t["location"], t["reason"]) for t in tasks] == [
        ("A-01-01", "short_pick"),
        ("A-01-02", "manual"),
    ]
    assert all(not (QUANTITY_KEYS & set(t)) for t in tasks)
    assert answer.status_code == 200, answer.text
    assert not (QUANTITY_KEYS & set(answer.json()["params"]))
    assert answer.json()["prompt"] == "count_submitted"


def test_a_short_picks_blind_count_releases_the_hold_and_resolves_its_exception(
    floor: Floor,
) -> None:
    sup, picker = short_pick(floor)
    (task,) = floor.client.get("/api/v1/counts", headers=picker).json()
    assert _on_hand(floor, sup) == 8  # 10 − 1 picked − 1 frozen

    # the bin holds the 8 free units and the missing one after all
    assert _submit(floor, picker, task["id"], [{"item": "SKU-1", "qty": 9}]).status_code == 200

    stock = floor.client.get("/api/v1/stock/SKU-1", headers=sup).json()
    assert (stock["on_hand"], stock["frozen"]) == (9, 0)
    assert floor.client.get("/api/v1/exceptions", headers=sup).json() == []
    done = floor.client.get("/api/v1/count-tasks?status=done", headers=sup).json()
    assert [(t["id"], t["found"]) for t in done] == [(task["id"], 1)]


def test_a_small_variance_is_booked_at_once_with_its_reason_code(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    task_id = _open(floor, sup, "A-01-01", "SKU-1")

    picker = floor.login("B-PICK")
    assert _submit(floor, picker, task_id, [{"item": EAN13, "qty": 7}]).status_code == 200

    assert _on_hand(floor, sup) == 7
    moves = floor.client.get("/api/v1/movements", headers=sup).json()
    rows = moves["movements"] if isinstance(moves, dict) else moves
    counted = [(m["type"], m["qty"], m["reason"]) for m in rows if m["type"].startswith("count")]
    assert counted == [("count_adjust", 3, "count: missing")]
    (variance,) = floor.client.get("/api/v1/exceptions", headers=sup).json()
    assert (variance["kind"], variance["location"]) == ("count_variance", "A-01-01")
    (booked,) = floor.client.get("/api/v1/counts/review?status=done", headers=sup).json()
    assert [(x["expected"], x["counted"], x["variance"]) for x in booked["lines"]] == [(10, 7, -3)]


def test_a_large_variance_waits_for_a_second_person_not_the_counter(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    task_id = _open(floor, sup, "A-01-01", "SKU-1")
    before = _on_hand(floor, sup)

    assert _submit(floor, sup, task_id, [{"item": "SKU-1", "qty": 40}]).status_code == 200
    waiting = floor.client.get("/api/v1/counts/review", headers=sup).json()
    own = floor.client.post(f"/api/v1/counts/{task_id}/approve", json={}, headers=sup)
    after_refusal = _on_hand(floor, sup)
    second = add_colleague(floor, "B-SUP2", "supervisor")
    approved = floor.client.post(
        f"/api/v1/counts/{task_id}/approve", json={"note": "recounted with him"}, headers=second
    )

    assert [(t["id"], t["approval"], t["units"]) for t in waiting] == [(task_id, "pending", 30)]
    assert (own.status_code, own.json()["code"]) == (403, "approver_is_counter")
    assert after_refusal == before == 10
    assert approved.status_code == 200, approved.text
    assert _on_hand(floor, sup) == 40
    assert floor.client.get("/api/v1/exceptions", headers=sup).json() == []
    (done,) = floor.client.get("/api/v1/counts/review?status=done", headers=sup).json()
    assert (done["approval"], done["note"]) == ("approved", "recounted with him")


def test_a_rejected_count_changes_nothing_and_the_bin_is_counted_again(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    task_id = _open(floor, sup, "A-01-01", "SKU-1")
    picker = floor.login("B-PICK")
    assert _submit(floor, picker, task_id, [{"item": "SKU-1", "qty": 25}]).status_code == 200
    before = snapshot(floor.store)["balances"]

    rejected = floor.client.post(f"/api/v1/counts/{task_id}/reject", json={}, headers=sup)

    assert rejected.status_code == 200, rejected.text
    assert snapshot(floor.store)["balances"] == before
    assert [t["id"] for t in floor.client.get("/api/v1/counts", headers=picker).json()] == [task_id]
    again = floor.client.post(f"/api/v1/counts/{task_id}/approve", json={}, headers=sup)
    assert (again.status_code, again.json()["code"]) == (409, "no_approval_pending")


def test_a_whole_bin_count_books_a_sku_found_there_that_the_records_did_not_have(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    task_id = _open(floor, sup, "A-01-01")
    picker = floor.login("B-PICK")

    lines = [{"item": "SKU-1", "qty": 10}, {"item": "4006381333931", "qty": 2}]
    assert _submit(floor, picker, task_id, lines).status_code == 200

    bins = floor.client.get("/api/v1/stock?location=A-01-01", headers=sup).json()
    assert sorted((b["sku"], b["qty"]) for b in bins if b["bucket"] == "on_hand") == [
        ("SKU-1", 10),
        ("SKU-2", 2),
    ]


def test_an_unknown_item_in_a_count_is_refused_and_changes_nothing(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    task_id = _open(floor, sup, "A-01-01")
    before = snapshot(floor.store)

    refused = _submit(floor, sup, task_id, [{"item": "NOPE", "qty": 1}])

    assert (refused.status_code, refused.json()["code"]) == (422, "unknown_barcode")
    assert snapshot(floor.store) == before


def test_the_exception_sweep_leaves_a_count_variance_open_for_the_supervisor(
    floor: Floor, settings: Settings
) -> None:
    sup = floor.login("B-SUP")
    task_id = _open(floor, sup, "A-01-01", "SKU-1")
    assert _submit(floor, sup, task_id, [{"item": "SKU-1", "qty": 9}]).status_code == 200

    swept = floor.store.writer.call(lambda tx: sweep_once(tx, settings))

    assert swept["cleared"] == []
    (variance,) = floor.client.get("/api/v1/exceptions", headers=sup).json()
    assert (variance["kind"], variance["state"]) == ("count_variance", "open")


def test_a_supervisors_large_adjustment_waits_for_another_supervisor_and_books_its_reason(
    floor: Floor,
) -> None:
    sup = floor.login("B-SUP")
    body = {
        "request_id": "adj-big-1",
        "sku": "SKU-1",
        "location": "A-01-01",
        "delta": 25,
        "reason": "found behind the shelf",
    }

    asked = floor.client.post("/api/v1/stock/adjustments", json=body, headers=sup)
    replayed = floor.client.post("/api/v1/stock/adjustments", json=body, headers=sup)
    waiting = floor.client.get("/api/v1/counts/review", headers=sup).json()
    task_id = asked.json()["params"]["task_id"]
    own = floor.client.post(f"/api/v1/counts/{task_id}/approve", json={}, headers=sup)
    before_approval = _on_hand(floor, sup)
    second = add_colleague(floor, "B-SUP2", "supervisor")
    approved = floor.client.post(f"/api/v1/counts/{task_id}/approve", json={}, headers=second)
    moves = floor.client.get("/api/v1/movements", headers=sup).json()
    rows = moves["movements"] if isinstance(moves, dict) else moves

    assert asked.status_code == 200, asked.text
    assert asked.json()["prompt"] == "adjustment_awaiting_approval"
    assert "waits for another supervisor's approval" in asked.json()["message"]
    assert replayed.json()["params"] == asked.json()["params"]
    assert [(t["id"], t["units"], t["counted_by_name"]) for t in waiting] == [
        (task_id, 25, "Supervisor")
    ]
    assert (own.status_code, own.json()["code"]) == (403, "approver_is_counter")
    assert before_approval == 10
    assert approved.status_code == 200, approved.text
    assert _on_hand(floor, sup) == 35
    booked = [(m["type"], m["qty"], m["reason"]) for m in rows if m["type"] == "count_adjust"]
    assert booked == [("count_adjust", 25, "found behind the shelf")]


def test_a_small_adjustment_is_still_booked_at_once(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    body = {"request_id": "adj-small", "sku": "SKU-1", "location": "A-01-01", "delta": -3}

    done = floor.client.post(
        "/api/v1/stock/adjustments", json=body | {"reason": "damaged"}, headers=sup
    )

    assert (done.status_code, done.json()["prompt"]) == (200, "stock_adjusted")
    assert _on_hand(floor, sup) == 7
