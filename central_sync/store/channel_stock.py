"""The channels' available-to-sell figures: `channel_stock_rules` (a channel's cap and safety
stock, and each SKU's own, with its listing), `channel_stock` (the figure published per channel
and SKU, with its seq) and `channel_stock_cursor` (each channel's latest seq)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from central_sync.store.db import Tx


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def rules_of(tx: Tx, channel: str) -> list[dict[str, Any]]:
    """The channel's rule rows by SKU (its own rule has sku '')."""
    return tx.all(
        "SELECT sku, cap_pct, safety_stock, listing, updated_at FROM channel_stock_rules"
        " WHERE channel = ? ORDER BY sku",
        (channel,),
    )


def replace_rules(tx: Tx, channel: str, rows: Iterable[tuple[str, int, int, str, str]]) -> None:
    """The channel's rules, replaced whole by rows of (sku, cap_pct, safety_stock, listing,
    updated_at)."""
    tx.execute("DELETE FROM channel_stock_rules WHERE channel = ?", (channel,))
    tx.many(
        "INSERT INTO channel_stock_rules (channel, sku, cap_pct, safety_stock, listing,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        ((channel, *row) for row in rows),
    )


def rules_of_channels(tx: Tx, channels: Sequence[str]) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT channel, sku, cap_pct, safety_stock, listing FROM channel_stock_rules"
        f" WHERE channel IN ({_marks(channels)})",
        list(channels),
    )


def every_sku(tx: Tx) -> set[str]:
    """Every SKU central knows: in stock, in the catalogue or with a published figure."""
    rows = tx.all(
        "SELECT sku FROM stock UNION SELECT sku FROM products UNION SELECT sku FROM channel_stock"
    )
    return {r["sku"] for r in rows}


def lock_cursors(tx: Tx, channels: Sequence[str]) -> None:
    """Make each channel's cursor and lock them (row locks on PostgreSQL; SQLite's writer lock
    is already held)."""
    tx.many(
        "INSERT INTO channel_stock_cursor (channel, seq) VALUES (?, 0) ON CONFLICT DO NOTHING",
        [(c,) for c in channels],
    )
    tx.execute(
        f"UPDATE channel_stock_cursor SET seq = seq WHERE channel IN ({_marks(channels)})",
        list(channels),
    )


def published(
    tx: Tx, channels: Sequence[str], skus: Sequence[str] | None
) -> dict[tuple[str, str], int]:
    """(channel, sku) → the figure published, for the SKUs named (None: every SKU)."""
    sku_where = f" AND sku IN ({_marks(skus)})" if skus is not None else ""
    rows = tx.all(
        f"SELECT channel, sku, available FROM channel_stock WHERE channel IN ({_marks(channels)})"
        + sku_where,
        [*channels, *(skus if skus is not None else [])],
    )
    return {(r["channel"], r["sku"]): int(r["available"]) for r in rows}


def cursors(tx: Tx, channels: Sequence[str]) -> dict[str, int]:
    rows = tx.all(
        f"SELECT channel, seq FROM channel_stock_cursor WHERE channel IN ({_marks(channels)})",
        list(channels),
    )
    return {r["channel"]: int(r["seq"]) for r in rows}


def cursor(tx: Tx, channel: str) -> int:
    """The channel's latest seq (0 before its first figure)."""
    sql = "SELECT seq FROM channel_stock_cursor WHERE channel = ?"
    return int(tx.value(sql, (channel,)) or 0)


def publish_figures(
    tx: Tx,
    rows: Sequence[tuple[str, str, int, int, int, str]],
    cursors_moved: Iterable[tuple[int, str]],
) -> None:
    """Rows of (channel, sku, available, free, seq, published_at) published, and the channels'
    cursors moved to (seq, channel)."""
    tx.many(
        "INSERT INTO channel_stock (channel, sku, available, free, seq, published_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, sku) DO UPDATE SET"
        " available = excluded.available, free = excluded.free, seq = excluded.seq,"
        " published_at = excluded.published_at",
        rows,
    )
    tx.many("UPDATE channel_stock_cursor SET seq = ? WHERE channel = ?", cursors_moved)


def figures_after(tx: Tx, channel: str, since: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` of the channel's figures published after seq `since`, oldest first."""
    return tx.all(
        "SELECT sku, available, free, seq, published_at FROM channel_stock"
        " WHERE channel = ? AND seq > ? ORDER BY seq LIMIT ?",
        (channel, since, limit),
    )


def totals(tx: Tx, channel: str) -> dict[str, Any] | None:
    """The channel's SKUs published, units offered, SKUs selling and when last published."""
    return tx.one(
        "SELECT COUNT(*) AS skus, COALESCE(SUM(available), 0) AS units,"
        " SUM(CASE WHEN available > 0 THEN 1 ELSE 0 END) AS selling,"
        " MAX(published_at) AS published_at FROM channel_stock WHERE channel = ?",
        (channel,),
    )
