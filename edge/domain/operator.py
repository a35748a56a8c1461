"""Operators, roles and the PIN rules (pure: the hash is CPU work, done off the event loop)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from edge.domain.errors import EdgeError


class Role(StrEnum):
    PICKER = "picker"
    PACKER = "packer"
    RETURNS = "returns"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


FLOOR_ROLES = frozenset(Role)
MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def hash_pin(pin: str, *, salt: bytes, cost: int = 14) -> str:
    """scrypt (RFC 7914) with a per-operator salt; `cost` is log2 of N."""
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=2**cost, r=8, p=1, dklen=32)
    enc = base64.b64encode
    return f"scrypt${cost}${enc(salt).decode()}${enc(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, cost, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = hash_pin(pin, salt=base64.b64decode(salt), cost=int(cost))
    return hmac.compare_digest(expected.split("$")[3], digest)


def check_pin_format(pin: str, *, min_length: int) -> None:
    if not pin.isdigit() or len(pin) < min_length:
        raise EdgeError("invalid_request", reason=f"a PIN is {min_length} or more digits")


@dataclass(frozen=True)
class PinAttempt:
    """What a login attempt does to the operator's record."""

    failed_pins: int
    locked_until: datetime | None


def after_failed_pin(
    failed_pins: int, *, now: datetime, max_attempts: int, lockout: timedelta
) -> PinAttempt:
    """One more wrong PIN; the last allowed one locks the badge for `lockout`."""
    failed = failed_pins + 1
    if failed >= max_attempts:
        return PinAttempt(0, now + lockout)
    return PinAttempt(failed, None)


def check_assignee(
    role: str, operator_id: int, assignee: int | None, *, what: str, key: str
) -> None:
    """Work assigned to someone is opened and acted on by them alone; supervisors and admins may
    act on anyone's. Unassigned work (`assignee` None) is open to whoever takes it."""
    if assignee is None or assignee == operator_id or Role(role) in MANAGERS:
        return
    raise EdgeError("not_assignee", what=what, key=key)


# The idle clock is written at most this often per session: the idle timeout is exact to this.
TOUCH_EVERY = timedelta(seconds=60)


def activity(last_seen: datetime | None, *, now: datetime, idle: timedelta) -> str:
    """What a session's use now means: "idle" (unused longer than `idle`: it expires), "touch"
    (record the use: the idle clock restarts) or "fresh" (used moments ago: nothing to write)."""
    if last_seen is not None and now - last_seen > idle:
        return "idle"
    if last_seen is None or now - last_seen > min(TOUCH_EVERY, idle / 4):
        return "touch"
    return "fresh"
