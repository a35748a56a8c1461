"""Packing and dispatch through the real app: verify by scan, close parcels (tracking number once
per order and parcel, weight check, waybill print job with `packed`), multi-parcel, dispatch,
ship_on_pack, reprint; every refusal changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.agent.appliers import apply_page
from edge.api.app import create_app
from edge.config import load_settings
from edge.domain.carrier import is_s10
from edge.service.orders import complete_putback
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.verify import verify
from tests.support import (
    EAN13,
    SKU2_EAN,
    Floor,
    add_colleague,
    packer_at_bench,
    picked_order,
    scan_id,
    snapshot,
)


def _settings(tmp_path: Path, **extra: Any) -> Any:
    printers = [
        {
            "name": "bench-pdf",
            "kind": "file",
            "station": "BENCH-1",
            "path": str(tmp_path / "printed"),
        }
    ]
    env = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps([{"name": "BENCH-1", "type": "pack_bench"}]),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps(printers),
    } | {f"WAREHOUSE_EDGE_{k.upper()}": str(v) for k, v in extra.items()}
    (tmp_path / "printed").mkdir(exist_ok=True)
    return load_settings(env=env, overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10})


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Floor]:
    settings = _settings(tmp_path)
    store = Store(settings.db_path, edge_id=settings.edge.id)
    with TestClient(create_app(settings, store=store)) as client:
        yield Floor.build(store, client)
    assert verify(store.read()) == []
    store.close()


def close(floor: Floor, headers: dict[str, str], **body: Any) -> Any:
    body = {"close_id": scan_id(), "package": "S"} | body
    return floor.client.post("/api/v1/pack/close", json=body, headers=headers)


def balances(store: Store) -> list[tuple[Any, ...]]:
    rows = store.read().execute(
        "SELECT sku, location, container, bucket, qty FROM balances WHERE qty > 0"
        " ORDER BY sku, bucket, container"
    )
    return [tuple(r) for r in rows]


def test_a_picked_order_is_verified_packed_printed_and_dispatched(bench: Floor) -> None:
    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 2}])
    packer = packer_at_bench(bench)

    opened = bench.scan(packer, "T-0001").json()
    checks = [bench.scan(packer, EAN13).json() for _ in range(2)]
    closed = close(bench, packer, weight_g=360)  # 2 × 120 g + the S box's 120 g

    assert (opened["prompt"], [c["params"]["left"] for c in checks]) == (
        "scan_pack_item",
        [1, 0],
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert (body["prompt"], body["params"]["parcel_no"], is_s10(body["tracking_no"])) == (
        "parcel_closed",
        1,
        True,
    )
    conn = bench.store.read()
    order = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
    job = conn.execute("SELECT kind, parcel_id, order_id FROM print_jobs").fetchone()
    assert (order["status"], tuple(job)) == ("packed", ("waybill", f"{order_id}-P1", order_id))
    assert ("SKU-1", "", f"{order_id}-P1", "picked", 2) in balances(bench.store)
    tote = conn.execute(
        "SELECT closed_at IS NOT NULL FROM container_bindings WHERE container = 'T-0001'"
    ).fetchone()[0]
    assert tote == 1  # the tote is free for the next order

    bench.client.post("/api/v1/work-sessions", json={"workflow": "dispatch"}, headers=packer)
    out = bench.scan(packer, body["tracking_no"]).json()

    assert (out["ok"], out["prompt"]) == (True, "order_dispatched")
    conn = bench.store.read()
    status = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
    line = conn.execute(
        "SELECT qty_packed, qty_shipped FROM order_lines WHERE order_id = ?", (order_id,)
    ).fetchone()
    shipped = conn.execute("SELECT payload FROM outbox WHERE type = 'order_shipped'").fetchone()
    assert (status, tuple(line)) == ("shipped", (2, 2))
    assert [p["tracking_number"] for p in json.loads(shipped[0])["parcels"]] == [
        body["tracking_no"]
    ]
    assert [b for b in balances(bench.store) if b[0] == "SKU-1" and b[3] == "picked"] == []


def test_a_wrong_item_at_the_bench_is_refused_and_nothing_moves(bench: Floor) -> None:
    picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
    packer = packer_at_bench(bench)
    bench.scan(packer, "T-0001")
    before = snapshot(bench.store)

    wrong = bench.scan(packer, SKU2_EAN)

    assert (wrong.status_code, wrong.json()["code"]) == (422, "pack_wrong_item")
    assert "set it aside at the bench" in wrong.json()["detail"]
    assert "put it back" not in wrong.json()["detail"].lower()
    assert snapshot(bench.store) == before


def test_an_extra_unit_is_refused(bench: Floor) -> None:
    picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
    packer = packer_at_bench(bench)
    bench.scan(packer, "T-0001")
    bench.scan(packer, EAN13)

    extra = bench.scan(packer, EAN13)

    assert (extra.status_code, extra.json()["code"]) == (422, "extra_item")


@pytest.mark.parametrize(
    ("weight", "said"),
    [
        (240, "The parcel is 120 g too light: most likely missing: 1 × SKU-1 (120 g each)."),
        (480, "The parcel is 120 g too heavy: most likely extra: 1 × SKU-1 (120 g each)."),
        (200, "The parcel is 160 g too light: no single item explains it;"),
    ],
    ids=["a unit missing", "an extra unit in the box", "nothing explains it"],
)
def test_a_parcel_whose_weight_is_off_says_which_way_by_how_much_and_what_is_likely_missing(
    bench: Floor, weight: int, said: str
) -> None:
    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 2}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13, EAN13):
        bench.scan(packer, raw)
    before = snapshot(bench.store)

    resp = close(bench, packer, weight_g=weight)

    assert (resp.status_code, resp.json()["code"]) == (422, "weight_off")
    assert resp.json()["detail"].startswith(said)
    # Never the expected total (360 g): the packer would type it instead of looking.
    assert "360" not in resp.json()["detail"] + resp.json()["messages"]["zh"]
    assert "360" not in str(resp.json()["params"])
    assert snapshot(bench.store) == before
    status = bench.store.read().execute("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status.fetchone()[0] == "picked"


def test_closing_before_every_item_is_checked_is_refused(bench: Floor) -> None:
    picked_order(bench, [{"sku": "SKU-1", "qty": 2}])
    packer = packer_at_bench(bench)
    bench.scan(packer, "T-0001")
    bench.scan(packer, EAN13)

    resp = close(bench, packer, weight_g=240)

    assert (resp.status_code, resp.json()["code"]) == (422, "parcel_not_ready")


def test_a_retried_close_gets_the_same_answer_and_one_tracking_number(bench: Floor) -> None:
    picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
    packer = packer_at_bench(bench)
    bench.scan(packer, "T-0001")
    bench.scan(packer, EAN13)
    close_id = scan_id()

    first = close(bench, packer, close_id=close_id, weight_g=240)
    again = close(bench, packer, close_id=close_id, weight_g=240)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["tracking_no"] == first.json()["tracking_no"]
    conn = bench.store.read()
    counts = [
        conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("tracking_numbers", "parcels", "print_jobs")
    ]
    assert counts == [1, 1, 1]


def test_a_close_takes_its_tracking_number_in_its_own_commit_and_a_refused_close_keeps_none(
    bench: Floor,
) -> None:
    picked_order(bench, [{"sku": "SKU-1", "qty": 2}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13, EAN13):
        bench.scan(packer, raw)
    conn = bench.store.read()

    refused = close(bench, packer, weight_g=240)  # 120 g light
    numbers_after_refusal = conn.execute("SELECT COUNT(*) FROM tracking_numbers").fetchone()[0]
    close_id = scan_id()
    closed = close(bench, packer, close_id=close_id, weight_g=360)

    assert (refused.status_code, refused.json()["code"]) == (422, "weight_off")
    assert numbers_after_refusal == 0
    assert closed.status_code == 200, closed.text
    issued = conn.execute("SELECT tracking_no, issued_at FROM tracking_numbers").fetchall()
    events = conn.execute("SELECT occurred_at FROM outbox WHERE scan_id = ?", (close_id,))
    # the number and the close's events carry one command's clock: they were one transaction
    assert [tuple(r) for r in issued] == [(closed.json()["tracking_no"], events.fetchone()[0])]


def test_an_order_packs_into_two_parcels_each_with_its_contents(bench: Floor) -> None:
    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 2}, {"sku": "SKU-2", "qty": 1}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13, EAN13, "CMD:DONE"):
        bench.scan(packer, raw)

    first = close(bench, packer, weight_g=360, pieces=2).json()
    bench.scan(packer, SKU2_EAN)
    second = close(bench, packer, package="BAG", weight_g=90, pieces=2).json()

    assert (first["params"]["left"], second["params"]["left"]) == (1, 0)
    rows = bench.store.read().execute(
        "SELECT p.piece_no, p.pieces, c.sku, c.qty FROM parcels p"
        " JOIN parcel_contents c ON c.parcel_id = p.id ORDER BY p.piece_no"
    )
    assert [tuple(r) for r in rows] == [(1, 2, "SKU-1", 2), (2, 2, "SKU-2", 1)]
    assert first["tracking_no"] != second["tracking_no"]
    status = bench.store.read().execute("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status.fetchone()[0] == "packed"


def test_the_first_parcel_out_leaves_the_order_packed_until_the_last(bench: Floor) -> None:
    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 2}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13, "CMD:DONE"):
        bench.scan(packer, raw)
    one = close(bench, packer, weight_g=240, pieces=2).json()["tracking_no"]
    bench.scan(packer, EAN13)
    two = close(bench, packer, weight_g=240, pieces=2).json()["tracking_no"]
    bench.client.post("/api/v1/work-sessions", json={"workflow": "dispatch"}, headers=packer)

    first = bench.scan(packer, one).json()
    again = bench.scan(packer, one)
    last = bench.scan(packer, two).json()

    assert (first["prompt"], first["params"]["waiting"]) == ("parcel_dispatched", 1)
    assert again.json()["code"] == "already_dispatched"
    assert last["prompt"] == "order_dispatched"
    status = bench.store.read().execute("SELECT status FROM orders WHERE id = ?", (order_id,))
    assert status.fetchone()[0] == "shipped"


def test_ship_on_pack_ships_as_the_last_parcel_closes(tmp_path: Path) -> None:
    settings = _settings(tmp_path, packing_ship_on_pack="true")
    store = Store(settings.db_path, edge_id=settings.edge.id)
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        order_id = picked_order(floor, [{"sku": "SKU-1", "qty": 1}])
        packer = packer_at_bench(floor)
        for raw in ("T-0001", EAN13):
            floor.scan(packer, raw)

        close(floor, packer, weight_g=240)

        conn = store.read()
        status = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
        types = [r[0] for r in conn.execute("SELECT type FROM outbox ORDER BY seq DESC LIMIT 3")]
        assert (status[0], types) == ("shipped", ["order_shipped", "order_packed", "parcel_closed"])
        assert verify(conn) == []
    store.close()


def test_a_reprint_queues_the_waybill_again_with_the_address_as_it_is_now(bench: Floor) -> None:
    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13):
        bench.scan(packer, raw)
    close(bench, packer, weight_g=240)
    bench.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE orders SET ship_to = ? WHERE id = ?",
            (json.dumps({"name": "李雷", "city": "杭州市", "address": "文三路 478 号"}), order_id),
        )
    )

    resp = bench.client.post(
        f"/api/v1/parcels/{order_id}-P1/reprint", json={"station": "BENCH-1"}, headers=packer
    )

    assert resp.status_code == 201, resp.text
    docs = [
        json.loads(r[0])["recipient"]["name"]
        for r in bench.store.read().execute("SELECT document FROM print_jobs ORDER BY id")
    ]
    assert docs == ["王芳", "李雷"]


def test_closing_at_a_bench_without_a_printer_is_refused(floor: Floor) -> None:
    picked_order(floor, [{"sku": "SKU-1", "qty": 1}])
    packer = floor.login("B-PACK")
    floor.start(packer, "pack")
    for raw in ("T-0001", EAN13):
        floor.scan(packer, raw)
    before = snapshot(floor.store)

    resp = close(floor, packer, weight_g=240)

    assert (resp.status_code, resp.json()["code"]) == (422, "no_printer")
    assert snapshot(floor.store) == before


def test_an_unknown_box_is_refused_naming_the_choices(bench: Floor) -> None:
    picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13):
        bench.scan(packer, raw)

    resp = close(bench, packer, package="XXL", weight_g=240)

    assert (resp.status_code, resp.json()["code"]) == (422, "unknown_package")
    assert "BAG, S, M, L" in resp.json()["detail"]


def test_at_a_bench_without_a_scale_the_close_asks_for_a_typed_weight(bench: Floor) -> None:
    picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13):
        bench.scan(packer, raw)

    resp = close(bench, packer)

    assert (resp.status_code, resp.json()["code"]) == (422, "weight_needed")


def test_a_tote_of_no_picked_order_is_nothing_to_pack(bench: Floor) -> None:
    packer = packer_at_bench(bench)

    resp = bench.scan(packer, "T-0001")

    assert (resp.status_code, resp.json()["code"]) == (422, "nothing_to_pack")


def test_an_address_change_from_central_after_the_label_flags_the_parcel_until_reprinted(
    bench: Floor,
) -> None:
    from central_sync.agent.appliers import apply_page

    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13):
        bench.scan(packer, raw)
    close(bench, packer, weight_g=240)
    printed = wait_for(bench, "SELECT label_printed_at IS NOT NULL FROM parcels")
    new_address = {"name": "李雷", "city": "杭州市", "address": "文三路 478 号"}
    change = {
        "cursor": 1,
        "type": "address_changed",
        "order_id": order_id,
        "data": {"order_id": order_id, "ship_to": new_address},
    }

    bench.store.writer.call(lambda tx: apply_page(tx, [change], 1))
    flagged = bench.client.get("/api/v1/parcels/reprints", headers=packer).json()
    bench.client.post(
        f"/api/v1/parcels/{order_id}-P1/reprint", json={"station": "BENCH-1"}, headers=packer
    )
    cleared = wait_for(bench, "SELECT reprint_reason IS NULL FROM parcels")

    assert (printed, cleared) == (1, 1)
    assert [(p["parcel_id"], p["reprint_reason"]) for p in flagged] == [
        (f"{order_id}-P1", "address_changed")
    ]
    last = bench.store.read().execute("SELECT document FROM print_jobs ORDER BY id DESC").fetchone()
    assert json.loads(last[0])["recipient"]["name"] == "李雷"


def wait_for(floor: Floor, sql: str) -> Any:
    """The query's value once it is truthy (the spooler prints after the commit, on its loop)."""
    import asyncio

    value = None
    for _ in range(200):
        value = floor.store.read().execute(sql).fetchone()[0]
        if value:
            break
        floor.client.portal.call(asyncio.sleep, 0.05)
    return value


