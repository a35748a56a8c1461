"""Exceptions for a supervisor: listing them, their changes (ack, assign, resolve) with the audit
rows that also queue their webhook pushes, the causes a sweep opened, what a sweep looks at
(orders by how long they sat in their state, the outbox's oldest undelivered event), and the
push queue's progress."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from edge.domain.exceptions import Condition
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx

_LIST = """
    SELECT e.*, a.name AS assigned_name,
           (SELECT COUNT(*) FROM exception_events v WHERE v.exception_id = e.id) AS changes
    FROM exceptions e LEFT JOIN operators a ON a.id = e.assigned_to
"""


def listing(
    conn: Conn,
    *,
    states: tuple[str, ...],
    kind: str | None = None,
    assigned_to: int | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Exceptions in `states`, newest first, optionally of one kind or one assignee."""
    where = [f"e.status IN ({', '.join('?' * len(states))})"]
    params: list[Any] = list(states)
    if kind is not None:
        where.append("e.kind = ?")
        params.append(kind)
    if assigned_to is not None:
        where.append("e.assigned_to = ?")
        params.append(assigned_to)
    sql = f"{_LIST} WHERE {' AND '.join(where)} ORDER BY e.id DESC LIMIT ?"
    return [dict(r) for r in conn.execute(sql, (*params, limit))]


def get(conn: Conn, exception_id: int) -> dict[str, Any] | None:
    row = conn.execute(f"{_LIST} WHERE e.id = ?", (exception_id,)).fetchone()
    return dict(row) if row is not None else None


def history(conn: Conn, exception_id: int) -> list[dict[str, Any]]:
    """The audit trail of one exception: each change, who made it, when, and the note."""
    rows = conn.execute(
        "SELECT v.id, v.action, v.state, v.operator_id, o.name AS operator, v.note, v.at"
        " FROM exception_events v LEFT JOIN operators o ON o.id = v.operator_id"
        " WHERE v.exception_id = ? ORDER BY v.id",
        (exception_id,),
    )
    return [dict(r) for r in rows]


def active_operator(conn: Conn, operator_id: int) -> str | None:
    """The name of an active operator, or None."""
    row = conn.execute(
        "SELECT name FROM operators WHERE id = ? AND active = 1", (operator_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def change(
    tx: Tx,
    exception_id: int,
    action: str,
    state: str,
    operator_id: int | None,
    *,
    note: str = "",
    assign: int | None = None,
) -> None:
    """Record one change of an exception and its audit row (which queues its pushes)."""
    if action == "acked":
        tx.execute(
            "UPDATE exceptions SET status = ?, acked_at = ?, acked_by = ? WHERE id = ?",
            (state, tx.at, operator_id, exception_id),
        )
    elif action == "assigned":
        tx.execute("UPDATE exceptions SET assigned_to = ? WHERE id = ?", (assign, exception_id))
    elif action == "resolved":
        tx.execute(
            "UPDATE exceptions SET status = ?, resolved_at = ?, resolved_by = ?,"
            " resolve_reason = ? WHERE id = ?",
            (state, tx.at, operator_id, note, exception_id),
        )
    tx.execute(
        "INSERT INTO exception_events (exception_id, action, state, operator_id, note, at)"
        " VALUES (?,?,?,?,?,?)",
        (exception_id, action, state, operator_id, note, tx.at),
    )


def known_causes(conn: Conn) -> dict[str, tuple[int, str]]:
    """Every cause a sweep ever opened an exception for: its id and state."""
    rows = conn.execute("SELECT cause, id, status FROM exceptions WHERE cause IS NOT NULL")
    return {r[0]: (int(r[1]), str(r[2])) for r in rows}


def open_caused(tx: Tx, c: Condition) -> int:
    """Open the exception of a cause (the trigger queues its `opened` push)."""
    cur = tx.execute(
        "INSERT INTO exceptions (kind, detail, order_id, location, sku, cause, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            c.kind,
            json.dumps(dict(c.detail), ensure_ascii=False, sort_keys=True, default=str),
            c.order_id,
            c.location,
            c.sku,
            c.cause,
            tx.at,
        ),
    )
    return int(cur.lastrowid or 0)


def orders_in_states(conn: Conn, states: tuple[str, ...]) -> list[dict[str, Any]]:
    """Orders in `states` with the time each entered its state (its last status change)."""
    if not states:
        return []
    marks = ", ".join("?" * len(states))
    rows = conn.execute(
        "SELECT o.id, o.status, o.channel, COALESCE((SELECT MAX(h.at) FROM order_status_history h"
        "  WHERE h.order_id = o.id AND h.to_status = o.status), o.updated_at) AS since"
        f" FROM orders o WHERE o.status IN ({marks}) ORDER BY o.id LIMIT 5000",
        states,
    )
    return [dict(r) for r in rows]


def oldest_undelivered(conn: Conn) -> dict[str, Any] | None:
    """The outbox's oldest event central has not taken yet."""
    row = conn.execute(
        "SELECT epoch, seq, type, occurred_at FROM outbox WHERE delivered_at IS NULL"
        " ORDER BY epoch, seq LIMIT 1"
    ).fetchone()
    return dict(row) if row is not None else None


# --- the push queue: exception_events not yet taken by every target ---


def due_pushes(conn: Conn, now: str, limit: int = 50) -> list[dict[str, Any]]:
    """Changes some target has still to take whose back-off has passed, oldest first; a change
    waits while an earlier one of the same exception is still being pushed (in order: opened
    before resolved)."""
    rows = conn.execute(
        "SELECT id, exception_id, action, state, operator_id, note, at, pushed, push_attempts"
        " FROM exception_events e WHERE push_done_at IS NULL"
        " AND (push_next_at IS NULL OR push_next_at <= ?)"
        " AND NOT EXISTS (SELECT 1 FROM exception_events p WHERE p.exception_id = e.exception_id"
        "  AND p.id < e.id AND p.push_done_at IS NULL) ORDER BY id LIMIT ?",
        (now, limit),
    )
    return [dict(r) | {"pushed": json.loads(r["pushed"])} for r in rows]


def next_push_at(conn: Conn) -> str | None:
    row = conn.execute(
        "SELECT MIN(COALESCE(push_next_at, '')) FROM exception_events WHERE push_done_at IS NULL"
    ).fetchone()
    return None if row is None else row[0]


def push_progress(
    tx: Tx, *, event_id: int, pushed: list[str], done: bool, error: str, next_at: str | None
) -> None:
    """The targets that took a change so far; done, or its next try (None: next round); a
    change with an `error` counts one more failed attempt."""
    tx.execute(
        "UPDATE exception_events SET pushed = ?, push_done_at = ?, push_error = ?,"
        " push_next_at = ?, push_attempts = push_attempts + ? WHERE id = ?",
        (
            json.dumps(sorted(set(pushed))),
            tx.at if done else None,
            error[:500],
            None if done else next_at,
            1 if error else 0,
            event_id,
        ),
    )


def pending_pushes(conn: Conn) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM exception_events WHERE push_done_at IS NULL"
    ).fetchone()
    return int(row[0])


