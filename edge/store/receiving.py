"""Receiving at the dock: the advance shipping notices (ASNs) the edge expects, their lines and
the SSCC-labelled pallets and cartons they announce (RECEIVING_CONTRACT.md, issue 21)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from edge.domain.putaway import BinFacts, PutawayDone
from edge.domain.receipt import AsnClosed, DiscrepancyRecorded, UnitReceived
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx


def upsert_asn(tx: Tx, asn: Mapping[str, Any], source: str) -> bool:
    """Keep an ASN from central's feed or an import. A new one is inserted; a known one still
    `open` with nothing received has its supplier, date, lines and containers replaced; any other
    is left as it is. True when something was written."""
    asn_id = str(asn["asn_id"])
    row = tx.one("SELECT status FROM asns WHERE asn_id = ?", (asn_id,))
    if row is None:
        tx.execute(
            "INSERT INTO asns (asn_id, supplier, expected_date, source, created_at)"
            " VALUES (?,?,?,?,?)",
            (asn_id, asn["supplier"], asn.get("expected_date"), source, tx.at),
        )
    elif row["status"] == "open" and not _anything_received(tx, asn_id):
        tx.execute(
            "UPDATE asns SET supplier = ?, expected_date = ?, source = ? WHERE asn_id = ?",
            (asn["supplier"], asn.get("expected_date"), source, asn_id),
        )
        tx.execute("DELETE FROM asn_lines WHERE asn_id = ?", (asn_id,))
        tx.execute("DELETE FROM asn_containers WHERE asn_id = ?", (asn_id,))
    else:
        return False
    for line in asn.get("lines") or ():
        tx.execute(
            "INSERT INTO asn_lines (asn_id, line_no, sku, qty, lot, expiry) VALUES (?,?,?,?,?,?)",
            (
                asn_id,
                int(line["line_no"]),
                line["sku"],
                int(line["qty"]),
                line.get("lot") or None,
                line.get("expiry") or None,
            ),
        )
    for box in asn.get("containers") or ():
        contents = [
            {
                "sku": c["sku"],
                "qty": int(c["qty"]),
                "lot": c.get("lot") or None,
                "expiry": c.get("expiry") or None,
            }
            for c in box.get("contents") or ()
        ]
        tx.execute(
            "INSERT INTO asn_containers (sscc, asn_id, kind, contents) VALUES (?,?,?,?)"
            " ON CONFLICT (sscc) DO UPDATE SET asn_id = excluded.asn_id, kind = excluded.kind,"
            " contents = excluded.contents WHERE asn_containers.received_at IS NULL",
            (box["sscc"], asn_id, box.get("kind") or "pallet", json.dumps(contents)),
        )
    return True


def cancel_asn(tx: Tx, asn_id: str) -> bool:
    """Cancel an ASN while nothing has been received against it; True when it was cancelled."""
    row = tx.one("SELECT status FROM asns WHERE asn_id = ?", (asn_id,))
    if row is None or row["status"] not in ("open", "receiving"):
        return False
    if _anything_received(tx, asn_id):
        return False
    tx.execute(
        "UPDATE asns SET status = 'cancelled', closed_at = ? WHERE asn_id = ?", (tx.at, asn_id)
    )
    return True


def _anything_received(conn: Conn, asn_id: str) -> bool:
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM asn_lines WHERE asn_id = ? AND received > 0)"
        " OR EXISTS (SELECT 1 FROM asn_containers WHERE asn_id = ? AND received_at IS NOT NULL)",
        (asn_id, asn_id),
    ).fetchone()
    return bool(row[0])


def asn(conn: Conn, asn_id: str) -> dict[str, Any] | None:
    """One ASN with its lines and containers (contents decoded), or None."""
    row = conn.execute("SELECT * FROM asns WHERE asn_id = ?", (asn_id,)).fetchone()
    if row is None:
        return None
    boxes = conn.execute(
        "SELECT sscc, kind, contents, received_at FROM asn_containers WHERE asn_id = ?"
        " ORDER BY sscc",
        (asn_id,),
    ).fetchall()
    return dict(row) | {
        "lines": expected_lines(conn, asn_id),
        "containers": [dict(b) | {"contents": json.loads(b["contents"])} for b in boxes],
    }


# --- the dock: what a receiving scan reads and what its decision writes


def find_asn(conn: Conn, code: str, sscc: str | None) -> tuple[str, str] | None:
    """(asn_id, status) of the ASN named by its id or by the SSCC of one of its containers."""
    row = conn.execute("SELECT asn_id, status FROM asns WHERE asn_id = ?", (code,)).fetchone()
    if row is None:
        row = conn.execute(
            "SELECT a.asn_id, a.status FROM asn_containers c JOIN asns a USING (asn_id)"
            " WHERE c.sscc = ?",
            (sscc or code,),
        ).fetchone()
    return (row[0], row[1]) if row is not None else None


def expected_lines(conn: Conn, asn_id: str) -> list[dict[str, Any]]:
    """An ASN's lines with what was received, accepted, quarantined and rejected so far."""
    rows = conn.execute(
        "SELECT line_no, sku, qty, lot, expiry, received, accepted, quarantined, rejected"
        " FROM asn_lines WHERE asn_id = ? ORDER BY line_no",
        (asn_id,),
    )
    return [dict(r) for r in rows]