def test_a_parcel_is_reprinted_only_by_its_packer_or_a_supervisor(bench: Floor) -> None:
    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
    packer = packer_at_bench(bench)
    for raw in ("T-0001", EAN13):
        bench.scan(packer, raw)
    assert close(bench, packer, weight_g=240).status_code == 200
    other = add_colleague(bench, "B-PACK-2", "packer")
    url, body = f"/api/v1/parcels/{order_id}-P1/reprint", {"station": "BENCH-1"}
    jobs = bench.store.read().execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0]

    refused = bench.client.post(url, json=body, headers=other)

    assert (refused.status_code, refused.json()["code"]) == (403, "not_assignee")
    assert bench.store.read().execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0] == jobs
    for headers in (packer, bench.login("B-SUP")):
        assert bench.client.post(url, json=body, headers=headers).status_code == 201


def test_a_packer_on_a_handheld_bound_to_no_station_types_the_weight_and_the_bench_prints(
    bench: Floor,
) -> None:
    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 2}])
    packer = bench.login("B-PACK")  # a handheld: no station given, none bound to the device
    started = bench.start(packer, "pack").json()
    for raw in ("T-0001", EAN13, EAN13):
        assert bench.scan(packer, raw).json()["ok"], raw

    closed = close(bench, packer, weight_g=360)

    assert started["view"]["station"] == ""
    assert closed.status_code == 200, closed.text
    assert closed.json()["print_station"] == "BENCH-1"  # the only printer: the bench's
    jobs = bench.store.read().execute("SELECT printer, station, order_id FROM print_jobs")
    assert [tuple(j) for j in jobs] == [("bench-pdf", "BENCH-1", order_id)]
    event = (
        bench.store.read()
        .execute("SELECT payload FROM outbox WHERE type = 'parcel_closed'")
        .fetchone()
    )
    assert json.loads(event[0])["weight_source"] == "typed"


