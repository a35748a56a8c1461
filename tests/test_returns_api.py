"""The returns desk through the real app on a real SQLite file: expected and unexpected returns,
grading to stock, quarantine and write-off, the refusals, and the events for central."""

from __future__ import annotations

from typing import Any

from tests.returns_support import (
    authorise,
    buckets,
    clerk,
    desk,
    events,
    shipped_order,
)
from tests.support import EAN13, GTIN, SKU2_EAN, Floor, new_device, snapshot

__all__ = ["desk"]


def scans(floor: Floor, headers: dict[str, str], *raws: str) -> list[dict[str, Any]]:
    return [floor.scan(headers, raw).json() for raw in raws]


def test_an_expected_return_grades_one_unit_to_stock_and_one_to_quarantine(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 2})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 2})
    headers = clerk(desk)

    answers = scans(
        desk, headers, "RMA-1", EAN13, "CMD:RESELLABLE", EAN13, "CMD:DAMAGED", "CMD:DONE"
    )

    assert [a["prompt"] for a in answers] == [
        "return_opened",
        "grade_return_item",
        "return_resellable",
        "grade_return_item",
        "return_quarantined",
        "return_closed",
    ], answers
    assert buckets(desk.store) == {"SKU-1//on_hand": 1, "SKU-1//frozen": 1}
    graded = events(desk.store, "return_graded")
    assert [(g["rma"], g["order_id"], g["lines"], g["missing"]) for g in graded] == [
        (
            "RMA-1",
            order_id,
            [
                {
                    "sku": "SKU-1",
                    "qty": 1,
                    "grade": "resellable",
                    "wrong_item": False,
                    "reason": None,
                },
                {"sku": "SKU-1", "qty": 1, "grade": "damaged", "wrong_item": False, "reason": None},
            ],
            [],
        )
    ]
    status = desk.store.read().execute("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status.fetchone()[0] == "return_graded"


def test_one_unit_more_than_the_order_shipped_is_refused_and_changes_nothing(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1})
    headers = clerk(desk)
    scans(desk, headers, "RMA-1", EAN13, "CMD:RESELLABLE")
    before = snapshot(desk.store)

    resp = desk.scan(headers, EAN13)

    body = resp.json()
    assert (resp.status_code, body["code"]) == (422, "over_return")
    assert body["messages"]["en"].startswith(
        f"Too many returned: order {order_id} shipped 1 × SKU-1"
    )
    assert body["messages"]["zh"].startswith(f"退货数量超出：订单 {order_id} 发出 1 件 SKU-1")
    assert snapshot(desk.store) == before
    assert body["view"]["step"] == "items"


def test_a_parcel_nothing_matches_is_identified_by_its_order_number_and_graded(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1}, ref="TB-77")
    headers = clerk(desk)

    unmatched, opened = scans(desk, headers, "SF1234567890", "shop:TB-77")
    graded = scans(desk, headers, EAN13, "CMD:RESELLABLE", "CMD:DONE")

    assert (unmatched["prompt"], unmatched["view"]["step"]) == ("return_unexpected", "identify")
    assert (opened["view"]["order_id"], opened["view"]["unexpected"]) == (order_id, True)
    assert [g["ok"] for g in graded] == [True, True, True]
    assert buckets(desk.store) == {"SKU-1//on_hand": 1}
    received = events(desk.store, "return_received")
    assert [(r["matched_by"], r["scanned"], r["rma"]) for r in received] == [
        ("identified", "SF1234567890", None)
    ]


def test_an_unknown_senders_parcel_goes_to_quarantine_whatever_its_grade(desk: Floor) -> None:
    headers = clerk(desk)

    answers = scans(
        desk, headers, "NOBODY-1", "CMD:UNKNOWN", SKU2_EAN, "CMD:RESELLABLE", "CMD:DONE"
    )

    assert [a["ok"] for a in answers] == [True] * 5
    assert buckets(desk.store) == {"SKU-2//frozen": 1}
    (graded,) = events(desk.store, "return_graded")
    assert (graded["order_id"], graded["rma"], graded["missing"]) == (None, None, [])
    assert events(desk.store, "return_received")[0]["matched_by"] == "unknown_sender"


def test_a_wrong_item_is_recorded_flagged_and_quarantined(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1})
    headers = clerk(desk)

    answers = scans(desk, headers, "RMA-1", SKU2_EAN, "CMD:RESELLABLE", "CMD:DONE")

    assert (answers[1]["prompt"], answers[1]["tone"]) == ("return_wrong_item", "bad")
    assert answers[1]["view"]["item"]["wrong_item"] is True
    assert buckets(desk.store) == {"SKU-1//returns_in_transit": 1, "SKU-2//frozen": 1}
    (item,) = events(desk.store, "return_item_graded")
    assert (item["sku"], item["wrong_item"], item["bucket"]) == ("SKU-2", True, "frozen")
    (graded,) = events(desk.store, "return_graded")
    assert graded["missing"] == [{"sku": "SKU-1", "qty": 1}]


