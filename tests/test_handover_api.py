"""Carrier handovers on the real app and a real SQLite file: parcels scanned into a carrier's bag,
every refusal changing nothing, undo, the close handing the parcels over (the order shipped,
`handover_closed` in the outbox in the same commit), the PDF list, and close-out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.config import Settings
from edge.service.exceptions import sweep_once
from tests.handover_support import handover_settings, open_bag, packed_parcel, scan_in
from tests.support import Floor, picked_order, scan_id, snapshot

pytestmark = pytest.mark.usefixtures("ledger_verifies")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return handover_settings(tmp_path)


def outbox_types(f: Floor) -> list[str]:
    return [r[0] for r in f.store.read().execute("SELECT type FROM outbox ORDER BY seq")]


def bag_rows(f: Floor) -> list[tuple[object, ...]]:
    return [tuple(r) for r in f.store.read().execute("SELECT * FROM handover_parcels")]


def test_parcels_scanned_into_a_bag_and_closed_are_handed_over_and_their_orders_ship(
    floor: Floor,
) -> None:
    one, two = packed_parcel(floor), packed_parcel(floor, qty=2)
    clerk = floor.login("B-PACK")
    bag = open_bag(floor, clerk)

    first = scan_in(floor, clerk, bag, one["tracking_no"])
    second = scan_in(floor, clerk, bag, two["tracking_no"])
    before = outbox_types(floor)
    closed = floor.client.post(f"/api/v1/handovers/{bag}/close", json={}, headers=clerk)

    assert first.status_code == 200 and first.json()["params"]["count"] == 1
    assert second.json()["handover"]["total_weight_g"] == one["weight_g"] + two["weight_g"]
    body = closed.json()
    assert closed.status_code == 200, closed.text
    assert (body["status"], body["count"], body["carrier"]) == ("closed", 2, "Edge Post")
    assert [p["tracking_no"] for p in body["parcels"]] == [one["tracking_no"], two["tracking_no"]]
    statuses = {r[0]: r[1] for r in floor.store.read().execute("SELECT id, status FROM orders")}
    assert statuses[one["order_id"]] == statuses[two["order_id"]] == "shipped"
    new = outbox_types(floor)[len(before) :]
    assert new.count("order_shipped") == 2 and new.count("parcel_dispatched") == 2
    assert new[-1] == "handover_closed"
    payload = json.loads(
        floor.store.read()
        .execute("SELECT payload FROM outbox WHERE type = 'handover_closed'")
        .fetchone()[0]
    )
    assert payload["handover_id"] == bag and payload["count"] == 2
    assert payload["total_weight_g"] == one["weight_g"] + two["weight_g"]
    assert [p["tracking_number"] for p in payload["parcels"]] == [
        one["tracking_no"],
        two["tracking_no"],
    ]


def test_the_same_scan_id_again_gives_the_first_answer_and_adds_nothing(floor: Floor) -> None:
    parcel = packed_parcel(floor)
    clerk = floor.login("B-PACK")
    bag = open_bag(floor, clerk)
    body = {"scan_id": scan_id(), "raw": parcel["tracking_no"]}
    url = f"/api/v1/handovers/{bag}/scans"

    first = floor.client.post(url, json=body, headers=clerk)
    again = floor.client.post(url, json=body, headers=clerk)

    assert first.status_code == again.status_code == 200
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(bag_rows(floor)) == 1


def test_undo_takes_the_last_parcel_out_and_it_can_go_in_another_bag(floor: Floor) -> None:
    one, two = packed_parcel(floor), packed_parcel(floor)
    clerk = floor.login("B-PACK")
    bag = open_bag(floor, clerk)
    scan_in(floor, clerk, bag, one["tracking_no"])
    scan_in(floor, clerk, bag, two["tracking_no"])

    undone = floor.client.post(f"/api/v1/handovers/{bag}/undo", headers=clerk)
    other = open_bag(floor, clerk)
    moved = scan_in(floor, clerk, other, two["tracking_no"])

    assert undone.status_code == 200, undone.text
    assert [p["tracking_no"] for p in undone.json()["parcels"]] == [one["tracking_no"]]
    assert moved.status_code == 200, moved.text


def refused(resp: object, code: str, status: int = 422) -> None:
    assert (resp.status_code, resp.json()["code"]) == (status, code), resp.text  # type: ignore[attr-defined]


def test_a_parcel_of_another_carrier_is_refused_naming_both_and_nothing_changes(
    floor: Floor,
) -> None:
    sf = packed_parcel(floor, "SF")
    clerk = floor.login("B-PACK")
    bag = open_bag(floor, clerk)
    before = snapshot(floor.store), bag_rows(floor)

    resp = scan_in(floor, clerk, bag, sf["tracking_no"])

    refused(resp, "handover_wrong_carrier")
    assert "SF" in resp.json()["detail"] and "Edge Post" in resp.json()["detail"]
    assert (snapshot(floor.store), bag_rows(floor)) == before


def test_unknown_not_packed_held_and_taken_parcels_are_refused_and_nothing_changes(
    floor: Floor,
) -> None:
    parcel = packed_parcel(floor)
    unpacked = picked_order(floor, [{"sku": "SKU-1", "qty": 1}], ref=scan_id())
    clerk = floor.login("B-PACK")
    bag, other = open_bag(floor, clerk), open_bag(floor, clerk)
    assert scan_in(floor, clerk, bag, parcel["tracking_no"]).status_code == 200
    before = snapshot(floor.store), bag_rows(floor)

    taken = scan_in(floor, clerk, other, parcel["tracking_no"])
    unknown = scan_in(floor, clerk, other, "EE999999999CN")
    not_packed = scan_in(floor, clerk, other, unpacked)

    refused(taken, "handover_parcel_taken", 409)
    refused(unknown, "handover_unknown_parcel")
    refused(not_packed, "handover_not_packed")
    assert (snapshot(floor.store), bag_rows(floor)) == before


def test_close_out_lists_parcels_not_handed_over_by_carrier_and_a_missed_cut_off_opens_an_exception(
    floor: Floor,
) -> None:
    left = packed_parcel(floor)
    sf = packed_parcel(floor, "SF")
    state = floor.client.app.state  # type: ignore[attr-defined]
    soon = (datetime.now(UTC) + timedelta(minutes=2)).strftime("%H:%M")
    waves = state.settings.waves.model_copy(update={"cutoffs": f"Edge Post={soon}, SF=23:59"})
    state.settings = state.settings.model_copy(update={"waves": waves})
    sup = floor.login("B-SUP")

    shown = floor.client.get("/api/v1/closeout", headers=sup).json()
    later = datetime.now(UTC) + timedelta(minutes=5)
    opened = floor.store.writer.call(lambda tx: sweep_once(tx.as_of(later), state.settings))

    assert {c["carrier"]: c["count"] for c in shown["carriers"]} == {"Edge Post": 1, "SF": 1}
    assert shown["carriers"][0]["next_cutoff"] is not None
    assert [p["tracking_no"] for c in shown["carriers"] for p in c["parcels"]] == [
        left["tracking_no"],
        sf["tracking_no"],
    ]
    assert len(opened["opened"]) == 1
    row = (
        floor.store.read()
        .execute("SELECT kind, detail FROM exceptions WHERE id = ?", (opened["opened"][0],))
        .fetchone()
    )
    assert row[0] == "not_handed_over"
    assert json.loads(row[1])["tracking_numbers"] == [left["tracking_no"]]


def test_a_bag_holding_a_parcel_whose_order_went_on_hold_is_not_closed_and_nothing_changes(
    floor: Floor,
) -> None:
    parcel = packed_parcel(floor)
    clerk = floor.login("B-PACK")
    bag = open_bag(floor, clerk)
    assert scan_in(floor, clerk, bag, parcel["tracking_no"]).status_code == 200
    floor.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE orders SET status = 'on_hold' WHERE id = ?", (parcel["order_id"],)
        )
    )
    before = snapshot(floor.store), bag_rows(floor)

    resp = floor.client.post(f"/api/v1/handovers/{bag}/close", json={}, headers=clerk)

    refused(resp, "handover_order_held")
    assert parcel["tracking_no"] in resp.json()["detail"]
    assert (snapshot(floor.store), bag_rows(floor)) == before
    assert floor.client.get(f"/api/v1/handovers/{bag}", headers=clerk).json()["status"] == "open"
