"""Each warehouse's stock as central counts it from the edges' events (`stock`: warehouse, SKU,
bucket → units), and read with it the open demand on it (demand.py, central_sync/server/assign.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from central_sync.store import demand
from central_sync.store.db import Tx


def add_units(tx: Tx, rows: Iterable[tuple[str, str, str, int]]) -> None:
    """Rows of (warehouse, sku, bucket, units) added to the bucket (units < 0: taken out)."""
    tx.many(
        "INSERT INTO stock (warehouse, sku, bucket, qty) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (warehouse, sku, bucket) DO UPDATE SET qty = stock.qty + excluded.qty",
        rows,
    )


def _filters(
    skus: Iterable[str] | None, warehouse: str | None, column: str
) -> tuple[str, list[Any]]:
    where, params = [], []
    listed = sorted(set(skus)) if skus is not None else None
    if listed is not None:
        where.append(f"{column}sku IN ({','.join('?' * len(listed))})" if listed else "1 = 0")
        params += listed
    if warehouse is not None:
        where.append("warehouse = ?")
        params.append(warehouse)
    return (" AND " + " AND ".join(where)) if where else "", params


def stock_and_demand(
    tx: Tx,
    *,
    skus: Sequence[str] | None,
    warehouse: str | None,
    waiting: bool,
) -> list[dict[str, Any]]:
    """(warehouse, sku, bucket, qty) of the stock, and with bucket '' the open demand on it (the
    running totals, demand.py), of the SKUs and warehouse asked (None: all), read by ONE
    statement so both come from one snapshot. With `waiting`, also the units of the orders no
    warehouse holds yet (unassigned or held before assignment), as warehouse ''."""
    demand.settle(tx)  # this transaction's own changes counted first
    where, params = _filters(skus, warehouse, "")
    waiting_sql, waiting_params = "", list[Any]()
    if waiting:
        waiting_where, waiting_params = _filters(skus, None, "l.")
        waiting_sql = (
            " UNION ALL SELECT '' AS warehouse, l.sku, '' AS bucket, SUM(l.qty) AS qty"
            " FROM orders o JOIN order_units l ON l.order_id = o.id"
            " WHERE o.warehouse IS NULL AND o.status IN ('unassigned', 'on_hold')"
            f"{waiting_where} GROUP BY l.sku"
        )
    return tx.all(
        f"SELECT warehouse, sku, bucket, qty FROM stock WHERE 1 = 1{where}"
        " UNION ALL SELECT warehouse, sku, '' AS bucket, qty FROM open_demand"
        f" WHERE qty <> 0{where}" + waiting_sql,
        [*params, *params, *waiting_params],
    )