def active_by_kind(conn: Conn) -> dict[str, int]:
    """How many exceptions of each kind are open or acknowledged."""
    rows = conn.execute(
        "SELECT kind, COUNT(*) FROM exceptions WHERE status <> 'resolved' GROUP BY kind"
    )
    return {str(r[0]): int(r[1]) for r in rows}


def last_event_id(conn: Conn) -> int:
    row = conn.execute("SELECT COALESCE(MAX(id), 0) FROM exception_events").fetchone()
    return int(row[0])


def opened_since(conn: Conn, after: int, limit: int = 100) -> list[dict[str, Any]]:
    """Exceptions opened after change `after`: the change's id, the exception's id and kind."""
    rows = conn.execute(
        "SELECT v.id AS event_id, e.id, e.kind, e.order_id, e.location FROM exception_events v"
        " JOIN exceptions e ON e.id = v.exception_id"
        " WHERE v.id > ? AND v.action = 'opened' ORDER BY v.id LIMIT ?",
        (after, limit),
    )
    return [dict(r) for r in rows]


def active_at(conn: Conn, kind: str, location: str, sku: str | None) -> list[int]:
    """Active exceptions of `kind` at a bin (and SKU; None: any SKU there)."""
    rows = conn.execute(
        "SELECT id FROM exceptions WHERE kind = ? AND location = ? AND (? IS NULL OR sku = ?)"
        " AND status IN ('open','acked') ORDER BY id",
        (kind, location, sku, sku),
    )
    return [int(r[0]) for r in rows]


def benches_packing(conn: Conn) -> set[str]:
    """The stations where a parcel is being packed now (an open pack session with an order)."""
    rows = conn.execute(
        "SELECT DISTINCT json_extract(state, '$.station') FROM work_sessions"
        " WHERE ended_at IS NULL AND workflow = 'pack'"
        " AND COALESCE(json_extract(state, '$.order_id'), '') != ''"
    )
    return {str(r[0]) for r in rows if r[0]}


def raise_exception(
    tx: Tx, kind: str, detail: dict[str, Any], *, location: str | None, sku: str | None
) -> int:
    """Open an exception no sweep manages (a person resolves it, or the command that settles
    it does); the trigger queues its `opened` push."""
    cur = tx.execute(
        "INSERT INTO exceptions (kind, detail, location, sku, created_at) VALUES (?,?,?,?,?)",
        (kind, json.dumps(detail, ensure_ascii=False, sort_keys=True), location, sku, tx.at),
    )
    return int(cur.lastrowid or 0)


def active_of_task(conn: Conn, kind: str, task_id: int) -> list[int]:
    """Active exceptions of `kind` whose detail names the count task `task_id`."""
    rows = conn.execute(
        "SELECT id FROM exceptions WHERE kind = ? AND status IN ('open','acked')"
        " AND json_extract(detail, '$.task_id') = ?",
        (kind, task_id),
    )
    return [int(r[0]) for r in rows]
