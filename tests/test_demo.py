"""`warehouse-edge demo`: seeded realistic data, served until SIGTERM, a ledger that verifies."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import httpx
import pytest
from click.testing import CliRunner

from edge.demo import data as demo
from edge.demo import run as demo_run
from edge.demo.central import MERGED_ORDERS
from edge.domain.gtin import is_valid_gtin
from edge.domain.scan import parse_scan
from edge.store import catalog
from edge.store.database import Store
from tests.servers import free_port, printing, venv_script
from tests.support import DEMO_SUPERVISOR

TODAY = date(2025, 3, 1)
STARTUP_TIMEOUT_S = 120  # generous: the suite runs in parallel, a start took 65 s on a loaded box


def test_the_same_seed_gives_the_same_demo_data() -> None:
    first, again = demo.generate(today=TODAY), demo.generate(today=TODAY)

    assert first == again


def test_every_demo_product_has_a_valid_chinese_ean13_and_a_third_a_case_gtin() -> None:
    data = demo.generate(today=TODAY)
    eaches = [b for b in data.barcodes if b["pack_qty"] == 1]
    cases = [b for b in data.barcodes if b["pack_qty"] > 1]

    assert len(data.products) == 300
    assert [b["sku"] for b in eaches] == [p["sku"] for p in data.products]
    assert {(len(b["code"]), 690 <= int(b["code"][:3]) <= 699) for b in eaches} == {(13, True)}
    assert {(len(b["code"]), b["code"][0], b["pack_qty"] in (12, 24)) for b in cases} == {
        (14, "1", True)
    }
    assert 80 <= len(cases) <= 120
    assert all(is_valid_gtin(b["code"]) for b in data.barcodes)
    assert len({b["code"] for b in data.barcodes}) == len(data.barcodes)


def test_demo_bins_are_numbered_in_walking_order() -> None:
    locations = demo.locations()
    bins = [(r["code"], r["pick_seq"]) for r in locations if r["type"] == "bin"]

    assert len(bins) == 300
    assert bins[:2] == [("A-01-01", 10), ("A-01-02", 20)]
    assert bins[49:51] == [("A-10-05", 500), ("B-10-01", 510)]
    assert [r["code"] for r in locations if r["type"] != "bin"] == [
        "BENCH-1",
        "BENCH-2",
        "BENCH-3",
        "RETURNS-1",
        "Q-01",
        "DOCK-1",
    ]


def test_seeding_writes_over_a_thousand_movements_of_four_types_and_picks_two_orders(
    store: Store,
) -> None:
    demo.seed(store, pin_cost=10, today=TODAY)

    types = dict(store.read().execute("SELECT type, COUNT(*) FROM movements GROUP BY type"))
    picked = store.read().execute("SELECT COUNT(*) FROM orders WHERE status = 'picked'")
    # no return is announced without an RMA: the demo's come from central (edge/demo/returns.py)
    assert set(types) == {"receive", "move", "adjust", "freeze", "pick"}
    assert picked.fetchone()[0] == 2
    assert sum(types.values()) >= 1000
    assert demo.is_seeded(store)


def test_the_demo_refuses_a_data_dir_holding_data_it_did_not_seed(
    settings: Any, store: Store
) -> None:
    store.writer.call(lambda tx: catalog.upsert_product(tx, sku="REAL-1", name="Real stock"))
    printed: list[str] = []

    with pytest.raises(demo_run.DemoDirInUse):
        demo_run.run(settings, echo=printed.append)

    assert printed == []
    assert not demo.is_seeded(store)


# --- the console script -------------------------------------------------------------------


@dataclass
class Demo:
    proc: subprocess.Popen[str]
    url: str
    banner: list[str]


@contextmanager
def running_demo(
    data_dir: Path, log: Path, *args: str, env: dict[str, str] | None = None
) -> Iterator[Demo]:
    cmd = [venv_script("warehouse-edge"), "demo", "--port", "0", "--data-dir", data_dir, *args]
    with printing(cmd, log, env=os.environ if env is None else env) as out:
        banner = out.until("Press Ctrl-C", timeout=STARTUP_TIMEOUT_S)
        url = next(line for line in banner if line.startswith("Edge running at ")).split()[-1]
        yield Demo(out.proc, url, banner)


# What the banner shows to scan for one unit: (01) GTIN, (17) expiry, (10) lot.
UNIT_SCAN = r"\(01\)\d{14}(?:\(17\)\d{6})?\(10\)[\w-]+"


def sku_of(db: Path, gtin: str) -> str | None:
    """The SKU whose one-unit barcode is this GTIN (an EAN-13 is a GTIN-14 with a leading 0)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT sku FROM barcodes WHERE printed IN (?, ?) AND pack_qty = 1",
            (gtin, gtin.removeprefix("0")),
        ).fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


