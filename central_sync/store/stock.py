"""Each warehouse's stock as central counts it from the edges' events (`stock`: warehouse, SKU,
bucket → units), and read with it the open demand on it (central_sync/server/assign.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

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
    open_statuses: Sequence[str],
) -> list[dict[str, Any]]:
    """(warehouse, sku, bucket, qty) of the stock, and with bucket '' each open order's units not
    yet picked (orders in `open_statuses` at a warehouse, and the parts of split orders), of the
    SKUs and warehouse asked (None: all), read by ONE statement so both come from one snapshot.
    With `waiting`, also the units of the orders no warehouse holds yet, as warehouse ''."""
    stock_where, stock_params = _filters(skus, warehouse, "")
    demand_where, demand_params = _filters(skus, warehouse, "l.")
    demand_where = demand_where.replace("warehouse =", "o.warehouse =")
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
        f"SELECT warehouse, sku, bucket, qty FROM stock WHERE 1 = 1{stock_where}"
        " UNION ALL"
        " SELECT warehouse, sku, '' AS bucket,"
        " SUM(CASE WHEN ordered > picked THEN ordered - picked ELSE 0 END) AS qty FROM ("
        " SELECT o.warehouse, o.id, l.sku, SUM(l.qty) AS ordered,"
        " MAX(COALESCE(p.qty, 0)) AS picked"
        " FROM orders o JOIN order_units l ON l.order_id = o.id"
        " LEFT JOIN order_picks p ON p.order_id = o.id AND p.sku = l.sku"
        f" WHERE o.status IN ({','.join('?' * len(open_statuses))})"
        f" AND o.warehouse IS NOT NULL{demand_where}"
        " GROUP BY o.warehouse, o.id, l.sku) open_lines GROUP BY warehouse, sku"
        # the parts of split orders (consign.py): each part's units not yet picked
        " UNION ALL SELECT c.warehouse, l.sku, '' AS bucket,"
        " SUM(CASE WHEN l.qty - l.cut > l.picked THEN l.qty - l.cut - l.picked ELSE 0 END) AS qty"
        " FROM consignments c JOIN consignment_lines l ON l.consignment_id = c.id"
        f" WHERE c.kind = 'split' AND c.status IN ({','.join('?' * len(open_statuses))})"
        f"{demand_where.replace('o.warehouse =', 'c.warehouse =')} GROUP BY c.warehouse, l.sku"
        + waiting_sql,
        [*stock_params, *open_statuses, *demand_params, *open_statuses, *demand_params]
        + waiting_params,
    )
