"""Carrier handovers in the store: the bags, cages and trucks, the parcels scanned into them, the
parcels a scan names, and the closed parcels still waiting to be handed over (close-out)."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.domain.handover import Candidate, Handover, Waiting
from edge.store import packing
from edge.store.operators import parse_utc
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx

# A parcel's carrier: its order's, or the edge's own where the order names none (as waves).
_CARRIER = "COALESCE(NULLIF(o.carrier, ''), ?)"


def next_id(tx: Tx) -> str:
    """H-<yymmdd>-<nnn>: the day's next handover number (UTC day)."""
    day = tx.at[2:10].replace("-", "")
    row = tx.one("SELECT COUNT(*) FROM handovers WHERE id LIKE ?", (f"H-{day}-%",))
    return f"H-{day}-{(row[0] if row else 0) + 1:03d}"


def insert(tx: Tx, h: Handover, *, label: str, station: str, operator_id: int | None) -> None:
    tx.execute(
        "INSERT INTO handovers (id, carrier, container, label, station, opened_at, opened_by)"
        " VALUES (?,?,?,?,?,?,?)",
        (h.id, h.carrier, h.container, label, station, tx.at, operator_id),
    )


def get(conn: Conn, handover_id: str) -> Handover | None:
    row = conn.execute(
        "SELECT id, carrier, container, status FROM handovers WHERE id = ?", (handover_id,)
    ).fetchone()
    if row is None:
        return None
    ids = tuple(
        r[0]
        for r in conn.execute(
            "SELECT parcel_id FROM handover_parcels WHERE handover_id = ? ORDER BY seq",
            (handover_id,),
        )
    )
    return Handover(row["id"], row["carrier"], row["container"], row["status"], ids)


def header(conn: Conn, handover_id: str) -> dict[str, Any]:
    """The handover's row with the names of who opened and closed it."""
    row = conn.execute(
        "SELECT h.*, a.name AS opened_by_name, a.badge AS opened_by_badge,"
        " b.name AS closed_by_name, b.badge AS closed_by_badge FROM handovers h"
        " LEFT JOIN operators a ON a.id = h.opened_by LEFT JOIN operators b ON b.id = h.closed_by"
        " WHERE h.id = ?",
        (handover_id,),
    ).fetchone()
    return dict(row) if row else {}


def listing(conn: Conn, *, status: str | None, limit: int = 50) -> list[dict[str, Any]]:
    """Handovers, newest first, with how many parcels each holds and their weight."""
    rows = conn.execute(
        "SELECT h.id, h.carrier, h.container, h.label, h.station, h.status, h.opened_at,"
        " h.closed_at, COUNT(hp.parcel_id) AS count, COALESCE(SUM(p.weight_g), 0) AS weight_g"
        " FROM handovers h LEFT JOIN handover_parcels hp ON hp.handover_id = h.id"
        " LEFT JOIN parcels p ON p.id = hp.parcel_id WHERE (? IS NULL OR h.status = ?)"
        " GROUP BY h.id ORDER BY h.opened_at DESC, h.id DESC LIMIT ?",
        (status, status, limit),
    )
    return [dict(r) for r in rows]


def parcel_id_of(conn: Conn, code: str) -> str | None:
    """The closed parcel a scan names: its tracking number or its parcel label (its id)."""
    row = conn.execute(
        "SELECT id FROM parcels WHERE (tracking_no = ? OR id = ?) AND closed_at IS NOT NULL",
        (code, code),
    ).fetchone()
    return row[0] if row else None


def order_status(conn: Conn, code: str) -> str | None:
    """The status of the order a scan names by its id or channel order id (no parcel yet)."""
    row = conn.execute(
        "SELECT status FROM orders WHERE id = ? OR channel_order_id = ? LIMIT 1", (code, code)
    ).fetchone()
    return row[0] if row else None


