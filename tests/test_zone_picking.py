"""Zone picking ([picking] zones) on the real app and a real SQLite file: an order with units in
several zones gets a pick list per zone, each picked into a tote of its own by that zone's
picker; at the bench any of its totes names the zones still missing, and the order opens for
packing only when every zone's list is picked; zones off, nothing changes."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from edge.api.app import create_app
from edge.config import load_settings
from edge.domain.gtin import check_digit
from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.verify import verify
from tests.support import EAN13, SKU2_EAN, Floor, add_colleague, new_device, packer_at_bench

SKU3_EAN = "950600013437" + str(check_digit("950600013437"))
ZONES = {"A-01-01": "A", "A-01-02": "B", "B-02-01": "C"}  # SKU-1, SKU-2, SKU-3 in turn
CODES = {"SKU-1": EAN13, "SKU-2": SKU2_EAN, "SKU-3": SKU3_EAN}
TOTES = [f"T-{n:04d}" for n in range(1, 13)]


def zoned(tx: Any) -> None:
    """The floor's three bins each in a zone of its own, SKU-3 in the third, twelve totes."""
    for code, zone in ZONES.items():
        catalog.upsert_location(tx, code=code, type="bin", zone=zone, pick_seq=int(code[-1]))
    catalog.upsert_product(tx, sku="SKU-3", name="Oolong 80g", weight_g=90)
    catalog.add_barcode(tx, code=SKU3_EAN, sku="SKU-3")
    receive(tx, ReceiveStock("SKU-3", "B-02-01", 10), Actor())
    for tote in TOTES:
        catalog.upsert_container(tx, code=tote, type="tote")


def zones_on(f: Floor, on: bool = True) -> None:
    state = f.client.app.state  # type: ignore[attr-defined]
    picking = state.settings.picking.model_copy(update={"zones": on})
    state.settings = state.settings.model_copy(update={"picking": picking})


def place(f: Floor, lines: dict[str, int]) -> str:
    body = {
        "channel": "shop",
        "channel_order_id": f"Z-{len(lines)}-{sorted(lines.items())}-{id(lines)}",
        "lines": [{"sku": s, "qty": q} for s, q in lines.items()],
    }
    resp = f.client.post("/api/v1/orders", json=body, headers=f.login("B-SUP"))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["order_id"])


def picker_on_own_handheld(f: Floor, badge: str) -> dict[str, str]:
    add_colleague(f, badge, "picker")
    return f.login(badge, device=new_device(f.client, f"HH-{badge}"))


def start(f: Floor, picker: dict[str, str], zone: str | None = None) -> Any:
    body = {"workflow": "pick"} | ({"zone": zone} if zone else {})
    return f.client.post("/api/v1/work-sessions", json=body, headers=picker)


def pick_through(f: Floor, picker: dict[str, str], view: dict[str, Any]) -> dict[str, Any]:
    """Scan what the list asks until it is done: a free tote per slot, each task's bin and
    units."""
    free = iter(t for t in TOTES if not bound(f, t))
    while view["step"] != "done":
        if view["step"] == "tote":
            code = next(free)
        elif view["step"] == "location":
            code = view["task"]["location"]
        else:
            code = CODES[view["task"]["sku"]]
        answer = f.scan(picker, code).json()
        assert answer["ok"], answer
        view = answer["view"]
    return view


def bound(f: Floor, tote: str) -> bool:
    row = f.store.read().execute(
        "SELECT 1 FROM container_bindings WHERE container = ? AND closed_at IS NULL", (tote,)
    )
    return row.fetchone() is not None


def status(f: Floor, order_id: str) -> str:
    row = f.store.read().execute("SELECT status FROM orders WHERE id = ?", (order_id,))
    return str(row.fetchone()[0])


@pytest.fixture(name="settings")
def bench_with_printer(tmp_path: Path) -> Any:
    """BENCH-1 with a file printer (a closed parcel's waybill goes there)."""
    (tmp_path / "printed").mkdir()
    printer = {"name": "pdf", "kind": "file", "station": "BENCH-1", "path": f"{tmp_path}/printed"}
    env = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps([{"name": "BENCH-1", "type": "pack_bench"}]),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps([printer]),
    }
    return load_settings(env=env, overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10})


