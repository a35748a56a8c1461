"""The dock's workflows: receiving against an ASN and directed putaway. Each loads just what its
pure decision needs for one scan (`edge.domain.receipt`, `edge.domain.putaway`); the scan path
applies the decision in the same transaction (stock, outbox, tallies, tasks)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date
from typing import Any

from edge.domain.classify import Classified
from edge.domain.decision import Decision
from edge.domain.errors import EdgeError
from edge.domain.gtin import is_valid_sscc
from edge.domain.ledger import Stock
from edge.domain.operator import MANAGERS, Role
from edge.domain.putaway import (
    PROMPT as PUTAWAY_PROMPT,
)
from edge.domain.putaway import (
    PutawayContext,
    PutawaySession,
    PutawayTask,
    decide_putaway,
    suggest_bin,
    view_params,
)
from edge.domain.receipt import (
    PROMPT,
    ContainerItem,
    DockContext,
    DockSession,
    ExpectedLine,
    LineTally,
    Product,
    decide_receipt,
    open_session,
    receive_container,
    stop_params,
)
from edge.service.floor import FloorSettings
from edge.service.packing import PackSettings, station_printer
from edge.store import receiving as store
from edge.store.directory import SqlDirectory
from edge.store.ledger import load_stock_rows
from edge.store.operators import LoginSession, device_station
from edge.store.print_jobs import queue_job
from edge.store.writer import Tx

QUARANTINE = "QUARANTINE"
DOCK = "DOCK"


def _session(state: dict[str, Any]) -> DockSession:
    known = {f.name for f in fields(DockSession)}
    return DockSession(**{k: v for k, v in state.items() if k in known})


def start_receive(
    tx: Tx, s: LoginSession, params: dict[str, Any], _f: FloorSettings
) -> dict[str, Any]:
    """A dock session at the dock location named like the station asked for (or the one the
    device is at), else the site's first dock (`DOCK`, made if there is none)."""
    wanted = params.get("station")
    dock = store.dock_location(tx, wanted) if wanted else None
    if dock is None and wanted:
        raise EdgeError("unknown_location", location=wanted)
    station = device_station(tx, s.device_id)
    if dock is None and station:
        dock = store.dock_location(tx, station)
    if dock is None:
        dock = store.dock_location(tx, None)
    if dock is None:
        store.ensure_location(tx, DOCK, "dock")
        dock = DOCK
    return asdict(DockSession(dock=dock, clerk=s.name, may_accept=Role(s.role) in MANAGERS))


def takes_any_code(state: dict[str, Any]) -> bool:
    """An ASN number, an SSCC the edge knows only from an ASN, a lot or expiry barcode on its
    own: codes the directory does not know go to the dock session."""
    return state.get("step") in ("asn", "items")


def run_receive(
    tx: Tx, state: dict[str, Any], scan: Classified, floor: FloorSettings
) -> Decision[Any]:
    s = _session(state)
    today = floor.shelf.today(tx.now)
    if s.step == "asn" or _is_asn_code(tx, s, scan):
        return _open_asn(tx, s, scan, today)
    return decide_receipt(s, scan, _context(tx, s, scan, today))


def _is_asn_code(tx: Tx, s: DockSession, scan: Classified) -> bool:
    """An SSCC of this ASN: from a GS1-128 label (AI 00) or its 18 digits typed bare."""
    sscc = scan.scan.sscc or (scan.scan.code if is_valid_sscc(scan.scan.code) else None)
    if sscc is None or scan.kind not in ("parcel", "container"):
        return False
    found = store.find_asn(tx, scan.scan.code, sscc)
    return found is not None and found[0] == s.asn_id


def _open_asn(tx: Tx, s: DockSession, scan: Classified, today: date) -> Decision[Any]:
    """The ASN scanned (or one of its SSCCs: that container is received whole at once)."""
    if scan.kind not in ("parcel", "container"):
        raise EdgeError(
            "unexpected_scan", kind=scan.kind, code=scan.scan.code, expected_prompt="scan_asn"
        )
    found = store.find_asn(tx, scan.scan.code, scan.scan.sscc)
    if found is None:
        raise EdgeError("asn_not_found", code=scan.scan.display)
    asn_id, status = found
    if status not in ("open", "receiving"):
        raise EdgeError("asn_not_open", asn_id=asn_id, status=status)
    opened = open_session(s, asn_id, s.dock)
    sscc = scan.scan.sscc or scan.scan.code
    contents = store.container_contents(tx, asn_id, sscc)
    if contents is None:
        if s.step != "asn":  # an SSCC of this ASN already received
            raise EdgeError("asn_not_found", code=scan.scan.display)
        return opened
    quarantine = _quarantine(tx)
    items = tuple(
        ContainerItem(c["sku"], int(c["qty"]), c.get("lot"), c.get("expiry")) for c in contents
    )
    skus = {i.sku for i in items}
    ctx = DockContext(today, _lines(tx, asn_id), quarantine=quarantine)
    if len(skus) == 1:
        ctx = DockContext(today, ctx.lines, _product(tx, next(iter(skus))), quarantine=quarantine)
    return receive_container(opened.state, sscc, items, ctx)


