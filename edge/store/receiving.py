"""Receiving at the dock: the advance shipping notices (ASNs) the edge expects, their lines and
the SSCC-labelled pallets and cartons they announce (RECEIVING_CONTRACT.md, issue 21)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

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
    lines = conn.execute(
        "SELECT line_no, sku, qty, lot, expiry, received FROM asn_lines WHERE asn_id = ?"
        " ORDER BY line_no",
        (asn_id,),
    ).fetchall()
    boxes = conn.execute(
        "SELECT sscc, kind, contents, received_at FROM asn_containers WHERE asn_id = ?"
        " ORDER BY sscc",
        (asn_id,),
    ).fetchall()
    return dict(row) | {
        "lines": [dict(r) for r in lines],
        "containers": [dict(b) | {"contents": json.loads(b["contents"])} for b in boxes],
    }
