"""Login by badge + PIN: the slow PIN check runs in a worker thread, never on the event loop and
never in the writer; the outcome (session, or a counted failure and maybe a lockout) is one write."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from starlette.concurrency import run_in_threadpool

from edge.domain.errors import EdgeError
from edge.domain.operator import after_failed_pin, check_not_locked, hash_pin, verify_pin
from edge.store import operators as ops
from edge.store.store import Store
from edge.store.writer import Tx

# Checked when the badge is unknown, so that a wrong badge costs as long as a wrong PIN.
_DUMMY_HASH = hash_pin("0000", salt=b"\0" * 16, cost=10)


@dataclass(frozen=True)
class AuthSettings:
    session_hours: int = 12
    max_pin_attempts: int = 5
    lockout_minutes: int = 15


@dataclass(frozen=True)
class LoginResult:
    token: str
    session: ops.LoginSession


async def login(
    store: Store, settings: AuthSettings, *, badge: str, pin: str, device_id: str
) -> LoginResult:
    conn = store.read()
    if ops.device(conn, device_id) is None:
        raise EdgeError("unknown_device", device_id=device_id)
    operator = ops.operator_by_badge(conn, badge.strip())
    stored = operator["pin_hash"] if operator else _DUMMY_HASH
    good = await run_in_threadpool(verify_pin, pin, stored)
    if operator is None:
        raise EdgeError("bad_credentials", attempts_left=settings.max_pin_attempts)
    token = secrets.token_urlsafe(32)
    outcome = await store.writer.run(
        lambda tx: _record_attempt(tx, settings, operator["id"], badge, good, token, device_id)
    )
    if isinstance(outcome, EdgeError):
        raise outcome
    found = ops.session_by_token_hash(store.read(), ops.token_hash(token))
    assert found is not None
    return LoginResult(token, found[0])


def _record_attempt(
    tx: Tx,
    settings: AuthSettings,
    operator_id: int,
    badge: str,
    good: bool,
    token: str,
    device_id: str,
) -> EdgeError | None:
    """Re-read the operator inside the write so concurrent wrong PINs all count."""
    refused = count_pin(tx, settings, operator_id, badge, good)
    if refused is None:
        expires = tx.now + timedelta(hours=settings.session_hours)
        ops.open_session(
            tx, token=token, operator_id=operator_id, device_id=device_id, expires_at=expires
        )
    return refused


def count_pin(
    tx: Tx, settings: AuthSettings, operator_id: int, badge: str, good: bool
) -> EdgeError | None:
    """Inside the write: refuse a locked badge, count a wrong PIN (maybe locking the badge) and
    return its refusal, to raise after the commit; None for a good PIN."""
    row = ops.pin_state(tx, operator_id)
    check_not_locked(badge, ops.parse_utc(row["locked_until"]), now=tx.now)
    if good:
        return None
    attempt = after_failed_pin(
        row["failed_pins"], now=tx.now, max_attempts=settings.max_pin_attempts,
        lockout=timedelta(minutes=settings.lockout_minutes),
    )  # fmt: skip
    ops.record_failed_pin(
        tx, operator_id, failed=attempt.failed_pins, locked_until=attempt.locked_until
    )
    if attempt.locked_until is not None:
        # Returned, not raised: the failure count must commit, not roll back with the refusal.
        return EdgeError(
            "operator_locked", badge=badge, until=attempt.locked_until.strftime("%H:%M UTC")
        )
    return EdgeError(
        "bad_credentials", attempts_left=settings.max_pin_attempts - attempt.failed_pins
    )