def _lines(tx: Tx, asn_id: str) -> tuple[ExpectedLine, ...]:
    return tuple(
        ExpectedLine(r["line_no"], r["sku"], r["qty"], r["lot"], r["received"])
        for r in store.expected_lines(tx, asn_id)
    )


def _product(tx: Tx, sku: str) -> Product | None:
    row = store.receipt_product(tx, sku)
    if row is None:
        return None
    return Product(
        sku, bool(row["lot_tracked"]), bool(row["expiry_tracked"]), row["min_shelf_life_days"]
    )


def _quarantine(tx: Tx) -> str:
    """The site's first quarantine location (`QUARANTINE`, made if there is none)."""
    found = store.quarantine_location(tx)
    if found is None:
        store.ensure_location(tx, QUARANTINE, "quarantine")
    return found or QUARANTINE


def _context(tx: Tx, s: DockSession, scan: Classified, today: date) -> DockContext:
    quarantine = _quarantine(tx)
    sku = scan.key if scan.kind == "product" else s.sku
    ctx = DockContext(
        today, _lines(tx, s.asn_id), _product(tx, sku) if sku else None, quarantine=quarantine
    )
    if scan.kind == "command" and scan.key == "DONE":
        tallies = tuple(
            LineTally(
                r["line_no"],
                r["sku"],
                r["qty"],
                r["received"],
                r["accepted"],
                r["quarantined"],
                r["rejected"],
            )
            for r in store.expected_lines(tx, s.asn_id)
        )
        found = tuple(
            {k: d[k] for k in ("kind", "sku", "lot", "qty", "decision", "operator")}
            for d in store.discrepancies(tx, s.asn_id)
        )
        ctx = DockContext(
            today, ctx.lines, quarantine=quarantine, tallies=tallies, found=found, at=tx.at
        )
    return ctx


def view_receive(conn: Any, state: dict[str, Any]) -> dict[str, Any]:
    """The receiving screen: the ASN's lines as received, the unit being read, any stop."""
    s = _session(state)
    lines = store.expected_lines(conn, s.asn_id) if s.asn_id else []
    params: dict[str, Any] = {"asn_id": s.asn_id or "-", "sku": s.sku or "-"}
    prompt = PROMPT[s.step]
    if s.step == "decide":
        expected = tuple(ExpectedLine(r["line_no"], r["sku"], r["qty"], r["lot"]) for r in lines)
        params = stop_params(s, DockContext(today=date.min, lines=expected))
        prompt = f"dock_{s.stop}"
    elif s.sku:
        prompt = "scan_lot" if s.lot is None else "scan_expiry"
    return {
        "workflow": "receive",
        "step": s.step,
        "asn_id": s.asn_id,
        "dock": s.dock,
        "lines": lines,
        "unit": {"sku": s.sku, "qty": s.qty, "lot": s.lot, "expiry": s.expiry} if s.sku else None,
        "stop": params if s.step == "decide" else None,
        "units": s.units,
        "prompt": prompt,
        "prompt_params": params,
    }


# --- putaway


def start_putaway(
    _tx: Tx, _s: LoginSession, _params: dict[str, Any], _f: FloorSettings
) -> dict[str, Any]:
    return asdict(PutawaySession())


def putaway_takes_any_code(state: dict[str, Any]) -> bool:
    """A container received loose at the dock has a code only its putaway task knows (at the
    bin step too: another container scanned there is named as one, not an unknown barcode)."""
    return state.get("step") in ("container", "bin")


def run_putaway(
    tx: Tx, state: dict[str, Any], scan: Classified, _f: FloorSettings
) -> Decision[Any]:
    s = PutawaySession(**state)
    if s.step == "container" and scan.kind in ("parcel", "container", "product"):
        return decide_putaway(s, scan, PutawayContext(_task(tx, scan)))
    if s.step == "bin" and scan.kind == "parcel":  # another container: this one's bin first
        code = scan.scan.code
        if store.putaway_task(tx, code) is not None:
            scan = replace(scan, kind="container")
        elif SqlDirectory(tx.conn).parcel_by_tracking(code) is None:  # nothing here knows it
            raise EdgeError("unknown_barcode", code=code)
    stock = Stock()
    if s.step == "bin" and scan.kind == "location":
        stock = Stock(*load_stock_rows(tx, s.sku, [s.dock, scan.key]))
    return decide_putaway(s, scan, PutawayContext(stock=stock))


