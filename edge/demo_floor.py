"""The demo's floor work: released orders ready to pick, and the barcode sheet a newcomer scans
from (badges, totes, the bins and items of those orders, command barcodes)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edge.domain.classify import COMMANDS
from edge.service.orders import receive_order
from edge.store.effects import Actor
from edge.store.orders import NewLine, NewOrder
from edge.store.store import Store
from edge.store.writer import Tx

DEMO_STATION = "BENCH-1"
CHANNELS = (("tmall", "TM"), ("jd", "JD"), ("shopify", "SH"), ("amazon", "AZ"))
ORDER_COUNT = 12
SHEET_TOTES = 12
CUSTOMERS = (
    {
        "name": "王小明",
        "city": "上海市",
        "address": "浦东新区世纪大道 100 号",
        "postal_code": "200120",
    },
    {"name": "Emma Clarke", "city": "Leeds", "address": "12 Park Row", "postal_code": "LS1 5HD"},
    {"name": "李华", "city": "杭州市", "address": "西湖区文三路 478 号", "postal_code": "310013"},
    {
        "name": "Lucas Martin",
        "city": "Lyon",
        "address": "8 Rue de la République",
        "postal_code": "69002",
    },
)


def seed_orders(store: Store, *, seed: int, count: int = ORDER_COUNT) -> list[str]:
    """Release `count` small orders of SKUs that have free stock in bins; all get allocated."""
    rng = random.Random(seed)
    stocked = _stocked_skus(store)
    orders = [_order(rng, n, stocked) for n in range(1, count + 1)]
    return store.writer.call(lambda tx: [_release(tx, o) for o in orders])


def _stocked_skus(store: Store) -> list[str]:
    rows = store.read().execute(
        "SELECT b.sku FROM balances b JOIN locations l ON l.code = b.location AND l.type = 'bin'"
        " JOIN products p ON p.sku = b.sku AND NOT p.lot_tracked"
        " WHERE b.bucket = 'on_hand' AND b.container = '' GROUP BY b.sku HAVING SUM(b.qty) >= 20 ORDER BY b.sku"
    )
    return [r["sku"] for r in rows]


def _order(rng: random.Random, n: int, skus: Sequence[str]) -> NewOrder:
    channel, prefix = CHANNELS[n % len(CHANNELS)]
    lines = tuple(
        NewLine(sku, rng.randint(1, 2)) for sku in rng.sample(list(skus), rng.randint(1, 3))
    )
    return NewOrder(
        channel, f"{prefix}-{240000 + n}", lines, priority=rng.choice((0, 0, 0, 1)),
        ship_to=CUSTOMERS[n % len(CUSTOMERS)], carrier="demo-post", service="standard",
    )  # fmt: skip


def _release(tx: Tx, order: NewOrder) -> str:
    return str(receive_order(tx, order, Actor())["order_id"])


def sheet_sections(store: Store, *, command_prefix: str = "CMD:") -> list[Any]:
    """Sections of the demo barcode sheet, in the order a picker needs them."""
    from labels.sheet import SheetItem, SheetSection

    conn = store.read()
    badges = [SheetItem(r["badge"], r["badge"], f"{r['name']} · {r['role']}")
              for r in conn.execute("SELECT badge, name, role FROM operators ORDER BY role, badge")]  # fmt: skip
    totes = [SheetItem(r["code"], r["code"])
             for r in conn.execute("SELECT code FROM containers WHERE type = 'tote' ORDER BY code LIMIT ?",
                                   (SHEET_TOTES,))]  # fmt: skip
    bins = [SheetItem(r["location"], r["location"]) for r in conn.execute(
        "SELECT DISTINCT a.location FROM allocations a JOIN locations l ON l.code = a.location"
        " ORDER BY l.pick_seq, a.location")]  # fmt: skip
    items = [SheetItem(r["printed"], r["sku"], f"{r['name']} / {r['name_zh']}") for r in conn.execute(
        "SELECT b.printed, p.sku, p.name, p.name_zh FROM barcodes b JOIN products p USING (sku)"
        " WHERE b.pack_qty = 1 AND p.sku IN (SELECT DISTINCT sku FROM allocations) ORDER BY p.sku")]  # fmt: skip
    commands = [SheetItem(command_prefix + c, c.title()) for c in COMMANDS if c != "LOGOUT"]
    return [SheetSection("Operator badges", badges), SheetSection("Totes", totes),
            SheetSection("Bins of the demo orders", bins), SheetSection("Items of the demo orders", items),
            SheetSection("Commands", commands)]  # fmt: skip


def write_sheet(store: Store, path: Path, *, command_prefix: str = "CMD:") -> Path:
    """Render the demo barcode sheet (PDF) to `path`."""
    from labels.sheet import barcode_sheet

    pdf = barcode_sheet(
        sheet_sections(store, command_prefix=command_prefix), title="Warehouse edge demo: barcodes"
    )
    path.write_bytes(pdf)
    return path


def with_virtual_scanner(settings: Any) -> tuple[Any, Any]:
    """The demo's pack bench BENCH-1 with a virtual serial scanner and a file-sink printer
    (PDF files in <data dir>/printed) bound to it."""
    from edge.config import PrinterSettings, ScannerSettings, StationSettings
    from edge.devices.virtual import VirtualSerialPort

    port = VirtualSerialPort()
    station = StationSettings(name=DEMO_STATION, type="pack_bench", location=DEMO_STATION)
    scanner = ScannerSettings(
        name="demo-scanner",
        kind="serial",
        station=DEMO_STATION,
        path=port.device_path,
        terminator="cr",
    )
    printed = settings.edge.data_dir / "printed"
    printed.mkdir(parents=True, exist_ok=True)
    printer = PrinterSettings(
        name="demo-printer", kind="file", station=DEMO_STATION, path=str(printed)
    )
    update = {"stations": (*settings.stations, station), "scanners": (*settings.scanners, scanner),
              "printers": (*settings.printers, printer)}  # fmt: skip
    return settings.model_copy(update=update), port