def read_only(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def log_in_as_demo_picker(url: str) -> dict[str, Any]:
    device = httpx.post(
        f"{url}/api/v1/devices", json={"name": "smoke-test"} | DEMO_SUPERVISOR, timeout=10
    )
    assert device.status_code == 201, device.text
    body = {"badge": "P001", "pin": "1111"} | device.json()
    login = httpx.post(f"{url}/api/v1/auth/login", json=body, timeout=10)
    assert login.status_code == 200, login.text
    return dict(login.json())


@pytest.mark.slow
def test_demo_serves_seeded_data_stops_on_sigterm_and_verifies(tmp_path: Path) -> None:
    db = tmp_path / "edge.db"

    with running_demo(tmp_path, tmp_path / "demo.log") as edge:
        ready = httpx.get(f"{edge.url}/readyz", timeout=10)
        session = log_in_as_demo_picker(edge.url)
        types = read_only(db, "SELECT type, COUNT(*) FROM movements GROUP BY type")
        rmas = read_only(
            db,
            "SELECT r.rma, o.status FROM return_authorisations r"
            " JOIN orders o ON o.id = r.order_id ORDER BY r.rma",
        )
        asn_lines = read_only(
            db,
            "SELECT a.asn_id, a.source, l.line_no, l.lot, l.expiry < date('now') FROM asns a"
            " JOIN asn_lines l ON l.asn_id = a.asn_id ORDER BY l.line_no",
        )
        counted = read_only(
            db,
            "SELECT t.status, a.status, a.units > 10 FROM count_tasks t"
            " LEFT JOIN count_approvals a ON a.task_id = t.id WHERE t.reason = 'manual'"
            " ORDER BY t.id",
        )
        variances = read_only(
            db, "SELECT COUNT(*) FROM exceptions WHERE kind = 'count_variance' AND status = 'open'"
        )
        released = release_at_central(edge.banner, "taobao:DEMO-REVIEW-1")
        merged = [merged_at_central(edge.banner, o) for o in MERGED_ORDERS]
        edge.proc.send_signal(signal.SIGTERM)
        code = edge.proc.wait(timeout=30)
    verify = subprocess.run(
        [str(venv_script("warehouse-edge")), "verify", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert edge.url.startswith("http://127.0.0.1:")
    assert edge.banner[1:6] == [
        f"Handheld terminal at {edge.url}/ui/",
        f"API docs at {edge.url}/docs",
        f"Data dir: {tmp_path}",
        f"Barcode sheet (print it, or scan from the screen): {tmp_path / 'demo-barcodes.pdf'}",
        "Demo logins (badge / PIN):",
    ]
    assert (tmp_path / "demo-barcodes.pdf").read_bytes().startswith(b"%PDF")
    secrets = (
        "edge.db",
        "central",
        "central/central.db",
        "central/admin.token",
        "central/edge.token",
    )
    assert {name: oct((tmp_path / name).stat().st_mode & 0o777) for name in secrets} == {
        "edge.db": "0o600",
        "central": "0o700",
        "central/central.db": "0o600",
        "central/admin.token": "0o600",
        "central/edge.token": "0o600",
    }
    assert "  picker      P001 / 1111   Li Na" in edge.banner
    assert (
        "Enrol each new device on its first screen: supervisor S001 / 4444 vouches for it"
        " (or a one-time code: warehouse-edge devices enrol-code)." in edge.banner
    )
    assert ready.status_code == 200
    assert (session["role"], session["name"]) == ("picker", "Li Na")
    # central authorised returns of two orders the demo shipped; the feed brought them down
    # (RMA-H…: the returns of the demo's weeks of history, announced at the edge)
    assert [rma for rma, _ in rmas if not rma.startswith("RMA-H")] == ["RMA-000001", "RMA-000002"]
    assert len(rmas) > 2
    assert {status for _, status in rmas} <= {"shipped", "return_expected"}
    assert all(f"  {rma}" in "\n".join(edge.banner) for rma, _ in rmas if "-H" not in rma)
    assert (
        "Returns desk (log in as the returns clerk R001 / 3333, task Returns):"
        " scan an RMA or its return tracking number:" in edge.banner
    )
    assert any(
        line.startswith("  Unexpected parcel (shipped, no RMA): scan ") for line in edge.banner
    )
    # central announced the demo's delivery (an over, a short, a wrong lot, an expired line)
    assert asn_lines == [
        ("ASN-DEMO-1", "central", 1, "DEMO-A1", 0),
        ("ASN-DEMO-1", "central", 2, "DEMO-B1", 0),
        ("ASN-DEMO-1", "central", 3, "DEMO-C1", 0),
        ("ASN-DEMO-1", "central", 4, "DEMO-D1", 1),
    ]
    # the banner says what to scan at the dock for each line: the SKU's GTIN, its lot, its expiry
    dock = [line for line in edge.banner if re.match(r"  line \d: ", line)]
    scans = [[parse_scan(c) for c in re.findall(UNIT_SCAN, line)] for line in dock]
    assert [[s.batch for s in line] for line in scans] == [
        ["DEMO-A1"],
        ["DEMO-B1"],
        ["DEMO-C1", "DEMO-C2"],
        ["DEMO-D1"],
    ]
    for line, read in zip(dock, scans, strict=True):
        sku = line.split(" × ")[1].split(":")[0]
        assert all(s.gtin is not None and sku_of(tmp_path / "edge.db", s.gtin) == sku for s in read)
    assert [line[0].expiry is not None and line[0].expiry < date.today() for line in scans] == [
        False,
        False,
        False,
        True,
    ]
    # central held a high-value order for review; a supervisor's release sent it to the edge
    assert (
        "Held for review at central (release or cancel it on the board): taobao:DEMO-REVIEW-1:"
        " the total 8888.00 CNY is over 2000 CNY" in edge.banner
    )
    assert (released["review"], released["status"]) == ("released", "released")
    # two bins counted a little off (booked), one far off waiting for a supervisor's approval
    assert counted == [("done", None, None), ("done", None, None), ("review", "pending", 1)]
    assert variances == [(3,)]
    # central merged a buyer's two orders into one order for the edge when the window ended
    assert any(
        line.startswith("Merged at central: shopify:DEMO-MERGE-1 and") for line in edge.banner
    )
    assert len({m["consignments"][0]["id"] for m in merged}) == 1, merged
    # central's kit order reached the edge as its components, released for a picker
    assert any(
        line.startswith("Kit order (组合装) taobao:DEMO-KIT-1 (released): 1 × DEMO-KIT-GIFTBOX")
        for line in edge.banner
    )
    kit_lines = read_only(
        tmp_path / "edge.db",
        "SELECT kit_sku, per_kit FROM order_lines WHERE order_id = 'taobao:DEMO-KIT-1'"
        " ORDER BY line_no",
    )
    assert kit_lines == [("DEMO-KIT-GIFTBOX", 2), ("DEMO-KIT-GIFTBOX", 1)]
    assert sum(n for _, n in types) >= 1000 and len(types) >= 4
    assert code == 0, (tmp_path / "demo.log").read_text()[-4000:]
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.slow
def test_the_demo_reuses_a_seeded_data_dir_without_seeding_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "edge.db")
    demo.seed(store, pin_cost=10, today=TODAY)
    store.close()
    before = read_only(tmp_path / "edge.db", "SELECT COUNT(*) FROM movements")
    log = tmp_path / "demo.log"

    with running_demo(tmp_path, log, "--verbose") as edge, held_at_central(edge, tmp_path):
        edge.proc.send_signal(signal.SIGTERM)
        code = edge.proc.wait(timeout=30)

    assert code == 0, log.read_text()[-4000:]
    assert read_only(tmp_path / "edge.db", "SELECT COUNT(*) FROM movements") == before
    assert "reusing the demo data" in log.read_text()
    # a request still open at the demo's central (a long poll here) did not hold its stop
    assert "did not stop" not in log.read_text(), log.read_text()[-4000:]


FAR_CURSOR = 10**9  # past any change central has: its feed holds the request for `wait` seconds


@contextmanager
def held_at_central(edge: Demo, data_dir: Path) -> Iterator[None]:
    """A long poll of the edge's feed open at the demo's central (60 s) for the block: central
    has read it (it keeps the cursor asked from) and holds it waiting for changes."""
    url = central_api(edge.banner)[0]
    token = (data_dir / "central" / "edge.token").read_text(encoding="utf-8").strip()

    def poll() -> None:
        try:
            httpx.get(
                f"{url}/api/v1/edges/edge-1/changes",
                params={"after": FAR_CURSOR, "wait": 60},
                headers={"Authorization": f"Bearer {token}"},
                timeout=90,
            )
        except httpx.HTTPError:
            pass  # central closed it on its way down

    holder = threading.Thread(target=poll, daemon=True)
    holder.start()
    central_db = data_dir / "central" / "central.db"
    deadline = time.monotonic() + 30
    heard = "SELECT feed_cursor FROM edges WHERE edge_id = 'edge-1'"
    while read_only(central_db, heard) != [(FAR_CURSOR,)]:
        assert time.monotonic() < deadline, "central did not take the long poll within 30 s"
        time.sleep(0.05)
    yield
    holder.join(timeout=90)


def _post(url: str, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    resp = httpx.post(
        f"{url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert resp.status_code in (200, 201), resp.text
    return dict(resp.json())


@pytest.mark.slow
def test_in_the_demo_a_picked_order_is_packed_and_dispatched_and_its_waybill_decodes(
    tmp_path: Path,
) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    db = tmp_path / "edge.db"
    with running_demo(tmp_path, tmp_path / "demo.log") as edge:
        device = httpx.post(
            f"{edge.url}/api/v1/devices", json={"name": "bench"} | DEMO_SUPERVISOR, timeout=10
        )
        body = {"badge": "K001", "pin": "2222"} | device.json()
        token = httpx.post(f"{edge.url}/api/v1/auth/login", json=body, timeout=10).json()["token"]
        _post(edge.url, "/api/v1/work-sessions", token, {"workflow": "pack", "station": "BENCH-1"})
        tote = "T-0040"
        units = read_only(
            db,
            "SELECT b.sku, b.qty, p.weight_g, (SELECT printed FROM barcodes"
            " WHERE sku = b.sku AND pack_qty = 1 LIMIT 1) FROM balances b"
            " JOIN products p ON p.sku = b.sku WHERE b.container = 'T-0040'"
            " AND b.bucket = 'picked' AND b.qty > 0",
        )
        scans = [tote] + [code for _sku, qty, _w, code in units for _ in range(qty)]
        answers = [
            _post(edge.url, "/api/v1/scans", token, {"scan_id": f"demo-{n:04d}", "raw": raw})
            for n, raw in enumerate(scans)
        ]
        weight = 120 + sum(qty * w for _sku, qty, w, _code in units)  # box S is 120 g
        closed = _post(
            edge.url,
            "/api/v1/pack/close",
            token,
            {"close_id": "demo-close-1", "package": "S", "weight_g": weight},
        )
        _post(edge.url, "/api/v1/work-sessions", token, {"workflow": "dispatch"})
        out = _post(
            edge.url,
            "/api/v1/scans",
            token,
            {"scan_id": "demo-dispatch-1", "raw": closed["tracking_no"]},
        )
        printed = tmp_path / "printed"
        for _ in range(300):
            if len(list(printed.glob("*.pdf"))) == 2:  # the waybill and the packing slip
                break
            time.sleep(0.05)
        order_id = answers[0]["view"]["order_id"]
        status = read_only(db, f"SELECT status FROM orders WHERE id = '{order_id}'")
        at_central = shipment_at_central(edge.banner, order_id)
        # the parcels the demo packed for the courier go into a bag of the carrier the banner names
        told = next(x for x in edge.banner if x.startswith("Handover ("))
        carrier = told.split("choose ", 1)[1].split(", scan;", 1)[0]
        codes = told.rsplit("): ", 1)[1].split(", ")
        bag = _post(edge.url, "/api/v1/handovers", token, {"carrier": carrier, "container": "bag"})
        for n, code in enumerate(codes):
            scan = {"scan_id": f"demo-bag-{n}", "raw": code}
            _post(edge.url, f"/api/v1/handovers/{bag['id']}/scans", token, scan)
        handed = _post(edge.url, f"/api/v1/handovers/{bag['id']}/close", token, {})
        # a unit written off at the edge: Shopify's published figure and the shop's drop by one
        sku, bin_ = read_only(db, UNTOUCHED_SKU)[0]
        before = shopify_figure(edge.banner, sku, lambda n: n is not None)
        supervisor = login(edge.url, device.json(), "S001", "4444")
        adjust = {"request_id": "demo-write-off-1", "sku": sku, "location": bin_, "delta": -1}
        _post(edge.url, "/api/v1/stock/adjustments", supervisor, adjust | {"reason": "damaged"})
        after = shopify_figure(edge.banner, sku, lambda n: n == before - 1)
        in_shop = shop_figure(edge.banner, sku, lambda n: n == before - 1)
        # the demo shipped a Shopify order: its tracking number reached the shop once
        shipped_here = shopify_shipped(edge.banner)
        fulfilled = fulfillments(edge.banner, shipped_here)
        (slip,) = printed.glob("packing_slip*.pdf")
        image = pdfium.PdfDocument(slip.read_bytes())[0].render(scale=203 / 72).to_pil()
        (returns_url,) = [b.text for b in zxingcpp.read_barcodes(image)]
        self_service = httpx.get(returns_url, timeout=10)

    assert (
        "Ready to pack (log in as a packer, task Pack, scan a tote): T-0039, T-0040" in edge.banner
    )
    assert all(a["ok"] for a in answers) and closed["prompt"] == "parcel_closed"
    assert (handed["status"], handed["count"], len(codes)) == ("closed", len(codes), len(codes))
    assert [p["tracking_no"] for p in handed["parcels"]] == codes
    assert (out["prompt"], status) == ("order_dispatched", [("shipped",)])
    (pdf,) = printed.glob("waybill*.pdf")
    page = pdfium.PdfDocument(pdf.read_bytes())[0].render(scale=203 / 72).to_pil()
    assert closed["tracking_no"] in {b.text for b in zxingcpp.read_barcodes(page)}
    # the slip's QR code opens central's self-service returns page for the order
    central_url = next(x for x in edge.banner if x.startswith("Central order store at ")).split()[4]
    assert returns_url == f"{central_url}/returns/self?order={quote(order_id, safe='')}"
    assert self_service.status_code == 200
    # the order came from a channel export ingested at central, and its shipment went back up
    assert order_id.split(":")[0] in ("taobao", "jd", "shopify", "amazon")
    assert (at_central["status"], at_central["tracking_numbers"]) == (
        "shipped",
        [closed["tracking_no"]],
    )
    assert before is not None and before > 0
    assert (after, in_shop) == (before - 1, before - 1)
    assert len(shipped_here) == 1 and fulfilled == dict.fromkeys(shipped_here, 1), fulfilled


# a SKU the demo's seeding only received (no order, count or move): nothing else moves its figure
UNTOUCHED_SKU = (
    "SELECT b.sku, b.location FROM balances b WHERE b.bucket = 'on_hand' AND b.container = ''"
    " AND b.lot = '' AND b.qty >= 5 AND b.sku NOT IN (SELECT sku FROM order_lines)"
    " AND b.sku NOT IN (SELECT sku FROM movements WHERE type <> 'receive') ORDER BY b.sku LIMIT 1"
)


def login(url: str, device: dict[str, Any], badge: str, pin: str) -> str:
    resp = httpx.post(
        f"{url}/api/v1/auth/login", json={"badge": badge, "pin": pin} | device, timeout=10
    )
    assert resp.status_code == 200, resp.text
    return str(resp.json()["token"])


def until(read: Any, done: Any, tries: int = 200) -> Any:
    """`read()` once `done(value)` holds (or after `tries` × 0.1 s: the caller's assert says)."""
    value = read()
    for _ in range(tries):
        if done(value):
            break
        time.sleep(0.1)
        value = read()
    return value


def shop_received(banner: list[str]) -> list[dict[str, Any]]:
    """What the demo's stand-in for Shopify received, oldest first."""
    url = next(x for x in banner if x.startswith("  What the shop received: ")).split()[4]
    return list(httpx.get(url, timeout=10).json()["received"])


def shopify_figure(banner: list[str], sku: str, done: Any) -> int | None:
    """The SKU's figure published for Shopify (central's pull API) once `done(figure)`."""
    url, headers = central_api(banner)

    def read() -> int | None:
        answer = httpx.get(
            f"{url}/api/v1/channels/shopify/available", headers=headers, timeout=10
        ).json()
        return next((f["available"] for f in answer["figures"] if f["sku"] == sku), None)

    return cast(int | None, until(read, done))


def shop_figure(banner: list[str], sku: str, done: Any) -> int | None:
    """The SKU's latest stock figure the stand-in shop received, once `done(figure)`."""
    url, headers = central_api(banner)
    rules = httpx.get(f"{url}/api/v1/channels/shopify/stock-rules", headers=headers, timeout=10)
    item = int(next(r["listing"] for r in rules.json()["skus"] if r["sku"] == sku))

    def read() -> int | None:
        levels = [
            r["body"]["available"]
            for r in shop_received(banner)
            if r["path"].endswith("/inventory_levels/set.json")
            and r["body"]["inventory_item_id"] == item
        ]
        return levels[-1] if levels else None

    return cast(int | None, until(read, done))


def shopify_shipped(banner: list[str]) -> list[str]:
    """The tracking numbers of the Shopify orders central has as shipped, once there is one."""
    url, headers = central_api(banner)

    def read() -> list[str]:
        orders = httpx.get(f"{url}/api/v1/orders?limit=500", headers=headers, timeout=10)
        return [
            t
            for o in orders.json()["orders"]
            if o["channel"] == "shopify" and o["status"] == "shipped"
            for t in o["tracking_numbers"]
        ]

    return list(until(read, bool))


def fulfillments(banner: list[str], tracking: list[str]) -> dict[str, int]:
    """How many fulfillments the shop received per tracking number, once central has sent
    every Shopify status write-back (none left pending)."""
    url, headers = central_api(banner)

    def pending() -> int:
        pushes = httpx.get(
            f"{url}/api/v1/channel-pushes?channel=shopify&state=pending",
            headers=headers,
            timeout=10,
        ).json()
        return sum(1 for p in pushes if p["kind"] == "status")

    until(pending, lambda n: n == 0)
    numbers = [
        r["body"]["fulfillment"]["tracking_info"]["number"]
        for r in shop_received(banner)
        if r["path"].endswith("/fulfillments.json")
    ]
    return {t: numbers.count(t) for t in tracking}


def central_api(banner: list[str]) -> tuple[str, dict[str, str]]:
    """The demo's central's URL and the admin's headers, from the banner."""
    line = next(x for x in banner if x.startswith("Central order store at "))
    url, token = line.split()[4], line.rstrip(")").split()[-1]
    return url, {"Authorization": f"Bearer {token}"}


def release_at_central(banner: list[str], order_id: str) -> dict[str, Any]:
    """A supervisor releases an order central holds for review (its API, as the board does)."""
    url, headers = central_api(banner)
    resp = httpx.post(
        f"{url}/api/v1/orders/{order_id}/review/release",
        headers=headers,
        json={"by": "demo supervisor"},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def order_at_central(banner: list[str], order_id: str, done: Any, tries: int = 200) -> Any:
    """The order as central's API has it once `done(order)` holds (or after `tries` × 0.1 s)."""
    url, headers = central_api(banner)
    found: Any = {}
    for _ in range(tries):
        found = httpx.get(f"{url}/api/v1/orders/{order_id}", headers=headers, timeout=10).json()
        if done(found):
            break
        time.sleep(0.1)
    return found


def merged_at_central(banner: list[str], order_id: str) -> dict[str, Any]:
    """The order once its merge window closed (5 s after the demo took it)."""
    return dict(order_at_central(banner, order_id, lambda o: o["consignments"], tries=150))


def shipment_at_central(banner: list[str], order_id: str) -> dict[str, Any]:
    """The order once the edge's `order_shipped` went up, with its tracking numbers."""
    found = order_at_central(banner, order_id, lambda o: o["status"] == "shipped")
    return dict(found) | {"tracking_numbers": [p["tracking_number"] for p in found["shipment"]]}


def test_demo_help_names_every_environment_variable_the_demo_reads() -> None:
    from central_sync.server.environment import ADMIN_ENV
    from edge.cli.main import cli
    from edge.config.keys import CONFIG_ENV, ENV_PREFIX

    shown = CliRunner().invoke(cli, ["demo", "--help"]).output

    read = [f"{ENV_PREFIX}<SECTION>_<KEY>", CONFIG_ENV, ADMIN_ENV, "HTTP_PROXY", "NO_PROXY"]
    assert [name for name in read if name not in shown] == []
    assert "--verbose" in shown


@pytest.mark.slow
def test_the_demo_reads_no_config_file_bypasses_proxies_and_logs_only_warnings_unless_verbose(
    tmp_path: Path,
) -> None:
    bad = tmp_path / "production.toml"
    bad.write_text("[printers\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAREHOUSE_")}
    env["WAREHOUSE_EDGE_CONFIG"] = str(bad)
    # A proxy that answers nothing: the demo's sync with its own central must not use it.
    env |= {"HTTP_PROXY": f"http://127.0.0.1:{free_port()}", "ALL_PROXY": "", "NO_PROXY": ""}
    quiet_log, verbose_log = tmp_path / "quiet.log", tmp_path / "verbose.log"

    for log, args in ((quiet_log, ()), (verbose_log, ("--verbose",))):
        with running_demo(tmp_path / "demo", log, *args, env=env) as edge:
            edge.proc.send_signal(signal.SIGTERM)
            assert edge.proc.wait(timeout=30) == 0, log.read_text()
    quiet, verbose = quiet_log.read_text(), verbose_log.read_text()

    assert quiet.splitlines()[0] == f"Starting the demo in {tmp_path / 'demo'} (a few seconds)…"
    assert [line for line in quiet.splitlines() if " INFO " in line or " DEBUG " in line] == []
    assert "HTTP Request" not in quiet
    assert "synced with the demo's central" in verbose and "HTTP Request" in verbose
