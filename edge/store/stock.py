"""Stock as people read it: balances, a SKU's bucket totals and available-to-sell, the movement
ledger's latest rows, and the SKUs with loose units on hand (read on a reader connection)."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.domain.ledger import available_to_sell
from edge.store.db import rows


def balances(
    conn: sqlite3.Connection, *, sku: str | None = None, location: str | None = None
) -> list[dict[str, Any]]:
    sql = "SELECT sku, location, container, lot, bucket, qty FROM balances WHERE qty > 0"
    params: list[str] = []
    if sku:
        sql += " AND sku = ?"
        params.append(sku)
    if location:
        sql += " AND location = ?"
        params.append(location)
    return rows(conn, sql + " ORDER BY sku, location, container, lot, bucket LIMIT 5000", params)


def stock_summary(
    conn: sqlite3.Connection, sku: str, *, include_returns: bool
) -> dict[str, Any] | None:
    """Bucket totals of one SKU and its available-to-sell figure."""
    product = conn.execute("SELECT sku, name FROM products WHERE sku = ?", (sku,)).fetchone()
    if product is None:
        return None
    totals = dict(
        conn.execute("SELECT bucket, SUM(qty) FROM balances WHERE sku = ? GROUP BY bucket", (sku,))
    )
    allocated = conn.execute(
        "SELECT COALESCE(SUM(qty), 0) FROM allocations WHERE sku = ?", (sku,)
    ).fetchone()[0]
    on_hand = totals.get("on_hand", 0)
    rit = totals.get("returns_in_transit", 0)
    return {
        "sku": sku,
        "name": product["name"],
        "on_hand": on_hand,
        "allocated": allocated,
        "picked": totals.get("picked", 0),
        "frozen": totals.get("frozen", 0),
        "returns_in_transit": rit,
        "available": available_to_sell(on_hand, allocated, rit, include_returns=include_returns),
    }


def movements(
    conn: sqlite3.Connection, *, sku: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    where, params = ("WHERE sku = ?", [sku]) if sku else ("", [])
    return rows(conn, f"SELECT * FROM movements {where} ORDER BY id DESC LIMIT ?", [*params, limit])


def stocked_skus(conn: sqlite3.Connection, *, at_least: int) -> list[str]:
    """SKUs (not lot-tracked) with at least `at_least` loose units on hand in bins."""
    found = conn.execute(
        "SELECT b.sku FROM balances b JOIN locations l ON l.code = b.location AND l.type = 'bin'"
        " JOIN products p ON p.sku = b.sku AND NOT p.lot_tracked"
        " WHERE b.bucket = 'on_hand' AND b.container = '' GROUP BY b.sku HAVING SUM(b.qty) >= ?"
        " ORDER BY b.sku",
        (at_least,),
    )
    return [r["sku"] for r in found]
