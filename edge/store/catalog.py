"""Master data (products, barcodes, locations, containers, lots): the writes of import and admin,
and a product or location as the API shows it."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.domain.errors import EdgeError
from edge.domain.gtin import normalise_gtin
from edge.store.db import rows
from edge.store.stock import balances
from edge.store.writer import Tx


def barcode_key(code: str) -> str:
    """The lookup key of a printed barcode: GTIN-14 for any GTIN shape, else the code itself."""
    return normalise_gtin(code) or code


def product_names(conn: Any, skus: list[str]) -> dict[str, tuple[str, str]]:
    """Each SKU's (name, name_zh), for a screen."""
    rows = conn.execute(
        f"SELECT sku, name, name_zh FROM products WHERE sku IN ({','.join('?' * len(skus))})", skus
    )
    return {r["sku"]: (r["name"], r["name_zh"]) for r in rows}


def product_row(conn: Any, sku: str) -> Any:
    """The product's row as stored, or None."""
    return conn.execute("SELECT * FROM products WHERE sku = ?", (sku,)).fetchone()


def has_products(conn: Any) -> bool:
    """The store holds at least one product."""
    return conn.execute("SELECT 1 FROM products LIMIT 1").fetchone() is not None


def all_products(conn: Any) -> list[dict[str, Any]]:
    """Every product: sku, names and unit weight."""
    return [dict(r) for r in conn.execute("SELECT sku, name, name_zh, weight_g FROM products")]


def all_barcodes(conn: Any) -> list[dict[str, Any]]:
    """Every barcode: sku, the code as printed and as kept, units per scan."""
    return [dict(r) for r in conn.execute("SELECT sku, printed, code, pack_qty FROM barcodes")]


def upsert_product(
    tx: Tx,
    *,
    sku: str,
    name: str,
    name_zh: str = "",
    weight_g: int = 0,
    lot_tracked: bool = False,
    expiry_tracked: bool = False,
    serial_tracked: bool = False,
    min_shelf_life_days: int = 0,
) -> None:
    tx.execute(
        "INSERT INTO products (sku, name, name_zh, weight_g, lot_tracked, expiry_tracked,"
        " serial_tracked, min_shelf_life_days, updated_at) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (sku) DO UPDATE SET"
        " name = excluded.name, name_zh = excluded.name_zh, weight_g = excluded.weight_g,"
        " lot_tracked = excluded.lot_tracked, expiry_tracked = excluded.expiry_tracked,"
        " serial_tracked = excluded.serial_tracked,"
        " min_shelf_life_days = excluded.min_shelf_life_days, updated_at = excluded.updated_at",
        (
            sku,
            name,
            name_zh,
            weight_g,
            lot_tracked,
            expiry_tracked,
            serial_tracked,
            min_shelf_life_days,
            tx.at,
        ),
    )


def add_barcode(tx: Tx, *, code: str, sku: str, pack_qty: int = 1) -> str:
    """Register a barcode; the same key on another SKU is refused (`duplicate`)."""
    key = barcode_key(code)
    row = tx.one("SELECT sku FROM barcodes WHERE code = ?", (key,))
    if row is not None and row["sku"] != sku:
        raise EdgeError("duplicate", what="barcode", key=f"{code} (on {row['sku']})")
    tx.execute(
        "INSERT INTO barcodes (code, sku, pack_qty, printed) VALUES (?,?,?,?)"
        " ON CONFLICT (code) DO UPDATE SET pack_qty = excluded.pack_qty, printed = excluded.printed",
        (key, sku, pack_qty, code),
    )
    return key


def upsert_location(tx: Tx, *, code: str, type: str, zone: str = "", pick_seq: int = 0) -> None:
    tx.execute(
        "INSERT INTO locations (code, type, zone, pick_seq) VALUES (?,?,?,?) ON CONFLICT (code)"
        " DO UPDATE SET type = excluded.type, zone = excluded.zone, pick_seq = excluded.pick_seq",
        (code, type, zone, pick_seq),
    )


def upsert_container(tx: Tx, *, code: str, type: str = "tote", sscc: str | None = None) -> None:
    tx.execute(
        "INSERT INTO containers (code, type, sscc) VALUES (?,?,?) ON CONFLICT (code)"
        " DO UPDATE SET type = excluded.type, sscc = excluded.sscc",
        (code, type, sscc),
    )


def upsert_lot(tx: Tx, *, sku: str, lot: str, expiry: str | None) -> None:
    tx.execute(
        "INSERT INTO lots (sku, lot, expiry) VALUES (?,?,?)"
        " ON CONFLICT (sku, lot) DO UPDATE SET expiry = COALESCE(excluded.expiry, expiry)",
        (sku, lot, expiry),
    )


def require_sku(tx: Tx, sku: str) -> None:
    if tx.one("SELECT 1 FROM products WHERE sku = ?", (sku,)) is None:
        raise EdgeError("unknown_sku", sku=sku)


def require_location(tx: Tx, code: str) -> None:
    if tx.one("SELECT 1 FROM locations WHERE code = ? AND active", (code,)) is None:
        raise EdgeError("unknown_location", location=code)


_BOUND = "SELECT container FROM container_bindings WHERE closed_at IS NULL"


def free_totes(conn: Any, limit: int, *, newest_first: bool = False) -> list[str]:
    """Totes bound to no order now, by code (the last ones first with `newest_first`)."""
    order = "DESC" if newest_first else ""
    rows = conn.execute(
        f"SELECT code FROM containers WHERE type = 'tote' AND code NOT IN ({_BOUND})"
        f" ORDER BY code {order} LIMIT ?",
        (limit,),
    )
    return [r["code"] for r in rows]


def unit_barcode(conn: Any, sku: str) -> str | None:
    """A printed barcode that stands for one unit of the SKU."""
    row = conn.execute(
        "SELECT printed FROM barcodes WHERE sku = ? AND pack_qty = 1 LIMIT 1", (sku,)
    ).fetchone()
    return None if row is None else str(row["printed"])


def items_in_play(conn: Any) -> list[dict[str, Any]]:
    """One-unit barcodes of the SKUs allocated to orders or picked into totes, with names."""
    rows = conn.execute(
        "SELECT b.printed, p.sku, p.name, p.name_zh FROM barcodes b JOIN products p USING (sku)"
        " WHERE b.pack_qty = 1 AND p.sku IN (SELECT sku FROM allocations UNION"
        " SELECT sku FROM balances WHERE bucket = 'picked' AND qty > 0) ORDER BY p.sku"
    )
    return [dict(r) for r in rows]


def product(conn: sqlite3.Connection, sku: str) -> dict[str, Any] | None:
    """A product with its barcodes; None for an unknown SKU."""
    row = conn.execute("SELECT * FROM products WHERE sku = ?", (sku,)).fetchone()
    if row is None:
        return None
    codes = rows(
        conn, "SELECT printed, code, pack_qty FROM barcodes WHERE sku = ? ORDER BY code", (sku,)
    )
    return dict(row) | {"barcodes": codes}


def location(conn: sqlite3.Connection, code: str) -> dict[str, Any] | None:
    """A location with the stock in it; None for an unknown code."""
    row = conn.execute("SELECT * FROM locations WHERE code = ?", (code,)).fetchone()
    return dict(row) | {"stock": balances(conn, location=code)} if row else None
