"""Replenishing a pick face from reserve stock (pure): a face whose free units fell to the site's
minimum (`stock.low_stock_threshold`) is filled up to its capacity from one reserve bin, chosen
by the site's rule; with no reserve left it warns instead."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RULES = ("fefo", "fullest", "nearest")


@dataclass(frozen=True)
class Face:
    sku: str
    location: str
    capacity: int
    free: int  # free on_hand at the face now


@dataclass(frozen=True)
class ReserveBin:
    location: str
    lot: str
    free: int
    expiry: str | None = None  # ISO date; None: no expiry known
    pick_seq: int = 0


@dataclass(frozen=True)
class Refill:
    """Move `qty` of the face's SKU (lot `lot`) from `source` to the face."""

    sku: str
    location: str
    source: str
    lot: str
    qty: int


@dataclass(frozen=True)
class NoReserve:
    sku: str
    location: str


def _order(rule: str, r: ReserveBin) -> tuple[object, ...]:
    if rule == "fullest":
        return (-r.free, r.pick_seq, r.location, r.lot)
    if rule == "nearest":
        return (r.pick_seq, r.location, r.expiry or "9999-12-31", r.lot)
    # fefo: the earliest expiry first; among equals the emptiest bin, so bins empty out
    return (r.expiry or "9999-12-31", r.free, r.pick_seq, r.location, r.lot)


def refill(
    face: Face, reserves: Sequence[ReserveBin], minimum: int, rule: str = "fefo"
) -> Refill | NoReserve | None:
    """What the face needs: nothing (above its minimum, or no minimum set), a refill from the
    first reserve bin by `rule`, or a warning that no reserve is left."""
    if minimum <= 0 or face.free > minimum or face.free >= face.capacity:
        return None
    candidates = sorted(
        (r for r in reserves if r.free > 0 and r.location != face.location),
        key=lambda r: _order(rule, r),
    )
    if not candidates:
        return NoReserve(face.sku, face.location)
    best = candidates[0]
    return Refill(
        face.sku, face.location, best.location, best.lot, min(face.capacity - face.free, best.free)
    )
