"""Each warehouse's stock as central counts it from the edges' events (`stock`: warehouse, SKU,
bucket → units)."""

from __future__ import annotations

from collections.abc import Iterable

from central_sync.store.db import Tx


def add_units(tx: Tx, rows: Iterable[tuple[str, str, str, int]]) -> None:
    """Rows of (warehouse, sku, bucket, units) added to the bucket (units < 0: taken out)."""
    tx.many(
        "INSERT INTO stock (warehouse, sku, bucket, qty) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (warehouse, sku, bucket) DO UPDATE SET qty = stock.qty + excluded.qty",
        rows,
    )
