"""Every code of the message catalogue, triggered for real: the right code, HTTP status and
problem+json, a detail in English or Simplified Chinese, and nothing changed in the ledger.

A code with no scenario here fails `test_every_catalogue_code_has_a_scenario`; a code that no
code path can raise yet is listed in NOT_REACHABLE with the marker that would make it reachable.
"""

from __future__ import annotations

import json
import re
import socket
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from starlette.applications import Starlette

from central_sync.agent.appliers import apply_page
from edge.api.errors import PROBLEM, http_protocol, status_of
from edge.cli.main import cli
from edge.config import load_settings
from edge.domain.errors import EdgeError
from edge.domain.messages import CATALOGUE, render
from edge.domain.stock import ReceiveStock
from edge.service.exceptions import sweep_once
from edge.service.stock import receive
from edge.store import catalog
from edge.store.backup import backup, restore, sole_user
from edge.store.catalog import add_barcode
from edge.store.database import Store
from edge.store.ledger import Actor
from tests.handover_support import open_bag, packed_parcel, scan_in
from tests.live import serving
from tests.support import (
    CASE_GTIN,
    EAN13,
    GTIN,
    PIN,
    Floor,
    add_colleague,
    packer_at_bench,
    picked_order,
    scan_id,
    snapshot,
)
from tests.sync.feed import change
from tests.test_receiving_api import LOT_GTIN as DOCK_LOT_GTIN
from tests.test_receiving_api import clerk as dock_clerk
from tests.test_receiving_api import expect as expect_asn
from tests.test_zone_picking import pick_through, zoned, zones_on
from tests.test_zone_picking import place as place_zoned
from tests.test_zone_picking import start as start_in_zone

Outcome = httpx.Response | EdgeError
Act = Callable[[dict[str, str]], Outcome]  # language headers -> the refusal, triggered once
Scenario = Callable[[Floor], Act]  # arranges the floor, returns the act
LANGUAGE_HEADERS = {"en": {}, "zh": {"Accept-Language": "zh-CN"}, "operator": {}}
EDGE = Path(__file__).resolve().parents[1] / "edge"
ONE_UNIT = [{"sku": "SKU-1", "qty": 1}]
LOT_GTIN = "09506000134376"  # SKU-3, lot-tracked


def mover(f: Floor, *bins: str) -> dict[str, str]:
    """A picker logged in with a move task open, the given bins already scanned."""
    headers = f.login()
    f.start(headers)
    for code in bins:
        assert f.scan(headers, code).status_code == 200
    return headers


def raised(fn: Callable[[], Any]) -> EdgeError:
    with pytest.raises(EdgeError) as caught:
        fn()
    return caught.value


def sql(f: Floor, statement: str, params: tuple[Any, ...] = ()) -> None:
    f.store.writer.call(lambda tx: tx.execute(statement, params))


def login_body(f: Floor, pin: str, *, device_id: str | None = None) -> dict[str, str]:
    device = {"device_id": device_id} if device_id else f.device
    return {"badge": "B-PICK", "pin": pin} | device


# --- scans ---


def unknown_barcode(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, "NO-SUCH-LABEL")


def bad_check_digit(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, "9506000134353")


def malformed_barcode(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, "]C10109506000134352179")


def empty_scan(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, "")


def scan_id_reused(f: Floor) -> Act:
    h = mover(f)
    sid = scan_id()
    f.scan(h, "A-01-01", sid)
    return lambda lang: f.scan(h | lang, "A-01-02", sid)


def unexpected_scan(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, EAN13)


def insufficient_stock(f: Floor) -> Act:
    h = mover(f, "A-01-01", "A-01-02")
    return lambda lang: f.scan(h | lang, CASE_GTIN)


def same_location(f: Floor) -> Act:
    h = mover(f, "A-01-01")
    return lambda lang: f.scan(h | lang, "A-01-01")


def storage_full(f: Floor) -> Act:
    """The file may not grow by one page; refused scans' answers fill the last free space."""
    h = mover(f, "A-01-01", "A-01-02")
    pages = f.store.writer.call(lambda tx: tx.execute("PRAGMA page_count").fetchone()[0])
    f.store.writer.call(lambda tx: tx.execute(f"PRAGMA max_page_count = {pages}").fetchone())
    for size in (200, 1):  # big answers first, then small ones fill what is left between them
        filler = (f.scan(h, f"FILLER-{size}-{n:04d}-" + "X" * size) for n in range(1000))
        assert any(resp.status_code == 507 for resp in filler)
    return lambda lang: f.scan(h | lang, EAN13)


def internal_error(f: Floor) -> Act:
    """A task state of a shape this version does not know (as left by another version)."""
    h = mover(f)
    sql(f, "UPDATE work_sessions SET state = ?", ('{"step": "source", "from_another_version": 1}',))
    crashing = TestClient(f.client.app, raise_server_exceptions=False)
    return lambda lang: crashing.post(
        "/api/v1/scans", json={"scan_id": scan_id(), "raw": "A-01-01"}, headers=h | lang
    )


# --- stock ---


