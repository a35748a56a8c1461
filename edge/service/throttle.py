"""The login and enrolment throttles of this process (in memory: a restart forgets them, which
costs a guesser nothing it could not get by waiting). The rules are pure, in edge/domain/throttle.py."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from edge.domain.errors import EdgeError
from edge.domain.throttle import Failures, after_failure, wait_after, within_rate


def _refuse(wait_s: float) -> EdgeError:
    return EdgeError("too_many_attempts", retry_after_s=max(1, math.ceil(wait_s)))


class SourceThrottle:
    """Failed logins per source; a source past its free tries waits longer after each failure."""

    def __init__(self, *, free: int, max_delay_s: float, size: int = 10_000) -> None:
        self._free = free
        self._max_delay_s = max_delay_s
        self._forget = timedelta(seconds=2 * max_delay_s)
        self._size = size
        self._seen: dict[str, Failures] = {}

    def check(self, sources: Iterable[str], now: datetime) -> None:
        """Refuse (too_many_attempts, with the seconds to wait) while any source must wait."""
        wait = max((self.wait(s, now) for s in sources), default=0.0)
        if wait > 0:
            raise _refuse(wait)

    def wait(self, source: str, now: datetime) -> float:
        found = self._seen.get(source)
        return wait_after(found, now=now, free=self._free, max_delay_s=self._max_delay_s)

    def failed(self, sources: Iterable[str], now: datetime) -> None:
        if len(self._seen) >= self._size:
            self._seen = {k: f for k, f in self._seen.items() if now - f.last <= self._forget}
        for source in sources:
            self._seen[source] = after_failure(
                self._seen.get(source), now=now, forget_after=self._forget
            )


class RateLimit:
    """At most `per_minute` events per key in any minute."""

    def __init__(self, *, per_minute: int) -> None:
        self._per_minute = per_minute
        self._times: dict[str, tuple[datetime, ...]] = {}

    def take(self, key: str, now: datetime) -> None:
        """Count one event for `key`, or refuse it (too_many_attempts) when the minute is full."""
        recent = tuple(t for t in self._times.get(key, ()) if now - t < timedelta(minutes=1))
        wait = within_rate(recent, now=now, per_minute=self._per_minute)
        if wait > 0:
            self._times[key] = recent
            raise _refuse(wait)
        self._times[key] = (*recent, now)
        if len(self._times) > 10_000:
            self._times = {
                k: v for k, v in self._times.items() if v and now - v[-1] < timedelta(minutes=1)
            }
