"""The returns desk's lists beside its scans: shipped orders to identify a parcel by, RMAs still
expected, parcels opened, what was returned and shipped (the rates) and the photos of damage."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from edge.store.orders import order_lines, resolve_order_id
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx

_SHIPPED_STATUSES = (
    "('shipped','completed','return_expected','return_received','return_graded','closed')"
)


def lookup_shipped(conn: Conn, q: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Shipped orders matching an order number (with or without the channel prefix), the
    customer's name, or the last 4+ digits of their phone."""
    exact = resolve_order_id(conn, q)
    digits = q.isdigit() and len(q) >= 4
    rows = conn.execute(
        "SELECT o.id, o.channel, o.channel_order_id, o.ship_to,"
        " (SELECT MAX(s.shipped_at) FROM shipments s WHERE s.order_id = o.id) AS shipped_at"
        f" FROM orders o WHERE o.status IN {_SHIPPED_STATUSES} AND (o.id = ?"
        " OR json_extract(o.ship_to, '$.name') LIKE ? ESCAPE '\\'"
        " OR (? AND json_extract(o.ship_to, '$.phone') LIKE ? ESCAPE '\\'))"
        " ORDER BY shipped_at DESC, o.id LIMIT ?",
        (exact or "", f"%{_like(q)}%", digits, f"%{_like(q)}", limit),
    ).fetchall()
    out = []
    for r in rows:
        ship_to = json.loads(r["ship_to"] or "{}")
        phone = str(ship_to.get("phone") or "")
        lines = [
            {"sku": ln["sku"], "qty": ln["qty_shipped"]}
            for ln in order_lines(conn, r["id"])
            if ln["qty_shipped"]
        ]
        out.append(
            {
                "order_id": r["id"],
                "channel": r["channel"],
                "channel_order_id": r["channel_order_id"],
                "customer": str(ship_to.get("name") or ""),
                "phone_tail": phone[-4:],
                "shipped_at": r["shipped_at"],
                "lines": lines,
            }
        )
    return out


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def expected_rmas(conn: Conn, *, before: str | None = None) -> list[dict[str, Any]]:
    """RMAs whose parcel has not come (oldest first); `before`: authorised before that time."""
    sql = "SELECT * FROM return_authorisations WHERE status = 'open'"
    params: tuple[Any, ...] = ()
    if before is not None:
        sql, params = sql + " AND received_at < ?", (before,)
    rows = conn.execute(sql + " ORDER BY received_at, rma", params)
    return [_rma_view(r) for r in rows]


def _rma_view(row: sqlite3.Row) -> dict[str, Any]:
    keys = ("rma", "order_id", "status", "reason", "return_tracking", "expires_at", "channel")
    return {k: row[k] for k in keys} | {
        "lines": json.loads(row["lines"]),
        "authorised_at": row["received_at"],
    }


def recent_parcels(
    conn: Conn, *, limit: int = 50, open_before: str | None = None
) -> list[dict[str, Any]]:
    """Parcels opened at the desk, open ones first, newest first; `open_before`: only those
    still open that were opened before that time."""
    where, params = "", ()  # type: tuple[str, tuple[Any, ...]]
    if open_before is not None:
        where, params = " WHERE p.status = 'open' AND p.opened_at < ?", (open_before,)
    rows = conn.execute(
        "SELECT p.*, (SELECT COALESCE(SUM(qty), 0) FROM return_items i WHERE i.parcel_id = p.id)"
        f" AS units FROM return_parcels p{where}"
        " ORDER BY p.status = 'closed', p.opened_at DESC, p.id DESC LIMIT ?",
        (*params, limit),
    )
    keys = ("id", "rma", "order_id", "scanned", "matched_by", "location", "status")
    return [
        {k: r[k] for k in keys}
        | {
            "parcel_id": r["id"],
            "unexpected": bool(r["unexpected"]),
            "units": int(r["units"]),
            "missing": json.loads(r["missing"]),
            "opened_at": r["opened_at"],
            "closed_at": r["closed_at"],
        }
        for r in rows
    ]


def parcel_row(conn: Conn, parcel_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM return_parcels WHERE id = ?", (parcel_id,)
    ).fetchone()
    return row


def parcel_items(conn: Conn, parcel_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, sku, qty, grade, lot, serial, wrong_item, not_shipped_lot, reason, bucket"
        " FROM return_items WHERE parcel_id = ? ORDER BY id",
        (parcel_id,),
    )
    return [
        dict(r)
        | {"wrong_item": bool(r["wrong_item"]), "not_shipped_lot": bool(r["not_shipped_lot"])}
        for r in rows
    ]


def add_photo(
    tx: Tx, parcel_id: str, *, content_type: str, data: bytes, operator_id: int | None
) -> int:
    """Keep a photo with the parcel's last graded item (or the parcel); its id."""
    last = tx.one("SELECT MAX(id) FROM return_items WHERE parcel_id = ?", (parcel_id,))
    cur = tx.execute(
        "INSERT INTO return_photos (parcel_id, item_id, content_type, size, data, operator_id,"
        " taken_at) VALUES (?,?,?,?,?,?,?) RETURNING id",
        (parcel_id, last[0] if last else None, content_type, len(data), data, operator_id, tx.at),
    )
    return int(cur.fetchone()[0])


def returned_units(conn: Conn, since: str) -> list[sqlite3.Row]:
    """Units returned since `since` (wrong items and unknown senders left out), per SKU,
    channel and reason (the RMA line's, else the RMA's, else "unexpected")."""
    return list(
        conn.execute(
            "SELECT i.sku, COALESCE(o.channel, a.channel, '') AS channel,"
            " COALESCE(NULLIF((SELECT json_extract(l.value, '$.reason') FROM"
            " json_each(a.lines) l WHERE json_extract(l.value, '$.sku') = i.sku LIMIT 1), ''),"
            " NULLIF(a.reason, ''), CASE WHEN i.rma IS NULL THEN 'unexpected' ELSE 'unstated'"
            " END) AS reason, SUM(i.qty) AS qty"
            " FROM return_items i LEFT JOIN orders o ON o.id = i.order_id"
            " LEFT JOIN return_authorisations a ON a.rma = i.rma"
            " WHERE i.graded_at >= ? AND i.wrong_item = 0 AND i.order_id IS NOT NULL"
            " GROUP BY 1, 2, 3",
            (since,),
        )
    )


def shipped_units(conn: Conn, since: str) -> list[sqlite3.Row]:
    """Units shipped since `since`, per SKU and channel (the rates' denominators)."""
    return list(
        conn.execute(
            "SELECT m.sku, COALESCE(o.channel, '') AS channel, SUM(m.qty) AS qty"
            " FROM movements m LEFT JOIN orders o ON o.id = m.order_id"
            " WHERE m.type = 'ship' AND m.at >= ? GROUP BY 1, 2",
            (since,),
        )
    )