def unknown_sku(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.client.get("/api/v1/stock/NO-SUCH-SKU", headers=h | lang)


def unknown_location(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.client.get("/api/v1/locations/Z-99-99", headers=h | lang)


def invalid_quantity(f: Floor) -> Act:
    h = f.login("B-SUP")
    body = {
        "request_id": scan_id(),
        "sku": "SKU-1",
        "location": "A-01-01",
        "delta": 0,
        "reason": "count",
    }
    return lambda lang: f.client.post("/api/v1/stock/adjustments", json=body, headers=h | lang)


def adjustment(delta: int) -> dict[str, Any]:
    return {
        "request_id": scan_id(),
        "sku": "SKU-1",
        "location": "A-01-01",
        "delta": delta,
        "reason": "count",
    }


def quantity_too_large(f: Floor) -> Act:
    """More than `stock.max_quantity` (100,000 by default) in one adjustment."""
    h = f.login("B-SUP")
    return lambda lang: f.client.post(
        "/api/v1/stock/adjustments", json=adjustment(100_001), headers=h | lang
    )


def balance_out_of_range(f: Floor) -> Act:
    """A bin already holding the ledger's limit of a SKU (a million receipts of a million)."""
    h = f.login("B-SUP")

    def fill(tx: Any) -> None:
        for _ in range(1000):
            receive(tx, ReceiveStock("SKU-2", "B-02-01", 10**9), Actor())

    f.store.writer.call(fill)
    body = adjustment(1) | {"sku": "SKU-2", "location": "B-02-01"}
    return lambda lang: f.client.post("/api/v1/stock/adjustments", json=body, headers=h | lang)


# --- operators, devices, sessions ---


def not_authenticated(f: Floor) -> Act:
    return lambda lang: f.client.get("/api/v1/auth/me", headers=lang)


def session_expired(f: Floor) -> Act:
    h = f.login()
    sql(f, "UPDATE login_sessions SET expires_at = '2000-01-01T00:00:00Z'")
    return lambda lang: f.client.get("/api/v1/auth/me", headers=h | lang)


def bad_credentials(f: Floor) -> Act:
    return lambda lang: f.client.post(
        "/api/v1/auth/login", json=login_body(f, "0000"), headers=lang
    )


def operator_locked(f: Floor) -> Act:
    """Locked by wrong PINs from elsewhere: told only to whoever gives the right PIN."""
    sql(f, "UPDATE operators SET locked_until = '2999-01-01T00:00:00Z' WHERE badge = 'B-PICK'")
    return lambda lang: f.client.post("/api/v1/auth/login", json=login_body(f, PIN), headers=lang)


def too_many_attempts(f: Floor) -> Act:
    for _ in range(f.client.app.state.settings.auth.max_pin_attempts):
        assert f.client.post("/api/v1/auth/login", json=login_body(f, "0000")).status_code == 401
    return lambda lang: f.client.post("/api/v1/auth/login", json=login_body(f, PIN), headers=lang)


def bad_device_credential(f: Floor) -> Act:
    body = login_body(f, PIN) | {"device_secret": "not-this-devices-secret"}
    return lambda lang: f.client.post("/api/v1/auth/login", json=body, headers=lang)


def enrol(body: dict[str, str]) -> Scenario:
    def scenario(f: Floor) -> Act:
        return lambda lang: f.client.post("/api/v1/devices", json=body, headers=lang)

    return scenario


device_name_needed = enrol({"name": "  ", "supervisor_badge": "B-SUP", "supervisor_pin": PIN})
enrolment_needs_supervisor = enrol({"name": "HH-9"})
bad_enrolment_code = enrol({"name": "HH-9", "enrolment_code": "ABCDEF-123456-7890AB"})


def unknown_device(f: Floor) -> Act:
    body = login_body(f, PIN, device_id="no-such-device")
    return lambda lang: f.client.post("/api/v1/auth/login", json=body, headers=lang)


def not_authorized(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.client.get("/api/v1/movements", headers=h | lang)


def no_work_session(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.scan(h | lang, "A-01-01")


def unknown_workflow(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.start(h | lang, "dance")


# --- requests and records ---


def invalid_request(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.client.post("/api/v1/scans", json={"raw": "A-01-01"}, headers=h | lang)


def not_found(f: Floor) -> Act:
    return lambda lang: f.client.get("/api/v1/no-such-thing", headers=lang)


def method_not_allowed(f: Floor) -> Act:
    return lambda lang: f.client.put("/api/v1/outbox", headers=lang)


def request_too_large(f: Floor) -> Act:
    h = f.login()
    raw = "X" * f.client.app.state.settings.server.max_body_bytes
    body = {"scan_id": scan_id(), "raw": raw}
    return lambda lang: f.client.post("/api/v1/scans", json=body, headers=h | lang)


def request_timeout(_f: Floor) -> Act:
    """A client that stops halfway through its headers, on a real socket: the edge's HTTP
    layer (kernel/http_protocol.py) answers before any route, so an empty app stands behind it."""

    def act(lang: dict[str, str]) -> httpx.Response:
        head = "".join(f"{name}: {value}\r\n" for name, value in lang.items())
        with serving(Starlette(), http=http_protocol(0.2)) as (host, port):
            with socket.create_connection((host, port), timeout=10) as sock:
                # the parser hands on a header once the next one begins: Host comes last
                sock.sendall(f"GET /healthz HTTP/1.1\r\n{head}Host: edge\r\n".encode())
                answer = b""
                while chunk := sock.recv(65536):
                    answer += chunk
        top, _, body = answer.partition(b"\r\n\r\n")
        lines = top.decode("latin-1").split("\r\n")
        headers = [tuple(line.split(": ", 1)) for line in lines[1:]]
        return httpx.Response(int(lines[0].split()[1]), headers=headers, content=body)

    return act


def duplicate(f: Floor) -> Act:
    """No route registers barcodes yet; the catalogue store refuses it."""
    return lambda _: raised(
        lambda: f.store.writer.call(lambda tx: add_barcode(tx, code=EAN13, sku="SKU-2"))
    )


# --- orders and picking ---


def release(f: Floor, ref: str, lines: list[dict[str, Any]]) -> str:
    """A supervisor releases an order; its id."""
    body = {"channel": "shop", "channel_order_id": ref, "lines": lines}
    resp = f.client.post("/api/v1/orders", json=body, headers=f.login("B-SUP"))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["order_id"])


def picking(
    f: Floor, orders: list[list[dict[str, Any]]], *codes: str, badge: str = "B-PICK"
) -> dict[str, str]:
    """The orders released, `badge` picking their list, the given codes already scanned."""
    for lines in orders:
        release(f, scan_id(), lines)
    h = f.login(badge)
    assert f.start(h, "pick").status_code == 200
    for code in codes:
        assert f.scan(h, code).status_code == 200, code
    return h


def lot_tracked(tx: Any) -> None:
    """SKU-3 with lots: 4 units of lot L1 at B-02-01, lot L2 known but not in stock."""
    catalog.upsert_product(
        tx, sku="SKU-3", name="Matcha 30g", lot_tracked=True, expiry_tracked=True
    )
    catalog.add_barcode(tx, code=LOT_GTIN, sku="SKU-3")
    catalog.upsert_lot(tx, sku="SKU-3", lot="L1", expiry="2030-01-31")
    catalog.upsert_lot(tx, sku="SKU-3", lot="L2", expiry="2031-01-31")
    receive(tx, ReceiveStock("SKU-3", "B-02-01", 4, lot="L1"), Actor())


def wrong_location(f: Floor) -> Act:
    h = picking(f, [ONE_UNIT], "T-0001")
    return lambda lang: f.scan(h | lang, "A-01-02")


def wrong_item(f: Floor) -> Act:
    h = picking(f, [ONE_UNIT], "T-0001", "A-01-01")
    return lambda lang: f.scan(h | lang, "4006381333931")


def item_for_another_order(f: Floor) -> Act:
    f.store.writer.call(lambda tx: catalog.upsert_container(tx, code="T-0002"))
    second = [{"sku": "SKU-2", "qty": 1}]
    h = picking(f, [ONE_UNIT, second], "T-0001", "T-0002", "A-01-01")
    return lambda lang: f.scan(h | lang, "4006381333931")


def over_pick(f: Floor) -> Act:
    """A case barcode (12 units) when 3 are to pick."""
    h = picking(f, [[{"sku": "SKU-1", "qty": 3}]], "T-0001", "A-01-01")
    return lambda lang: f.scan(h | lang, CASE_GTIN)


def lot_mismatch(f: Floor) -> Act:
    f.store.writer.call(lot_tracked)
    h = picking(f, [[{"sku": "SKU-3", "qty": 1}]], "T-0001", "B-02-01")
    return lambda lang: f.scan(h | lang, f"]C101{LOT_GTIN}10L2")


def wrong_tote(f: Floor) -> Act:
    """T-0001 still holds the picker's order; a supervisor picking another list scans it."""
    picking(f, [ONE_UNIT], "T-0001")
    h = picking(f, [ONE_UNIT], badge="B-SUP")
    return lambda lang: f.scan(h | lang, "T-0001")


def quantity_not_allowed(f: Floor) -> Act:
    """A typed quantity with the quantity prompt switched off (the default)."""
    h = picking(f, [[{"sku": "SKU-1", "qty": 3}]], "T-0001", "A-01-01")
    body = {"raw": EAN13, "quantity": 3}
    return lambda lang: f.client.post(
        "/api/v1/scans", json=body | {"scan_id": scan_id()}, headers=h | lang
    )


def scan_each_item(f: Floor) -> Act:
    """Completing a line unscanned is off by default."""
    h = picking(f, [[{"sku": "SKU-1", "qty": 2}]], "T-0001", "A-01-01", EAN13)
    return lambda lang: f.scan(h | lang, "CMD:CONFIRM")


def no_pick_list(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.start(h | lang, "pick")


def wave_to_release(f: Floor, *, enabled: bool) -> tuple[str, dict[str, str]]:
    """A released order of Edge Post (cut-off 23:59) in [waves]; its wave's id, a supervisor."""
    state = f.client.app.state  # type: ignore[attr-defined]
    waves = state.settings.waves.model_copy(
        update={"enabled": enabled, "cutoffs": "Edge Post=23:59"}
    )
    state.settings = state.settings.model_copy(update={"waves": waves})
    release(f, scan_id(), ONE_UNIT)
    sup = f.login("B-SUP")
    return f.client.get("/api/v1/waves", headers=sup).json()["waves"][0]["id"], sup


def no_order_wants_item(f: Floor) -> Act:
    """An item scanned at a bench with no order open, and no picked single-item order of it."""
    h = packer_at_bench(f)
    return lambda lang: f.scan(h | lang, EAN13)


def waves_off(f: Floor) -> Act:
    wave_id, sup = wave_to_release(f, enabled=False)
    return lambda lang: f.client.post(f"/api/v1/waves/{wave_id}/release", headers=sup | lang)


def wave_released(f: Floor) -> Act:
    wave_id, sup = wave_to_release(f, enabled=True)
    url = f"/api/v1/waves/{wave_id}/release"
    assert f.client.post(url, headers=sup).status_code == 200
    return lambda lang: f.client.post(url, headers=sup | lang)


def not_assignee(f: Floor) -> Act:
    """A pick list assigned to B-PICK, opened by another picker."""
    order = release(f, "ASSIGNED", ONE_UNIT)
    sup = f.login("B-SUP")
    body = {"order_ids": [order], "assignee_badge": "B-PICK"}
    list_id = f.client.post("/api/v1/pick-lists", json=body, headers=sup).json()["list_id"]
    language = f.store.read().execute("SELECT language FROM operators WHERE badge = 'B-PICK'")
    other = add_colleague(f, "B-PICK-2", "picker", language=language.fetchone()[0])
    task = {"workflow": "pick", "pick_list_id": list_id}
    return lambda lang: f.client.post("/api/v1/work-sessions", json=task, headers=other | lang)


def order_not_pickable(f: Floor) -> Act:
    held = release(f, "ON-HOLD", [{"sku": "SKU-1", "qty": 11}])
    h = f.login("B-SUP")
    body = {"order_ids": [held]}
    return lambda lang: f.client.post("/api/v1/pick-lists", json=body, headers=h | lang)


def bad_transition(f: Floor) -> Act:
    """Cancelling an order twice: cancelled → cancelled."""
    order = release(f, "CANCEL-TWICE", ONE_UNIT)
    h = f.login("B-SUP")
    url = f"/api/v1/orders/{order}/cancel"
    assert f.client.post(url, json={"reason": "customer"}, headers=h).status_code == 200
    return lambda lang: f.client.post(url, json={"reason": "again"}, headers=h | lang)


def backup_of_another_edge(f: Floor) -> Act:
    copy = f.store.path.parent / "backup-of-edge-1.db"
    backup(f.store.path, copy)
    target = f.store.path.parent / "restored.db"
    return lambda _: raised(lambda: restore(copy, target, edge_id="edge-9"))


def database_in_use(f: Floor) -> Act:
    copy = f.store.path.parent / "backup-of-edge-1.db"
    backup(f.store.path, copy)
    served = sole_user(f.store.path)  # as `warehouse-edge serve` holds it while it runs
    served.__enter__()

    def act(_: dict[str, str]) -> Outcome:
        refused = raised(lambda: restore(copy, f.store.path, edge_id="edge-1"))
        served.__exit__(None, None, None)  # held until here: the act keeps it alive
        return refused

    return act


def database_too_new(f: Floor) -> Act:
    sql(
        f,
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        ("warehouse-edge", "9999_from_the_future", "2099-01-01 00:00:00+00:00"),
    )
    return lambda _: raised(lambda: Store(f.store.path))


# --- packing: the settings give BENCH-1 a file printer; BENCH-2 has none ---


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    """BENCH-1: a printer and a scale that is not there; BENCH-2: no printer; BENCH-3: no scale."""
    stations = [{"name": f"BENCH-{n}", "type": "pack_bench"} for n in (1, 2, 3)]
    printers = [
        {"name": f"bench{n}-pdf", "kind": "file", "station": f"BENCH-{n}", "path": str(tmp_path)}
        for n in (1, 3)
    ]
    scales = [{"name": "gone", "station": "BENCH-1", "path": str(tmp_path / "no-such-scale")}]
    env = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps(stations),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps(printers),
        "WAREHOUSE_EDGE_SCALES": json.dumps(scales),
    }
    return load_settings(env=env, overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10})


def packing_order(f: Floor, *codes: str, qty: int = 2, station: str = "BENCH-1") -> dict[str, str]:
    """An order of `qty` × SKU-1 picked into T-0001; the packer at `station` has scanned `codes`."""
    picked_order(f, [{"sku": "SKU-1", "qty": qty}], ref=scan_id())
    h = packer_at_bench(f, station)
    for code in codes:
        assert f.scan(h, code).status_code == 200, code
    return h


def close_body(**extra: Any) -> dict[str, Any]:
    return {"close_id": scan_id(), "package": "S", "weight_g": 360} | extra


def closing(f: Floor, h: dict[str, str], **extra: Any) -> Act:
    return lambda lang: f.client.post(
        "/api/v1/pack/close", json=close_body(**extra), headers=h | lang
    )


def nothing_to_pack(f: Floor) -> Act:
    h = packer_at_bench(f)
    return lambda lang: f.scan(h | lang, "T-0001")


def order_zones_missing(f: Floor) -> Act:
    """A two-zone order's zone A tote at the bench while zone B is not picked yet."""
    f.store.writer.call(zoned)
    zones_on(f)
    place_zoned(f, {"SKU-1": 1, "SKU-2": 1})
    picker = f.login("B-PICK")
    done = pick_through(f, picker, start_in_zone(f, picker, "A").json()["view"])
    h = packer_at_bench(f)
    return lambda lang: f.scan(h | lang, done["totes"][0]["tote"])


def order_not_packable(f: Floor) -> Act:
    order_id = release(f, scan_id(), ONE_UNIT)
    h = packer_at_bench(f)
    return lambda lang: f.scan(h | lang, order_id)


def pack_wrong_item(f: Floor) -> Act:
    h = packing_order(f, "T-0001", qty=1)
    return lambda lang: f.scan(h | lang, "4006381333931")


def extra_item(f: Floor) -> Act:
    h = packing_order(f, "T-0001", EAN13, qty=1)
    return lambda lang: f.scan(h | lang, EAN13)


def weight_off(f: Floor) -> Act:
    return closing(f, packing_order(f, "T-0001", EAN13, EAN13), weight_g=240)


def tracking_range_used_up(f: Floor) -> Act:
    h = packing_order(f, "T-0001", EAN13, EAN13)
    sql(f, "INSERT INTO carrier_serials (carrier, next_serial) VALUES ('Edge Post', 100000000)")
    return closing(f, h)


def parcel_not_ready(f: Floor) -> Act:
    return closing(f, packing_order(f, "T-0001", EAN13))


def order_packed_elsewhere(f: Floor) -> Act:
    """Two handhelds on one order: the other packs and closes it; this one scans a unit more."""
    h = packing_order(f, "T-0001", EAN13)
    other = add_colleague(f, "B-PACK-2", "packer")
    body = {"workflow": "pack", "station": "BENCH-1"}
    assert f.client.post("/api/v1/work-sessions", json=body, headers=other).status_code == 200
    for code in ("T-0001", EAN13, EAN13):
        assert f.scan(other, code).status_code == 200, code
    assert closing(f, other)({}).status_code == 200
    return lambda lang: f.scan(h | lang, EAN13)


def parcel_empty(f: Floor) -> Act:
    h = packing_order(f, "T-0001")
    return lambda lang: f.scan(h | lang, "CMD:DONE")


def no_printer(f: Floor) -> Act:
    return closing(f, packing_order(f, "T-0001", EAN13, EAN13, station="BENCH-2"))


def no_weight(f: Floor) -> Act:
    return closing(f, packing_order(f, "T-0001", EAN13, EAN13), weight_g=None)


def weight_needed(f: Floor) -> Act:
    return closing(f, packing_order(f, "T-0001", EAN13, EAN13, station="BENCH-3"), weight_g=None)


def typed_weight_rule(f: Floor, rule: str) -> None:
    """This test's edge with packing.typed_weight = `rule` (the app reads its settings per request)."""
    state = f.client.app.state  # type: ignore[attr-defined]
    packing = state.settings.packing.model_copy(update={"typed_weight": rule})
    state.settings = state.settings.model_copy(update={"packing": packing})


def supervisor_needed(f: Floor) -> Act:
    h = packing_order(f, "T-0001", EAN13, EAN13, station="BENCH-3")
    typed_weight_rule(f, "supervisor")
    return closing(f, h)


def typed_weight_refused(f: Floor) -> Act:
    h = packing_order(f, "T-0001", EAN13, EAN13, station="BENCH-3")
    typed_weight_rule(f, "never")
    return closing(f, h)


def unknown_package(f: Floor) -> Act:
    return closing(f, packing_order(f, "T-0001", EAN13, EAN13), package="CRATE")


def expired_item(f: Floor) -> Act:
    """A unit whose GS1 (17) expiry is long past, scanned at the item step of a pick."""
    release(f, scan_id(), ONE_UNIT)
    h = f.login("B-PICK")
    f.start(h, "pick")
    for raw in ("T-0001", "A-01-01"):
        assert f.scan(h, raw).status_code == 200, raw
    return lambda lang: f.scan(h | lang, f"]C101{GTIN}17200131")


# --- counts of short-pick holds ---


def count_task(f: Floor) -> tuple[dict[str, str], str]:
    """A short pick of 1 unit at A-01-01 opened a count; the supervisor and its result URL."""
    release(f, scan_id(), [{"sku": "SKU-1", "qty": 1}])
    h = f.login("B-PICK")
    f.start(h, "pick")
    for raw in ("T-0001", "A-01-01", "CMD:SHORT"):
        assert f.scan(h, raw).status_code == 200, raw
    sup = f.login("B-SUP")
    task_id = f.client.get("/api/v1/count-tasks", headers=sup).json()[0]["id"]
    return sup, f"/api/v1/count-tasks/{task_id}/result"


def count_out_of_range(f: Floor) -> Act:
    sup, url = count_task(f)
    return lambda lang: f.client.post(url, json={"found": 5}, headers=sup | lang)


def count_task_done(f: Floor) -> Act:
    sup, url = count_task(f)
    assert f.client.post(url, json={"found": 1}, headers=sup).status_code == 200
    return lambda lang: f.client.post(url, json={"found": 1}, headers=sup | lang)


def waiting_count(f: Floor, counter: str) -> tuple[dict[str, str], str]:
    """`counter` counted 40 × SKU-1 where the records say 10: it waits for approval."""
    sup = f.login("B-SUP")
    body = {"location": "A-01-01", "sku": "SKU-1"}
    task_id = f.client.post("/api/v1/counts", json=body, headers=sup).json()["task_id"]
    lines = {"lines": [{"item": "SKU-1", "qty": 40}]}
    url = f"/api/v1/counts/{task_id}"
    assert f.client.post(f"{url}/submit", json=lines, headers=f.login(counter)).is_success
    return sup, url


def approver_is_counter(f: Floor) -> Act:
    sup, url = waiting_count(f, "B-SUP")
    return lambda lang: f.client.post(f"{url}/approve", json={}, headers=sup | lang)


def no_approval_pending(f: Floor) -> Act:
    sup, url = waiting_count(f, "B-PICK")
    assert f.client.post(f"{url}/reject", json={}, headers=sup).status_code == 200
    return lambda lang: f.client.post(f"{url}/approve", json={}, headers=sup | lang)


def replenishment(f: Floor) -> tuple[dict[str, str], str]:
    """SKU-1's pick face B-02-01 (empty, minimum 2) got a replenishment from A-01-01."""
    sql(f, "INSERT INTO pick_faces (sku, location, capacity) VALUES ('SKU-1', 'B-02-01', 5)")
    overrides = {"stock.low_stock_threshold": 2, "edge.data_dir": f.store.path.parent}
    settings = load_settings(env={}, overrides=overrides)
    f.store.writer.call(lambda tx: sweep_once(tx, settings))
    picker = f.login("B-PICK")
    (task,) = f.client.get("/api/v1/replenishments", headers=picker).json()
    return picker, f"/api/v1/replenishments/{task['id']}/done"


def replenish_wrong_face(f: Floor) -> Act:
    picker, url = replenishment(f)
    body = {"source": "A-01-01", "target": "A-01-02"}
    return lambda lang: f.client.post(url, json=body, headers=picker | lang)


def replenish_task_done(f: Floor) -> Act:
    picker, url = replenishment(f)
    body = {"source": "A-01-01", "target": "B-02-01"}
    assert f.client.post(url, json=body, headers=picker).status_code == 200
    return lambda lang: f.client.post(url, json=body, headers=picker | lang)


def exception_resolved(f: Floor) -> Act:
    sup, _url = count_task(f)
    (short,) = f.client.get("/api/v1/exceptions", headers=sup).json()
    url = f"/api/v1/exceptions/{short['id']}/resolve"
    assert f.client.post(url, json={"reason": "counted"}, headers=sup).status_code == 200
    return lambda lang: f.client.post(url, json={"reason": "again"}, headers=sup | lang)


def bad_period(f: Floor) -> Act:
    sup = f.login("B-SUP")
    query = {"from": "2026-11-30", "to": "2026-11-23"}
    return lambda lang: f.client.get("/api/v1/kpis", params=query, headers=sup | lang)


def already_dispatched(f: Floor) -> Act:
    h = packing_order(f, "T-0001", EAN13, EAN13)
    tracking = f.client.post("/api/v1/pack/close", json=close_body(), headers=h).json()[
        "tracking_no"
    ]
    f.client.post("/api/v1/work-sessions", json={"workflow": "dispatch"}, headers=h)
    assert f.scan(h, tracking).json()["ok"]
    return lambda lang: f.scan(h | lang, tracking)


# --- the returns desk ---


def returns_clerk(f: Floor, *raws: str) -> dict[str, str]:
    """A returns clerk with a returns task open, RMA-1 (1 × SKU-1 of an order another edge
    shipped) announced, and `raws` scanned."""
    page = [
        change(
            1,
            "return_authorised",
            {"rma": "RMA-1", "order_id": "O-404", "lines": [{"sku": "SKU-1", "qty": 1}]},
        )
    ]
    f.store.writer.call(lambda tx: apply_page(tx, page, 1))
    h = add_colleague(f, "B-RET", "returns")
    assert f.start(h, "returns").status_code == 200
    for raw in raws:
        assert f.scan(h, raw).status_code == 200, raw
    return h


def over_return(f: Floor) -> Act:
    """The one unit the RMA names is graded already; a second one is scanned."""
    h = returns_clerk(f, "RMA-1", EAN13, "CMD:RESELLABLE")
    return lambda lang: f.scan(h | lang, EAN13)


def unsupported_photo(f: Floor) -> Act:
    """A parcel opened from an unknown sender; a photo sent as PNG that is not one."""
    h = returns_clerk(f, "SF000000001", "CMD:UNKNOWN")
    url = "/api/v1/returns/parcels/RP-000001/photos"
    body = {"content": b"GIF89a", "headers": h | {"Content-Type": "image/png"}}
    return lambda lang: f.client.post(url, content=body["content"], headers=body["headers"] | lang)


def return_not_found(f: Floor) -> Act:
    """An unmatched parcel, then a code that names no order either."""
    h = returns_clerk(f, "SF000000001")
    return lambda lang: f.scan(h | lang, "NO-SUCH-ORDER")


# --- the supervisor's task board ---


def board_card(f: Floor, sup: dict[str, str], card_id: str) -> dict[str, Any]:
    cards = f.client.get("/api/v1/board", headers=sup).json()["cards"]
    return dict(next(c for c in cards if c["id"] == card_id))


def operator_id(f: Floor, badge: str) -> int:
    row = f.store.read().execute("SELECT id FROM operators WHERE badge = ?", (badge,)).fetchone()
    return int(row[0])


def board_move(f: Floor, card_id: str, move: str, body: dict[str, Any]) -> Act:
    sup = f.login("B-SUP")
    rev = board_card(f, sup, card_id)["rev"]
    url = f"/api/v1/board/cards/{card_id}/{move}"
    return lambda lang: f.client.post(url, json=body | {"rev": rev}, headers=sup | lang)


def board_card_stale(f: Floor) -> Act:
    """The order's priority changed after the board showed it."""
    order_id = release(f, scan_id(), ONE_UNIT)
    act = board_move(f, f"order:{order_id}", "priority", {"priority": 2})
    sup = f.login("B-SUP")
    rev = board_card(f, sup, f"order:{order_id}")["rev"]
    url = f"/api/v1/board/cards/order:{order_id}/priority"
    assert f.client.post(url, json={"priority": 1, "rev": rev}, headers=sup).is_success
    return act


def board_not_a_picker(f: Floor) -> Act:
    order_id = release(f, scan_id(), ONE_UNIT)
    return board_move(f, f"order:{order_id}", "assign", {"operator_id": operator_id(f, "B-PACK")})


def board_not_assignable(f: Floor) -> Act:
    """An order on hold (not enough stock) is no picker's work."""
    order_id = release(f, scan_id(), [{"sku": "SKU-2", "qty": 99}])
    return board_move(f, f"order:{order_id}", "assign", {"operator_id": operator_id(f, "B-PICK")})


def board_list_started(f: Floor) -> Act:
    """A unit of the order is in B-PICK's tote already."""
    order_id = release(f, scan_id(), [{"sku": "SKU-1", "qty": 1}, {"sku": "SKU-2", "qty": 1}])
    body = {"order_ids": [order_id], "assignee_badge": "B-PICK"}
    assert f.client.post("/api/v1/pick-lists", json=body, headers=f.login("B-SUP")).is_success
    picker = f.login("B-PICK")
    f.start(picker, "pick")
    for raw in ("T-0001", "A-01-01", EAN13):
        assert f.scan(picker, raw).json()["ok"], raw
    add_colleague(f, "B-PICK2", "picker")
    to = operator_id(f, "B-PICK2")
    return board_move(f, f"order:{order_id}", "assign", {"operator_id": to})


def board_not_reprioritisable(f: Floor) -> Act:
    """A shipped order: its priority no longer changes anything."""
    already_dispatched(f)
    (order_id,) = (
        f.store.read().execute("SELECT id FROM orders WHERE status = 'shipped'").fetchone()
    )
    return board_move(f, f"order:{order_id}", "priority", {"priority": 2})


# --- receiving at the dock and putaway


def asn_not_found(f: Floor) -> Act:
    expect_asn(f, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    h = f.login()
    f.start(h, "receive")
    return lambda lang: f.scan(h | lang, "ASN-NOPE")


def asn_not_open(f: Floor) -> Act:
    expect_asn(f, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    sql(f, "UPDATE asns SET status = 'closed'")
    h = f.login()
    f.start(h, "receive")
    return lambda lang: f.scan(h | lang, "ASN-7")


def choice_not_allowed(f: Floor) -> Act:
    """A picker at an over-delivery stop tries to accept it (a supervisor's choice)."""
    expect_asn(f, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    h = dock_clerk(f)
    f.scan(h, EAN13)
    f.scan(h, EAN13)
    return lambda lang: f.scan(h | lang, "CMD:ACCEPT")


def unit_incomplete(f: Floor) -> Act:
    """A lot-tracked item waiting for its lot, and another product scanned instead."""
    expect_asn(f, [{"line_no": 1, "sku": "SKU-3", "qty": 1, "lot": "L1"}])
    h = dock_clerk(f)
    f.scan(h, f"(01){DOCK_LOT_GTIN}")
    return lambda lang: f.scan(h | lang, EAN13)


def putaway_not_found(f: Floor) -> Act:
    h = f.login()
    f.start(h, "putaway")
    return lambda lang: f.scan(h | lang, "NO-SUCH-CONTAINER")


# --- carrier handovers ---


def _clerk_bag(f: Floor, carrier: str = "Edge Post") -> tuple[dict[str, str], str]:
    h = f.login("B-PACK")
    return h, open_bag(f, h, carrier)


def _into(f: Floor, h: dict[str, str], bag: str, raw: str) -> Act:
    return lambda lang: scan_in(f, h | lang, bag, raw)


def handover_bad_container(f: Floor) -> Act:
    h = f.login("B-PACK")
    body = {"carrier": "Edge Post", "container": "box"}
    return lambda lang: f.client.post("/api/v1/handovers", json=body, headers=h | lang)


def handover_unknown_carrier(f: Floor) -> Act:
    h = f.login("B-PACK")
    body = {"carrier": "Nobody Express", "container": "bag"}
    return lambda lang: f.client.post("/api/v1/handovers", json=body, headers=h | lang)


def handover_closed(f: Floor) -> Act:
    one, two = packed_parcel(f), packed_parcel(f)
    h, bag = _clerk_bag(f)
    assert scan_in(f, h, bag, one["tracking_no"]).status_code == 200
    assert f.client.post(f"/api/v1/handovers/{bag}/close", json={}, headers=h).status_code == 200
    return _into(f, h, bag, two["tracking_no"])


def handover_unknown_parcel(f: Floor) -> Act:
    h, bag = _clerk_bag(f)
    return _into(f, h, bag, "EE999999999CN")


def handover_parcel_taken(f: Floor) -> Act:
    one = packed_parcel(f)
    h, bag = _clerk_bag(f)
    assert scan_in(f, h, bag, one["tracking_no"]).status_code == 200
    return _into(f, h, open_bag(f, h), one["tracking_no"])


def handover_order_held(f: Floor) -> Act:
    one = packed_parcel(f)
    sql(f, "UPDATE orders SET status = 'on_hold' WHERE id = ?", (one["order_id"],))
    h, bag = _clerk_bag(f)
    return _into(f, h, bag, one["tracking_no"])


def handover_not_packed(f: Floor) -> Act:
    order_id = picked_order(f, ONE_UNIT, ref=scan_id())
    h, bag = _clerk_bag(f)
    return _into(f, h, bag, order_id)


def handover_wrong_carrier(f: Floor) -> Act:
    sf = packed_parcel(f, "SF")
    h, bag = _clerk_bag(f)
    return _into(f, h, bag, sf["tracking_no"])


def handover_nothing_to_undo(f: Floor) -> Act:
    h, bag = _clerk_bag(f)
    return lambda lang: f.client.post(f"/api/v1/handovers/{bag}/undo", headers=h | lang)


def handover_empty(f: Floor) -> Act:
    h, bag = _clerk_bag(f)
    return lambda lang: f.client.post(f"/api/v1/handovers/{bag}/close", json={}, headers=h | lang)


SCENARIOS: dict[str, Scenario] = {
    fn.__name__: fn
    for fn in (
        unknown_barcode,
        bad_check_digit,
        malformed_barcode,
        empty_scan,
        scan_id_reused,
        unexpected_scan,
        insufficient_stock,
        same_location,
        storage_full,
        internal_error,
        unknown_sku,
        asn_not_found,
        asn_not_open,
        choice_not_allowed,
        unit_incomplete,
        putaway_not_found,
        unknown_location,
        invalid_quantity,
        not_authenticated,
        session_expired,
        bad_credentials,
        operator_locked,
        too_many_attempts,
        bad_device_credential,
        unknown_device,
        not_authorized,
        no_work_session,
        unknown_workflow,
        invalid_request,
        not_found,
        duplicate,
        wrong_location,
        wrong_item,
        item_for_another_order,
        over_pick,
        lot_mismatch,
        wrong_tote,
        scan_each_item,
        no_pick_list,
        waves_off,
        wave_released,
        no_order_wants_item,
        not_assignee,
        order_not_pickable,
        bad_transition,
        database_too_new,
        database_in_use,
        quantity_not_allowed,
        nothing_to_pack,
        order_zones_missing,
        order_not_packable,
        pack_wrong_item,
        extra_item,
        weight_off,
        tracking_range_used_up,
        parcel_not_ready,
        order_packed_elsewhere,
        parcel_empty,
        no_printer,
        no_weight,
        weight_needed,
        unknown_package,
        already_dispatched,
        handover_bad_container,
        handover_unknown_carrier,
        handover_closed,
        handover_unknown_parcel,
        handover_parcel_taken,
        handover_order_held,
        handover_not_packed,
        handover_wrong_carrier,
        handover_nothing_to_undo,
        handover_empty,
        over_return,
        return_not_found,
        unsupported_photo,
        supervisor_needed,
        typed_weight_refused,
        count_out_of_range,
        count_task_done,
        exception_resolved,
        approver_is_counter,
        no_approval_pending,
        replenish_wrong_face,
        replenish_task_done,
        quantity_too_large,
        balance_out_of_range,
        method_not_allowed,
        request_too_large,
        request_timeout,
        backup_of_another_edge,
        expired_item,
        bad_period,
        board_card_stale,
        board_not_a_picker,
        board_not_assignable,
        board_list_started,
        board_not_reprioritisable,
    )
} | {
    "device_name_needed": device_name_needed,
    "enrolment_needs_supervisor": enrolment_needs_supervisor,
    "bad_enrolment_code": bad_enrolment_code,
}

# Refusals to a logged-in operator: their own language setting decides, without any header.
BY_OPERATOR = (
    "unknown_barcode",
    "bad_check_digit",
    "malformed_barcode",
    "empty_scan",
    "scan_id_reused",
    "unexpected_scan",
    "insufficient_stock",
    "same_location",
    "storage_full",
    "internal_error",
    "unknown_sku",
    "unknown_location",
    "invalid_quantity",
    "session_expired",
    "not_authorized",
    "no_work_session",
    "unknown_workflow",
    "invalid_request",
    "wrong_location",
    "wrong_item",
    "item_for_another_order",
    "over_pick",
    "lot_mismatch",
    "wrong_tote",
    "scan_each_item",
    "no_pick_list",
    "not_assignee",
    "order_not_pickable",
    "bad_transition",
    "quantity_not_allowed",
    "nothing_to_pack",
    "no_order_wants_item",
    "order_zones_missing",
    "order_not_packable",
    "pack_wrong_item",
    "extra_item",
    "weight_off",
    "tracking_range_used_up",
    "parcel_not_ready",
    "order_packed_elsewhere",
    "parcel_empty",
    "no_printer",
    "no_weight",
    "weight_needed",
    "unknown_package",
    "already_dispatched",
    "supervisor_needed",
    "typed_weight_refused",
    "count_out_of_range",
    "count_task_done",
    "expired_item",
    "quantity_too_large",
    "balance_out_of_range",
)

# Codes no route, service, store or CLI can raise yet. The markers are what would make them
# reachable: once one appears in edge/ outside the allowed files, this list must lose the code.
# (Empty now: serving the pack workflow made the last packing codes reachable.)
NOT_REACHABLE: dict[str, tuple[str, str, tuple[str, ...]]] = {}

CASES = [(code, lang) for code in SCENARIOS for lang in ("en", "zh")] + [
    (c, "operator") for c in BY_OPERATOR
]


def is_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def placeholders(code: str) -> set[str]:
    texts = (CATALOGUE[code].en, CATALOGUE[code].zh)
    return {field for text in texts for _, field, _, _ in string.Formatter().parse(text) if field}


def check_text(code: str, params: dict[str, Any], detail: str, lang: str) -> None:
    """The detail is the catalogue text in `lang` with every placeholder filled."""
    given = set(params) | ({"expected"} if "expected_prompt" in params else set())
    given |= {"hint"} if "hint_prompt" in params else set()
    assert placeholders(code) <= given
    assert detail == render(code, lang, params)
    assert is_chinese(detail) == (lang == "zh")


def check_problem(resp: httpx.Response, code: str, lang: str) -> None:
    body, status = resp.json(), status_of(code)
    assert resp.headers["content-type"] == PROBLEM
    assert (resp.status_code, body["status"], body["code"]) == (status, status, code)
    assert body["type"] == f"urn:warehouse-edge:problem:{code}"
    assert body["messages"] == {
        "en": render(code, "en", body["params"]),
        "zh": render(code, "zh", body["params"]),
    }
    check_text(code, body["params"], body["detail"], lang)


@pytest.mark.parametrize(("code", "mode"), CASES, ids=[f"{c}-{m}" for c, m in CASES])
def test_a_refusal_has_its_code_and_text_and_changes_nothing(
    floor: Floor, code: str, mode: str
) -> None:
    if mode == "operator":
        sql(floor, "UPDATE operators SET language = 'zh'")
    act = SCENARIOS[code](floor)
    before = snapshot(floor.store)

    outcome = act(LANGUAGE_HEADERS[mode])

    lang = "en" if mode == "en" else "zh"
    if isinstance(outcome, EdgeError):
        assert outcome.code == code
        check_text(code, outcome.params, outcome.message(lang), lang)
    else:
        check_problem(outcome, code, lang)
    assert snapshot(floor.store) == before


def test_every_catalogue_code_has_a_scenario() -> None:
    missing = set(CATALOGUE) - set(SCENARIOS) - set(NOT_REACHABLE)

    assert sorted(missing) == []
    assert set(SCENARIOS) & set(NOT_REACHABLE) == set()


def users_of(marker: str, allowed: tuple[str, ...]) -> list[str]:
    """Modules of edge/ that contain `marker`, other than the catalogue, the mapping and `allowed`."""
    exempt = {"domain/messages.py", "api/errors.py", *allowed}
    return [
        str(p.relative_to(EDGE))
        for p in sorted(EDGE.rglob("*.py"))
        if str(p.relative_to(EDGE)) not in exempt and marker in p.read_text(encoding="utf-8")
    ]


# One test over the whole table (not one per code), so that an empty table is a pass, not a skip.
def test_a_code_listed_as_not_reachable_is_still_raised_nowhere() -> None:
    reachable = {
        code: users
        for code, (_, marker, allowed) in NOT_REACHABLE.items()
        if (users := users_of(marker, allowed))
    }

    assert reachable == {}, "reachable now: give each a scenario and drop it from NOT_REACHABLE"


def test_the_cli_refuses_a_database_from_a_newer_version_by_name(floor: Floor) -> None:
    database_too_new(floor)
    data_dir = floor.store.path.parent

    result = CliRunner().invoke(cli, ["init", "--data-dir", str(data_dir)])

    assert result.exit_code == 1
    assert "error: database_too_new: The database " in result.output
    assert "(migration 9999_from_the_future)" in result.output


# --- central's returns codes (central_sync/server/messages.py), each triggered for real on a
# SQLite central: the code, its HTTP status, both languages, and no table changed.

RETURNS_CODES = (
    "rma_not_open",
    "return_reason_required",
    "return_window_closed",
    "self_service_no_match",
    "too_many_attempts",
    "photo_refused",
)


def _central_floor(tmp_path: Path) -> tuple[Any, Any, Any]:
    from central_sync.server.app import create_app
    from central_sync.server.central import Central
    from tests.central.conftest import RETURNS_NOW
    from tests.central.support import EdgeSide, channel_order, product

    central = Central(f"sqlite:///{tmp_path / 'central.db'}")
    central.open()
    central.returns.clock = lambda: RETURNS_NOW
    client = TestClient(create_app(central))
    admin = {"Authorization": f"Bearer {central.create_admin_token()}"}
    edge = EdgeSide(client, "edge-1", central.add_edge("edge-1"))
    client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
    edge.receive("TEA-0001", 5)
    client.post("/api/v1/orders", json=channel_order("1", ("TEA-0001", 2)), headers=admin)
    edge.send("order_shipped", order_id="shop:1")
    return central, client, admin


def _central_act(code: str, central: Any, client: TestClient, admin: dict[str, str]) -> Act:
    from datetime import timedelta

    from tests.central.conftest import RETURNS_NOW
    from tests.central.support import authorise, channel_order

    lookup = {"order": "1", "phone": "0000"}
    if code == "unknown_channel":
        return lambda h: client.put(
            "/api/v1/channels/ebay/stock-rules", json={"cap_pct": 80}, headers=admin | h
        )
    if code == "review_rules_invalid":
        return lambda h: client.put(
            "/api/v1/review-rules", json={"duplicate_window_minutes": -1}, headers=admin | h
        )
    if code == "not_in_review":
        return lambda h: client.post("/api/v1/orders/shop:1/review/release", headers=admin | h)
    if code == "review_decided":
        client.put("/api/v1/review-rules", json={"enabled": True}, headers=admin)
        held = channel_order("2", ("TEA-0001", 1))
        held["ship_to"]["name"] = "test"
        client.post("/api/v1/orders", json=held, headers=admin)
        client.post("/api/v1/orders/shop:2/review/cancel", json={"reason": "x"}, headers=admin)
        return lambda h: client.post("/api/v1/orders/shop:2/review/release", headers=admin | h)
    if code == "cursor_ahead":
        return lambda h: client.get(
            "/api/v1/channels/jd/available", params={"since": 10**6}, headers=admin | h
        )
    if code == "rma_not_open":
        authorise(client, admin, "shop:1")
        with central.write() as tx:  # the parcel arrived (as return_received does)
            tx.execute("UPDATE returns SET status = 'received'")
        return lambda h: client.post(
            "/api/v1/returns/RMA-000001/cancel", json={"reason": "x"}, headers=admin | h
        )
    if code in ("return_reason_required", "return_window_closed"):
        days = 8 if code == "return_reason_required" else 40
        central.returns.clock = lambda: RETURNS_NOW + timedelta(days=days)
        given = {"reason": "damaged"} if days > 30 else {}  # a reason does not reopen the window
        return lambda h: authorise(client, admin | h, "shop:1", **given)
    if code == "self_service_no_match":
        return lambda h: client.post(
            "/api/v1/self-service/lookup", json=lookup | {"phone": "9999"}, headers=h
        )
    if code == "too_many_attempts":
        for n in range(5):
            client.post("/api/v1/self-service/lookup", json=lookup | {"phone": f"99{n:02d}"})
        return lambda h: client.post("/api/v1/self-service/lookup", json=lookup, headers=h)
    if code == "kit_invalid":
        kit = {"name": "Gift box", "components": [{"sku": "TEA-9999", "qty": 1}]}
        return lambda h: client.put("/api/v1/kits/KIT-1", json=kit, headers=admin | h)
    if code == "gift_rule_invalid":
        rule = {
            "channel": "shop",
            "starts_at": "2026-11-01T00:00:00Z",
            "ends_at": "2026-12-01T00:00:00Z",
            "gift_sku": "TEA-9999",
        }
        return lambda h: client.post("/api/v1/gift-rules", json=rule, headers=admin | h)
    if code in ASN_CODES:
        return _asn_act(code, central, client, admin)
    ticket = client.post("/api/v1/self-service/lookup", json=lookup).json()["pass"]
    rma = authorise(client, admin, "shop:1").json()["rma"]
    return lambda h: client.post(
        f"/api/v1/self-service/returns/{rma}/photos",
        content=b"GIF89a",
        headers=h | {"X-Return-Pass": ticket, "Content-Type": "image/gif"},
    )


# Available to sell for the channels (central_sync/server/channel_stock.py).
CHANNEL_CODES = ("unknown_channel", "cursor_ahead")
# Advance shipping notices (central_sync/server/asns.py).
ASN_CODES = (
    "asn_unknown_warehouse",
    "asn_unknown_sku",
    "asn_sscc_taken",
    "asn_csv_refused",
    "asn_exists",
    "asn_not_open",
)

# Order review (central_sync/server/review.py, review_desk.py).
REVIEW_CODES = ("review_rules_invalid", "not_in_review", "review_decided")

# Kits and bundles (central_sync/server/kits.py).
KIT_CODES = ("kit_invalid", "gift_rule_invalid")


def _asn_act(code: str, central: Any, client: TestClient, admin: dict[str, str]) -> Act:
    asn = {
        "asn_id": "ASN-1",
        "warehouse": "edge-1",
        "supplier": "Fujian Tea Co.",
        "lines": [{"sku": "TEA-0001", "qty": 24}],
    }
    if code in ("asn_unknown_warehouse", "asn_unknown_sku"):
        bad = {"warehouse": "edge-9"} if code == "asn_unknown_warehouse" else {}
        bad |= {"lines": [{"sku": "TEA-9999", "qty": 1}]} if not bad else {}
        return lambda h: client.post("/api/v1/asns", json=asn | bad, headers=admin | h)
    if code == "asn_csv_refused":
        text = "asn_id,warehouse,supplier,sku,qty\nASN-2,edge-1,Acme,TEA-0001,many\n"
        return lambda h: client.post(
            "/api/v1/asns/csv", content=text, headers=admin | h | {"Content-Type": "text/csv"}
        )
    pallet = {"sscc": "376130321109103420", "contents": [{"sku": "TEA-0001", "qty": 24}]}
    asn["containers"] = [pallet]
    assert client.post("/api/v1/asns", json=asn, headers=admin).status_code == 201
    if code == "asn_sscc_taken":
        again = asn | {"asn_id": "ASN-2"}
        return lambda h: client.post("/api/v1/asns", json=again, headers=admin | h)
    if code == "asn_exists":
        other = asn | {"supplier": "Another"}
        return lambda h: client.post("/api/v1/asns", json=other, headers=admin | h)
    with central.write() as tx:  # the edge closed it (as its asn_closed does)
        tx.execute("UPDATE asns SET status = 'closed'")
    return lambda h: client.post("/api/v1/asns/ASN-1/cancel", json={}, headers=admin | h)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "code", RETURNS_CODES + CHANNEL_CODES + ASN_CODES + REVIEW_CODES + KIT_CODES
)
def test_a_central_returns_refusal_has_its_code_and_text_and_changes_nothing(
    tmp_path: Path, code: str, lang: str
) -> None:
    from central_sync.server.errors import STATUS
    from central_sync.server.messages import render as central_render
    from tests.central.support import snapshot as central_snapshot

    central, client, admin = _central_floor(tmp_path)
    act = _central_act(code, central, client, admin)
    before = central_snapshot(central)

    resp = act(LANGUAGE_HEADERS[lang])

    body = resp.json()
    assert (resp.status_code, body["code"]) == (STATUS[code], code)
    assert body["messages"] == {
        "en": central_render(code, "en", body["params"]),
        "zh": central_render(code, "zh", body["params"]),
    }
    assert body["detail"] == body["messages"][lang]
    assert central_snapshot(central) == before
    central.close()


def test_every_returns_code_of_central_is_in_its_catalogue_and_has_a_scenario() -> None:
    from central_sync.server.messages import CATALOGUE as CENTRAL

    assert set(RETURNS_CODES + CHANNEL_CODES + ASN_CODES + REVIEW_CODES + KIT_CODES) <= set(CENTRAL)
