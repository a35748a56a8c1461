"""Single-item orders packed by scanning the item (单品, 扫描即打单) on the real app, a real SQLite
file and two Zebra printers on 127.0.0.1:9100-style listeners: an item scanned at a bench with no
order open opens the next picked one-unit order that wants it, verified; its close prints its
waybill. Two benches scanning the same SKU at once get two different orders, and each order gets
one label."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.api.app import create_app
from edge.config import load_settings
from edge.store import catalog
from edge.store.database import Store
from edge.store.verify import verify
from tests.printer_fake import FakeZebra
from tests.support import EAN13, Floor, add_colleague, scan_id

# each test runs with the writer thread and with the writer process (tests/conftest.py)
WRITERS = ("thread", "process")

BENCHES = ("BENCH-1", "BENCH-2")
TOTES = ("T-0001", "T-0002", "T-0003")


@pytest.fixture
def zebras() -> Iterator[dict[str, FakeZebra]]:
    with FakeZebra() as one, FakeZebra() as two:
        yield dict(zip(BENCHES, (one, two), strict=True))


@contextmanager
def two_benches(data_dir: Path, printers: list[dict[str, Any]]) -> Iterator[Floor]:
    """An edge with BENCH-1 and BENCH-2 and a printer at each; totes T-0001..3."""
    env = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps([{"name": b, "type": "pack_bench"} for b in BENCHES]),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps(printers),
    }
    config = load_settings(env=env, overrides={"edge.data_dir": data_dir, "auth.pin_hash_cost": 10})
    store = Store(config.db_path, edge_id=config.edge.id)
    try:
        with TestClient(create_app(config, store=store)) as client:
            floor = Floor.build(store, client)
            store.writer.call(
                lambda tx: [catalog.upsert_container(tx, code=t, type="tote") for t in TOTES[1:]]
            )
            yield floor
        assert verify(store.read()) == []
    finally:
        store.close()


@pytest.fixture
def benches(tmp_path: Path, zebras: dict[str, FakeZebra]) -> Iterator[Floor]:
    """Each bench's printer a Zebra on its own 127.0.0.1 port."""
    printers = [
        {"name": f"{b.lower()}-zpl", "kind": "zpl-tcp", "station": b, "host": "127.0.0.1"}
        | {"port": z.port}
        for b, z in zebras.items()
    ]
    with two_benches(tmp_path, printers) as floor:
        yield floor


def picked_singles(f: Floor, n: int = 3) -> list[str]:
    """`n` one-unit orders of SKU-1, released and picked on one list (a tote each)."""
    sup = f.login("B-SUP")
    ids = []
    for i in range(n):
        body = {
            "channel": "shop",
            "channel_order_id": f"TB-{i}",
            "lines": [{"sku": "SKU-1", "qty": 1}],
        }
        resp = f.client.post("/api/v1/orders", json=body, headers=sup)
        assert resp.status_code == 201, resp.text
        ids.append(str(resp.json()["order_id"]))
    picker = f.login("B-PICK")
    assert f.start(picker, "pick").status_code == 200
    answers = [f.scan(picker, code).json() for code in (*TOTES[:n], "A-01-01")]
    answers += [f.scan(picker, EAN13).json() for _ in range(n)]
    assert all(a["ok"] for a in answers), answers
    return ids


def packer_at(f: Floor, badge: str, bench: str) -> dict[str, str]:
    headers = f.login(badge, station=bench)
    body = {"workflow": "pack", "station": bench}
    resp = f.client.post("/api/v1/work-sessions", json=body, headers=headers)
    assert resp.status_code == 200, resp.text
    return headers


def close(f: Floor, headers: dict[str, str]) -> Any:
    body = {"close_id": scan_id(), "package": "BAG", "weight_g": 140}
    return f.client.post("/api/v1/pack/close", json=body, headers=headers)


def labels_of(f: Floor) -> dict[str, int]:
    rows = f.store.read().execute(
        "SELECT order_id, COUNT(*) FROM print_jobs WHERE kind = 'waybill' GROUP BY order_id"
    )
    return {r[0]: r[1] for r in rows}


