"""Cutting units off an order's lines after release (a refund central passes on as
`order_lines_cancelled`): which units come off the shelf reservation, which come back from the
tote, and when the cut cannot be honoured (pure).

A line's units are, in this order: not yet picked (their reservation is given back), picked and
in a tote (they go back to a bin by a put-back task), packed (in a closed parcel: the cut is
refused, the goods are as good as gone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from edge.domain.order import OrderStatus

# Once the order is packed, every unit is in a parcel: nothing can be taken out at the edge.
UNCUTTABLE = frozenset(
    {
        OrderStatus.PACKED,
        OrderStatus.SHIPPED,
        OrderStatus.COMPLETED,
        OrderStatus.RETURN_EXPECTED,
        OrderStatus.RETURN_RECEIVED,
        OrderStatus.RETURN_GRADED,
        OrderStatus.CLOSED,
    }
)


@dataclass(frozen=True)
class Line:
    """An order line as the cut sees it."""

    line_id: str
    line_no: int
    sku: str
    ordered: int
    cancelled: int = 0
    picked: int = 0  # picked and not put back
    packed: int = 0

    @property
    def left(self) -> int:
        """Units still to ship."""
        return self.ordered - self.cancelled


@dataclass(frozen=True)
class Cut:
    """Units cut off one line: `from_shelf` of them had not been picked, `from_tote` had."""

    line_id: str
    line_no: int
    sku: str
    qty: int
    from_shelf: int
    from_tote: int


@dataclass(frozen=True)
class CutPlan:
    cuts: tuple[Cut, ...] = ()
    refusal: str = ""  # why nothing was cut ("" when the cut is honoured)
    whole: bool = False  # nothing would be left: cancel the order instead

    @property
    def refused(self) -> bool:
        return bool(self.refusal)


def plan_cut(
    status: OrderStatus, lines: Sequence[Line], asked: Sequence[tuple[int, str, int]]
) -> CutPlan:
    """The cut of `asked` ((line_no, sku, qty) each) from `lines`; all of it or nothing.
    A line is found by its number and SKU, else by SKU alone; more than is left cuts what is left."""
    if status in UNCUTTABLE:
        return CutPlan(refusal=f"the order is {status.value}: its units are in parcels")
    cut: dict[str, int] = {}
    for line_no, sku, qty in asked:
        line = _find(lines, line_no, sku, cut)
        if line is None:
            return CutPlan(refusal=f"no line {line_no} ({sku}) with units left on this order")
        cut[line.line_id] = cut.get(line.line_id, 0) + min(
            qty, line.left - cut.get(line.line_id, 0)
        )
    cuts = []
    for line in lines:
        qty = cut.get(line.line_id, 0)
        if qty <= 0:
            continue
        if line.packed > line.left - qty:
            return CutPlan(refusal=f"{line.packed} × {line.sku} of line {line.line_no} are packed")
        from_shelf = min(qty, max(line.left - line.picked, 0))
        cuts.append(Cut(line.line_id, line.line_no, line.sku, qty, from_shelf, qty - from_shelf))
    whole = all(line.left - cut.get(line.line_id, 0) <= 0 for line in lines)
    return CutPlan(tuple(cuts), whole=whole)


def _find(lines: Sequence[Line], line_no: int, sku: str, cut: Mapping[str, int]) -> Line | None:
    same = [
        ln for ln in lines if ln.sku.upper() == sku.upper() and ln.left > cut.get(ln.line_id, 0)
    ]
    return next((ln for ln in same if ln.line_no == line_no), same[0] if same else None)


def units_to_return(
    in_totes: Sequence[Mapping[str, Any]], promised: Mapping[tuple[str, str, str], int], qty: int
) -> list[dict[str, Any]]:
    """`qty` units of one SKU from the order's totes (`container`, `sku`, `lot`, `qty` each),
    leaving out those open put-backs already `promised` ((container, sku, lot) → qty)."""
    out: list[dict[str, Any]] = []
    left = qty
    for row in in_totes:
        key = (str(row["container"]), str(row["sku"]), str(row["lot"]))
        free = int(row["qty"]) - promised.get(key, 0)
        if left <= 0:
            break
        if (take := min(free, left)) > 0:
            out.append({"container": key[0], "sku": key[1], "lot": key[2], "qty": take})
            left -= take
    return out
