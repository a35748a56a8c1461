"""What the pack bench and the dock read and write: the order as packing sees it, the picked units
in its totes, its parcels, and the tracking numbers issued per (order, parcel)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from edge.domain.carrier import NumberRange
from edge.domain.pack import PackLine, PackOrder
from edge.domain.parcel import (
    Content,
    OrderShipped,
    ParcelClosed,
    ParcelDispatched,
    ParcelInfo,
    Source,
)
from edge.store.orders import KIT_COLUMNS, kit_of, release_empty_tote
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx
# Parcels whose waybill carries the address: printed, or closed and waiting for its print.
LABELLED = "(label_printed_at IS NOT NULL OR closed_at IS NOT NULL) AND dispatched_at IS NULL"


def pack_order(conn: Conn, order_id: str) -> PackOrder | None:
    """The order with, per line, the units picked (no more than the line still ships: units
    cut off after picking go back to bins) and those already in closed parcels."""
    row = conn.execute("SELECT id, status FROM orders WHERE id = ?", (order_id,)).fetchone()
    if row is None:
        return None
    lines = tuple(
        PackLine(r["id"], r["sku"], r["qty_picked"], r["qty_packed"], kit_of(r))
        for r in conn.execute(
            "SELECT id, sku, MIN(qty_picked, qty_ordered - qty_cancelled) AS qty_picked,"
            f" qty_packed, {KIT_COLUMNS} FROM order_lines WHERE order_id = ? ORDER BY id",
            (order_id,),
        )
    )
    totes = order_totes(conn, order_id)
    closed = conn.execute(
        "SELECT COUNT(*) FROM parcels p JOIN shipments s ON s.id = p.shipment_id"
        " WHERE s.order_id = ?",
        (order_id,),
    ).fetchone()[0]
    return PackOrder(row["id"], row["status"], lines, totes[0] if totes else None, int(closed))


def next_single_order(conn: Conn, sku: str) -> str | None:
    """The most urgent picked order of one unit of `sku`, not packed, that no open pack session
    holds (a bench that opened it): the order a scanned item packs for (scan-to-print)."""
    row = conn.execute(
        """
        SELECT o.id FROM orders o JOIN order_lines l ON l.order_id = o.id
        WHERE o.status = 'picked' AND l.sku = ? AND l.qty_packed = 0
          AND MIN(l.qty_picked, l.qty_ordered - l.qty_cancelled) = 1
          AND NOT EXISTS (SELECT 1 FROM order_lines x WHERE x.order_id = o.id AND x.id != l.id
                          AND x.qty_ordered > x.qty_cancelled)
          AND NOT EXISTS (SELECT 1 FROM work_sessions w WHERE w.ended_at IS NULL
                          AND w.workflow = 'pack' AND json_extract(w.state, '$.order_id') = o.id)
        ORDER BY o.priority DESC, o.ship_by IS NULL, o.ship_by, o.created_at, o.id
        LIMIT 1
        """,
        (sku,),
    ).fetchone()
    return row[0] if row else None


def order_totes(conn: Conn, order_id: str) -> list[str]:
    """The totes or cart (not parcels) bound to the order now."""
    rows = conn.execute(
        "SELECT cb.container FROM container_bindings cb JOIN containers c ON c.code = cb.container"
        " WHERE cb.order_id = ? AND cb.closed_at IS NULL AND c.type IN ('tote', 'cart')"
        " ORDER BY cb.id",
        (order_id,),
    )
    return [r[0] for r in rows]


def order_of_tote(conn: Conn, tote: str) -> str | None:
    row = conn.execute(
        "SELECT order_id FROM container_bindings WHERE container = ? AND closed_at IS NULL"
        " ORDER BY id DESC LIMIT 1",
        (tote,),
    ).fetchone()
    return row[0] if row else None


def totes_to_pack(conn: Conn) -> list[str]:
    """The totes holding picked units, waiting at the pack bench."""
    rows = conn.execute(
        "SELECT DISTINCT b.container FROM balances b JOIN containers c ON c.code = b.container"
        " WHERE b.bucket = 'picked' AND b.qty > 0 AND c.type = 'tote' ORDER BY 1"
    )
    return [r[0] for r in rows]


def sources(conn: Conn, order_id: str) -> list[Source]:
    """The order's picked units, tote by tote, lot by lot."""
    totes = order_totes(conn, order_id)
    if not totes:
        return []
    marks = ",".join("?" * len(totes))
    rows = conn.execute(
        f"SELECT container, sku, lot, qty FROM balances WHERE bucket = 'picked' AND qty > 0"
        f" AND container IN ({marks}) ORDER BY container, sku, lot",
        totes,
    )
    return [Source(r["container"], r["sku"], r["lot"], r["qty"]) for r in rows]


def unit_weights(conn: Conn, skus: list[str]) -> dict[str, int]:
    marks = ",".join("?" * len(skus))
    rows = conn.execute(f"SELECT sku, weight_g FROM products WHERE sku IN ({marks})", skus)
    return {r["sku"]: r["weight_g"] for r in rows}