def test_two_benches_scanning_the_same_item_at_once_pack_two_orders_one_label_each(
    benches: Floor, zebras: dict[str, FakeZebra]
) -> None:
    f = benches
    add_colleague(f, "B-PACK2", "packer")
    orders = picked_singles(f)
    packers = [packer_at(f, "B-PACK", BENCHES[0]), packer_at(f, "B-PACK2", BENCHES[1])]

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda h: f.scan(h, EAN13).json(), packers))

    assert all(a["ok"] and a["next"] == "choose_package" for a in answers), answers
    opened = [a["state"]["order_id"] for a in answers]
    assert len(set(opened)) == 2 and set(opened) <= set(orders)
    closed = [close(f, h) for h in packers]
    assert all(c.status_code == 200 and c.json()["ok"] for c in closed), [c.text for c in closed]

    third = f.scan(packers[0], EAN13).json()  # the one order left goes to whoever scans next
    assert third["ok"] and third["state"]["order_id"] not in opened
    assert close(f, packers[0]).json()["ok"]
    refused = f.scan(packers[1], EAN13).json()
    assert (refused["ok"], refused["code"]) == (False, "no_order_wants_item")

    assert labels_of(f) == dict.fromkeys(orders, 1)
    zebras[BENCHES[0]].wait_for(lambda: len(zebras[BENCHES[0]].jobs) == 2, "two labels at bench 1")
    zebras[BENCHES[1]].wait_for(lambda: len(zebras[BENCHES[1]].jobs) == 1, "one label at bench 2")
    status = f.store.read().execute("SELECT status FROM orders WHERE id IN (?,?,?)", tuple(orders))
    assert {r[0] for r in status} <= {"packed", "shipped"}


def auto_close_on(f: Floor) -> None:
    state = f.client.app.state  # type: ignore[attr-defined]
    packing = state.settings.packing.model_copy(update={"single_item_auto_close": "on"})
    state.settings = state.settings.model_copy(update={"packing": packing})


def test_with_auto_close_two_benches_scanning_the_same_item_at_once_each_print_one_order(
    benches: Floor, zebras: dict[str, FakeZebra]
) -> None:
    f = benches
    auto_close_on(f)
    add_colleague(f, "B-PACK2", "packer")
    orders = picked_singles(f)
    packers = [packer_at(f, "B-PACK", BENCHES[0]), packer_at(f, "B-PACK2", BENCHES[1])]

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda h: f.scan(h, EAN13).json(), packers))
    again = f.scan(packers[0], EAN13, sid=answers[0]["scan_id"]).json()  # a retried scan
    third = f.scan(packers[1], EAN13).json()
    none_left = f.scan(packers[0], EAN13).json()

    assert all(a["ok"] and a["auto_closed"] for a in (*answers, third)), answers
    closed = [a["parcel_id"].rsplit("-", 1)[0] for a in (*answers, third)]
    assert sorted(closed) == sorted(orders)
    assert again["parcel_id"] == answers[0]["parcel_id"]
    assert again["tracking_no"] == answers[0]["tracking_no"]
    assert (none_left["ok"], none_left["code"]) == (False, "no_order_wants_item")
    assert labels_of(f) == dict.fromkeys(orders, 1)
    zebras[BENCHES[0]].wait_for(lambda: len(zebras[BENCHES[0]].jobs) == 1, "one label at bench 1")
    zebras[BENCHES[1]].wait_for(lambda: len(zebras[BENCHES[1]].jobs) == 2, "two labels at bench 2")
    weights = f.store.read().execute("SELECT DISTINCT weight_g, package_type FROM parcels")
    assert [tuple(r) for r in weights] == [(140, "BAG")]  # the catalogue's 120 g and the bag


Step = tuple[int, str]  # (bench, what: scan | close | cancel)


