"""Receiving at the dock and directed putaway through the real app, on a real SQLite file:
scans into the `receive` and `putaway` workflows, the ledger and outbox they write."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.store import catalog
from edge.store.database import Store
from edge.store.receiving import asn, discrepancies, upsert_asn
from edge.store.verify import verify
from tests.returns_support import authorise, desk_settings, shipped_order
from tests.returns_support import clerk as returns_clerk
from tests.support import CASE_GTIN, EAN13, SKU2_EAN, Floor, snapshot

pytestmark = pytest.mark.usefixtures("ledger_verifies")

LOT_GTIN = "09506000134376"  # SKU-3: lot and expiry tracked, 30 days minimum shelf life
SSCC = "(00)095060001343999995"


def _sscc() -> str:
    body = "09506000134399999"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def expect(f: Floor, lines: list[dict[str, Any]], containers: list[dict[str, Any]] = ()) -> None:
    def seed(tx: Any) -> None:
        catalog.upsert_product(
            tx,
            sku="SKU-3",
            name="Oolong 250g",
            lot_tracked=True,
            expiry_tracked=True,
            min_shelf_life_days=30,
        )
        catalog.add_barcode(tx, code=LOT_GTIN, sku="SKU-3")
        catalog.upsert_location(tx, code="DOCK-1", type="dock")
        body = {"asn_id": "ASN-7", "supplier": "Acme", "lines": lines}
        upsert_asn(tx, body | {"containers": list(containers)}, "central")

    f.store.writer.call(seed)


def clerk(f: Floor, badge: str = "B-PICK") -> dict[str, str]:
    headers = f.login(badge)
    assert f.start(headers, "receive").status_code == 200
    assert f.scan(headers, "ASN-7").json()["ok"]
    return headers


def outbox(f: Floor, kind: str) -> list[dict[str, Any]]:
    rows = f.store.read().execute("SELECT payload FROM outbox WHERE type = ? ORDER BY seq", (kind,))
    return [json.loads(r[0]) for r in rows]


def balance(f: Floor, sku: str, location: str, bucket: str = "on_hand") -> int:
    row = (
        f.store.read()
        .execute(
            "SELECT COALESCE(SUM(qty), 0) FROM balances WHERE sku = ? AND location = ? AND bucket = ?",
            (sku, location, bucket),
        )
        .fetchone()
    )
    return int(row[0])


def test_a_case_gtin_counts_its_pack_quantity_into_the_dock(floor: Floor) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 13}])
    h = clerk(floor)

    case = floor.scan(h, CASE_GTIN).json()
    unit = floor.scan(h, EAN13).json()

    assert (case["prompt"], case["params"]["qty"]) == ("unit_received", 12)
    assert unit["ok"]
    assert balance(floor, "SKU-1", "DOCK-1") == 13
    kept = asn(floor.store.read(), "ASN-7")
    assert kept is not None
    assert (kept["status"], kept["lines"][0]["received"]) == ("receiving", 13)
    assert [e["qty"] for e in outbox(floor, "stock_received")][-2:] == [12, 1]


def test_lot_and_expiry_on_separate_barcodes_make_one_unit(floor: Floor) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-3", "qty": 2, "lot": "L1"}])
    h = clerk(floor)

    first = floor.scan(h, f"(01){LOT_GTIN}").json()
    lot = floor.scan(h, "(10)L1").json()
    expiry = floor.scan(h, "(17)351231").json()

    assert (first["prompt"], lot["prompt"], expiry["prompt"]) == (
        "scan_lot",
        "scan_expiry",
        "unit_received",
    )
    assert balance(floor, "SKU-3", "DOCK-1") == 1
    assert (
        floor.store.read()
        .execute("SELECT expiry FROM lots WHERE sku = 'SKU-3' AND lot = 'L1'")
        .fetchone()[0]
        == "2035-12-31"
    )


def test_an_over_delivery_stops_and_the_stop_changes_nothing(floor: Floor) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    h = clerk(floor)
    floor.scan(h, EAN13)
    before = snapshot(floor.store)

    stop = floor.scan(h, EAN13).json()

    assert (stop["tone"], stop["prompt"], stop["params"]["choices"]) == (
        "bad",
        "dock_over",
        ["reject", "quarantine"],
    )
    assert snapshot(floor.store) == before


def test_a_clerk_may_not_accept_a_discrepancy_and_the_refusal_changes_nothing(
    floor: Floor,
) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    h = clerk(floor)
    floor.scan(h, EAN13)
    floor.scan(h, EAN13)
    before = snapshot(floor.store)

    refused = floor.scan(h, "CMD:ACCEPT")

    assert (refused.status_code, refused.json()["code"]) == (403, "choice_not_allowed")
    assert snapshot(floor.store) == before


def test_expired_goods_are_quarantined_never_accepted(floor: Floor) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-3", "qty": 4, "lot": "L1"}])
    h = clerk(floor, "B-SUP")

    stop = floor.scan(h, f"(01){LOT_GTIN}(17)200101(10)L1").json()
    accept = floor.scan(h, "CMD:ACCEPT")
    done = floor.scan(h, "CMD:QUARANTINE").json()

    assert (stop["prompt"], stop["params"]["choices"]) == ("dock_expired", ["reject", "quarantine"])
    assert accept.json()["code"] == "choice_not_allowed"
    assert done["prompt"] == "dock_quarantined"
    assert balance(floor, "SKU-3", "Q-01", "frozen") == 1
    assert balance(floor, "SKU-3", "DOCK-1") == 0
    assert [(d["kind"], d["decision"]) for d in discrepancies(floor.store.read(), "ASN-7")] == [
        ("expired", "quarantine")
    ]


def test_closing_reports_lines_and_discrepancies_to_central(floor: Floor) -> None:
    expect(
        floor,
        [
            {"line_no": 1, "sku": "SKU-1", "qty": 2},
            {"line_no": 2, "sku": "SKU-3", "qty": 3, "lot": "L1"},
        ],
    )
    h = clerk(floor, "B-SUP")
    floor.scan(h, EAN13)
    floor.scan(h, f"(01){LOT_GTIN}(17)351231(10)L9")  # wrong lot
    floor.scan(h, "CMD:ACCEPT")

    closed = floor.scan(h, "CMD:DONE").json()

    assert closed["prompt"] == "asn_received"
    [event] = outbox(floor, "asn_closed")
    assert event["asn_id"] == "ASN-7"
    assert [
        (ln["line_no"], ln["expected"], ln["received"], ln["accepted"]) for ln in event["lines"]
    ] == [
        (1, 2, 1, 1),
        (2, 3, 1, 1),
    ]
    assert [(d["kind"], d["sku"], d["qty"], d["decision"]) for d in event["discrepancies"]] == [
        ("wrong_lot", "SKU-3", 1, "accept"),
        ("short", "SKU-1", 1, "accept"),
        ("short", "SKU-3", 2, "accept"),
    ]
    assert all(d["operator"] == "Supervisor" for d in event["discrepancies"])
    kept = asn(floor.store.read(), "ASN-7")
    assert kept is not None and kept["status"] == "closed"


def test_the_close_counts_every_unit_the_asn_took_in_not_only_the_closing_clerks(
    floor: Floor,
) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 5}])
    first = clerk(floor, "B-PICK")
    for _ in range(3):
        assert floor.scan(first, EAN13).json()["ok"]
    second = clerk(floor, "B-SUP")  # two handhelds on one delivery
    assert floor.scan(second, EAN13).json()["ok"]
    assert floor.scan(second, SKU2_EAN).json()["params"]["kind"] == "unexpected"
    assert floor.scan(second, "CMD:ACCEPT").json()["ok"]

    closed = floor.scan(second, "CMD:DONE").json()

    assert (closed["params"]["units"], closed["params"]["short"]) == (5, 1)
    assert closed["message"] == "ASN ASN-7 closed: 5 units received, 1 short. Scan the next ASN."


def expect_pallet(floor: Floor) -> str:
    """ASN-7 expects 5 × SKU-1 on one pallet; its SSCC."""
    sscc = _sscc()
    contents = [{"sku": "SKU-1", "qty": 5, "lot": None, "expiry": None}]
    line = {"line_no": 1, "sku": "SKU-1", "qty": 5}
    expect(floor, [line], [{"sscc": sscc, "kind": "pallet", "contents": contents}])
    return sscc


def test_a_known_sscc_receives_its_whole_content_in_one_scan(floor: Floor) -> None:
    sscc = expect_pallet(floor)
    h = floor.login()
    floor.start(h, "receive")

    answer = floor.scan(h, f"(00){sscc}").json()

    assert (answer["prompt"], answer["params"]["qty"]) == ("container_received", 5)
    assert balance(floor, "SKU-1", "DOCK-1") == 5
    kept = asn(floor.store.read(), "ASN-7")
    assert kept is not None and kept["containers"][0]["received_at"] is not None


def test_a_pallet_scanned_after_units_of_its_line_quarantines_the_excess_as_over(
    floor: Floor,
) -> None:
    sscc = expect_pallet(floor)
    h = clerk(floor)
    assert floor.scan(h, EAN13).json()["ok"]  # one unit of the line, scanned on its own

    answer = floor.scan(h, f"(00){sscc}").json()

    assert answer["ok"], answer
    assert balance(floor, "SKU-1", "DOCK-1") == 5
    assert balance(floor, "SKU-1", "Q-01", "frozen") == 1
    found = discrepancies(floor.store.read(), "ASN-7")
    assert [(d["kind"], d["qty"], d["decision"]) for d in found] == [("over", 1, "quarantine")]


def test_a_pallets_sscc_typed_bare_after_the_asn_receives_the_pallet(floor: Floor) -> None:
    sscc = expect_pallet(floor)
    h = clerk(floor)

    answer = floor.scan(h, sscc).json()

    assert (answer.get("prompt"), answer.get("code")) == ("container_received", None), answer
    assert balance(floor, "SKU-1", "DOCK-1") == 5


def test_putaway_suggests_the_bin_with_the_same_sku_and_moves_dock_to_bin(floor: Floor) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 2}])
    h = clerk(floor)
    floor.scan(h, EAN13)
    floor.scan(h, EAN13)
    floor.scan(h, "CMD:DONE")
    p = floor.login("B-PACK")
    floor.start(p, "putaway")

    task = floor.scan(p, "ASN-7-1").json()
    done = floor.scan(p, "A-01-01").json()

    assert task["params"]["suggested"] == "A-01-01"
    assert done["prompt"] == "put_away"
    assert (balance(floor, "SKU-1", "DOCK-1"), balance(floor, "SKU-1", "A-01-01")) == (0, 12)
    row = floor.store.read().execute("SELECT status, location FROM putaway_tasks").fetchone()
    assert tuple(row) == ("done", "A-01-01")


def test_putaway_into_another_bin_is_allowed_and_recorded(floor: Floor) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    h = clerk(floor)
    floor.scan(h, EAN13)
    p = floor.login("B-PACK")
    floor.start(p, "putaway")
    floor.scan(p, EAN13)

    done = floor.scan(p, "B-02-01").json()

    assert (done["prompt"], done["params"]["suggested"]) == ("put_away_elsewhere", "A-01-01")
    row = floor.store.read().execute("SELECT suggested, location FROM putaway_tasks").fetchone()
    assert tuple(row) == ("A-01-01", "B-02-01")


def test_another_containers_code_at_the_bin_step_is_named_a_container_not_an_unknown_barcode(
    floor: Floor,
) -> None:
    expect(
        floor, [{"line_no": 1, "sku": "SKU-1", "qty": 1}, {"line_no": 2, "sku": "SKU-2", "qty": 1}]
    )
    h = clerk(floor, "B-SUP")
    floor.scan(h, EAN13)
    floor.scan(h, SKU2_EAN)
    p = floor.login("B-PACK")
    floor.start(p, "putaway")
    floor.scan(p, "ASN-7-1")
    before = snapshot(floor.store)

    other = floor.scan(p, "ASN-7-2").json()  # the next container, before this one's bin
    unknown = floor.scan(p, "NO-SUCH-CODE").json()

    assert (other["code"], other["params"]["kind"], other["params"]["code"]) == (
        "unexpected_scan",
        "container",
        "ASN-7-2",
    )
    assert other["detail"].startswith("This container barcode (ASN-7-2) is not expected now.")
    assert unknown["code"] == "unknown_barcode"
    assert snapshot(floor.store) == before


def test_a_supervisor_sees_open_asns_discrepancies_and_putaway_tasks(floor: Floor) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    h = clerk(floor)
    floor.scan(h, EAN13)
    floor.scan(h, EAN13)
    floor.scan(h, "CMD:REJECT")
    sup = floor.login("B-SUP")

    asns = floor.client.get("/api/v1/asns", headers=sup).json()
    one = floor.client.get("/api/v1/asns/ASN-7", headers=sup).json()
    found = floor.client.get("/api/v1/receiving/discrepancies", headers=sup).json()
    tasks = floor.client.get("/api/v1/putaway-tasks", headers=sup).json()
    picker = floor.client.get("/api/v1/asns", headers=floor.login())

    assert [(a["asn_id"], a["expected"], a["received"], a["discrepancies"]) for a in asns] == [
        ("ASN-7", 1, 1, 1)
    ]
    assert [(ln["accepted"], ln["rejected"]) for ln in one["lines"]] == [(1, 1)]
    assert [(d["kind"], d["qty"], d["decision"], d["operator"]) for d in found] == [
        ("over", 1, "reject", "Picker")
    ]
    assert [(t["container"], t["sku"]) for t in tasks] == [("ASN-7-1", "SKU-1")]
    assert picker.status_code == 403


def test_the_supervisors_putaway_list_shows_each_waiting_containers_suggested_bin_and_units(
    floor: Floor,
) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 2}])
    h = clerk(floor)
    floor.scan(h, EAN13)
    floor.scan(h, EAN13)
    before = snapshot(floor.store)

    tasks = floor.client.get("/api/v1/putaway-tasks", headers=floor.login("B-SUP")).json()

    assert [(t["container"], t["suggested"], t["units"]) for t in tasks] == [
        ("ASN-7-1", "A-01-01", 2)
    ]
    assert snapshot(floor.store) == before


def test_dock_to_stock_is_a_kpi_beside_the_others(floor: Floor) -> None:
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    h = clerk(floor)
    floor.scan(h, EAN13)
    p = floor.login("B-PACK")
    floor.start(p, "putaway")
    floor.scan(p, "ASN-7-1")
    floor.scan(p, "A-01-01")
    sup = floor.login("B-SUP")
    day = (
        floor.store.read().execute("SELECT substr(done_at, 1, 10) FROM putaway_tasks").fetchone()[0]
    )

    kpi = floor.client.get(
        "/api/v1/kpis/dock_to_stock", params={"from": day, "to": day}, headers=sup
    ).json()

    assert kpi["unit"] == "hours"
    assert kpi["total"]["den"] == 1
    assert 0 <= kpi["total"]["value"] < 0.01


def test_returns_graded_resellable_are_put_away_like_received_goods(tmp_path: Any) -> None:
    settings = desk_settings(tmp_path)
    store = Store(settings.db_path, edge_id=settings.edge.id)
    with TestClient(create_app(settings, store=store)) as client:
        desk = Floor.build(store, client)
        order_id = shipped_order(desk, {"SKU-1": 1})
        authorise(desk, "RMA-1", order_id, {"SKU-1": 1})
        r = returns_clerk(desk)
        for raw in ("RMA-1", EAN13, "CMD:RESELLABLE", "CMD:DONE"):
            assert desk.scan(r, raw).json()["ok"], raw
        p = desk.login("B-PACK")
        desk.start(p, "putaway")

        task = desk.scan(p, EAN13).json()
        done = desk.scan(p, "A-01-01").json()

        assert (task["params"]["sku"], task["params"]["qty"]) == ("SKU-1", 1)
        assert done["prompt"] == "put_away"
        assert balance(desk, "SKU-1", "RETURNS") == 0
        assert verify(store.read()) == []
    store.close()