def parcels_of(conn: Conn, order_id: str) -> list[ParcelInfo]:
    """The order's closed parcels with their contents, first parcel first."""
    rows = conn.execute(
        "SELECT p.* FROM parcels p JOIN shipments s ON s.id = p.shipment_id WHERE s.order_id = ?"
        " ORDER BY p.piece_no",
        (order_id,),
    ).fetchall()
    return [_parcel(conn, r) for r in rows]


def parcel(conn: Conn, parcel_id: str) -> tuple[str, ParcelInfo] | None:
    """(order id, parcel) for a parcel id."""
    row = conn.execute(
        "SELECT p.*, s.order_id FROM parcels p JOIN shipments s ON s.id = p.shipment_id"
        " WHERE p.id = ?",
        (parcel_id,),
    ).fetchone()
    return None if row is None else (row["order_id"], _parcel(conn, row))


def order_shipment(conn: Conn, order_id: str) -> tuple[str, str]:
    """(order status, its shipment's carrier) for the dock."""
    row = conn.execute(
        "SELECT o.status, s.carrier FROM orders o JOIN shipments s ON s.order_id = o.id"
        " WHERE o.id = ?",
        (order_id,),
    ).fetchone()
    return row["status"], row["carrier"]


def parcel_packer(conn: Conn, parcel_id: str) -> int | None:
    """Who closed the parcel (None for a parcel from before that was recorded)."""
    row = conn.execute("SELECT closed_by FROM parcels WHERE id = ?", (parcel_id,)).fetchone()
    return row["closed_by"] if row else None


def _parcel(conn: Conn, row: sqlite3.Row) -> ParcelInfo:
    contents = tuple(
        Content(r["order_line_id"], r["sku"], r["lot"], r["qty"], kit=kit_of(r))
        for r in conn.execute(
            f"SELECT c.*, {KIT_COLUMNS} FROM parcel_contents c"
            " JOIN order_lines l ON l.id = c.order_line_id"
            " WHERE c.parcel_id = ? ORDER BY c.order_line_id, c.lot",
            (row["id"],),
        )
    )
    return ParcelInfo(
        row["id"],
        row["piece_no"],
        row["pieces"] or row["piece_no"],
        row["tracking_no"],
        row["weight_g"] or 0,
        contents,
        row["dispatched_at"] is not None,
    )


def parcel_rows(conn: Conn, order_id: str) -> list[dict[str, Any]]:
    """The order's parcels for a screen: number, tracking, weight, package, label and reprint."""
    rows = conn.execute(
        "SELECT p.id, p.piece_no, p.pieces, p.tracking_no, p.weight_g, p.package_type, p.status,"
        " p.label_printed_at, p.reprint_reason, p.dispatched_at FROM parcels p"
        " JOIN shipments s ON s.id = p.shipment_id WHERE s.order_id = ? ORDER BY p.piece_no",
        (order_id,),
    )
    return [dict(r) for r in rows]


def shipments_of(conn: Conn, order_id: str) -> list[dict[str, Any]]:
    """The order's shipments with their parcels' numbers and tracking, as central is told them."""
    shipments = []
    for s in conn.execute("SELECT * FROM shipments WHERE order_id = ? ORDER BY id", (order_id,)):
        parcels = [
            {"parcel_no": p["piece_no"], "tracking_number": p["tracking_no"]}
            for p in conn.execute(
                "SELECT piece_no, tracking_no FROM parcels WHERE shipment_id = ? ORDER BY piece_no",
                (s["id"],),
            )
        ]
        shipments.append(
            {
                "shipment_id": s["id"],
                "carrier": s["carrier"],
                "shipped_at": s["shipped_at"],
                "parcels": parcels,
            }
        )
    return shipments


def flag_labelled_for_reprint(tx: Tx, order_id: str, reason: str) -> list[str]:
    """Mark for reprint, with `reason`, the order's parcels whose waybill is printed (or about
    to be) and not yet dispatched; their ids, sorted."""
    flagged = [
        r["id"]
        for r in tx.execute(
            f"UPDATE parcels SET reprint_reason = ? WHERE {LABELLED}"
            " AND shipment_id IN (SELECT id FROM shipments WHERE order_id = ?) RETURNING id",
            (reason, order_id),
        )
    ]
    return sorted(flagged)


def parcels_to_reprint(conn: Conn) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT p.id AS parcel_id, s.order_id, o.channel_order_id, p.piece_no, p.tracking_no,"
        " p.reprint_reason FROM parcels p JOIN shipments s ON s.id = p.shipment_id"
        " JOIN orders o ON o.id = s.order_id WHERE p.reprint_reason IS NOT NULL ORDER BY p.id"
    )
    return [dict(r) for r in rows]


# --- tracking numbers: obtained before the pack commit, once per (order, parcel) ---


def issued_tracking(conn: Conn, order_id: str, parcel_no: int) -> str | None:
    row = conn.execute(
        "SELECT tracking_no FROM tracking_numbers WHERE order_id = ? AND parcel_no = ?",
        (order_id, parcel_no),
    ).fetchone()
    return row[0] if row else None


