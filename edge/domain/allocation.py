"""Allocation: which bin (and lot) each order line's units will be picked from (pure).

Eligible stock only: never a lot that has expired on the warehouse's date `today`, nor one with
fewer days left than the line's minimum remaining shelf life (`edge.domain.shelf_life`). Among
the eligible, first-expiry-first-out for lots with an expiry (lots without one come after), then
the location's pick sequence, then the location code — so pickers walk forward and old stock
leaves first. An order is allocated whole or not at all: a partly allocated order would hold
stock that another order could ship today.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from edge.domain.ledger import Reservation
from edge.domain.shelf_life import allocatable, as_date


@dataclass(frozen=True)
class Candidate:
    """Free on_hand of one SKU in one bin and lot."""

    location: str
    free: int
    pick_seq: int = 0
    lot: str = ""
    expiry: str | None = None  # ISO date


@dataclass(frozen=True)
class LineRequest:
    line_id: str
    sku: str
    qty: int
    lot: str = ""  # a line may ask for one lot
    min_shelf_days: int = 0  # the product's or the channel's minimum remaining shelf life


@dataclass(frozen=True)
class Shortage:
    sku: str
    needed: int
    free: int
    too_short_dated: int = 0  # free units left out: expired or below the minimum shelf life


@dataclass(frozen=True)
class Allocation:
    """Either the reservations for every line, or the shortages that put the order on hold."""

    reservations: tuple[Reservation, ...] = ()
    shortages: tuple[Shortage, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.shortages


def pick_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    return sorted(
        candidates, key=lambda c: (c.expiry is None, c.expiry or "", c.pick_seq, c.location, c.lot)
    )


def allocate(
    lines: Sequence[LineRequest], candidates: Mapping[str, Sequence[Candidate]], *, today: date
) -> Allocation:
    """Reserve every line from the eligible candidates (shared between lines of the same SKU)."""
    left = {(sku, c.location, c.lot): c.free for sku, cs in candidates.items() for c in cs}
    reservations: list[Reservation] = []
    shortages: list[Shortage] = []
    for line in lines:
        asked = [c for c in candidates.get(line.sku, ()) if not line.lot or c.lot == line.lot]
        usable = pick_order(
            c for c in asked if allocatable(as_date(c.expiry), today, line.min_shelf_days)
        )
        dated_out = sum(left[(line.sku, c.location, c.lot)] for c in asked if c not in usable)
        remaining = line.qty
        for c in usable:
            n = min(remaining, left[(line.sku, c.location, c.lot)])
            if n > 0:
                reservations.append(Reservation(line.line_id, line.sku, c.location, n, lot=c.lot))
                left[(line.sku, c.location, c.lot)] -= n
                remaining -= n
            if remaining == 0:
                break
        if remaining:
            free = sum(left[(line.sku, c.location, c.lot)] for c in usable) + line.qty - remaining
            shortages.append(Shortage(line.sku, line.qty, free, dated_out))
    if shortages:
        return Allocation(shortages=tuple(shortages))
    return Allocation(tuple(reservations))


def release_all(held: Mapping[tuple[str, str, str, str], int], line_id: str) -> list[Reservation]:
    """Reservations that give back everything `line_id` holds ((sku, location, container, lot) → qty)."""
    return [
        Reservation(line_id, sku, loc, -qty, container=c, lot=lot)
        for (sku, loc, c, lot), qty in held.items()
        if qty > 0
    ]


def release_some(
    held: Mapping[tuple[str, str, str, str], int], line_id: str, qty: int
) -> list[Reservation]:
    """Reservations that give back `qty` of what `line_id` holds (at most all of it), from the
    grains last in key order first (the pick walk's far end)."""
    out: list[Reservation] = []
    left = qty
    for (sku, loc, c, lot), have in sorted(held.items(), reverse=True):
        if left <= 0:
            break
        if (take := min(have, left)) > 0:
            out.append(Reservation(line_id, sku, loc, -take, container=c, lot=lot))
            left -= take
    return out
