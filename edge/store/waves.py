"""Waves in the store: the orders wave planning looks at, and the waves released (who released
each, when and how: the audit row of the release)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from edge.domain.wave import WaveKey, WaveOrder
from edge.store.operators import parse_utc
from edge.store.picking import pick_queue, zone_queue
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx

_FIELDS = (
    "o.id, o.carrier, o.channel, o.priority, o.created_at, o.status,"
    " (SELECT COALESCE(SUM(l.qty_ordered - l.qty_cancelled), 0) FROM order_lines l"
    " WHERE l.order_id = o.id) AS units"
)


def _order(r: Any) -> WaveOrder:
    placed = parse_utc(r["created_at"])
    assert placed is not None
    return WaveOrder(
        r["id"], r["carrier"], r["channel"], r["priority"], placed, r["status"], r["units"]
    )


def wave_orders(conn: Conn, now: datetime, *, days: int = 2) -> list[WaveOrder]:
    """Orders still to pack, and those packed or shipped lately (a wave's progress counts them)."""
    since = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows = conn.execute(
        f"SELECT {_FIELDS} FROM orders o WHERE o.status IN ('released','picking','picked')"
        " OR (o.status IN ('packed','shipped','completed') AND o.created_at >= ?)",
        (since,),
    )
    return [_order(r) for r in rows]


def pickable(conn: Conn) -> list[WaveOrder]:
    """Released, fully allocated orders in no open pick list (wave planning picks among them)."""
    return [_order(r) for r in conn.execute(pick_queue(_FIELDS))]


def zone_pickable(conn: Conn, zone: str | None) -> list[tuple[WaveOrder, str]]:
    """(order, zone) for each zone of a released or picking order that no open list takes yet,
    most urgent first (only `zone`'s when given): what zones' lists pick among."""
    rows = conn.execute(zone_queue(_FIELDS, zone=zone is not None), () if zone is None else (zone,))
    return [(_order(r), r["zone"]) for r in rows]


def forget_keys_unless(tx: Tx, fingerprint: str) -> None:
    """Forget every order's wave when the rules they were worked out under are not these."""
    row = tx.one("SELECT fingerprint FROM wave_rules WHERE id = 1")
    if row is not None and row["fingerprint"] == fingerprint:
        return
    tx.execute("UPDATE orders SET wave_key = NULL WHERE wave_key IS NOT NULL")
    tx.execute(
        "INSERT INTO wave_rules (id, fingerprint) VALUES (1, ?) ON CONFLICT (id)"
        " DO UPDATE SET fingerprint = excluded.fingerprint",
        (fingerprint,),
    )


def without_key(conn: Conn) -> list[WaveOrder]:
    """Released orders whose wave is not worked out yet."""
    rows = conn.execute(
        f"SELECT {_FIELDS} FROM orders o INDEXED BY orders_without_wave"
        " WHERE o.wave_key IS NULL AND o.status = 'released'"
    )
    return [_order(r) for r in rows]


def keep_keys(tx: Tx, keys: list[tuple[str, str]]) -> None:
    """(wave id, order id): each order's wave."""
    tx.conn.executemany("UPDATE orders SET wave_key = ? WHERE id = ?", keys)


# An order left to pick: released (the query's own condition), allocated, on no open list.
_TO_PICK = """
    EXISTS (SELECT 1 FROM order_lines l JOIN allocations a ON a.order_line_id = l.id
            WHERE l.order_id = o.id)
    AND NOT EXISTS (SELECT 1 FROM pick_list_orders p JOIN pick_lists pl ON pl.id = p.list_id
                    WHERE p.order_id = o.id AND pl.status = 'open')
"""


def released_with_work(conn: Conn) -> list[dict[str, Any]]:
    """The released waves with orders left to pick: each wave's row and the top priority of
    those orders (one index probe a wave: its orders by priority, the first left to pick)."""
    rows = conn.execute(
        f"""
        SELECT w.id, w.carrier, w.cutoff, w.channel,
          (SELECT o.priority FROM orders o INDEXED BY orders_wave_priority
           WHERE o.wave_key = w.id AND o.status = 'released' AND {_TO_PICK}
           ORDER BY o.priority DESC LIMIT 1) AS top
        FROM waves w
        """
    )
    return [dict(r) for r in rows if r["top"] is not None]


def wave_pickable(
    conn: Conn, wave_id: str, *, limit: int, single_item: bool = False
) -> list[WaveOrder]:
    """One wave's first `limit` orders left to pick, first placed first (only its orders of one
    unit when `single_item`)."""
    one_unit = (
        " AND (SELECT COALESCE(SUM(l.qty_ordered - l.qty_cancelled), 0) FROM order_lines l"
        " WHERE l.order_id = o.id) = 1"
        if single_item
        else ""
    )
    rows = conn.execute(
        f"""
        SELECT {_FIELDS} FROM orders o INDEXED BY orders_by_wave
        WHERE o.wave_key = ? AND o.status = 'released' AND {_TO_PICK}{one_unit}
        ORDER BY o.created_at, o.id LIMIT ?
        """,
        (wave_id, limit),
    )
    return [_order(r) for r in rows]


def released_ids(conn: Conn) -> set[str]:
    return {r["id"] for r in conn.execute("SELECT id FROM waves")}


def released(conn: Conn, wave_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT w.*, op.name AS released_by_name FROM waves w"
        " LEFT JOIN operators op ON op.id = w.released_by WHERE w.id = ?",
        (wave_id,),
    ).fetchone()
    return dict(row) if row else None


def record_release(
    tx: Tx,
    key: WaveKey,
    orders: int,
    *,
    how: str,
    operator_id: int | None,
    device_id: str | None,
) -> None:
    """The wave's release and its audit: who (none: the schedule), when, how many orders."""
    cutoff = key.cutoff.isoformat().replace("+00:00", "Z") if key.cutoff else None
    tx.execute(
        "INSERT INTO waves (id, carrier, cutoff, channel, priority, orders_at_release, how,"
        " released_by, device_id, released_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            key.id,
            key.carrier,
            cutoff,
            key.channel,
            key.priority,
            orders,
            how,
            operator_id,
            device_id,
            tx.at,
        ),
    )