def test_the_shops_notes_on_an_order_are_shown_at_the_pack_bench(bench: Floor) -> None:
    sup = bench.login("B-SUP")
    released = bench.client.post(
        "/api/v1/orders",
        json={
            "channel": "taobao",
            "channel_order_id": "500001084",
            "lines": [{"sku": "SKU-1", "qty": 1}],
            "ship_to": {"name": "王小贝", "address": "解放路100", "city": "西安市"},
            "buyer_note": "周末配送",
            "seller_note": "改为发顺丰",
        },
        headers=sup,
    )
    assert released.status_code == 201, released.text
    order_id = released.json()["order_id"]
    picker = bench.login("B-PICK")
    assert bench.start(picker, "pick").status_code == 200
    picks = [bench.scan(picker, code).json() for code in ("T-0001", "A-01-01", EAN13)]
    assert all(p["ok"] for p in picks), picks
    packer = packer_at_bench(bench)

    opened = bench.scan(packer, "T-0001").json()
    detail = bench.client.get(f"/api/v1/orders/{order_id}", headers=sup).json()

    assert opened["view"]["notes"] == {"buyer": "周末配送", "seller": "改为发顺丰"}
    assert (detail["buyer_note"], detail["seller_note"]) == ("周末配送", "改为发顺丰")


