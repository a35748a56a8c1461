"""Stock buckets, movements and the rules every change of stock obeys (pure).

Every unit in the building is in exactly one bucket at one place: `on_hand` (sellable, in a
bin), `picked` (in a tote or at a bench), `frozen` (quarantine, damaged, count hold) or
`returns_in_transit` (announced, not yet here). Stock enters and leaves through external
accounts, so that receiving and shipping are movements like any other. `allocated` is not a
place: it is a reservation of on_hand units for an order line and never exceeds on_hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from edge.domain.errors import EdgeError

# The ledger's ranges. A balance stays far inside int64 so that sums of balances (a SKU over every
# bin, central over every edge) are still exact integers; no warehouse holds a trillion units.
MAX_BALANCE = 10**12
# The most units one movement, and so one command, may move (config `stock.max_quantity` may
# ask for less).
MAX_QUANTITY = 10**9


class Bucket(StrEnum):
    ON_HAND = "on_hand"
    PICKED = "picked"
    FROZEN = "frozen"
    RETURNS_IN_TRANSIT = "returns_in_transit"


class Account(StrEnum):
    """Outside the building: where stock comes from and goes to."""

    RECEIVED = "received"
    SHIPPED = "shipped"
    ADJUSTED = "adjusted"
    CUSTOMER = "customer"


@dataclass(frozen=True, order=True)
class Place:
    """Where a unit is: a location, optionally a container there, and its bucket."""

    location: str
    bucket: Bucket
    container: str = ""


Side = Place | Account

# The ledger grain: (sku, location, container, lot, bucket).
Key = tuple[str, str, str, str, str]
# The reservation grain: (order_line_id, sku, location, container, lot).
ReservationKey = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class Movement:
    """`qty` units of `sku`/`lot` go from `source` to `target`; one row of the ledger."""

    type: str
    sku: str
    qty: int
    source: Side
    target: Side
    lot: str = ""
    serial: str = ""
    reason: str = ""
    order_id: str | None = None
    line_id: str | None = None

    def __post_init__(self) -> None:
        if self.qty <= 0:
            raise ValueError(f"a movement moves a positive quantity, got {self.qty}")
        if self.qty > MAX_QUANTITY:
            raise EdgeError("quantity_too_large", quantity=self.qty, limit=MAX_QUANTITY)
        if isinstance(self.source, Account) and isinstance(self.target, Account):
            raise ValueError("a movement has at least one side in the building")


@dataclass(frozen=True)
class Reservation:
    """A change of the reservation held by an order line at one grain (delta may be negative)."""

    line_id: str
    sku: str
    location: str
    delta: int
    container: str = ""
    lot: str = ""

    @property
    def key(self) -> ReservationKey:
        return (self.line_id, self.sku, self.location, self.container, self.lot)


def key_of(sku: str, place: Place, lot: str = "") -> Key:
    return (sku, place.location, place.container, lot, place.bucket.value)


@dataclass(frozen=True)
class Stock:
    """The part of the ledger a command needs: balances and reservations, read-only."""

    balances: Mapping[Key, int] = field(default_factory=dict)
    reserved: Mapping[ReservationKey, int] = field(default_factory=dict)

    def qty(self, sku: str, place: Place, lot: str = "") -> int:
        return self.balances.get(key_of(sku, place, lot), 0)

    def allocated(self, sku: str, location: str, container: str = "", lot: str = "") -> int:
        return sum(
            q
            for (_, s, loc, c, lt), q in self.reserved.items()
            if (s, loc, c, lt) == (sku, location, container, lot)
        )

    def free(self, sku: str, location: str, container: str = "", lot: str = "") -> int:
        """on_hand that no order line has reserved: what may be moved away or allocated."""
        on_hand = self.qty(sku, Place(location, Bucket.ON_HAND, container), lot)
        return on_hand - self.allocated(sku, location, container, lot)

    def lots_at(self, sku: str, location: str, container: str = "") -> list[str]:
        return sorted(
            lot
            for (s, loc, c, lot, b), q in self.balances.items()
            if (s, loc, c, b) == (sku, location, container, Bucket.ON_HAND.value) and q > 0
        )

    def apply(
        self, movements: Iterable[Movement], reservations: Iterable[Reservation] = ()
    ) -> Stock:
        """The stock after `movements` and `reservations`; refuses any broken invariant."""
        balances = dict(self.balances)
        reserved = dict(self.reserved)
        for r in reservations:
            reserved[r.key] = reserved.get(r.key, 0) + r.delta
            if reserved[r.key] < 0:
                raise ValueError(f"reservation of line {r.line_id} would go below zero")
            if reserved[r.key] == 0:
                del reserved[r.key]
        for m in movements:
            for side, sign in ((m.source, -1), (m.target, +1)):
                if isinstance(side, Place):
                    k = key_of(m.sku, side, m.lot)
                    balances[k] = balances.get(k, 0) + sign * m.qty
                    if balances[k] < 0:
                        raise _short(m, side, available=balances[k] + m.qty)
                    check_balance(k, balances[k])
        after = Stock(balances, reserved)
        after.check_reservations()
        return after

    def check_reservations(self) -> None:
        """Reservations never exceed on_hand at their grain."""
        grains = {(s, loc, c, lt) for (_, s, loc, c, lt) in self.reserved}
        for sku, location, container, lot in grains:
            if self.free(sku, location, container, lot) < 0:
                # Name what is there against what the reservations want (free is negative here).
                raise EdgeError(
                    "insufficient_stock",
                    sku=sku,
                    location=location,
                    available=self.qty(sku, Place(location, Bucket.ON_HAND, container), lot),
                    requested=self.allocated(sku, location, container, lot),
                )


def check_balance(key: Key, qty: object) -> None:
    """A balance is a whole number within the ledger's range, or the command is refused."""
    if not isinstance(qty, int) or qty > MAX_BALANCE:
        sku, location, container, lot, bucket = key
        where = f"{location}/{container}" if container else location
        raise EdgeError(
            "balance_out_of_range", sku=sku, location=where, bucket=bucket, limit=MAX_BALANCE
        )


def _short(m: Movement, place: Place, *, available: int) -> EdgeError:
    # `available` is the balance just before this movement, which differs from the starting
    # balance when earlier movements of the same command already drew on it.
    return EdgeError(
        "insufficient_stock",
        sku=m.sku,
        location=place.location,
        available=available,
        requested=m.qty,
    )


def available_to_sell(
    on_hand: int, allocated: int, returns_in_transit: int, *, include_returns: bool = True
) -> int:
    """The article's formula in our buckets: on_hand − allocated (+ returns in transit)."""
    return on_hand - allocated + (returns_in_transit if include_returns else 0)


def take_free(
    stock: Stock, sku: str, location: str, qty: int, *, lots: Iterable[str] | None = None
) -> list[tuple[str, int]]:
    """Split `qty` over the free on_hand at `location` lot by lot, in the given lot order.

    Refuses with insufficient_stock (naming what is free) when there is not enough.
    """
    order = list(lots) if lots is not None else stock.lots_at(sku, location)
    taken: list[tuple[str, int]] = []
    remaining = qty
    for lot in order:
        n = min(remaining, stock.free(sku, location, "", lot))
        if n > 0:
            taken.append((lot, n))
            remaining -= n
        if remaining == 0:
            return taken
    free = sum(max(0, stock.free(sku, location, "", lot)) for lot in order)
    raise EdgeError("insufficient_stock", sku=sku, location=location, available=free, requested=qty)
