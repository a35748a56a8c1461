"""Carrier handovers (交接单): open a bag, cage or truck for a carrier, scan parcels into it (once
per scan_id), undo the last scan, close it (every parcel handed over, the list queued on the
station's PDF printer and `handover_closed` to central, one transaction), its list as a PDF, and
the close-out of parcels still waiting by carrier with the exceptions of missed cut-offs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from edge.config import Settings
from edge.config.devices import PrinterSettings
from edge.domain import handover as domain
from edge.domain.errors import EdgeError
from edge.domain.exceptions import Condition
from edge.domain.handover import Handover
from edge.domain.wave import parse_cutoffs
from edge.service.commands import refusal_body, run_once
from edge.service.documents import handover_document
from edge.store import handovers as store
from edge.store import packing as packing_store
from edge.store.database import Store
from edge.store.ledger import Actor, apply_decision
from edge.store.operators import LoginSession, device_station
from edge.store.print_jobs import queue_job
from edge.store.scan_answers import Answer
from edge.store.writer import Tx
from labels.handover import render_handover, sheet_of


@dataclass(frozen=True)
class HandoverRules:
    """What handovers read of the settings: the edge's carrier and name, the carriers'
    cut-offs and local zone, and the printers (a handover list prints on a PDF one)."""

    carrier: str
    edge: str
    cutoffs: dict[str, tuple[int, ...]]
    zone: tzinfo
    printers: tuple[PrinterSettings, ...] = ()
    handheld_printer: str = ""

    @classmethod
    def of(cls, settings: Settings) -> HandoverRules:
        return cls(
            settings.carrier.name,
            settings.edge.id,
            parse_cutoffs(settings.waves.cutoffs),
            settings.edge.zone,
            tuple(settings.printers),
            settings.packing.handheld_printer,
        )


def pdf_printer(rules: HandoverRules, station: str) -> PrinterSettings | None:
    """The PDF printer a handover list goes to: the station's, else the handheld's, else the
    only PDF printer there is; None: no PDF printer, the list is only downloaded."""
    pdf = [p for p in rules.printers if p.format == "pdf"]
    here = [p for p in pdf if p.station == station] if station else []
    named = [p for p in pdf if p.name == rules.handheld_printer]
    for choice in (here, named, pdf if len(pdf) == 1 else []):
        if choice:
            return choice[0]
    return None


def _handover(conn: Any, handover_id: str) -> Handover:
    h = store.get(conn, handover_id)
    if h is None:
        raise EdgeError("not_found", what="handover", key=handover_id)
    return h


def view(conn: Any, rules: HandoverRules, handover_id: str) -> dict[str, Any]:
    """The handover with its parcels in scan order, their count and total weight."""
    _handover(conn, handover_id)
    head = store.header(conn, handover_id)
    lines = store.lines(conn, handover_id)
    return {
        "id": handover_id,
        "carrier": head["carrier"],
        "container": head["container"],
        "label": head["label"],
        "station": head["station"],
        "status": head["status"],
        "opened_at": head["opened_at"],
        "opened_by": head["opened_by_name"],
        "closed_at": head["closed_at"],
        "closed_by": head["closed_by_name"],
        "print_job": head["print_job"],
        "count": len(lines),
        "total_weight_g": sum(x["weight_g"] or 0 for x in lines),
        "parcels": lines,
        "site": rules.edge,
    }


def carriers(conn: Any, rules: HandoverRules) -> list[str]:
    return sorted({*store.carriers(conn, rules.carrier), *rules.cutoffs})


def open_handover(
    tx: Tx,
    rules: HandoverRules,
    session: LoginSession,
    *,
    carrier: str,
    container: str,
    label: str = "",
    station: str | None = None,
) -> dict[str, Any]:
    """Open a bag, cage or truck for `carrier` (one it knows), at the device's station."""
    domain.check_container(container)
    domain.check_carrier(carrier, carriers(tx, rules))
    where = station if station is not None else device_station(tx, session.device_id)
    h = Handover(store.next_id(tx), carrier, container)
    store.insert(tx, h, label=label, station=where, operator_id=session.operator_id)
    return view(tx, rules, h.id)


def scan_into(
    tx: Tx, rules: HandoverRules, session: LoginSession, handover_id: str, *, scan_id: str, raw: str
) -> Answer:
    """One parcel scanned into the handover, once per scan_id (a refusal is stored too)."""
    return run_once(
        tx,
        scan_id,
        kind="handover_scan",
        request={"handover_id": handover_id, "raw": raw},
        actor=(session.operator_id, session.device_id),
        decide=lambda: _scan(tx, rules, session, handover_id, scan_id, raw.strip()),
        refusal=lambda err: refusal_body(scan_id, err),
    )


def _scan(
    tx: Tx, rules: HandoverRules, session: LoginSession, handover_id: str, scan_id: str, code: str
) -> dict[str, Any]:
    h = _handover(tx, handover_id)
    parcel_id = store.parcel_id_of(tx, code)
    found = store.candidate(tx, parcel_id, rules.carrier) if parcel_id else None
    status = None if found else store.order_status(tx, code)
    new = domain.add_parcel(h, code, found, status)
    assert found is not None
    store.add(tx, h.id, found.parcel.parcel_id, len(new.parcels), session.operator_id)
    shown = view(tx, rules, h.id)
    params = {
        "tracking_no": found.parcel.tracking_no,
        "handover_id": h.id,
        "carrier": h.carrier,
        "count": shown["count"],
        "weight_kg": f"{shown['total_weight_g'] / 1000:.3f}",
    }
    return {"scan_id": scan_id, "ok": True, "prompt": "handover_scanned", "params": params} | {
        "handover": shown
    }


