"""Number options of the command lines with the range their meaning allows.

click.FloatRange lets "nan" through (NaN compares false with every bound) and "inf" through
when there is no upper bound: `--seconds nan` stopped a listener at once and `--duration inf`
would never end. Needs only click.
"""

from __future__ import annotations

import math
from typing import Any

import click

INT64_MAX = 2**63 - 1  # SQLite's INTEGER, so an id never overflows
# The serial speeds pyserial and the kernel take (termios): 50 baud to 4 Mbaud.
Baud = click.IntRange(50, 4_000_000)
Port = click.IntRange(0, 65_535)
RowId = click.IntRange(1, INT64_MAX)


class Seconds(click.FloatRange):
    """A finite number of seconds within the range (never NaN or infinity)."""

    def __init__(self, min: float, max: float) -> None:
        super().__init__(min, max)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        found = super().convert(value, param, ctx)
        if not math.isfinite(found):
            self.fail(f"{value!r} is not a number of seconds from {self.min} to {self.max}.")
        return found
