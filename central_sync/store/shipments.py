"""The parcels each order left in (`shipments`: carrier, tracking number, contents as JSON)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from central_sync.store.db import Tx

CHUNK = 500  # order ids a statement names at most


def tracking_numbers(tx: Tx, order_ids: Sequence[str]) -> dict[str, list[str]]:
    """order id → its tracking numbers, in parcel order (orders without a parcel left out)."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(order_ids), CHUNK):
        chunk = order_ids[start : start + CHUNK]
        rows = tx.all(
            f"SELECT order_id, tracking_number FROM shipments WHERE order_id IN"
            f" ({','.join('?' * len(chunk))}) ORDER BY order_id, parcel_no",
            list(chunk),
        )
        for r in rows:
            found.setdefault(r["order_id"], []).append(r["tracking_number"])
    return found


def parcels_of(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT parcel_no, parcels, tracking_number, carrier, weight_g, contents, edge_id"
        " FROM shipments WHERE order_id = ? ORDER BY parcel_no",
        (order_id,),
    )


def upsert_parcels(tx: Tx, rows: Iterable[Sequence[Any]]) -> None:
    """Rows of (order_id, parcel_no, parcels, tracking_number, carrier, weight_g, contents as
    JSON text, edge_id, recorded_at); a parcel recorded again is replaced."""
    tx.many(
        "INSERT INTO shipments (order_id, parcel_no, parcels, tracking_number, carrier, weight_g,"
        " contents, edge_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (order_id, parcel_no) DO UPDATE SET parcels = excluded.parcels,"
        " tracking_number = excluded.tracking_number, carrier = excluded.carrier,"
        " weight_g = excluded.weight_g, contents = excluded.contents,"
        " edge_id = excluded.edge_id, recorded_at = excluded.recorded_at",
        rows,
    )
