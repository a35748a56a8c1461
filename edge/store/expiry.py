"""Stock by lot expiry: what has expired or expires soon, and the reservations on expired lots."""

from __future__ import annotations

import sqlite3
from datetime import date
from typing import Any

from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx

_ALLOCATED = """(SELECT COALESCE(SUM(a.qty), 0) FROM allocations a WHERE a.sku = b.sku
                  AND a.location = b.location AND a.container = b.container AND a.lot = b.lot)"""


def dated_stock(conn: Conn, *, until: date) -> list[dict[str, Any]]:
    """On-hand and picked units of lots expiring on or before `until`, soonest first."""
    sql = f"""
        SELECT b.sku, p.name, p.name_zh, b.location, b.container, b.lot, lots.expiry, b.bucket,
               b.qty, CASE WHEN b.bucket = 'on_hand' THEN {_ALLOCATED} ELSE 0 END AS allocated
          FROM balances b
          JOIN lots ON lots.sku = b.sku AND lots.lot = b.lot
          JOIN products p ON p.sku = b.sku
         WHERE lots.expiry IS NOT NULL AND lots.expiry <= ? AND b.qty > 0
           AND b.bucket IN ('on_hand', 'picked')
         ORDER BY lots.expiry, b.sku, b.location, b.container, b.lot, b.bucket
         LIMIT 5000"""
    return [dict(r) for r in conn.execute(sql, (until.isoformat(),))]


def expired_on_hand(tx: Tx, *, today: date) -> list[sqlite3.Row]:
    """Grains (sku, location, lot) of on-hand units in bins' floor stock whose lot has expired."""
    return list(
        tx.execute(
            """SELECT b.sku, b.location, b.lot, b.qty, lots.expiry FROM balances b
                 JOIN lots ON lots.sku = b.sku AND lots.lot = b.lot
                WHERE lots.expiry IS NOT NULL AND lots.expiry <= ? AND b.qty > 0
                  AND b.bucket = 'on_hand' AND b.container = ''
                ORDER BY b.sku, b.location, b.lot""",
            (today.isoformat(),),
        )
    )


def reservations_on(tx: Tx, sku: str, location: str, lot: str) -> list[sqlite3.Row]:
    """Order lines holding units of one grain, with their order."""
    return list(
        tx.execute(
            "SELECT a.order_line_id, a.qty, l.order_id FROM allocations a"
            " JOIN order_lines l ON l.id = a.order_line_id"
            " WHERE a.sku = ? AND a.location = ? AND a.container = '' AND a.lot = ? AND a.qty > 0"
            " ORDER BY a.order_line_id",
            (sku, location, lot),
        )
    )
