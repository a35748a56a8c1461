"""Exceptions for a person at central (`exceptions`): open until someone resolves them."""

from __future__ import annotations

from typing import Any

from central_sync.store.db import Tx


def open_exception_id(tx: Tx, kind: str, edge_id: str, order_id: str | None) -> int | None:
    """The open exception of `kind` for the edge and the order (None: about no order)."""
    found = tx.value(
        "SELECT id FROM exceptions WHERE status = 'open' AND kind = ? AND edge_id = ?"
        " AND COALESCE(order_id, '') = ?",
        (kind, edge_id, order_id or ""),
    )
    return None if found is None else int(found)


def set_detail(tx: Tx, exception_id: int, detail: str) -> None:
    tx.execute("UPDATE exceptions SET detail = ? WHERE id = ?", (detail, exception_id))


def insert_exception(
    tx: Tx, kind: str, edge_id: str, order_id: str | None, detail: str, now: str
) -> None:
    tx.execute(
        "INSERT INTO exceptions (kind, edge_id, order_id, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (kind, edge_id, order_id, detail, now),
    )


def open_exceptions(tx: Tx, edge_id: str | None = None) -> list[dict[str, Any]]:
    """The open exceptions (of one edge, when named), oldest first."""
    sql = "SELECT * FROM exceptions WHERE status = 'open'"
    params: list[Any] = []
    if edge_id:
        sql += " AND edge_id = ?"
        params.append(edge_id)
    return tx.all(sql + " ORDER BY id", params)


def exception(tx: Tx, exception_id: int) -> dict[str, Any] | None:
    return tx.one("SELECT * FROM exceptions WHERE id = ?", (exception_id,))


def mark_resolved(tx: Tx, exception_id: int, now: str) -> None:
    tx.execute(
        "UPDATE exceptions SET status = 'resolved', resolved_at = ? WHERE id = ?",
        (now, exception_id),
    )


def open_ids_for_order(tx: Tx, order_id: str, kind: str) -> list[int]:
    rows = tx.all(
        "SELECT id FROM exceptions WHERE status = 'open' AND kind = ? AND order_id = ?",
        (kind, order_id),
    )
    return [int(r["id"]) for r in rows]


def resolve_channel_stock_failed(tx: Tx, channel: str, now: str) -> None:
    """Resolve the channel's open `channel_push_failed` about its stock figures (no order) when
    none of its stock pushes is failed any more."""
    tx.execute(
        "UPDATE exceptions SET status = 'resolved', resolved_at = ? WHERE status ="
        " 'open' AND kind = 'channel_push_failed' AND edge_id = ? AND order_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM channel_pushes WHERE channel = ?"
        " AND kind = 'stock' AND state = 'failed')",
        (now, channel, channel),
    )


def resolve_channel_order_failed(tx: Tx, channel: str, order_id: str, now: str) -> None:
    """Resolve the channel's open `channel_push_failed` about the order when none of the order's
    pushes to the channel is failed any more."""
    tx.execute(
        "UPDATE exceptions SET status = 'resolved', resolved_at = ? WHERE status ="
        " 'open' AND kind = 'channel_push_failed' AND edge_id = ? AND order_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM channel_pushes WHERE channel = ?"
        " AND order_id = ? AND state = 'failed')",
        (now, channel, order_id, channel, order_id),
    )


def open_by_kind(tx: Tx) -> dict[str, int]:
    """How many exceptions are open, by kind (for /metrics)."""
    rows = tx.all("SELECT kind, COUNT(*) AS n FROM exceptions WHERE status = 'open' GROUP BY kind")
    return {r["kind"]: int(r["n"]) for r in rows}