def container_contents(conn: Conn, asn_id: str, sscc: str) -> list[dict[str, Any]] | None:
    """The announced contents of one of the ASN's containers not yet received, or None."""
    row = conn.execute(
        "SELECT contents FROM asn_containers WHERE asn_id = ? AND sscc = ? AND received_at IS NULL",
        (asn_id, sscc),
    ).fetchone()
    return json.loads(row[0]) if row is not None else None


_DISCREPANCIES = (
    "SELECT d.asn_id, d.line_no, d.kind, d.sku, d.lot, d.qty, d.decision, d.at,"
    " COALESCE(o.name, '') AS operator FROM receipt_discrepancies d"
    " LEFT JOIN operators o ON o.id = d.operator_id"
)


def discrepancies(conn: Conn, asn_id: str) -> list[dict[str, Any]]:
    """The discrepancies recorded against one ASN, in order, with the operator's name."""
    rows = conn.execute(f"{_DISCREPANCIES} WHERE d.asn_id = ? ORDER BY d.id", (asn_id,))
    return [dict(r) for r in rows]


def recent_discrepancies(conn: Conn, limit: int) -> list[dict[str, Any]]:
    """The latest `limit` discrepancies of any ASN, newest first."""
    rows = conn.execute(f"{_DISCREPANCIES} ORDER BY d.id DESC LIMIT ?", (limit,))
    return [dict(r) for r in rows]


def open_asns(conn: Conn) -> list[dict[str, Any]]:
    """ASNs not closed or cancelled, with expected and received units and discrepancies."""
    rows = conn.execute(
        "SELECT a.asn_id, a.supplier, a.expected_date, a.status, a.source,"
        " COALESCE(SUM(l.qty), 0) AS expected, COALESCE(SUM(l.received), 0) AS received,"
        " (SELECT COUNT(*) FROM receipt_discrepancies d WHERE d.asn_id = a.asn_id)"
        " AS discrepancies FROM asns a LEFT JOIN asn_lines l USING (asn_id)"
        " WHERE a.status IN ('open','receiving') GROUP BY a.asn_id ORDER BY a.expected_date, a.asn_id"
    )
    return [dict(r) for r in rows]


