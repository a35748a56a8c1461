"""How long a source of logins (a device, a client address) must wait after failing: pure, the
clock is passed in. Sources are slowed down long before a badge is locked, so an anonymous
guesser cannot lock anyone out (OWASP Authentication Cheat Sheet, "Account lockout")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Failures:
    """A source's failed tries in a row and when the last one was."""

    count: int
    last: datetime


def wait_after(failures: Failures | None, *, now: datetime, free: int, max_delay_s: float) -> float:
    """Seconds the source must still wait: none for its first `free` failures, then 1 s
    doubling with each further failure, at most `max_delay_s`."""
    if failures is None or failures.count < free:
        return 0.0
    delay = min(max_delay_s, 2.0 ** min(failures.count - free, 40))
    return max(0.0, delay - (now - failures.last).total_seconds())


def after_failure(failures: Failures | None, *, now: datetime, forget_after: timedelta) -> Failures:
    """One more failure; a source quiet for `forget_after` starts again from one."""
    if failures is None or now - failures.last > forget_after:
        return Failures(1, now)
    return Failures(failures.count + 1, now)


def within_rate(times: tuple[datetime, ...], *, now: datetime, per_minute: int) -> float:
    """Seconds until one more event fits `per_minute` (0: it fits now), given the recent ones."""
    recent = sorted(t for t in times if now - t < timedelta(minutes=1))
    if len(recent) < per_minute:
        return 0.0
    return (recent[-per_minute] + timedelta(minutes=1) - now).total_seconds()
