"""The catalogue central is the master of: `products` (barcodes as JSON text)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from central_sync.store.db import Tx


def product(tx: Tx, sku: str) -> dict[str, Any] | None:
    return tx.one("SELECT * FROM products WHERE sku = ?", (sku,))


def all_products(tx: Tx) -> list[dict[str, Any]]:
    return tx.all("SELECT * FROM products ORDER BY sku")


def upsert_product(
    tx: Tx,
    sku: str,
    *,
    name: str,
    name_zh: str,
    weight_g: int | None,
    barcodes: str,
    category: str,
    now: str,
) -> None:
    tx.execute(
        "INSERT INTO products (sku, name, name_zh, weight_g, barcodes, category, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sku) DO UPDATE SET name = excluded.name,"
        " name_zh = excluded.name_zh, weight_g = excluded.weight_g,"
        " barcodes = excluded.barcodes, category = excluded.category,"
        " updated_at = excluded.updated_at",
        (sku, name, name_zh, weight_g, barcodes, category, now),
    )


def weights(tx: Tx, skus: Sequence[str]) -> dict[str, int | None]:
    """sku → weight_g of the SKUs named (those central knows)."""
    if not skus:
        return {}
    rows = tx.all(
        f"SELECT sku, weight_g FROM products WHERE sku IN ({','.join('?' * len(skus))})", skus
    )
    return {r["sku"]: r["weight_g"] for r in rows}


def products_named(tx: Tx, skus: Sequence[str]) -> dict[str, dict[str, Any]]:
    """sku → (sku, name, name_zh, category) of the SKUs named (those central knows)."""
    if not skus:
        return {}
    rows = tx.all(
        f"SELECT sku, name, name_zh, category FROM products WHERE sku IN"
        f" ({','.join('?' * len(skus))})",
        list(skus),
    )
    return {r["sku"]: r for r in rows}


def known_skus(tx: Tx, skus: Iterable[str]) -> list[str]:
    """The SKUs named that the catalogue has, as it writes them."""
    return _skus_where(tx, "sku", skus)


def skus_by_upper(tx: Tx, uppers: Iterable[str]) -> list[str]:
    """The catalogue's SKUs that are one of `uppers` in upper case."""
    return _skus_where(tx, "UPPER(sku)", uppers)


def _skus_where(tx: Tx, column: str, values: Iterable[str]) -> list[str]:
    listed, out = sorted(values), list[str]()
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        sql = f"SELECT sku FROM products WHERE {column} IN ({','.join('?' * len(chunk))})"
        out += [r["sku"] for r in tx.all(sql, chunk)]
    return out
