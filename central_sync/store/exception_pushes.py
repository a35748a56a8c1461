"""Central's exception webhook outbox (central_sync/server/exception_push.py): one row per push,
pending until the target takes it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from central_sync.store.db import Tx


def enqueue(
    tx: Tx, key: str, exception_id: int | None, payload: Mapping[str, Any], now: str
) -> bool:
    """Queue one push in the caller's transaction; False when `key` is queued already."""
    cursor = tx.execute(
        "INSERT INTO exception_pushes (dedupe_key, exception_id, payload, next_at, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
        (key, exception_id, json.dumps(dict(payload), ensure_ascii=False), now, now, now),
    )
    return bool(cursor.rowcount)


def due(tx: Tx, now: str, limit: int) -> list[dict[str, Any]]:
    return tx.all(
        "SELECT * FROM exception_pushes WHERE state = 'pending' AND next_at <= ?"
        " ORDER BY id LIMIT ?",
        (now, limit),
    )


def lease(tx: Tx, push_id: int, was: str, until: str) -> bool:
    """Take the due push (next_at moved to `until`); False if another sender took it first."""
    return bool(
        tx.execute(
            "UPDATE exception_pushes SET next_at = ? WHERE id = ? AND state = 'pending'"
            " AND next_at = ?",
            (until, push_id, was),
        ).rowcount
    )


def record(
    tx: Tx, push_id: int, *, sent: bool, attempts: int, next_at: str, answer: str, now: str
) -> None:
    tx.execute(
        "UPDATE exception_pushes SET state = ?, attempts = ?, next_at = ?, answer = ?,"
        " updated_at = ?, sent_at = ? WHERE id = ? AND state = 'pending'",
        (
            "sent" if sent else "pending",
            attempts,
            next_at,
            answer,
            now,
            now if sent else None,
            push_id,
        ),
    )


def listed(tx: Tx, *, limit: int = 200) -> list[dict[str, Any]]:
    rows = tx.all("SELECT * FROM exception_pushes ORDER BY id DESC LIMIT ?", (limit,))
    return [
        dict(r) | {"payload": json.loads(r["payload"]), "attempts": int(r["attempts"])}
        for r in rows
    ]


def pending_count(tx: Tx) -> int:
    """Pushes the exception webhook has still to take (for /metrics)."""
    return int(tx.value("SELECT COUNT(*) FROM exception_pushes WHERE state = 'pending'") or 0)
