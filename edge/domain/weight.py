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
            grams=abs(check.difference_g),
            way="too_light" if check.difference_g < 0 else "too_heavy",
            difference_g=check.difference_g,
            hint_prompt="weight_check_contents",
        )
    return check


def tolerance_g(expected_g: int, *, tolerance_g: int, tolerance_pct: float | Decimal) -> int:
    """The tolerance in grams for a parcel expected to weigh `expected_g` (rounded down)."""
    share = Decimal(str(tolerance_pct)) * abs(expected_g) / 100
    return max(tolerance_g, int(share))


@dataclass(frozen=True)
class LikelyCause:
    """What most likely makes a parcel off: `qty` units of `sku` missing (or extra)."""

    sku: str
    qty: int
    unit_weight_g: int


def likely_cause(
    difference_g: int, lines: Sequence[tuple[str, int, int]], *, tolerance_g: int
) -> LikelyCause | None:
    """The line whose unit weight explains a difference: `lines` are (sku, unit g, qty in the
    parcel). Too light: up to qty of a line's units missing; too heavy: up to 3 extra of any.
    The nearest fit within the tolerance wins, fewer units first; None when nothing fits."""
    best: tuple[int, int, int] | None = None  # (error, units, index)
    for index, (_sku, unit_g, qty) in enumerate(lines):
        if unit_g <= 0:
            continue
        most = qty if difference_g < 0 else 3
        for units in range(1, most + 1):
            error = abs(abs(difference_g) - units * unit_g)
            if error <= tolerance_g and (best is None or (error, units) < best[:2]):
                best = (error, units, index)
    if best is None:
        return None
    sku, unit_g, _ = lines[best[2]]
    return LikelyCause(sku, best[1], unit_g)


TYPED_WEIGHT_POLICIES = ("allow", "supervisor", "never")


def typed_weight_needs(policy: str, *, scale_live: bool) -> str:
    """What a weight typed or scanned by hand needs under the site's `packing.typed_weight`:
    "nothing", "supervisor" (badge + PIN on the spot) or "refused". Over a live scale a typed
    weight always needs a supervisor: the scale is what the packer must not be able to skip."""
    if policy not in TYPED_WEIGHT_POLICIES:
        raise ValueError(f"typed_weight policy must be one of {TYPED_WEIGHT_POLICIES}: {policy!r}")
    if policy == "never":
        return "refused"
    return "supervisor" if scale_live or policy == "supervisor" else "nothing"