def test_a_destroyed_unit_is_written_off_with_the_reason_sent_with_the_scan(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 2})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 2})
    headers = clerk(desk)
    scans(desk, headers, "RMA-1", EAN13)

    resp = desk.client.post(
        "/api/v1/scans",
        json={"scan_id": "destroy-0001", "raw": "CMD:DESTROY", "reason": "hygiene"},
        headers=headers,
    )
    by_barcode = scans(desk, headers, EAN13, "CMD:DESTROY:expired")[-1]

    assert resp.json()["prompt"] == "return_destroy"
    assert by_barcode["params"]["reason"] == "expired"
    written_off = desk.store.read().execute(
        "SELECT from_bucket, to_bucket, reason FROM movements WHERE type = 'return_destroyed'"
    )
    assert [tuple(r) for r in written_off] == [
        ("returns_in_transit", "adjusted", "hygiene"),
        ("returns_in_transit", "adjusted", "expired"),
    ]
    assert buckets(desk.store) == {}


def test_the_parcel_is_found_by_its_shipment_tracking_number_with_the_orders_rma(
    desk: Floor,
) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1}, return_tracking_number="RT000000001CN")
    tracking = desk.store.read().execute("SELECT tracking_no FROM parcels").fetchone()[0]
    headers = clerk(desk)

    by_shipment = scans(desk, headers, tracking)[0]["view"]
    scans(desk, headers, "CMD:DONE")
    by_label = scans(desk, headers, "RT000000001CN")[0]["view"]

    assert (by_shipment["rma"], by_shipment["order_id"]) == ("RMA-1", order_id)
    assert (by_label["rma"], by_label["order_id"]) == ("RMA-1", order_id)
    matched = [r["matched_by"] for r in events(desk.store, "return_received")]
    assert matched == ["shipment_tracking", "return_tracking"]


def test_cancelling_an_rma_after_part_was_received_withdraws_only_the_rest(desk: Floor) -> None:
    from central_sync.agent.appliers import apply_page
    from tests.sync.feed import rma_cancelled

    order_id = shipped_order(desk, {"SKU-1": 3})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 3})
    headers = clerk(desk)
    scans(desk, headers, "RMA-1", EAN13, "CMD:RESELLABLE")

    page = [rma_cancelled(2, "RMA-1", order_id)]
    desk.store.writer.call(lambda tx: apply_page(tx, page, 2))

    assert buckets(desk.store) == {"SKU-1//on_hand": 1}
    assert [w["qty"] for w in events(desk.store, "return_withdrawn")] == [2]


def test_announced_units_count_as_available_until_graded_damaged(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    sup = desk.login("B-SUP")

    def available() -> int:
        return int(desk.client.get("/api/v1/stock/SKU-1", headers=sup).json()["available"])

    before = available()
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1})
    announced = available()
    headers = clerk(desk)
    scans(desk, headers, "RMA-1", EAN13, "CMD:DAMAGED")

    assert (announced - before, available() - before) == (1, 0)


def test_a_lot_that_did_not_ship_is_flagged_and_kept_by_its_lot(desk: Floor) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1})
    headers = clerk(desk)

    item, graded = scans(desk, headers, "RMA-1", f"]C101{GTIN}10L9", "CMD:RESELLABLE")[1:]

    assert (item["prompt"], item["view"]["item"]["not_shipped_lot"]) == (
        "return_lot_not_shipped",
        True,
    )
    assert graded["ok"]
    assert buckets(desk.store) == {"SKU-1/L9/on_hand": 1}
    (event,) = events(desk.store, "return_item_graded")
    assert (event["lot"], event["not_shipped_lot"]) == ("L9", True)
    kinds = desk.store.read().execute(
        "SELECT type, from_bucket, to_bucket, lot FROM movements WHERE type LIKE 'return_%'"
        " AND type != 'return_announced' ORDER BY id"
    )
    assert [tuple(r) for r in kinds] == [
        ("return_arrived", "returns_in_transit", "customer", ""),
        ("return_graded", "customer", "on_hand", "L9"),
    ]


