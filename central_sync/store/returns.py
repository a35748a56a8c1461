"""Returns and refunds: `returns` (RMAs), `refunds_due` and their `refund_lines`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from central_sync.store.db import Tx, where


def rma_with_order(tx: Tx, rma: str) -> dict[str, Any] | None:
    """The RMA with its order's ship-to and warehouse."""
    return tx.one(
        "SELECT r.rma, r.order_id, r.lines, r.tracking_number, r.created_at, r.status,"
        " o.ship_to, o.warehouse FROM returns r JOIN orders o ON o.id = r.order_id"
        " WHERE r.rma = ?",
        (rma,),
    )


def units_refunded_since(tx: Tx, since: str) -> list[dict[str, Any]]:
    """(channel, sku, reason, qty) of the graded lines of refunds due made at or after `since`,
    wrong items left out."""
    return tx.all(
        "SELECT r.channel, l.sku, l.reason, SUM(l.qty) AS qty FROM refund_lines l"
        " JOIN refunds_due r ON r.id = l.refund_id WHERE r.created_at >= ? AND l.wrong_item = 0"
        " GROUP BY r.channel, l.sku, l.reason",
        (since,),
    )


def returns_of_order(tx: Tx, order_id: str, *, oldest_first: bool = False) -> list[dict[str, Any]]:
    """The order's RMAs, by number (or the oldest first)."""
    order = "created_at" if oldest_first else "rma"
    return tx.all(
        "SELECT rma, lines, status, reason, source, tracking_number, expires_at, created_at"
        f" FROM returns WHERE order_id = ? ORDER BY {order}",
        (order_id,),
    )


# --- RMAs


def rma(tx: Tx, number: str) -> dict[str, Any] | None:
    return tx.one("SELECT * FROM returns WHERE rma = ?", (number,))


def rma_for_update(tx: Tx, number: str) -> dict[str, Any] | None:
    """The RMA, its row locked for the transaction (PostgreSQL)."""
    return tx.one(f"SELECT * FROM returns WHERE rma = ?{tx.dialect.for_update}", (number,))


def order_of_rma(tx: Tx, number: str) -> str | None:
    found = tx.value("SELECT order_id FROM returns WHERE rma = ?", (number,))
    return None if found is None else str(found)


def insert_return(tx: Tx, row: Mapping[str, Any], updated_at: str) -> None:
    """A new RMA from its columns (the names are the caller's, never a user's)."""
    tx.execute(
        f"INSERT INTO returns ({', '.join(row)}, updated_at)"
        f" VALUES ({', '.join('?' * len(row))}, ?)",
        (*row.values(), updated_at),
    )


def live_lines_of_order(tx: Tx, order_id: str) -> list[str]:
    """The lines (JSON text) of the order's RMAs but the cancelled and expired ones."""
    rows = tx.all(
        "SELECT lines FROM returns WHERE order_id = ? AND status NOT IN ('cancelled', 'expired')",
        (order_id,),
    )
    return [str(r["lines"]) for r in rows]


def return_count(tx: Tx) -> int:
    return int(tx.value("SELECT COUNT(*) FROM returns") or 0)


def rma_taken(tx: Tx, number: str) -> bool:
    return tx.one("SELECT rma FROM returns WHERE rma = ?", (number,)) is not None


def tracking_taken(tx: Tx, tracking_number: str) -> bool:
    sql = "SELECT rma FROM returns WHERE tracking_number = ?"
    return tx.one(sql, (tracking_number,)) is not None


def close_return(tx: Tx, number: str, status: str, reason: str, now: str) -> None:
    tx.execute(
        "UPDATE returns SET status = ?, closed_reason = ?, updated_at = ? WHERE rma = ?",
        (status, reason, now, number),
    )


def open_count(tx: Tx, order_id: str) -> int:
    """The order's RMAs still authorised or received."""
    return int(
        tx.value(
            "SELECT COUNT(*) FROM returns WHERE order_id = ?"
            " AND status IN ('authorised', 'received')",
            (order_id,),
        )
        or 0
    )


def authorised_count(tx: Tx, order_id: str) -> int:
    """The order's RMAs whose parcel has not arrived."""
    sql = "SELECT COUNT(*) FROM returns WHERE order_id = ? AND status = 'authorised'"
    return int(tx.value(sql, (order_id,)) or 0)


def expired_rmas(tx: Tx, now: str) -> list[str]:
    """The authorised RMAs whose `expires_at` is before `now`, by number."""
    rows = tx.all(
        "SELECT rma FROM returns WHERE status = 'authorised' AND expires_at < ? ORDER BY rma",
        (now,),
    )
    return [str(r["rma"]) for r in rows]


def authorised_before(tx: Tx, cutoff: str) -> list[dict[str, Any]]:
    """The authorised RMAs made before `cutoff`, with their order's warehouse, by number."""
    return tx.all(
        "SELECT r.rma, r.order_id, r.created_at, r.tracking_number, o.warehouse FROM returns r"
        " JOIN orders o ON o.id = r.order_id WHERE r.status = 'authorised' AND r.created_at < ?"
        " ORDER BY r.rma",
        (cutoff,),
    )


