"""Login by badge + PIN: the slow PIN check runs in a worker thread, never on the event loop and
never in the writer; the outcome (session, or a counted failure and maybe a lockout) is one write.

An unknown badge and a wrong PIN get the same answer after the same work (a dummy hash at the
configured cost), so badges cannot be told apart from outside. Failures slow their source down
(`SourceThrottle`) long before a badge locks; a locked badge is reported only to whoever knows its
PIN, and locking it ends its open sessions."""

from __future__ import annotations

import hmac
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Any

import anyio.to_thread

from edge.config.sections import AuthSettings as AuthSection
from edge.domain.errors import EdgeError
from edge.domain.operator import Role, after_failed_pin, hash_pin, verify_pin
from edge.service.throttle import SourceThrottle
from edge.store import operators as ops
from edge.store.database import Store
from edge.store.writer import Tx


@lru_cache(maxsize=4)
def dummy_hash(cost: int) -> str:
    """Checked when the badge is unknown, so that a wrong badge costs as long as a wrong PIN."""
    return hash_pin("0000", salt=b"\0" * 16, cost=cost)


@dataclass(frozen=True)
class AuthSettings:
    session_hours: int = 12
    badge_lock_attempts: int = 20
    lockout_minutes: int = 15
    pin_hash_cost: int = 14
    idle_minutes: int = 60

    @classmethod
    def of(cls, auth: AuthSection) -> AuthSettings:
        """From the settings' [auth] section."""
        return cls(**{name: getattr(auth, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Attempt:
    badge: str
    pin: str
    device_id: str
    device_secret: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: ops.LoginSession


def check_device(conn: object, device_id: str, secret: str) -> None:
    """The device is enrolled, and presents its own credential where it has one; a station's
    identity is never usable without its credential."""
    row = ops.device(conn, device_id)  # type: ignore[arg-type]
    if row is None:
        raise EdgeError("unknown_device", device_id=device_id)
    stored = row["secret_hash"]
    if stored is None and not row["station"]:
        return  # a handheld enrolled before devices had credentials
    if stored is None or not hmac.compare_digest(stored, ops.token_hash(secret)):
        raise EdgeError("bad_device_credential", device_id=device_id)


# scrypt at the production cost (auth.pin_hash_cost 14) takes 16 MiB for each check, and the
# thread pool runs 40 at once: a shift logging in together took the edge past 600 MB resident
# (bench/floor_bench.py). Two checks at a time, one per core, keep it to 32 MiB and lose nothing:
# scrypt is CPU-bound, so more at once on two cores only makes each one slower.
PIN_CHECKS_AT_ONCE = 2


@cache
def _pin_slots() -> anyio.CapacityLimiter:
    return anyio.CapacityLimiter(PIN_CHECKS_AT_ONCE)


async def pin_matches(pin: str, stored: str) -> bool:
    """`verify_pin` in a worker thread, at most PIN_CHECKS_AT_ONCE in the process at a time."""
    return await anyio.to_thread.run_sync(verify_pin, pin, stored, limiter=_pin_slots())


async def login(
    store: Store, settings: AuthSettings, throttle: SourceThrottle, attempt: Attempt
) -> LoginResult:
    now = datetime.now(UTC)
    throttle.check(attempt.sources, now)
    conn = store.read()
    try:
        check_device(conn, attempt.device_id, attempt.device_secret)
    except EdgeError:
        throttle.failed(attempt.sources, now)
        raise
    operator = ops.operator_by_badge(conn, attempt.badge.strip())
    stored = operator["pin_hash"] if operator else dummy_hash(settings.pin_hash_cost)
    good = await pin_matches(attempt.pin, stored)
    if operator is None:
        throttle.failed(attempt.sources, now)
        raise EdgeError("bad_credentials")
    token = secrets.token_urlsafe(32)
    outcome = await store.writer.run(
        lambda tx: _record_attempt(tx, settings, operator["id"], attempt, good, token)
    )
    if isinstance(outcome, EdgeError):
        if not good:
            throttle.failed(attempt.sources, now)
        raise outcome
    found = ops.session_by_token_hash(store.read(), ops.token_hash(token))
    assert found is not None
    return LoginResult(token, found[0])


def _record_attempt(
    tx: Tx, settings: AuthSettings, operator_id: int, attempt: Attempt, good: bool, token: str
) -> EdgeError | None:
    """Re-read the operator inside the write so concurrent wrong PINs all count."""
    refused = count_pin(tx, settings, operator_id, attempt.badge, good)
    if refused is None:
        expires = tx.now + timedelta(hours=settings.session_hours)
        ops.open_session(
            tx,
            token=token,
            operator_id=operator_id,
            device_id=attempt.device_id,
            expires_at=expires,
        )
    return refused


def count_pin(
    tx: Tx, settings: AuthSettings, operator_id: int, badge: str, good: bool
) -> EdgeError | None:
    """Inside the write: count a wrong PIN (the last allowed one locks the badge and ends its
    sessions) and return the refusal, to raise after the commit; None for a good PIN. A locked
    badge is named only to whoever gives its right PIN: a guesser learns nothing from it."""
    row = ops.pin_state(tx, operator_id)
    locked_until = ops.parse_utc(row["locked_until"])
    locked = locked_until is not None and locked_until > tx.now
    if good and locked:
        assert locked_until is not None
        return EdgeError("operator_locked", badge=badge, until=locked_until.strftime("%H:%M UTC"))
    if good:
        return None
    if locked:
        return EdgeError("bad_credentials")
    failed = after_failed_pin(
        row["failed_pins"],
        now=tx.now,
        max_attempts=settings.badge_lock_attempts,
        lockout=timedelta(minutes=settings.lockout_minutes),
    )
    ops.record_failed_pin(
        tx, operator_id, failed=failed.failed_pins, locked_until=failed.locked_until
    )
    if failed.locked_until is not None:
        ops.end_operator_sessions(tx, operator_id)
    return EdgeError("bad_credentials")


async def logout(store: Store, session: ops.LoginSession) -> None:
    """End the session (and its open task)."""
    await store.writer.run(lambda tx: ops.end_session(tx, session.token_hash))


def locked_badges(conn: sqlite3.Connection, now: datetime) -> list[dict[str, Any]]:
    """The badges locked by wrong PINs now, for a supervisor to unlock (the lock ending first
    first)."""
    return ops.locked_badges(conn, now)


async def unlock(store: Store, badge: str) -> None:
    """Unlock a badge locked by wrong PINs (and forget its count of them)."""
    if not await store.writer.run(lambda tx: ops.unlock_operator(tx, badge)):
        raise EdgeError("not_found", what="badge", key=badge)


async def change_operator(
    store: Store, badge: str, *, role: Role | None = None, active: bool | None = None
) -> None:
    """Give a badge another role or switch it off or on, in one commit; either ends its open
    sessions (it logs in again)."""
    new_role = role.value if role is not None else None
    if not await store.writer.run(
        lambda tx: ops.set_operator(tx, badge, role=new_role, active=active)
    ):
        raise EdgeError("not_found", what="badge", key=badge)


async def note_use(store: Store, token_hash_: str, used: str) -> None:
    """A session's use: `idle` expires it (its task carries over to the next login), `touch`
    records that it was seen; anything else writes nothing."""
    if used == "idle":
        await store.writer.run_call(ops.expire_session, token_hash_)
    elif used == "touch":
        await store.writer.run_call(ops.touch_session, token_hash_)