def dock_location(conn: Conn, wanted: str | None) -> str | None:
    """The dock to receive at: the one named (if it is a dock), else the first dock by code."""
    if wanted:
        row = conn.execute(
            "SELECT code FROM locations WHERE code = ? AND type = 'dock' AND active", (wanted,)
        ).fetchone()
        return row[0] if row else None
    row = conn.execute(
        "SELECT code FROM locations WHERE type = 'dock' AND active ORDER BY code LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def quarantine_location(conn: Conn) -> str | None:
    """The site's first active quarantine location by code, or None."""
    row = conn.execute(
        "SELECT code FROM locations WHERE type = 'quarantine' AND active ORDER BY code LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def ensure_location(tx: Tx, code: str, kind: str) -> None:
    """A dock or quarantine location exists (created the first time it is needed)."""
    tx.execute(
        "INSERT INTO locations (code, type) VALUES (?, ?) ON CONFLICT (code) DO NOTHING",
        (code, kind),
    )


def receipt_product(conn: Conn, sku: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT sku, lot_tracked, expiry_tracked, min_shelf_life_days FROM products WHERE sku = ?",
        (sku,),
    ).fetchone()
    return dict(row) if row else None


def operator_name(conn: Conn, operator_id: int | None) -> str:
    row = conn.execute("SELECT name FROM operators WHERE id = ?", (operator_id,)).fetchone()
    return str(row[0]) if row else ""


def apply_unit_received(
    tx: Tx, r: UnitReceived, _operator: int | None, _device: str | None, _scan: str | None
) -> None:
    """The line's tallies, the ASN `receiving`, the container received, the lot known and a
    putaway task for units that went on_hand at the dock."""
    tally = {"received": "accepted", "accept": "accepted", "quarantine": "quarantined"}
    column = tally.get(r.decision, "rejected")
    taken = 0 if column == "rejected" else r.qty
    tx.execute(
        f"UPDATE asn_lines SET {column} = {column} + ?, received = received + ?"
        " WHERE asn_id = ? AND line_no = ?",
        (r.qty, taken, r.asn_id, r.line_no),
    )
    tx.execute(
        "UPDATE asns SET status = 'receiving' WHERE asn_id = ? AND status = 'open'", (r.asn_id,)
    )
    if r.sscc:
        tx.execute(
            "UPDATE asn_containers SET received_at = ? WHERE sscc = ? AND received_at IS NULL",
            (tx.at, r.sscc),
        )
    if r.lot and taken:
        tx.execute(
            "INSERT INTO lots (sku, lot, expiry) VALUES (?,?,?) ON CONFLICT (sku, lot) DO NOTHING",
            (r.sku, r.lot, r.expiry),
        )
    if column == "accepted":
        open_putaway(tx, container=r.container, sku=r.sku, location=r.dock, asn_id=r.asn_id)


def open_putaway(tx: Tx, *, container: str, sku: str, location: str, asn_id: str | None) -> None:
    """A putaway task for the SKU's units in `container` at `location`, unless one is open:
    goods received at the dock, or returns graded resellable (container '' at the returns area,
    one task per SKU there)."""
    tx.execute(
        "INSERT INTO putaway_tasks (asn_id, container, sku, from_location, created_at)"
        " VALUES (?,?,?,?,?) ON CONFLICT (container, sku) WHERE status = 'open' DO NOTHING",
        (asn_id, container, sku, location, tx.at),
    )


def apply_discrepancy(
    tx: Tx, d: DiscrepancyRecorded, operator_id: int | None, _device: str | None, _scan: str | None
) -> None:
    tx.execute(
        "INSERT INTO receipt_discrepancies (asn_id, line_no, kind, sku, lot, qty, decision,"
        " operator_id, at) VALUES (?,?,?,?,?,?,?,?,?)",
        (d.asn_id, d.line_no, d.kind, d.sku, d.lot, d.qty, d.decision, operator_id, tx.at),
    )


def apply_asn_closed(
    tx: Tx, c: AsnClosed, _operator: int | None, _device: str | None, _scan: str | None
) -> None:
    tx.execute(
        "UPDATE asns SET status = 'closed', closed_at = ? WHERE asn_id = ?", (tx.at, c.asn_id)
    )


# --- putaway


def putaway_task(conn: Conn, code: str, sku: str | None = None) -> dict[str, Any] | None:
    """The open putaway task of a container (its code or SSCC), or the oldest of a SKU."""
    if sku is not None:
        row = conn.execute(
            "SELECT * FROM putaway_tasks WHERE status = 'open' AND sku = ? ORDER BY id LIMIT 1",
            (sku,),
        ).fetchone()
    else:
        row = conn.execute(
            "SELECT * FROM putaway_tasks WHERE status = 'open' AND container = ? ORDER BY id"
            " LIMIT 1",
            (code,),
        ).fetchone()
    return dict(row) if row else None


def container_units(conn: Conn, task: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(lot, qty) on hand at the dock in the task's container."""
    rows = conn.execute(
        "SELECT lot, qty FROM balances WHERE sku = ? AND location = ? AND container = ?"
        " AND bucket = 'on_hand' AND qty > 0 ORDER BY lot",
        (task["sku"], task["from_location"], task["container"]),
    )
    return [(r[0], r[1]) for r in rows]


def bin_facts(conn: Conn, sku: str, lots: Sequence[str]) -> list[BinFacts]:
    """The candidate bins for `sku`: its pick faces (with their room), and in the zones where
    it has a pick face or stock, the bins holding the same SKU and lot and the empty ones."""
    faces = conn.execute(
        "SELECT f.location, l.pick_seq, l.zone, f.capacity - COALESCE((SELECT SUM(b.qty)"
        " FROM balances b WHERE b.location = f.location AND b.sku = f.sku), 0) AS room"
        " FROM pick_faces f JOIN locations l ON l.code = f.location AND l.active"
        " WHERE f.sku = ?",
        (sku,),
    ).fetchall()
    zones = {r["zone"] for r in faces} | {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT l.zone FROM balances b JOIN locations l ON l.code = b.location"
            " AND l.type = 'bin' WHERE b.sku = ? AND b.qty > 0",
            (sku,),
        )
    }
    facts = [BinFacts(r["location"], r["pick_seq"], pick_face_room=r["room"]) for r in faces]
    face_codes = {r["location"] for r in faces}
    if not zones:
        return facts
    lots = list(lots) or [""]
    marks, lot_marks = ",".join("?" * len(zones)), ",".join("?" * len(lots))
    rows = conn.execute(
        "SELECT l.code, l.pick_seq,"
        f" EXISTS (SELECT 1 FROM balances b WHERE b.location = l.code AND b.sku = ?"
        f"  AND b.lot IN ({lot_marks}) AND b.qty > 0) AS same,"
        " NOT EXISTS (SELECT 1 FROM balances b WHERE b.location = l.code AND b.qty > 0) AS empty,"
        " EXISTS (SELECT 1 FROM balances b WHERE b.location = l.code AND b.sku = ?"
        "  AND b.qty > 0) AS sku"
        f" FROM locations l WHERE l.type = 'bin' AND l.active AND l.zone IN ({marks})",
        (sku, *lots, sku, *zones),
    )
    facts += [
        BinFacts(r[0], r[1], same_sku_lot=bool(r[2]), empty=bool(r[3]), same_sku=bool(r[4]))
        for r in rows
        if r[0] not in face_codes
    ]
    return facts


def set_suggested(tx: Tx, task_id: int, location: str) -> None:
    tx.execute("UPDATE putaway_tasks SET suggested = ? WHERE id = ?", (location or None, task_id))


def apply_putaway_done(
    tx: Tx, p: PutawayDone, operator_id: int | None, _device: str | None, _scan: str | None
) -> None:
    tx.execute(
        "UPDATE putaway_tasks SET status = 'done', location = ?, qty = ?, operator_id = ?,"
        " done_at = ? WHERE id = ?",
        (p.location, p.qty, operator_id, tx.at, p.task_id),
    )


def open_putaway_tasks(conn: Conn) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM putaway_tasks WHERE status = 'open' ORDER BY id")
    return [dict(r) for r in rows]


def label_product(conn: Conn, sku: str) -> dict[str, Any] | None:
    """The SKU's name and the GTIN-14 of its unit barcode ('' if it has none), for a label."""
    row = conn.execute("SELECT name FROM products WHERE sku = ?", (sku,)).fetchone()
    if row is None:
        return None
    code = conn.execute(
        "SELECT code FROM barcodes WHERE sku = ? AND length(code) = 14 AND code GLOB '[0-9]*'"
        " ORDER BY pack_qty, code LIMIT 1",
        (sku,),
    ).fetchone()
    return {"name": row[0], "gtin": code[0] if code else ""}
