"""The write-backs waiting for or sent to the sales channels (`channel_pushes`): one row per
push, unique by its dedupe key, leased by moving `next_at` while a sender tries it."""

from __future__ import annotations

from typing import Any

from central_sync.store.db import Tx, where


def insert_push(
    tx: Tx,
    channel: str,
    kind: str,
    key: str,
    payload: str,
    *,
    order_id: str | None,
    now: str,
) -> bool:
    """Queue one push due `now`; False when `key` is queued already."""
    cursor = tx.execute(
        "INSERT INTO channel_pushes (channel, kind, dedupe_key, order_id, payload, next_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (dedupe_key) DO NOTHING",
        (channel, kind, key, order_id, payload, now, now, now),
    )
    return bool(cursor.rowcount)


def list_pushes(
    tx: Tx, *, state: str | None, channel: str | None, limit: int
) -> list[dict[str, Any]]:
    """The pushes (of a state, of a channel), newest first."""
    sql, params = where(state=state, channel=channel)
    return tx.all(f"SELECT * FROM channel_pushes{sql} ORDER BY id DESC LIMIT ?", [*params, limit])


def push(tx: Tx, push_id: int) -> dict[str, Any] | None:
    return tx.one("SELECT * FROM channel_pushes WHERE id = ?", (push_id,))


def due_again(tx: Tx, push_id: int, now: str) -> None:
    """The push pending, due `now`, its tries counted afresh."""
    tx.execute(
        "UPDATE channel_pushes SET state = 'pending', attempts = 0, next_at = ?,"
        " updated_at = ? WHERE id = ?",
        (now, now, push_id),
    )


def due_pushes(tx: Tx, channel: str, now: str, limit: int) -> list[dict[str, Any]]:
    """The channel's pending pushes due by `now`, oldest first, leaving out one behind an
    earlier push of its order that failed or is leased (pending, due later)."""
    return tx.all(
        "SELECT * FROM channel_pushes p WHERE p.state = 'pending' AND p.channel = ?"
        " AND p.next_at <= ? AND NOT EXISTS (SELECT 1 FROM channel_pushes e"
        " WHERE e.channel = p.channel AND e.order_id = p.order_id AND e.id < p.id"
        " AND (e.state = 'failed' OR (e.state = 'pending' AND e.next_at > ?)))"
        " ORDER BY p.id LIMIT ?",
        (channel, now, now, limit),
    )


def lease(tx: Tx, push_id: int, was_due: str, until: str) -> bool:
    """Move a pending push's `next_at` from `was_due` to `until`; False when another took it."""
    cursor = tx.execute(
        "UPDATE channel_pushes SET next_at = ? WHERE id = ? AND state = 'pending' AND next_at = ?",
        (until, push_id, was_due),
    )
    return bool(cursor.rowcount)


def record_try(
    tx: Tx,
    push_id: int,
    *,
    state: str,
    attempts: int,
    next_at: str,
    answer: str,
    answer_status: int | None,
    now: str,
    sent_at: str | None,
) -> None:
    """What a try of a pending push came to (a push no longer pending is left alone)."""
    tx.execute(
        "UPDATE channel_pushes SET state = ?, attempts = ?, next_at = ?, answer = ?,"
        " answer_status = ?, updated_at = ?, sent_at = ? WHERE id = ? AND state = 'pending'",
        (state, attempts, next_at, answer, answer_status, now, sent_at, push_id),
    )


def supersede_stock(tx: Tx, channel: str, prefix: str, answer: str, now: str) -> None:
    """Skip the channel's stock pushes still waiting (pending or failed) whose dedupe key starts
    with `prefix` (one SKU's figures), saying why in `answer`."""
    tx.execute(
        "UPDATE channel_pushes SET state = 'skipped', answer = ?, updated_at = ?"
        " WHERE channel = ? AND kind = 'stock' AND state IN ('pending', 'failed')"
        " AND substr(dedupe_key, 1, ?) = ?",
        (answer, now, channel, len(prefix), prefix),
    )


def queue_summary(tx: Tx) -> list[dict[str, Any]]:
    """Per channel and state (pending, failed): how many pushes, and the oldest one's created_at
    (for /metrics; sent and skipped ones are done and left out)."""
    return tx.all(
        "SELECT channel, state, COUNT(*) AS n, MIN(created_at) AS oldest FROM channel_pushes"
        " WHERE state IN ('pending', 'failed') GROUP BY channel, state ORDER BY channel, state"
    )