def _task(tx: Tx, scan: Classified) -> PutawayTask | None:
    if scan.kind == "product":
        row = store.putaway_task(tx, "", sku=scan.key)
    else:
        row = store.putaway_task(tx, scan.scan.sscc or scan.key) or store.putaway_task(
            tx, scan.scan.code
        )
    if row is None:
        return None
    units = store.container_units(tx, row)
    qty = sum(q for _, q in units)
    suggested = suggest_bin(store.bin_facts(tx, row["sku"], [lot for lot, _ in units]), qty)
    store.set_suggested(tx, row["id"], suggested)
    return PutawayTask(
        row["id"], row["container"], row["sku"], row["from_location"], qty, suggested
    )


def view_putaway(_conn: Any, state: dict[str, Any]) -> dict[str, Any]:
    s = PutawaySession(**state)
    params = view_params(s)
    return {
        "workflow": "putaway",
        "step": s.step,
        **params,
        "prompt": PUTAWAY_PROMPT[s.step],
        "prompt_params": params,
    }


def open_putaways(conn: Any) -> list[dict[str, Any]]:
    """The putaway tasks waiting at the dock, each with the units waiting in its container and
    the bin putaway would suggest for them now (read only: the scan records its suggestion)."""
    tasks = []
    for row in store.open_putaway_tasks(conn):
        units = store.container_units(conn, row)
        qty = sum(q for _, q in units)
        suggested = suggest_bin(store.bin_facts(conn, row["sku"], [lot for lot, _ in units]), qty)
        tasks.append(row | {"units": qty, "suggested": row["suggested"] or suggested})
    return tasks


def open_asns(conn: Any) -> list[dict[str, Any]]:
    """The ASNs open or being received, for the supervisor."""
    return store.open_asns(conn)


def asn_detail(conn: Any, asn_id: str) -> dict[str, Any]:
    """One ASN with its lines, containers and discrepancies; asn_not_found if there is none."""
    found = store.asn(conn, asn_id)
    if found is None:
        raise EdgeError("asn_not_found", code=asn_id)
    return found | {"discrepancies": store.discrepancies(conn, asn_id)}


def recent_discrepancies(conn: Any, limit: int = 200) -> list[dict[str, Any]]:
    """The latest discrepancies recorded at the dock, newest first."""
    return store.recent_discrepancies(conn, limit)


# --- labels printed at the dock


@dataclass(frozen=True)
class DockLabel:
    """An item/carton label (GTIN of the SKU, lot, expiry) or a pallet label (an SSCC)."""

    kind: str  # item | pallet
    sku: str = ""
    lot: str = ""
    expiry: str = ""
    qty: int = 1
    sscc: str = ""
    asn_id: str = ""


def queue_dock_label(
    tx: Tx, req: DockLabel, session: LoginSession, settings: PackSettings
) -> dict[str, Any]:
    """Queue the label on the station's printer (or the handheld's); it prints after the commit."""
    if req.kind == "pallet":
        kind, document = "dock_pallet", _pallet_document(tx, req)
    else:
        kind, document = "dock_item", _item_document(tx, req)
    printer = station_printer(settings, device_station(tx, session.device_id))
    job_id = queue_job(
        tx,
        printer=printer.name,
        station=printer.station,
        kind=kind,
        format=printer.format,
        document=document,
    )
    return {"job_id": job_id, "printer": printer.name, "kind": req.kind}


def _item_document(tx: Tx, req: DockLabel) -> dict[str, Any]:
    product = store.label_product(tx, req.sku)
    if product is None:
        raise EdgeError("unknown_sku", sku=req.sku)
    if not product["gtin"]:
        raise EdgeError("invalid_request", reason=f"{req.sku} has no GTIN to print")
    return {
        "gtin": product["gtin"],
        "sku": req.sku,
        "name": product["name"],
        "lot": req.lot,
        "expiry": req.expiry,
        "qty": req.qty,
    }


def _pallet_document(tx: Tx, req: DockLabel) -> dict[str, Any]:
    if not is_valid_sscc(req.sscc):
        raise EdgeError("invalid_request", reason=f"{req.sscc!r} is not an 18-digit SSCC")
    found = store.find_asn(tx, req.asn_id or req.sscc, req.sscc)
    asn_id = found[0] if found else req.asn_id
    header = store.asn(tx, asn_id) if asn_id else None
    if req.asn_id and header is None:
        raise EdgeError("asn_not_found", code=req.asn_id)
    box = next((c for c in (header or {}).get("containers", []) if c["sscc"] == req.sscc), None)
    lines = [
        f"{c['qty']} × {c['sku']}" + (f" lot {c['lot']}" if c.get("lot") else "")
        for c in (box["contents"] if box else [])
    ]
    supplier = header["supplier"] if header else ""
    return {"sscc": req.sscc, "asn_id": asn_id, "supplier": supplier, "lines": lines}


async def print_dock_label(
    store_: Any, spooler: Any, req: DockLabel, session: LoginSession, settings: PackSettings
) -> dict[str, Any]:
    """Queue a dock label in one commit and wake the spooler."""
    result: dict[str, Any] = await store_.writer.run(
        lambda tx: queue_dock_label(tx, req, session, settings)
    )
    spooler.notify()
    return result