def test_units_central_cut_after_picking_are_left_out_at_the_bench_and_go_back_to_a_bin(
    bench: Floor,
) -> None:
    order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 3}])
    data = {
        "order_id": order_id,
        "cancel_id": "C-1",
        "reason": "refunded on shopify",
        "lines": [{"line_no": 1, "sku": "SKU-1", "qty": 2}],
    }
    cut = [{"cursor": 1, "type": "order_lines_cancelled", "order_id": order_id, "data": data}]
    bench.store.writer.call(lambda tx: apply_page(tx, cut, 1))
    packer = packer_at_bench(bench)

    opened = bench.scan(packer, "T-0001").json()
    check = bench.scan(packer, EAN13).json()
    extra = bench.scan(packer, EAN13)
    closed = close(bench, packer, weight_g=240)  # 1 × 120 g + the S box's 120 g

    assert [ln["to_pack"] for ln in opened["view"]["lines"]] == [1]
    assert check["params"]["left"] == 0
    assert (extra.status_code, extra.json()["code"]) == (422, "extra_item")
    assert closed.status_code == 200, closed.text
    assert ("SKU-1", "", "T-0001", "picked", 2) in balances(bench.store)  # the cut units
    [(putback_id,)] = bench.store.read().execute("SELECT id FROM putback_tasks").fetchall()
    bench.store.writer.call(lambda tx: complete_putback(tx, putback_id, "A-01-01", Actor()))
    assert [b for b in balances(bench.store) if b[3] == "picked" and b[2] == "T-0001"] == []
