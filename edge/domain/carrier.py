"""Tracking numbers for the built-in offline carrier: UPU S10 item identifiers (pure).

An S10 identifier is 2 service letters, an 8-digit serial, a check digit and the 2-letter
country code, e.g. "EE123456785CN". Check digit (UPU standard S10, §5.2): weights 8 6 4 2 3 5 9 7
on the serial's digits; c = 11 − (sum mod 11); 10 → 0, 11 → 5. Each edge issues serials from its
own configured range, so two edges never issue the same number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.domain.errors import EdgeError

S10 = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")
_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """The S10 check digit of an 8-digit serial."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError(f"an S10 serial has 8 digits, got {serial!r}")
    c = 11 - sum(int(d) * w for d, w in zip(serial, _WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(c, c)


def is_s10(code: str) -> bool:
    """True for a well-formed S10 identifier with a correct check digit."""
    return bool(S10.match(code)) and s10_check_digit(code[2:10]) == int(code[10])


@dataclass(frozen=True)
class NumberRange:
    """The serials this edge may issue: [first, last], with a 2-letter service and country."""

    service: str
    country: str
    first: int
    last: int

    def tracking_number(self, serial: int) -> str:
        if not self.first <= serial <= self.last:
            raise EdgeError("tracking_range_used_up", first=self.first, last=self.last)
        digits = f"{serial:08d}"
        return f"{self.service}{digits}{s10_check_digit(digits)}{self.country}"
