"""What the KPIs and the weekly report read: orders against their ship-by, units shipped and
returned (from the ledger), closed counts, scans, picks and shorts, status history, exceptions.

Every function takes a window of stored UTC times (`start` inclusive, `end` exclusive, in the
stored text form) and an optional channel; rows come back as read (`row["column"]`), oldest
first: a busy quarter is hundreds of thousands of rows, and a dict of each costs more than the
query (bench/kpi_bench.py).
"""

from __future__ import annotations

import sqlite3
from typing import Any

Rows = list[sqlite3.Row]
_CHANNEL = "(? IS NULL OR o.channel = ?)"


def _rows(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Rows:
    return conn.execute(sql, params).fetchall()


def due_orders(conn: sqlite3.Connection, start: str, end: str, channel: str | None) -> Rows:
    """Orders not cancelled with a ship-by near the window (the caller reads the ship-by's own
    offset and keeps those inside), with when each first shipped."""
    sql = f"""
        SELECT o.id AS order_id, o.channel, o.ship_by,
               (SELECT MIN(h.at) FROM order_status_history h
                 WHERE h.order_id = o.id AND h.to_status = 'shipped') AS shipped_at
          FROM orders o
         WHERE o.ship_by IS NOT NULL AND o.status <> 'cancelled'
           AND o.ship_by >= date(?, '-1 day') AND o.ship_by < date(?, '+2 day') AND {_CHANNEL}
         ORDER BY o.ship_by, o.id"""
    return _rows(conn, sql, (start[:10], end[:10], channel, channel))


def unit_flows(conn: sqlite3.Connection, start: str, end: str, channel: str | None) -> Rows:
    """Units out to the customer (`shipped`) and back from them (`returned`): whatever moves
    out of the `customer` account, less what an announced return gives back to it (a cancelled
    announcement), so each returned unit counts once however the returns desk books it."""
    sql = """
        SELECT m.at, m.sku, m.qty, COALESCE(o.channel, '') AS channel,
               CASE WHEN m.to_bucket = 'shipped' THEN 'shipped'
                    WHEN m.from_bucket = 'customer' THEN 'returned'
                    ELSE 'unreturned' END AS kind
          FROM movements m LEFT JOIN orders o ON o.id = m.order_id
         WHERE m.at >= ? AND m.at < ?
           AND (m.to_bucket = 'shipped' OR m.from_bucket = 'customer'
                OR (m.from_bucket = 'returns_in_transit' AND m.to_bucket = 'customer'))
           AND (? IS NULL OR o.channel = ?)
         ORDER BY m.id"""
    return _rows(conn, sql, (start, end, channel, channel))


def closed_counts(conn: sqlite3.Connection, start: str, end: str) -> Rows:
    """Counts closed in the window with the units the records said and those found: a blind
    count's expected and counted, else a short pick's hold (`held`) and the units of it found."""
    sql = """
        SELECT closed_at AS at, sku, location, COALESCE(expected, held) AS expected,
               COALESCE(counted, found) AS found FROM count_tasks
         WHERE status = 'done' AND reason NOT LIKE 'adjustment: %'
           AND COALESCE(expected, held) IS NOT NULL
           AND COALESCE(counted, found) IS NOT NULL
           AND closed_at >= ? AND closed_at < ?
         ORDER BY closed_at, id"""
    return _rows(conn, sql, (start, end))


def scans(conn: sqlite3.Connection, start: str, end: str) -> Rows:
    """Every scan answered (refusals have a code), with the operator's badge."""
    sql = """
        SELECT a.at, COALESCE(op.badge, '') AS operator, a.code,
               COALESCE(json_extract(a.body, '$.workflow'), '') AS workflow
          FROM answers a LEFT JOIN operators op ON op.id = a.operator_id
         WHERE a.kind = 'scan' AND a.at >= ? AND a.at < ?
         ORDER BY a.at"""
    return _rows(conn, sql, (start, end))


def picks(conn: sqlite3.Connection, start: str, end: str, channel: str | None) -> Rows:
    """Picked units (`short` 0) and short picks (`short` 1) on order lines."""
    sql = f"""
        SELECT m.at, COALESCE(op.badge, '') AS operator, COALESCE(o.channel, '') AS channel,
               COALESCE(m.order_line_id, '') AS line_id, m.sku, m.qty,
               (m.type = 'count_hold') AS short
          FROM movements m
          LEFT JOIN orders o ON o.id = m.order_id
          LEFT JOIN operators op ON op.id = m.operator_id
         WHERE m.at >= ? AND m.at < ?
           AND (m.type = 'pick' OR (m.type = 'count_hold' AND m.reason = 'short_pick'))
           AND {_CHANNEL}
         ORDER BY m.id"""
    return _rows(conn, sql, (start, end, channel, channel))


def status_history(conn: sqlite3.Connection, start: str, end: str, channel: str | None) -> Rows:
    """The whole status history of every order that changed state in the window."""
    sql = f"""
        SELECT h.order_id, o.channel, h.from_status, h.to_status, h.at
          FROM order_status_history h JOIN orders o ON o.id = h.order_id
         WHERE h.order_id IN (SELECT order_id FROM order_status_history
                               WHERE at >= ? AND at < ?)
           AND {_CHANNEL}
         ORDER BY h.order_id, h.at, h.id"""
    return _rows(conn, sql, (start, end, channel, channel))


def order_skus(conn: sqlite3.Connection, order_ids: list[str]) -> dict[str, list[str]]:
    """The SKUs each order holds (for the problem-order review), at most 1000 orders."""
    ids = order_ids[:1000]
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    sql = f"SELECT order_id, sku FROM order_lines WHERE order_id IN ({marks}) ORDER BY order_id, line_no"
    out: dict[str, list[str]] = {}
    for r in conn.execute(sql, ids):
        out.setdefault(r["order_id"], []).append(r["sku"])
    return out


def exceptions(conn: sqlite3.Connection, start: str, end: str) -> Rows:
    """Exceptions raised in the window, with when each was resolved (None: still open)."""
    sql = """
        SELECT kind, status, created_at, resolved_at, order_id, sku, location FROM exceptions
         WHERE created_at >= ? AND created_at < ?
         ORDER BY created_at, id"""
    return _rows(conn, sql, (start, end))


def count_tasks_opened(conn: sqlite3.Connection, start: str, end: str) -> Rows:
    """Count tasks opened in the window (kind `count: <reason>`), with when each was closed."""
    sql = """
        SELECT 'count: ' || reason AS kind, status, created_at, closed_at AS resolved_at
          FROM count_tasks WHERE created_at >= ? AND created_at < ?
         ORDER BY created_at, id"""
    return _rows(conn, sql, (start, end))


def channels(conn: sqlite3.Connection) -> list[str]:
    """The channels of the orders on this edge."""
    return [r[0] for r in conn.execute("SELECT DISTINCT channel FROM orders ORDER BY channel")]


def putaways(conn: sqlite3.Connection, start: str, end: str) -> Rows:
    """Putaway tasks of received goods finished in the window: first received at the dock,
    stored in a bin (returns put away are not deliveries)."""
    return _rows(
        conn,
        "SELECT created_at AS received_at, done_at AS stored_at FROM putaway_tasks"
        " WHERE done_at >= ? AND done_at < ? AND asn_id IS NOT NULL ORDER BY done_at",
        (start, end),
    )