@contextmanager
def two_file_benches(data_dir: Path) -> Iterator[Floor]:
    """The same two benches, each printing into its own directory (fast, for many examples)."""
    for b in BENCHES:
        (data_dir / b).mkdir(parents=True)
    printers = [
        {"name": f"{b.lower()}-pdf", "kind": "file", "station": b, "path": str(data_dir / b)}
        for b in BENCHES
    ]
    with two_benches(data_dir, printers) as floor:
        yield floor


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.sampled_from(["scan", "scan", "close", "cancel"])),
        min_size=1,
        max_size=10,
    )
)
def test_no_order_gets_two_labels_and_the_ledger_holds_whatever_two_benches_do(
    steps: list[Step],
) -> None:
    with tempfile.TemporaryDirectory() as tmp, two_file_benches(Path(tmp)) as f:
        add_colleague(f, "B-PACK2", "packer")
        orders = picked_singles(f)
        packers = [packer_at(f, "B-PACK", BENCHES[0]), packer_at(f, "B-PACK2", BENCHES[1])]
        for bench, what in steps:
            if what == "scan":
                f.scan(packers[bench], EAN13)
            elif what == "cancel":
                f.scan(packers[bench], "CMD:CANCEL")
            else:
                close(f, packers[bench])
            held = f.store.read().execute(
                "SELECT json_extract(state, '$.order_id') FROM work_sessions"
                " WHERE ended_at IS NULL AND workflow = 'pack'"
            )
            open_now = [r[0] for r in held if r[0]]
            assert len(open_now) == len(set(open_now))  # never one order at two benches
        labels = labels_of(f)
        assert set(labels) <= set(orders) and all(n == 1 for n in labels.values())
        parcels = f.store.read().execute(
            "SELECT s.order_id, COUNT(*) FROM parcels p JOIN shipments s ON s.id = p.shipment_id"
            " GROUP BY s.order_id"
        )
        assert all(n == 1 for _, n in parcels)
        assert verify(f.store.read()) == []


def test_a_waves_single_item_orders_are_picked_into_one_cart_and_packed_by_scanning_items(
    benches: Floor, zebras: dict[str, FakeZebra]
) -> None:
    f = benches
    state = f.client.app.state  # type: ignore[attr-defined]
    waves = state.settings.waves.model_copy(update={"enabled": True, "cutoffs": "Edge Post=23:59"})
    state.settings = state.settings.model_copy(update={"waves": waves})
    f.store.writer.call(lambda tx: catalog.upsert_container(tx, code="CART-01", type="cart"))
    sup = f.login("B-SUP")
    singles = []
    for i, qty in enumerate((1, 1, 1, 2)):
        body = {
            "channel": "shop",
            "channel_order_id": f"TB-{i}",
            "lines": [{"sku": "SKU-1", "qty": qty}],
        }
        resp = f.client.post("/api/v1/orders", json=body, headers=sup)
        assert resp.status_code == 201, resp.text
        if qty == 1:
            singles.append(resp.json()["order_id"])
    wave = f.client.get("/api/v1/waves", headers=sup).json()["waves"][0]
    assert (wave["orders"], wave["single_item_orders"]) == (4, 3)
    assert f.client.post(f"/api/v1/waves/{wave['id']}/release", headers=sup).status_code == 200

    picker = f.login("B-PICK")
    started = f.start(picker, "pick").json()
    assert [t["order_id"] for t in started["view"]["totes"]] == singles
    cart = f.scan(picker, "CART-01").json()  # one scan binds the cart to all three
    location = f.scan(picker, "A-01-01").json()  # one location scan, three units
    units = [f.scan(picker, EAN13).json() for _ in singles]
    assert cart["ok"] and location["ok"] and all(u["ok"] for u in units), (cart, units)
    assert units[-1]["view"]["step"] == "done"
    slots = f.store.read().execute(
        "SELECT order_id, slot FROM container_bindings WHERE container = 'CART-01'"
        " AND closed_at IS NULL ORDER BY slot"
    )
    assert [tuple(r) for r in slots] == [(o, str(n)) for n, o in enumerate(singles, start=1)]

    packer = packer_at(f, "B-PACK", BENCHES[0])
    for _ in singles:  # with waves on, each scan closes its parcel (no scale: catalogue weight)
        answer = f.scan(packer, EAN13).json()
        assert answer["ok"] and answer["auto_closed"] and answer["print_job"], answer
    assert labels_of(f) == dict.fromkeys(singles, 1)
    printer = zebras[BENCHES[0]]
    printer.wait_for(lambda: len(printer.jobs) == 3, "three waybills at bench 1")
    left = (
        f.store.read()
        .execute(
            "SELECT COUNT(*) FROM container_bindings WHERE container = 'CART-01' AND closed_at IS NULL"
        )
        .fetchone()[0]
    )
    assert left == 0  # the cart is empty and free for the next wave
    assert f.scan(packer, EAN13).json()["code"] == "no_order_wants_item"  # the 2-unit one waits