@pytest.fixture
def zoned_floor(floor: Floor) -> Floor:
    floor.store.writer.call(zoned)
    zones_on(floor)
    return floor


def test_a_two_zone_order_is_picked_on_two_lists_and_packs_only_when_both_totes_are_in(
    zoned_floor: Floor,
) -> None:
    f = zoned_floor
    order_id = place(f, {"SKU-1": 2, "SKU-2": 1})
    anna, bo = picker_on_own_handheld(f, "B-ANNA"), picker_on_own_handheld(f, "B-BO")

    in_a = start(f, anna, "A").json()["view"]
    assert (in_a["zone"], in_a["progress"]["units_total"]) == ("A", 2)
    done_a = pick_through(f, anna, in_a)
    packer = packer_at_bench(f)
    early = f.scan(packer, done_a["totes"][0]["tote"]).json()
    in_b = start(f, bo).json()["view"]  # no zone asked: the zone with work left
    assert (in_b["zone"], in_b["progress"]["units_total"], status(f, order_id)) == (
        "B",
        1,
        "picking",
    )
    pick_through(f, bo, in_b)
    opened = f.scan(packer, done_a["totes"][0]["tote"]).json()

    assert (early["ok"], early["code"], early["params"]) == (
        False,
        "order_zones_missing",
        {"order_id": order_id, "missing": "B [-]"},
    )
    assert "zones B [-] are still being picked" in early["detail"]
    assert status(f, order_id) == "picked"
    assert opened["ok"] and opened["view"]["left"] == 3
    assert sorted(opened["view"]["totes"]) == sorted(
        [done_a["totes"][0]["tote"], in_b["totes"][0]["tote"] or "T-0002"]
    )
    verified = [f.scan(packer, CODES[s]).json() for s in ("SKU-1", "SKU-1", "SKU-2")]
    assert all(v["ok"] for v in verified) and verified[-1]["next"] == "choose_package"
    close = {"close_id": "z-close-1", "package": "BAG", "weight_g": 330}
    closed = f.client.post("/api/v1/pack/close", json=close, headers=packer)
    assert closed.status_code == 200 and closed.json()["ok"], closed.text
    assert status(f, order_id) == "packed"
    assert verify(f.store.read()) == []


def test_a_picker_of_a_zone_with_nothing_left_there_gets_no_list(zoned_floor: Floor) -> None:
    f = zoned_floor
    place(f, {"SKU-1": 1})
    picker = f.login("B-PICK")

    answer = start(f, picker, "C")

    assert (answer.status_code, answer.json()["code"]) == (404, "no_pick_list")


def test_with_zones_off_a_two_zone_order_is_one_list_as_before(floor: Floor) -> None:
    f = floor
    f.store.writer.call(zoned)
    order_id = place(f, {"SKU-1": 1, "SKU-2": 1})

    view = start(f, f.login("B-PICK")).json()["view"]
    done = pick_through(f, f.login("B-PICK"), view)

    assert (view["zone"], view["progress"]["units_total"]) == (None, 2)
    assert done["step"] == "done" and status(f, order_id) == "picked"


