"""Exponential back-off with jitter between attempts to reach central."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Backoff:
    """Delays that double from `base_s` up to `cap_s`, each drawn from the upper half of its
    window ("equal jitter": never zero, so a dead central is not hammered; spread, so edges that
    lost central together do not all come back in the same instant)."""

    base_s: float = 0.5
    cap_s: float = 30.0
    attempts: int = 0
    rand: Callable[[], float] = field(default=random.random, repr=False)

    def next_delay(self) -> float:
        """The wait before the next attempt; each call counts one more failure."""
        window = min(self.cap_s, self.base_s * 2 ** min(self.attempts, 32))
        self.attempts += 1
        return window / 2 + self.rand() * window / 2

    def reset(self) -> None:
        """Central answered: the next failure starts from `base_s` again."""
        self.attempts = 0
