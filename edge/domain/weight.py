"""The pack bench's weight check: the parcel on the scale against what its contents should weigh.

A missing or extra item shows as a difference larger than the scale's and the catalogue's noise;
the tolerance is the larger of a fixed number of grams and a share of the expected weight, so
light parcels are judged in grams and heavy ones in percent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from edge.domain.errors import EdgeError


@dataclass(frozen=True)
class WeightCheck:
    """The outcome of weighing: `ok` within tolerance; `difference_g` is measured − expected."""

    ok: bool
    difference_g: int


def expected_weight_g(items: Sequence[tuple[int, int]], tare_g: int) -> int:
    """The parcel's expected weight: each (unit weight in g, quantity) plus the package's tare."""
    if tare_g < 0:
        raise ValueError(f"tare must not be negative, got {tare_g} g")
    for unit_weight_g, qty in items:
        if unit_weight_g < 0 or qty < 0:
            raise ValueError(
                f"unit weight and quantity must not be negative: {unit_weight_g} g × {qty}"
            )
    return tare_g + sum(unit_weight_g * qty for unit_weight_g, qty in items)


def compare_weight(
    measured_g: int,
    expected_g: int,
    *,
    tolerance_g: int,
    tolerance_pct: float | Decimal,
) -> WeightCheck:
    """Weigh against the expectation: within ±tolerance_g or ±tolerance_pct %, whichever is larger."""
    if tolerance_g < 0 or tolerance_pct < 0:
        raise ValueError("tolerances must not be negative")
    difference = measured_g - expected_g
    # Exact arithmetic: a float share of the expected weight would blur the tolerance's edge.
    share = Decimal(str(tolerance_pct)) * abs(expected_g)
    ok = abs(difference) <= tolerance_g or abs(difference) * 100 <= share
    return WeightCheck(ok=ok, difference_g=difference)


def check_weight(
    measured_g: int,
    expected_g: int,
    *,
    tolerance_g: int,
    tolerance_pct: float | Decimal,
) -> WeightCheck:
    """As compare_weight, but a parcel outside the tolerance stops the packer (EdgeError weight_off)."""
    check = compare_weight(
        measured_g, expected_g, tolerance_g=tolerance_g, tolerance_pct=tolerance_pct
    )
    if not check.ok:
        raise EdgeError(
            "weight_off",
            difference=check.difference_g,
            measured=measured_g,
            expected=expected_g,
        )
    return check