ORDER = st.dictionaries(st.sampled_from(sorted(CODES)), st.integers(1, 2), min_size=1)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ORDER, min_size=1, max_size=3), st.permutations(sorted(set(ZONES.values()))))
@example([{"SKU-2": 2}, {"SKU-2": 2}, {"SKU-2": 2}], ["A", "B", "C"])  # six of SKU-2 (CI found it)
def test_zone_lists_partition_each_orders_units_and_an_order_is_picked_with_its_last_zone(
    orders: list[dict[str, int]], zone_order: list[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = load_settings(
            env={}, overrides={"edge.data_dir": Path(tmp), "auth.pin_hash_cost": 10}
        )
        store = Store(config.db_path, edge_id=config.edge.id)
        try:
            with TestClient(create_app(config, store=store)) as client:
                f = Floor.build(store, client)
                f.store.writer.call(zoned)
                # enough of each SKU for three orders of two units (the floor has 5 of SKU-2):
                # an order placed short is held from the start, not picked
                f.store.writer.call(
                    lambda tx: receive(tx, ReceiveStock("SKU-2", "A-01-02", 5), Actor())
                )
                zones_on(f)
                ids = [place(f, lines) for lines in orders]
                picker = f.login("B-PICK")
                for zone in zone_order:
                    while (answer := start(f, picker, zone)).status_code == 200:
                        pick_through(f, picker, answer.json()["view"])
                        check_progress(f, ids)
                assert all(status(f, o) == "picked" for o in ids)
                check_partition(f, ids, orders)
            assert verify(store.read()) == []
        finally:
            store.close()


def check_progress(f: Floor, ids: list[str]) -> None:
    """An order is picked exactly when no unit of it is left to pick in any zone."""
    for order_id in ids:
        left = f.store.read().execute(
            "SELECT COALESCE(SUM(a.qty), 0) FROM allocations a JOIN order_lines l"
            " ON l.id = a.order_line_id WHERE l.order_id = ?",
            (order_id,),
        )
        assert (status(f, order_id) == "picked") == (left.fetchone()[0] == 0)


def check_partition(f: Floor, ids: list[str], orders: list[dict[str, int]]) -> None:
    """Each order's units are on exactly one list, the list of their bin's zone, one list per
    zone of the order, each list's units in a tote of its own."""
    for order_id, lines in zip(ids, orders, strict=True):
        rows = (
            f.store.read()
            .execute(
                "SELECT t.sku, t.qty, t.location, pl.zone, pl.id FROM pick_tasks t"
                " JOIN pick_lists pl ON pl.id = t.list_id WHERE t.order_id = ?",
                (order_id,),
            )
            .fetchall()
        )
        units: dict[str, int] = {}
        for sku, qty, location, zone, _list in rows:
            units[sku] = units.get(sku, 0) + qty
            assert zone == ZONES[location]
        assert units == lines
        by_zone = {zone: list_id for *_, zone, list_id in rows}
        assert len(by_zone) == len({r[4] for r in rows})  # one list per zone
        totes = (
            f.store.read()
            .execute(
                "SELECT list_id, container FROM container_bindings WHERE order_id = ?"
                " AND list_id IS NOT NULL",
                (order_id,),
            )
            .fetchall()
        )
        assert {t[0] for t in totes} == set(by_zone.values())
        assert len({t[1] for t in totes}) == len(totes)


def test_a_supervisor_lets_an_order_go_short_of_a_zone_still_open_and_it_packs_from_its_tote(
    zoned_floor: Floor,
) -> None:
    f = zoned_floor
    order_id = place(f, {"SKU-1": 2, "SKU-2": 1})
    anna, bo = picker_on_own_handheld(f, "B-ANNA"), picker_on_own_handheld(f, "B-BO")
    done_a = pick_through(f, anna, start(f, anna, "A").json()["view"])
    in_b = start(f, bo, "B").json()["view"]  # zone B's list is open, nothing picked yet
    sup = f.login("B-SUP")
    too_early = f.client.post(f"/api/v1/orders/{place(f, {'SKU-1': 1})}/let-go-short", headers=sup)

    let_go = f.client.post(f"/api/v1/orders/{order_id}/let-go-short", headers=sup)
    packer = packer_at_bench(f)
    opened = f.scan(packer, done_a["totes"][0]["tote"]).json()
    b_list = f.store.read().execute(
        "SELECT status, (SELECT COUNT(*) FROM pick_tasks t WHERE t.list_id = pl.id)"
        " FROM pick_lists pl WHERE id = ?",
        (in_b["list_id"],),
    )
    cut = f.store.read().execute(
        "SELECT sku, qty_cancelled FROM order_lines WHERE order_id = ? ORDER BY sku", (order_id,)
    )

    assert (too_early.status_code, too_early.json()["code"]) == (422, "order_not_packable")
    assert let_go.status_code == 200, let_go.text
    assert (let_go.json()["status"], let_go.json()["cut"]) == ("picked", 1)
    assert tuple(b_list.fetchone()) == ("done", 0)
    assert [tuple(r) for r in cut] == [("SKU-1", 0), ("SKU-2", 1)]
    assert opened["ok"] and opened["view"]["left"] == 2
    assert start(f, bo, "B").status_code == 404  # nothing of it is left to pick in zone B
    assert verify(f.store.read()) == []