def list_returns(
    tx: Tx, *, status: str | None, order_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """RMAs (of a status, of an order), newest first."""
    chosen, params = where(status=status, order_id=order_id)
    sql = f"SELECT * FROM returns{chosen} ORDER BY created_at DESC, rma LIMIT ?"
    return tx.all(sql, [*params, limit])


def mark_received(tx: Tx, number: str, order_id: str, received_at: str, now: str) -> None:
    """The RMA's parcel arrived (an RMA cancelled or expired meanwhile arrived all the same)."""
    tx.execute(
        "UPDATE returns SET status = 'received', received_at = ?, updated_at = ?"
        " WHERE rma = ? AND order_id = ? AND status IN ('authorised', 'cancelled', 'expired')",
        (received_at, now, number, order_id),
    )


def mark_graded(tx: Tx, number: str, order_id: str, now: str) -> None:
    """The RMA's parcel was graded: closed."""
    tx.execute(
        "UPDATE returns SET status = 'closed', closed_reason = 'graded', updated_at = ?"
        " WHERE rma = ? AND order_id = ? AND status IN ('authorised', 'received')",
        (now, number, order_id),
    )


# --- the customer's photos of an RMA (`return_photos`, the image as base64 text)


def photos_of(tx: Tx, number: str) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT photo_no, content_type, created_at FROM return_photos WHERE rma = ?"
        " ORDER BY photo_no",
        (number,),
    )


def photo_count(tx: Tx, number: str) -> int:
    return int(tx.value("SELECT COUNT(*) FROM return_photos WHERE rma = ?", (number,)) or 0)


def insert_photo(
    tx: Tx, number: str, photo_no: int, content_type: str, data: str, now: str
) -> None:
    tx.execute(
        "INSERT INTO return_photos (rma, photo_no, content_type, data, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (number, photo_no, content_type, data, now),
    )


# --- refunds due for graded return parcels


def refunds_of_rma(tx: Tx, number: str) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT id, parcel_id, units, status, created_at FROM refunds_due WHERE rma = ?"
        " ORDER BY id",
        (number,),
    )


def refund_of_event(tx: Tx, event_id: str) -> int | None:
    found = tx.value("SELECT id FROM refunds_due WHERE event_id = ?", (event_id,))
    return None if found is None else int(found)


def insert_refund_due(
    tx: Tx,
    *,
    event_id: str,
    edge_id: str,
    parcel_id: str,
    order_id: str,
    rma: str | None,
    channel: str,
    units: int,
    status: str,
    now: str,
    lines: Iterable[Mapping[str, Any]],
) -> int:
    """A refund due and its lines (sku, qty, grade, wrong_item, reason, refund_qty, note),
    numbered from 1; returns its id."""
    refund_id = int(
        tx.value(
            "INSERT INTO refunds_due (event_id, edge_id, parcel_id, order_id, rma, channel, units,"
            " status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (event_id, edge_id, parcel_id, order_id, rma, channel, units, status, now),
        )
    )
    tx.many(
        "INSERT INTO refund_lines (refund_id, line_no, order_id, sku, qty, grade, wrong_item,"
        " reason, refund_qty, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                refund_id,
                n + 1,
                order_id,
                r["sku"],
                r["qty"],
                r["grade"],
                int(r["wrong_item"]),
                r["reason"],
                r["refund_qty"],
                r["note"],
            )
            for n, r in enumerate(lines)
        ),
    )
    return refund_id


def refunded_by_sku(tx: Tx, order_id: str) -> dict[str, int]:
    """Units of the order refunded so far for return parcels, per SKU."""
    rows = tx.all(
        "SELECT sku, SUM(refund_qty) AS qty FROM refund_lines WHERE order_id = ? GROUP BY sku",
        (order_id,),
    )
    return {r["sku"]: int(r["qty"]) for r in rows}


def refunds_due(
    tx: Tx, *, refund_id: int | None, status: str | None, order_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """Refunds due (one, of a status, of an order) with their order's channel id, oldest first."""
    chosen, params = where(r__id=refund_id, r__status=status, r__order_id=order_id)
    return tx.all(
        "SELECT r.*, o.channel_order_id FROM refunds_due r JOIN orders o ON o.id = r.order_id"
        f"{chosen} ORDER BY r.id LIMIT ?",
        [*params, limit],
    )


def refund_lines_of(tx: Tx, refund_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The lines of the refunds named, by refund and line number."""
    found: list[dict[str, Any]] = []
    for start in range(0, len(refund_ids), 500):
        chunk = list(refund_ids[start : start + 500])
        found += tx.all(
            "SELECT refund_id, sku, qty, grade, wrong_item, reason, refund_qty, note"
            f" FROM refund_lines WHERE refund_id IN ({','.join('?' * len(chunk))})"
            " ORDER BY refund_id, line_no",
            chunk,
        )
    return found


def refund_status(tx: Tx, refund_id: int) -> str | None:
    found = tx.value("SELECT status FROM refunds_due WHERE id = ?", (refund_id,))
    return None if found is None else str(found)


def settle(tx: Tx, refund_id: int, now: str) -> None:
    tx.execute(
        "UPDATE refunds_due SET status = 'settled', settled_at = ? WHERE id = ?", (now, refund_id)
    )
