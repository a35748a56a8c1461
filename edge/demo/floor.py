"""The demo's floor work: released orders ready to pick, and the barcode sheet a newcomer scans
from (badges, totes, the bins and items of those orders, command barcodes)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from edge.config import PrinterSettings, ScannerSettings, Settings, StationSettings
from edge.devices.virtual import VirtualSerialPort
from edge.domain.classify import COMMANDS
from edge.service import scripted
from edge.store.catalog import free_totes, items_in_play, unit_barcode
from edge.store.database import Store
from edge.store.operators import badges as operator_badges
from edge.store.orders import NewLine, NewOrder, allocated_bins, bound_containers
from edge.store.receiving import asn as asn_header
from edge.store.receiving import expected_lines
from edge.store.stock import stocked_skus
from labels.sheet import SheetItem, SheetSection, barcode_sheet

DEMO_STATION = "BENCH-1"
DEMO_DOCK = "DOCK-1"
DEMO_DESK = "DESK-1"  # the returns desk
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
    return scripted.release_orders(store, orders)


def _stocked_skus(store: Store) -> list[str]:
    return stocked_skus(store.read(), at_least=20)


def _order(rng: random.Random, n: int, skus: Sequence[str]) -> NewOrder:
    channel, prefix = CHANNELS[n % len(CHANNELS)]
    lines = tuple(
        NewLine(sku, rng.randint(1, 2)) for sku in rng.sample(list(skus), rng.randint(1, 3))
    )
    return NewOrder(
        channel,
        f"{prefix}-{240000 + n}",
        lines,
        priority=rng.choice((0, 0, 0, 1)),
        ship_to=CUSTOMERS[n % len(CUSTOMERS)],
        carrier="",  # the edge's own ([carrier] name)
        service="standard",
    )


def sheet_sections(
    store: Store, *, command_prefix: str = "CMD:", extra: Sequence[Any] = ()
) -> list[Any]:
    """Sections of the demo barcode sheet, in the order a picker needs them (`extra` ones, the
    returns desk's, before the commands)."""
    conn = store.read()
    badges = [
        SheetItem(r["badge"], r["badge"], f"{r['name']} · {r['role']}")
        for r in operator_badges(conn)
    ]
    totes = [SheetItem(code, code) for code in free_totes(conn, SHEET_TOTES)]
    to_pack = [
        SheetItem(r["container"], r["container"], f"order {r['order_id']}")
        for r in bound_containers(conn)
    ]
    bins = [SheetItem(code, code) for code in allocated_bins(conn)]
    items = [
        SheetItem(r["printed"], r["sku"], f"{r['name']} / {r['name_zh']}")
        for r in items_in_play(conn)
    ]
    commands = [SheetItem(command_prefix + c, c.title()) for c in COMMANDS if c != "LOGOUT"]
    return [
        SheetSection("Operator badges", badges),
        SheetSection("Totes", totes),
        SheetSection("Totes ready to pack", to_pack),
        SheetSection("Bins of the demo orders", bins),
        SheetSection("Items of the demo orders", items),
        *extra,
        SheetSection("Commands", commands),
    ]


def write_sheet(
    store: Store, path: Path, *, command_prefix: str = "CMD:", extra: Sequence[Any] = ()
) -> Path:
    """Render the demo barcode sheet (PDF) to `path`."""
    sections = sheet_sections(store, command_prefix=command_prefix, extra=extra)
    pdf = barcode_sheet(sections, title="Warehouse edge demo: barcodes")
    path.write_bytes(pdf)
    return path


def with_virtual_scanner(settings: Settings) -> tuple[Settings, VirtualSerialPort]:
    """The demo's pack bench BENCH-1 with a virtual serial scanner and a file-sink printer
    (PDF files in <data dir>/printed) bound to it."""
    return with_station(settings, DEMO_STATION, "pack_bench", device="demo")


def with_returns_desk(settings: Settings) -> tuple[Settings, VirtualSerialPort]:
    """The demo's returns desk DESK-1 at the returns location ([returns] location), its own
    virtual scanner and file printer (the quarantine bag labels)."""
    where = settings.returns.location
    settings, port = with_station(
        settings, DEMO_DESK, "returns_desk", device="desk", location=where
    )
    if not settings.packing.handheld_printer:  # two printers now: a handheld's waybill stays
        packing = settings.packing.model_copy(update={"handheld_printer": "demo-printer"})
        settings = settings.model_copy(update={"packing": packing})
    return settings, port


def with_dock(settings: Settings) -> tuple[Settings, VirtualSerialPort]:
    """The demo's dock DOCK-1 (its dock location), with its own virtual scanner and file printer
    (the dock's item and pallet labels): receiving and putaway at a fixed scanner."""
    return with_station(settings, DEMO_DOCK, "dock", device="dock")


# Line 3 of the demo ASN announces this lot; its cartons carry the other one (docs/receiving.md).
ANNOUNCED_LOT_OF_WRONG_LOT, WRONG_LOT = "DEMO-C1", "DEMO-C2"


def dock_banner(store: Store, asn_id: str) -> list[str]:
    """What to scan (or type) at the dock to receive the demo's ASN and see each stop: a GS1
    element string per line, `(01)` GTIN, `(17)` expiry YYMMDD, `(10)` lot (docs/receiving.md,
    "In the demo"); nothing once the ASN is closed or before it reached the edge."""
    conn = store.read()
    header = asn_header(conn, asn_id)
    if header is None or header["status"] in ("closed", "cancelled"):
        return []

    def unit(sku: str, expiry: str | None, lot: str) -> str:
        code = unit_barcode(conn, sku) or ""
        gtin = code.zfill(14) if code.isdigit() and len(code) in (8, 12, 13, 14) else code
        when = f"(17){expiry[2:4]}{expiry[5:7]}{expiry[8:10]}" if expiry else ""
        return f"(01){gtin}{when}(10){lot}"

    lines = expected_lines(conn, asn_id)
    out = [f"Dock (receiving {asn_id}): scan {asn_id}, then a unit per scan, e.g.:"]
    for n, line in enumerate(lines, start=1):
        lot = line["lot"] or ""
        shown = unit(line["sku"], line["expiry"], lot)
        if lot == ANNOUNCED_LOT_OF_WRONG_LOT:
            shown += f"   (another lot: {unit(line['sku'], line['expiry'], WRONG_LOT)})"
        out.append(f"  line {n}: {line['qty']} × {line['sku']}: {shown}")
    return out


def with_station(
    settings: Settings, name: str, kind: Any, *, device: str, location: str = ""
) -> tuple[Settings, VirtualSerialPort]:
    """A station with a virtual serial scanner (`<device>-scanner`) and a printer
    (`<device>-printer`, PDF files in <data dir>/printed) bound to it."""
    port = VirtualSerialPort()
    station = StationSettings(name=name, type=kind, location=location or name)
    scanner = ScannerSettings(
        name=f"{device}-scanner",
        kind="serial",
        station=name,
        path=port.device_path,
        terminator="cr",
    )
    printed = settings.edge.data_dir / "printed"
    printed.mkdir(parents=True, exist_ok=True)
    printer = PrinterSettings(
        name=f"{device}-printer", kind="file", station=name, path=str(printed)
    )
    update = {
        "stations": (*settings.stations, station),
        "scanners": (*settings.scanners, scanner),
        "printers": (*settings.printers, printer),
    }
    return settings.model_copy(update=update), port


PICKED_ORDERS = 2  # orders the demo picks through the real pick workflow, ready for packing


def seed_picked(store: Store, order_ids: Sequence[str], *, badge: str = "P001") -> list[str]:
    """Pick the first PICKED_ORDERS of the orders through the pick workflow, scan by scan, as a
    picker would: each into its own free tote, so the pack bench has work at once."""
    chosen = list(order_ids)[:PICKED_ORDERS]
    return scripted.pick_orders_whole(store, chosen, badge=badge, tag="demo")
