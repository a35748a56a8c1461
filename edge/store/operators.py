"""Operators, enrolled devices and login sessions in the store."""

from __future__ import annotations

import hashlib
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from edge.store.ledger import utc
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
    last_seen_at: str = ""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_utc(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def add_operator(
    tx: Tx, *, badge: str, name: str, role: str, pin_hash: str, language: str = ""
) -> int:
    """Add an operator or update one by badge; a changed role or PIN ends their sessions."""
    before = tx.one("SELECT id, role, pin_hash FROM operators WHERE badge = ?", (badge,))
    if before is not None and (before["role"], before["pin_hash"]) != (role, pin_hash):
        end_operator_sessions(tx, before["id"])
    cur = tx.execute(
        "INSERT INTO operators (badge, name, role, pin_hash, language) VALUES (?,?,?,?,?)"
        " ON CONFLICT (badge) DO UPDATE SET name = excluded.name, role = excluded.role,"
        " pin_hash = excluded.pin_hash, language = excluded.language RETURNING id",
        (badge, name, role, pin_hash, language),
    )
    return int(cur.fetchone()[0])


def operator_ids(conn: sqlite3.Connection | Tx) -> dict[str, int]:
    """Every operator's id by badge."""
    return {r["badge"]: r["id"] for r in conn.execute("SELECT badge, id FROM operators")}


def operator_by_badge(conn: sqlite3.Connection, badge: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM operators WHERE badge = ? AND active", (badge,)
    ).fetchone()
    return row


def enrol_device(
    tx: Tx,
    *,
    name: str,
    kind: str,
    station: str = "",
    secret: str | None = None,
    device_id: str | None = None,
) -> str:
    """A new device (or, with `device_id`, that device enrolled again: a new secret, its open
    sessions ended); the device's secret is stored hashed."""
    device_id = device_id or str(uuid.uuid4())
    secret_hash = token_hash(secret) if secret else None
    tx.execute(
        "INSERT INTO devices (id, name, kind, station, enrolled_at, secret_hash) VALUES (?,?,?,?,?,?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,"
        " station = excluded.station, enrolled_at = excluded.enrolled_at,"
        " secret_hash = excluded.secret_hash, active = 1",
        (device_id, name, kind, station, tx.at, secret_hash),
    )
    end_device_sessions(tx, device_id)
    return device_id


def set_device_secret(tx: Tx, device_id: str, secret: str) -> bool:
    """Give an enrolled device a new credential; its sessions end (whoever held the old one)."""
    cur = tx.execute(
        "UPDATE devices SET secret_hash = ? WHERE id = ? AND active",
        (token_hash(secret), device_id),
    )
    end_device_sessions(tx, device_id)
    return cur.rowcount == 1


def add_enrolment_code(tx: Tx, code: str, *, expires_at: datetime) -> None:
    tx.execute(
        "INSERT INTO enrolment_codes (code_hash, created_at, expires_at) VALUES (?,?,?)",
        (token_hash(code), tx.at, utc(expires_at)),
    )


def use_enrolment_code(tx: Tx, code: str, device_id: str) -> bool:
    """Spend a one-time code for `device_id`: False if unknown, used or expired."""
    cur = tx.execute(
        "UPDATE enrolment_codes SET used_at = ?, device_id = ? WHERE code_hash = ?"
        " AND used_at IS NULL AND expires_at > ?",
        (tx.at, device_id, token_hash(code), tx.at),
    )
    return cur.rowcount == 1


def active_devices_by_kind(conn: sqlite3.Connection) -> dict[str, int]:
    """Enrolled devices not retired, by kind (handheld, scanner, printer, scale, desktop)."""
    rows = conn.execute("SELECT kind, count(*) FROM devices WHERE active GROUP BY kind")
    return {row[0]: row[1] for row in rows}


def device(conn: sqlite3.Connection, device_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM devices WHERE id = ? AND active", (device_id,)
    ).fetchone()
    return row


def device_station(conn: sqlite3.Connection | Tx, device_id: str | None) -> str:
    """The station a device is bound to ("" for a handheld bound to none)."""
    row = conn.execute("SELECT station FROM devices WHERE id = ?", (device_id,)).fetchone()
    return (row["station"] or "") if row else ""


def enrol_fixed_device(tx: Tx, device_id: str, name: str, station: str) -> None:
    """A station's screen as an enrolled desktop device, made or brought up to date (active)."""
    tx.execute(
        "INSERT INTO devices (id, name, kind, station, enrolled_at) VALUES (?,?,?,?,?)"
        " ON CONFLICT (id) DO UPDATE SET name = excluded.name, station = excluded.station,"
        " active = 1",
        (device_id, name, "desktop", station, tx.at),
    )


def newest_open_session(
    conn: sqlite3.Connection, device_id: str, now: datetime
) -> LoginSession | None:
    """The newest open, unexpired login session of a device."""
    row = conn.execute(
        "SELECT token_hash FROM login_sessions WHERE device_id = ? AND ended_at IS NULL"
        " AND expires_at > ? ORDER BY created_at DESC LIMIT 1",
        (device_id, utc(now)),
    ).fetchone()
    if row is None:
        return None
    found = session_by_token_hash(conn, row["token_hash"])
    return found[0] if found else None


def device_by_secret(conn: sqlite3.Connection, secret: str) -> sqlite3.Row | None:
    """The active device whose credential is `secret` (a station's screen before anyone logs in)."""
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM devices WHERE secret_hash = ? AND active", (token_hash(secret),)
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


def _end_sessions(tx: Tx, where: str, params: tuple[Any, ...]) -> int:
    hashes = [
        r[0]
        for r in tx.execute(
            f"SELECT token_hash FROM login_sessions WHERE ended_at IS NULL AND {where}", params
        )
    ]
    for hash_ in hashes:
        end_session(tx, hash_)
    return len(hashes)


def end_operator_sessions(tx: Tx, operator_id: int) -> int:
    """Revoke every open session of an operator (lock, role change, disable); returns how many."""
    return _end_sessions(tx, "operator_id = ?", (operator_id,))


def end_device_sessions(tx: Tx, device_id: str) -> int:
    return _end_sessions(tx, "device_id = ?", (device_id,))


def touch_session(tx: Tx, token_hash_: str) -> None:
    """The session was used now (the idle timeout counts from here)."""
    tx.execute(
        "UPDATE login_sessions SET last_seen_at = ? WHERE token_hash = ?", (tx.at, token_hash_)
    )


def expire_session(tx: Tx, token_hash_: str) -> None:
    """An idle session expires now (its open task stays, for the operator's next login)."""
    tx.execute(
        "UPDATE login_sessions SET expires_at = ? WHERE token_hash = ?", (tx.at, token_hash_)
    )


def unlock_operator(tx: Tx, badge: str) -> bool:
    """Clear a badge's lock and its count of wrong PINs; False for an unknown badge."""
    cur = tx.execute(
        "UPDATE operators SET failed_pins = 0, locked_until = NULL WHERE badge = ?", (badge,)
    )
    return cur.rowcount == 1


def set_operator(
    tx: Tx, badge: str, *, role: str | None = None, active: bool | None = None
) -> bool:
    """Change a badge's role or switch it off or on; either ends its open sessions."""
    row = tx.one("SELECT id, role, active FROM operators WHERE badge = ?", (badge,))
    if row is None:
        return False
    new_role = role or row["role"]
    new_active = row["active"] if active is None else int(active)
    if (new_role, new_active) != (row["role"], row["active"]):
        tx.execute(
            "UPDATE operators SET role = ?, active = ? WHERE id = ?",
            (new_role, new_active, row["id"]),
        )
        end_operator_sessions(tx, row["id"])
    return True


def end_login_only(tx: Tx, token_hash_: str) -> None:
    """End a login session and leave its task open (the demo's seeding picks in a session of
    its own and leaves nobody logged in)."""
    tx.execute("UPDATE login_sessions SET ended_at = ? WHERE token_hash = ?", (tx.at, token_hash_))


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
        " s.expires_at, COALESCE(s.last_seen_at, s.created_at), s.ended_at, o.active"
        " FROM login_sessions s JOIN operators o ON o.id = s.operator_id WHERE s.token_hash = ?",
        (token_hash_,),
    ).fetchone()
    if row is None:
        return None
    ended = row["ended_at"] or (None if row["active"] else "operator disabled")
    return LoginSession(*tuple(row)[:9]), ended


def pin_state(tx: Tx, operator_id: int) -> sqlite3.Row:
    """Failed PIN count and lock, read inside the write so concurrent wrong PINs all count."""
    row = tx.one("SELECT failed_pins, locked_until FROM operators WHERE id = ?", (operator_id,))
    assert row is not None
    return row


def locked_badges(conn: sqlite3.Connection, now: datetime) -> list[dict[str, Any]]:
    """The badges wrong PINs have locked at `now`: badge, name, role and locked_until, the lock
    ending first first."""
    rows = conn.execute(
        "SELECT badge, name, role, locked_until FROM operators"
        " WHERE locked_until IS NOT NULL AND locked_until > ? ORDER BY locked_until, badge",
        (utc(now),),
    )
    return [dict(r) for r in rows]


def badges(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every operator's badge, name and role, by role and badge."""
    rows = conn.execute("SELECT badge, name, role FROM operators ORDER BY role, badge")
    return [dict(r) for r in rows]
