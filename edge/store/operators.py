"""Operators, enrolled devices and login sessions in the store."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime

from edge.store.effects import utc
from edge.store.writer import Tx


@dataclass(frozen=True)
class LoginSession:
    token_hash: str
    operator_id: int
    badge: str
    name: str
    role: str
    language: str
    device_id: str
    expires_at: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def add_operator(
    tx: Tx, *, badge: str, name: str, role: str, pin_hash: str, language: str = ""
) -> int:
    cur = tx.execute(
        "INSERT INTO operators (badge, name, role, pin_hash, language) VALUES (?,?,?,?,?)"
        " ON CONFLICT (badge) DO UPDATE SET name = excluded.name, role = excluded.role,"
        " pin_hash = excluded.pin_hash, language = excluded.language RETURNING id",
        (badge, name, role, pin_hash, language),
    )
    return int(cur.fetchone()[0])


def operator_by_badge(conn: sqlite3.Connection, badge: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM operators WHERE badge = ? AND active", (badge,)
    ).fetchone()
    return row


def enrol_device(tx: Tx, *, name: str, kind: str, station: str = "") -> str:
    device_id = str(uuid.uuid4())
    tx.execute(
        "INSERT INTO devices (id, name, kind, station, enrolled_at) VALUES (?,?,?,?,?)",
        (device_id, name, kind, station, tx.at),
    )
    return device_id


def device(conn: sqlite3.Connection, device_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM devices WHERE id = ? AND active", (device_id,)
    ).fetchone()
    return row


def record_failed_pin(
    tx: Tx, operator_id: int, *, failed: int, locked_until: datetime | None
) -> None:
    tx.execute(
        "UPDATE operators SET failed_pins = ?, locked_until = ? WHERE id = ?",
        (failed, utc(locked_until) if locked_until else None, operator_id),
    )


def open_session(
    tx: Tx, *, token: str, operator_id: int, device_id: str, expires_at: datetime
) -> None:
    tx.execute(
        "UPDATE operators SET failed_pins = 0, locked_until = NULL WHERE id = ?", (operator_id,)
    )
    tx.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?", (tx.at, device_id))
    tx.execute(
        "INSERT INTO login_sessions (token_hash, operator_id, device_id, created_at, expires_at)"
        " VALUES (?,?,?,?,?)",
        (token_hash(token), operator_id, device_id, tx.at, utc(expires_at)),
    )
    _carry_over_task(tx, token_hash(token), operator_id, device_id)


def _carry_over_task(tx: Tx, new_hash: str, operator_id: int, device_id: str) -> None:
    """A session that expired mid-task hands its open task to the same operator's next login on
    the same device, so queued scans land where they were aimed. Logging out ends the task."""
    row = tx.one(
        "SELECT w.id FROM work_sessions w JOIN login_sessions s ON s.token_hash = w.login_token_hash"
        " WHERE w.ended_at IS NULL AND s.operator_id = ? AND s.device_id = ? AND s.token_hash != ?"
        " ORDER BY w.updated_at DESC LIMIT 1",
        (operator_id, device_id, new_hash),
    )
    if row is not None:
        tx.execute(
            "UPDATE work_sessions SET login_token_hash = ? WHERE id = ?", (new_hash, row["id"])
        )


def end_session(tx: Tx, token_hash_: str) -> None:
    tx.execute(
        "UPDATE login_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
        (tx.at, token_hash_),
    )
    tx.execute(
        "UPDATE work_sessions SET ended_at = ? WHERE login_token_hash = ? AND ended_at IS NULL",
        (tx.at, token_hash_),
    )


def session_by_token_hash(
    conn: sqlite3.Connection, token_hash_: str
) -> tuple[LoginSession, str | None] | None:
    """The session and its `ended_at`, or None for a token never issued."""
    row = conn.execute(
        "SELECT s.token_hash, s.operator_id, o.badge, o.name, o.role, o.language, s.device_id,"
        " s.expires_at, s.ended_at FROM login_sessions s JOIN operators o ON o.id = s.operator_id"
        " WHERE s.token_hash = ?",
        (token_hash_,),
    ).fetchone()
    if row is None:
        return None
    return LoginSession(*tuple(row)[:8]), row["ended_at"]


def pin_state(tx: Tx, operator_id: int) -> sqlite3.Row:
    """Failed PIN count and lock, read inside the write so concurrent wrong PINs all count."""
    row = tx.one("SELECT failed_pins, locked_until FROM operators WHERE id = ?", (operator_id,))
    assert row is not None
    return row