def undo(tx: Tx, rules: HandoverRules, handover_id: str) -> dict[str, Any]:
    """Take the last scanned parcel out of the open handover."""
    _, parcel_id = domain.undo_last(_handover(tx, handover_id))
    store.remove(tx, parcel_id)
    return view(tx, rules, handover_id) | {"removed": parcel_id}


def close(
    tx: Tx, rules: HandoverRules, session: LoginSession, handover_id: str, *, station: str | None
) -> dict[str, Any]:
    """Close the handover: its parcels handed over (dispatched; an order with its last parcel
    shipped), `handover_closed` queued for central and the list's print job, one commit."""
    h = _handover(tx, handover_id)
    members = store.members(tx, h, rules.carrier)
    siblings = {m.order_id: packing_store.parcels_of(tx, m.order_id) for m in members}
    head = store.header(tx, handover_id)
    summary = {
        "site": rules.edge,
        "opened_at": head["opened_at"],
        "opened_by": head["opened_by_name"],
        "closed_at": tx.at,
        "closed_by": session.name,
        "label": head["label"],
    }
    decision = domain.close(h, members, siblings, summary)
    apply_decision(tx, decision, Actor(session.operator_id, session.device_id, None))
    store.mark_closed(tx, handover_id, session.operator_id)
    where = station if station is not None else head["station"]
    printer = pdf_printer(rules, where or device_station(tx, session.device_id))
    if printer is not None:
        sheet = sheet_of(view(tx, rules, handover_id), rules.zone)
        job = queue_job(
            tx,
            printer=printer.name,
            station=printer.station,
            kind="handover",
            format="pdf",
            document=handover_document(sheet),
        )
        store.attach_print_job(tx, handover_id, job)
    return view(tx, rules, handover_id) | {"printer": printer.name if printer else None}


def listing(conn: Any, status: str | None) -> list[dict[str, Any]]:
    return store.listing(conn, status=status)


# --- close-out ---


def closeout(conn: Any, rules: HandoverRules, now: datetime) -> dict[str, Any]:
    """Parcels packed and not handed over, by carrier, with each carrier's next cut-off; the
    open handovers; the carriers a handover can be opened for."""
    waiting = store.waiting(conn, rules.carrier)
    groups = domain.closeout(waiting, rules.cutoffs, now, rules.zone)
    inside = store.in_handover(conn)
    for g in groups:
        for p in g["parcels"]:
            p["handover_id"] = inside.get(p["parcel_id"])
    return {
        "carriers": groups,
        "waiting": len(waiting),
        "missed": sum(int(g["missed"]) for g in groups),
        "open_handovers": store.listing(conn, status="open"),
        "choices": carriers(conn, rules),
    }


def not_handed_over(tx: Tx, settings: Settings) -> list[Condition]:
    """One condition per carrier cut-off past with parcels closed before it still here."""
    rules = HandoverRules.of(settings)
    if not rules.cutoffs:
        return []
    found = domain.missed(store.waiting(tx, rules.carrier), rules.cutoffs, tx.now, rules.zone)
    return [
        Condition(
            f"not_handed_over:{m.carrier}:{m.cutoff.isoformat()}",
            "not_handed_over",
            m.cutoff,
            0,
            detail={
                "carrier": m.carrier,
                "cutoff": m.cutoff.isoformat().replace("+00:00", "Z"),
                "parcels": len(m.parcels),
                "tracking_numbers": [w.tracking_no for w in m.parcels][:50],
            },
        )
        for m in found
    ]


# --- the list as a document ---


def handover_pdf(conn: Any, rules: HandoverRules, handover_id: str) -> bytes:
    """The handover list as a PDF (A4, English and Chinese, its id as Code 128)."""
    return render_handover(sheet_of(view(conn, rules, handover_id), rules.zone))


# --- async shells: one writer call each ---


async def open_one(
    st: Store, rules: HandoverRules, session: LoginSession, **kw: Any
) -> dict[str, Any]:
    return await st.writer.run(lambda tx: open_handover(tx, rules, session, **kw))


async def scan_one(
    st: Store,
    rules: HandoverRules,
    session: LoginSession,
    handover_id: str,
    *,
    scan_id: str,
    raw: str,
) -> Answer:
    return await st.writer.run(
        lambda tx: scan_into(tx, rules, session, handover_id, scan_id=scan_id, raw=raw)
    )


async def undo_one(st: Store, rules: HandoverRules, handover_id: str) -> dict[str, Any]:
    return await st.writer.run(lambda tx: undo(tx, rules, handover_id))


async def close_one(
    st: Store,
    rules: HandoverRules,
    session: LoginSession,
    handover_id: str,
    *,
    station: str | None,
    spooler: Any,
) -> dict[str, Any]:
    result = await st.writer.run(lambda tx: close(tx, rules, session, handover_id, station=station))
    if result.get("print_job") and spooler is not None:
        spooler.notify()
    return result