def test_a_reason_or_a_lookup_past_its_bound_is_refused_before_anything_happens(
    desk: Floor,
) -> None:
    headers = clerk(desk)
    before = snapshot(desk.store)

    long_reason = desk.client.post(
        "/api/v1/scans",
        json={"scan_id": "reason-00001", "raw": "CMD:DESTROY", "reason": "x" * 201},
        headers=headers,
    )
    long_query = desk.client.get("/api/v1/returns/lookup", params={"q": "9" * 65}, headers=headers)

    assert (long_reason.status_code, long_reason.json()["code"]) == (400, "invalid_request")
    assert (long_query.status_code, long_query.json()["code"]) == (400, "invalid_request")
    assert snapshot(desk.store) == before


def test_a_grade_sent_again_with_its_scan_id_is_answered_the_same_and_moves_nothing_more(
    desk: Floor,
) -> None:
    order_id = shipped_order(desk, {"SKU-1": 2})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 2})
    headers = clerk(desk)
    scans(desk, headers, "RMA-1", EAN13)

    first = desk.scan(headers, "CMD:RESELLABLE", sid="grade-000001")
    after_first = snapshot(desk.store)
    again = desk.scan(headers, "CMD:RESELLABLE", sid="grade-000001")

    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["prompt"] == first.json()["prompt"] == "return_resellable"
    assert snapshot(desk.store) == after_first
    assert buckets(desk.store) == {"SKU-1//on_hand": 1, "SKU-1//returns_in_transit": 1}


def test_an_rma_scan_is_read_as_an_rma_and_mid_parcel_is_refused_naming_what_to_scan(
    desk: Floor,
) -> None:
    order_id = shipped_order(desk, {"SKU-1": 1})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 1}, return_tracking_number="RT000000009CN")
    headers = clerk(desk)

    by_label = desk.scan(headers, "RT000000009CN").json()
    again = desk.scan(headers, "RMA-1")

    assert (by_label["kind"], by_label["view"]["rma"]) == ("rma", "RMA-1")
    assert (again.status_code, again.json()["code"]) == (422, "unexpected_scan")
    assert again.json()["messages"]["en"] == (
        "This return authorisation barcode (RMA-1) is not expected now."
        " Parcel RP-000001: scan each item; CMD:DONE when the parcel is empty."
    )


def test_a_second_parcel_of_an_rma_counts_what_came_in_the_first_and_misses_only_the_rest(
    desk: Floor,
) -> None:
    """Two handhelds on one return: one parcel took both units in, still open; the second
    parcel of the RMA shows them as come, and closing it empty records nothing missing."""
    order_id = shipped_order(desk, {"SKU-1": 2})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 2})
    first = clerk(desk)
    scans(desk, first, "RMA-1", EAN13, "CMD:RESELLABLE", EAN13, "CMD:RESELLABLE")
    second = desk.login("B-RET", device=new_device(desk.client, "HH-RET-2"))
    assert desk.start(second, "returns").status_code == 200

    opened = scans(desk, second, "RMA-1")[0]
    closed = scans(desk, second, "CMD:DONE")[0]

    [shown] = opened["view"]["lines"]
    assert (shown["expected"], shown["received"], shown["earlier"]) == (2, 0, 2)
    assert closed["prompt"] == "return_closed", closed
    assert [g["missing"] for g in events(desk.store, "return_graded")] == [[]]


def test_the_same_clerk_scanning_an_open_parcels_rma_again_takes_it_up_not_a_second_parcel(
    desk: Floor,
) -> None:
    """The clerk left the returns screen mid-parcel (a new task) and scans the RMA again: the
    parcel they opened is taken up with what it holds; no second parcel, no second receipt."""
    order_id = shipped_order(desk, {"SKU-1": 2})
    authorise(desk, "RMA-1", order_id, {"SKU-1": 2})
    headers = clerk(desk)
    first = scans(desk, headers, "RMA-1", EAN13, "CMD:RESELLABLE")[0]
    assert desk.start(headers, "returns").status_code == 200

    again = scans(desk, headers, "RMA-1")[0]
    closed = scans(desk, headers, EAN13, "CMD:RESELLABLE", "CMD:DONE")[-1]

    parcels = desk.store.read().execute("SELECT id, status FROM return_parcels").fetchall()
    assert [tuple(p) for p in parcels] == [(first["view"]["parcel_id"], "closed")]
    assert (again["prompt"], again["view"]["parcel_id"]) == ("return_resumed", parcels[0][0])
    assert again["message"].startswith(f"Parcel {parcels[0][0]} (RMA RMA-1, order {order_id})")
    [line] = again["view"]["lines"]
    assert line["received"] == 1
    assert closed["prompt"] == "return_closed", closed
    assert len(events(desk.store, "return_received")) == 1
    assert [g["missing"] for g in events(desk.store, "return_graded")] == [[]]