def candidate(conn: Conn, parcel_id: str, default_carrier: str) -> Candidate | None:
    """A parcel as a handover needs it: its order's status and carrier, its handover."""
    found = packing.parcel(conn, parcel_id)
    if found is None:
        return None
    order_id, info = found
    row = conn.execute(
        f"SELECT o.status, {_CARRIER} AS carrier, s.carrier AS shipment_carrier,"
        " (SELECT handover_id FROM handover_parcels WHERE parcel_id = ?) AS handover_id"
        " FROM orders o JOIN shipments s ON s.order_id = o.id WHERE o.id = ?",
        (default_carrier, parcel_id, order_id),
    ).fetchone()
    return Candidate(
        order_id, row["status"], row["carrier"], info, row["handover_id"], row["shipment_carrier"]
    )


def members(conn: Conn, h: Handover, default_carrier: str) -> list[Candidate]:
    out = [candidate(conn, pid, default_carrier) for pid in h.parcels]
    return [c for c in out if c is not None]


def add(tx: Tx, handover_id: str, parcel_id: str, seq: int, operator_id: int | None) -> None:
    tx.execute(
        "INSERT INTO handover_parcels (parcel_id, handover_id, seq, scanned_at, scanned_by)"
        " VALUES (?,?,?,?,?)",
        (parcel_id, handover_id, seq, tx.at, operator_id),
    )


def remove(tx: Tx, parcel_id: str) -> None:
    tx.execute("DELETE FROM handover_parcels WHERE parcel_id = ?", (parcel_id,))


def mark_closed(tx: Tx, handover_id: str, operator_id: int | None) -> None:
    tx.execute(
        "UPDATE handovers SET status = 'closed', closed_at = ?, closed_by = ? WHERE id = ?",
        (tx.at, operator_id, handover_id),
    )


def attach_print_job(tx: Tx, handover_id: str, job: int) -> None:
    tx.execute("UPDATE handovers SET print_job = ? WHERE id = ?", (job, handover_id))


def lines(conn: Conn, handover_id: str) -> list[dict[str, Any]]:
    """The handover list's lines in scan order: order, channel order, tracking number, weight."""
    rows = conn.execute(
        "SELECT s.order_id, o.channel_order_id, p.tracking_no, p.weight_g, p.piece_no, p.pieces"
        " FROM handover_parcels hp JOIN parcels p ON p.id = hp.parcel_id"
        " JOIN shipments s ON s.id = p.shipment_id JOIN orders o ON o.id = s.order_id"
        " WHERE hp.handover_id = ? ORDER BY hp.seq",
        (handover_id,),
    )
    return [dict(r) for r in rows]


def waiting(conn: Conn, default_carrier: str) -> list[Waiting]:
    """Closed parcels not yet handed over (in an open bag or none), of orders not cancelled."""
    rows = conn.execute(
        f"SELECT p.id, s.order_id, p.tracking_no, {_CARRIER} AS carrier, p.weight_g,"
        " p.closed_at FROM parcels p JOIN shipments s ON s.id = p.shipment_id"
        " JOIN orders o ON o.id = s.order_id WHERE p.closed_at IS NOT NULL"
        " AND p.dispatched_at IS NULL AND o.status NOT IN ('cancelled') ORDER BY p.closed_at, p.id",
        (default_carrier,),
    )
    out = []
    for r in rows:
        closed = parse_utc(r["closed_at"])
        assert closed is not None
        out.append(
            Waiting(
                r["id"], r["order_id"], r["tracking_no"], r["carrier"], r["weight_g"] or 0, closed
            )
        )
    return out


def carriers(conn: Conn, default_carrier: str) -> list[str]:
    """Every carrier an order here names, and the edge's own."""
    rows = conn.execute("SELECT DISTINCT carrier FROM orders WHERE carrier != ''")
    return sorted({default_carrier, *(r[0] for r in rows)})


def in_handover(conn: Conn) -> dict[str, str]:
    """parcel id → the open handover it waits in."""
    rows = conn.execute(
        "SELECT hp.parcel_id, hp.handover_id FROM handover_parcels hp"
        " JOIN handovers h ON h.id = hp.handover_id WHERE h.status = 'open'"
    )
    return {r[0]: r[1] for r in rows}
