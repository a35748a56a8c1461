"""The edges central knows and who may call it: `edges` (an edge's token hash, when it was last
heard and the cursor it asked its feed from) and `admin_tokens` (hashes only)."""

from __future__ import annotations

from typing import Any

from central_sync.store.db import Tx


def edge_ids(tx: Tx) -> list[str]:
    return [str(r["edge_id"]) for r in tx.all("SELECT edge_id FROM edges ORDER BY edge_id")]


def edge_exists(tx: Tx, edge_id: str) -> bool:
    return tx.one("SELECT edge_id FROM edges WHERE edge_id = ?", (edge_id,)) is not None


def insert_edge(tx: Tx, edge_id: str, name: str, token_hash: str, now: str) -> None:
    tx.execute(
        "INSERT INTO edges (edge_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
        (edge_id, name, token_hash, now),
    )


def edge_of_token_hash(tx: Tx, token_hash: str) -> str | None:
    row = tx.one("SELECT edge_id FROM edges WHERE token_hash = ?", (token_hash,))
    return None if row is None else str(row["edge_id"])


def list_edges(tx: Tx) -> list[dict[str, Any]]:
    """Every edge's id, name and times (never its token hash)."""
    return tx.all(
        "SELECT edge_id, name, created_at, last_event_at, last_occurred_at FROM edges"
        " ORDER BY edge_id"
    )


def mark_heard(tx: Tx, edge_id: str, cursor: int, now: str) -> None:
    """The edge asked for its feed at `now` from `cursor` (the stored cursor never goes back)."""
    tx.execute(
        "UPDATE edges SET last_seen_at = ?, feed_cursor = CASE WHEN feed_cursor < ?"
        " THEN ? ELSE feed_cursor END WHERE edge_id = ?",
        (now, cursor, cursor, edge_id),
    )


def insert_admin_token(tx: Tx, token_hash: str, now: str) -> None:
    tx.execute("INSERT INTO admin_tokens (token_hash, created_at) VALUES (?, ?)", (token_hash, now))


def admin_token_count(tx: Tx) -> int:
    return int(tx.value("SELECT COUNT(*) FROM admin_tokens"))


def admin_token_exists(tx: Tx, token_hash: str) -> bool:
    row = tx.one("SELECT token_hash FROM admin_tokens WHERE token_hash = ?", (token_hash,))
    return row is not None


def heard(tx: Tx) -> dict[str, dict[str, Any]]:
    """edge id → when it last asked for its feed and the cursor it asked from."""
    rows = tx.all("SELECT edge_id, last_seen_at, feed_cursor FROM edges")
    return {r["edge_id"]: r for r in rows}


def events_arrived(tx: Tx, edge_id: str, now: str, last_occurred_at: str) -> None:
    """The edge's events arrived at `now`, the newest of them happened at `last_occurred_at`."""
    tx.execute(
        "UPDATE edges SET last_event_at = ?, last_occurred_at = ? WHERE edge_id = ?",
        (now, last_occurred_at, edge_id),
    )


def last_heard(tx: Tx) -> list[dict[str, Any]]:
    """Every edge with when it last asked for its feed and when its last event arrived."""
    return tx.all("SELECT edge_id, last_seen_at, last_event_at FROM edges ORDER BY edge_id")
