"""What the sync agent keeps in the edge store: outbox batches and their delivered marks, the
feed cursor, what it knows of central (`sync_state`), sync exceptions for the supervisor, and
the edge's word to central that a cancellation came too late.

Reads take a reader connection; writes take the writer's `Tx` (they run inside `store.writer`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.store.db import rows
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx
ENVELOPE = (
    "event_id",
    "epoch",
    "seq",
    "schema_version",
    "type",
    "occurred_at",
    "scan_id",
    "order_id",
    "order_line_id",
    "sku",
)


@dataclass(frozen=True)
class Link:
    """What the agent last knew of central, as kept in `sync_state`."""

    last_contact_at: str | None = None
    offline_since: str | None = None
    last_error: str = ""
    last_error_at: str | None = None
    attention: str = ""
    alerted_at: str | None = None


def next_batch(conn: Conn, edge_id: str, *, limit: int) -> list[dict[str, Any]]:
    """The oldest undelivered events, at most `limit`, all of one epoch, in seq order."""
    rows = conn.execute(
        "SELECT * FROM outbox WHERE delivered_at IS NULL ORDER BY epoch, seq LIMIT ?", (limit,)
    ).fetchall()
    if not rows:
        return []
    epoch = rows[0]["epoch"]
    return [envelope(r, edge_id) for r in rows if r["epoch"] == epoch]


def envelope(row: sqlite3.Row, edge_id: str) -> dict[str, Any]:
    """An outbox row as the event central receives (docs/sync.md, "Up: the outbox")."""
    event = {name: row[name] for name in ENVELOPE}
    return event | {"edge_id": edge_id, "payload": json.loads(row["payload"])}


def mark_delivered(tx: Tx, high_water: list[dict[str, int]]) -> int:
    """Every event at or below its epoch's high water is delivered; returns how many were new."""
    marked = 0
    for mark in high_water:
        cur = tx.execute(
            "UPDATE outbox SET delivered_at = ? WHERE epoch = ? AND seq <= ?"
            " AND delivered_at IS NULL",
            (tx.at, mark["epoch"], mark["seq"]),
        )
        marked += cur.rowcount
    return marked


def queue(conn: Conn) -> dict[str, Any]:
    """How many events wait for central and when the oldest of them happened."""
    row = conn.execute(
        "SELECT COUNT(*) AS queued, MIN(occurred_at) AS oldest FROM outbox"
        " WHERE delivered_at IS NULL"
    ).fetchone()
    return {"queued": row["queued"], "oldest": row["oldest"]}


def outbox_status(conn: sqlite3.Connection, now: datetime) -> dict[str, Any]:
    """The queue (how many events wait for central, and the oldest), its age at `now` and how
    many events the outbox holds in all."""
    waiting = queue(conn)
    total = conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    age = 0.0
    if waiting["oldest"]:
        oldest = datetime.fromisoformat(waiting["oldest"].replace("Z", "+00:00"))
        age = max(0.0, (now - oldest).total_seconds())
    return waiting | {"oldest_age_s": age, "total": total}


def outbox_events(
    conn: sqlite3.Connection, *, after_seq: int = 0, limit: int = 100
) -> list[dict[str, Any]]:
    return rows(
        conn, "SELECT * FROM outbox WHERE seq > ? ORDER BY epoch, seq LIMIT ?", (after_seq, limit)
    )


def feed_cursor(conn: Conn) -> int:
    row = conn.execute("SELECT feed_cursor FROM sync_state WHERE id = 1").fetchone()
    return int(row[0]) if row else 0


def set_feed_cursor(tx: Tx, cursor: int) -> None:
    tx.execute("UPDATE sync_state SET feed_cursor = ? WHERE id = 1", (cursor,))


def load_link(conn: Conn) -> Link:
    row = conn.execute("SELECT * FROM sync_state WHERE id = 1").fetchone()
    if row is None:
        return Link()
    return Link(*(row[name] for name in Link.__dataclass_fields__))


def save_link(tx: Tx, link: Link) -> None:
    names = list(Link.__dataclass_fields__)
    tx.execute(
        f"UPDATE sync_state SET {', '.join(f'{n} = ?' for n in names)} WHERE id = 1",
        [getattr(link, n) for n in names],
    )


def cancel_refusal_sent(conn: Conn, order_id: str) -> bool:
    """The edge has already told central it cannot cancel `order_id` (the goods left)."""
    row = conn.execute(
        "SELECT 1 FROM outbox WHERE type = 'order_cancel_refused' AND order_id = ?", (order_id,)
    ).fetchone()
    return row is not None


def open_sync_exceptions(conn: Conn) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM exceptions WHERE kind = 'sync' AND status <> 'resolved'"
    ).fetchone()
    return int(row[0])


def record_sync_exception(tx: Tx, change: dict[str, Any], code: str, reason: str) -> bool:
    """A change that could not be applied, for a supervisor; once per cursor. True if new."""
    prefix = f"change {change.get('cursor')} "
    seen = tx.one(
        "SELECT 1 FROM exceptions WHERE kind = 'sync' AND substr(detail, 1, ?) = ?",
        (len(prefix), prefix),
    )
    if seen is not None:
        return False
    data = json.dumps(change.get("data"), ensure_ascii=False, sort_keys=True)
    detail = f"{prefix}({change.get('type')}) not applied: {code}: {reason}; data: {data}"
    order_id = change.get("order_id")
    tx.execute(
        "INSERT INTO exceptions (kind, detail, order_id, created_at) VALUES ('sync', ?, ?, ?)",
        (detail, order_id if isinstance(order_id, str) else None, tx.at),
    )
    return True
