"""Exponential back-off between attempts: the sync agent reaching central, a device reopening its
port, a print job trying its printer again."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


def window(failures: int, base_s: float, cap_s: float) -> float:
    """The longest wait after `failures` failed tries before this one: `base_s` doubled for
    each, at most `cap_s` (a long outage does not overflow)."""
    return float(min(cap_s, base_s * 2 ** min(max(failures, 0), 32)))


@dataclass
class Backoff:
    """Delays that double from `base_s` up to `cap_s`.

    With `jitter` (the default) each is drawn from the upper half of its window ("equal
    jitter": never zero, so a dead central is not hammered; spread, so edges that lost central
    together do not all come back in the same instant). Without, each is the whole window
    (a device's own port has no crowd to spread)."""

    base_s: float = 0.5
    cap_s: float = 30.0
    attempts: int = 0
    jitter: bool = True
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def next_delay(self) -> float:
        """The wait before the next attempt; each call counts one more failure."""
        span = window(self.attempts, self.base_s, self.cap_s)
        self.attempts += 1
        return span / 2 + self.rand() * span / 2 if self.jitter else span

    def reset(self) -> None:
        """The other side answered: the next failure starts from `base_s` again."""
        self.attempts = 0