def issue_tracking(tx: Tx, order_id: str, parcel_no: int, carrier: str, rng: NumberRange) -> str:
    """The tracking number of (order, parcel): the one issued before, or the range's next."""
    known = issued_tracking(tx, order_id, parcel_no)
    if known is not None:
        return known
    row = tx.one("SELECT next_serial FROM carrier_serials WHERE carrier = ?", (carrier,))
    serial = max(row["next_serial"] if row else rng.first, rng.first)
    number = rng.tracking_number(serial)  # refuses past the range's end
    tx.execute(
        "INSERT INTO carrier_serials (carrier, next_serial) VALUES (?, ?) ON CONFLICT (carrier)"
        " DO UPDATE SET next_serial = excluded.next_serial",
        (carrier, serial + 1),
    )
    tx.execute(
        "INSERT INTO tracking_numbers (order_id, parcel_no, carrier, tracking_no, issued_at)"
        " VALUES (?,?,?,?,?)",
        (order_id, parcel_no, carrier, number, tx.at),
    )
    return number


def record_tracking(tx: Tx, order_id: str, parcel_no: int, carrier: str, number: str) -> str:
    """Keep a number a carrier's API gave for (order, parcel); a number kept before wins."""
    tx.execute(
        "INSERT INTO tracking_numbers (order_id, parcel_no, carrier, tracking_no, issued_at)"
        " VALUES (?,?,?,?,?) ON CONFLICT (order_id, parcel_no) DO NOTHING",
        (order_id, parcel_no, carrier, number, tx.at),
    )
    found = issued_tracking(tx, order_id, parcel_no)
    assert found is not None
    return found


# --- records, applied by ledger.apply_decision after the movements ---


def apply_parcel_closed(tx: Tx, c: ParcelClosed, operator_id: int | None, *_: Any) -> None:
    shipment = f"{c.order_id}-S"
    tx.execute(
        "INSERT INTO shipments (id, order_id, carrier, service, status, created_at)"
        " VALUES (?,?,?,?,'packing',?) ON CONFLICT (id) DO NOTHING",
        (shipment, c.order_id, c.carrier, c.service, tx.at),
    )
    tx.execute("INSERT INTO containers (code, type) VALUES (?, 'parcel')", (c.parcel_id,))
    tx.execute(
        "INSERT INTO container_bindings (container, order_id, opened_at, opened_by) VALUES (?,?,?,?)",
        (c.parcel_id, c.order_id, tx.at, operator_id),
    )
    tx.execute(
        "INSERT INTO parcels (id, shipment_id, piece_no, pieces, container, tracking_no,"
        " package_type, weight_g, status, closed_at, closed_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            c.parcel_id,
            shipment,
            c.parcel_no,
            c.pieces,
            c.parcel_id,
            c.tracking_no,
            c.package,
            c.weight_g,
            "closed",
            tx.at,
            operator_id,
        ),
    )
    tx.conn.executemany(
        "INSERT INTO parcel_contents (parcel_id, order_line_id, sku, lot, qty) VALUES (?,?,?,?,?)"
        " ON CONFLICT (parcel_id, order_line_id, lot, serial) DO UPDATE SET qty = qty + excluded.qty",
        [(c.parcel_id, x.line_id, x.sku, x.lot, x.qty) for x in c.contents],
    )
    for tote in sorted({x.source for x in c.contents}):
        release_empty_tote(tx, tote)


def apply_parcel_dispatched(tx: Tx, c: ParcelDispatched, *_: Any) -> None:
    tx.execute(
        "UPDATE parcels SET status = 'dispatched', dispatched_at = ? WHERE id = ?",
        (tx.at, c.parcel_id),
    )


def apply_order_shipped(tx: Tx, c: OrderShipped, *_: Any) -> None:
    tx.execute(
        "UPDATE shipments SET status = 'shipped', shipped_at = ? WHERE order_id = ?",
        (tx.at, c.order_id),
    )
    tx.execute(
        "UPDATE parcels SET status = 'shipped' WHERE status != 'dispatched' AND shipment_id IN"
        " (SELECT id FROM shipments WHERE order_id = ?)",
        (c.order_id,),
    )
    for container in [
        r[0]
        for r in tx.execute(
            "SELECT container FROM container_bindings WHERE order_id = ? AND closed_at IS NULL",
            (c.order_id,),
        )
    ]:
        release_empty_tote(tx, container)


def ship_to(conn: Conn, order_id: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT ship_to, channel_order_id, carrier, service, buyer_note, seller_note FROM orders"
        " WHERE id = ?",
        (order_id,),
    ).fetchone()
    return (
        {}
        if row is None
        else json.loads(row["ship_to"])
        | {
            "_channel_order_id": row["channel_order_id"],
            "_carrier": row["carrier"],
            "_service": row["service"],
            "_buyer_note": row["buyer_note"],
            "_seller_note": row["seller_note"],
        }
    )
