"""Read-side queries for the API and the CLI (run on a reader connection, never the writer)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from edge.domain.ledger import available_to_sell


def rows(conn: sqlite3.Connection, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sql, params)]


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


def product(conn: sqlite3.Connection, sku: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM products WHERE sku = ?", (sku,)).fetchone()
    if row is None:
        return None
    codes = rows(
        conn, "SELECT printed, code, pack_qty FROM barcodes WHERE sku = ? ORDER BY code", (sku,)
    )
    return dict(row) | {"barcodes": codes}


def location(conn: sqlite3.Connection, code: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM locations WHERE code = ?", (code,)).fetchone()
    return dict(row) | {"stock": balances(conn, location=code)} if row else None


def outbox_status(conn: sqlite3.Connection, now: datetime) -> dict[str, Any]:
    """How many events wait for central and how old the oldest is."""
    row = conn.execute(
        "SELECT COUNT(*) AS depth, MIN(occurred_at) AS oldest FROM outbox WHERE delivered_at IS NULL"
    ).fetchone()
    total = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    age = 0.0
    if row["oldest"]:
        oldest = datetime.fromisoformat(row["oldest"].replace("Z", "+00:00"))
        age = max(0.0, (now - oldest).total_seconds())
    return {"queued": row["depth"], "oldest": row["oldest"], "oldest_age_s": age, "total": total}


def outbox_events(
    conn: sqlite3.Connection, *, after_seq: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    return rows(
        conn, "SELECT * FROM outbox WHERE seq > ? ORDER BY epoch, seq LIMIT ?", (after_seq, limit)
    )


def putbacks(conn: sqlite3.Connection, *, status: str) -> list[dict[str, Any]]:
    return rows(
        conn, "SELECT * FROM putback_tasks WHERE status = ? ORDER BY id LIMIT 500", (status,)
    )


def exceptions(conn: sqlite3.Connection, *, status: str) -> list[dict[str, Any]]:
    return rows(
        conn, "SELECT * FROM exceptions WHERE status = ? ORDER BY id DESC LIMIT 500", (status,)
    )


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many products, barcodes, locations, containers, operators and movements the store
    holds, and how many kinds of movement (`movement_types`)."""
    tables = ("products", "barcodes", "locations", "containers", "operators", "movements")
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    counts["movement_types"] = conn.execute(
        "SELECT COUNT(DISTINCT type) FROM movements"
    ).fetchone()[0]
    return counts


def stocked_skus(conn: sqlite3.Connection, *, at_least: int) -> list[str]:
    """SKUs (not lot-tracked) with at least `at_least` loose units on hand in bins."""
    rows = conn.execute(
        "SELECT b.sku FROM balances b JOIN locations l ON l.code = b.location AND l.type = 'bin'"
        " JOIN products p ON p.sku = b.sku AND NOT p.lot_tracked"
        " WHERE b.bucket = 'on_hand' AND b.container = '' GROUP BY b.sku HAVING SUM(b.qty) >= ?"
        " ORDER BY b.sku",
        (at_least,),
    )
    return [r["sku"] for r in rows]
