"""What a returns decision leaves behind (pure): the records the store keeps of a parcel opened,
an item graded and a parcel closed (edge.store.returns applies them), and the ledger rows of one
graded item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from edge.domain.ledger import Account, Bucket, Movement, Place

Grade = Literal["resellable", "damaged", "destroy"]
MatchedBy = Literal[
    "return_tracking", "shipment_tracking", "sscc", "rma", "order", "identified", "unknown_sender"
]


@dataclass(frozen=True)
class ReturnParcelOpened:
    parcel_id: str
    rma: str | None
    order_id: str | None
    scanned: str
    matched_by: MatchedBy
    unexpected: bool
    location: str


@dataclass(frozen=True)
class ReturnItemGraded:
    parcel_id: str
    rma: str | None
    order_id: str | None
    sku: str
    qty: int
    grade: Grade
    lot: str
    serial: str
    wrong_item: bool
    not_shipped_lot: bool
    announced: int  # units taken out of returns_in_transit
    reason: str
    location: str
    bucket: str  # where it went: on_hand, frozen, or "" (written off)


@dataclass(frozen=True)
class ReturnParcelClosed:
    parcel_id: str
    rma: str | None
    missing: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ItemInHand:
    """The unit just scanned, waiting for its grade."""

    sku: str
    qty: int = 1
    lot: str = ""
    serial: str = ""
    wrong_item: bool = False
    not_shipped_lot: bool = False


def grade_movements(
    item: ItemInHand,
    announced: int,
    *,
    location: str,
    bucket: str,
    reason: str,
    order_id: str | None,
) -> tuple[Movement, ...]:
    """The ledger rows of one graded item: `announced` units out of returns_in_transit, the rest
    from the customer, into `bucket` at `location` ("" = written off to `adjusted`)."""
    transit = Place(location, Bucket.RETURNS_IN_TRANSIT)
    rest = item.qty - announced
    sku, lot, serial = item.sku, item.lot, item.serial
    common: dict[str, Any] = {"reason": reason, "order_id": order_id}
    moved: list[Movement] = []
    if not bucket:  # destroyed: written off from where it is, an unannounced unit via quarantine
        frozen = Place(location, Bucket.FROZEN)
        if announced:
            moved.append(
                Movement("return_destroyed", sku, announced, transit, Account.ADJUSTED, **common)
            )
        if rest:
            moved.append(
                Movement(
                    "return_graded",
                    sku,
                    rest,
                    Account.CUSTOMER,
                    frozen,
                    lot=lot,
                    serial=serial,
                    **common,
                )
            )
            moved.append(
                Movement(
                    "return_destroyed",
                    sku,
                    rest,
                    frozen,
                    Account.ADJUSTED,
                    lot=lot,
                    serial=serial,
                    **common,
                )
            )
        return tuple(moved)
    target = Place(location, Bucket(bucket))
    if lot or serial:  # the announcement named no lot: settle it, then take the real units in
        if announced:
            moved.append(
                Movement("return_arrived", sku, announced, transit, Account.CUSTOMER, **common)
            )
        moved.append(
            Movement(
                "return_graded",
                sku,
                item.qty,
                Account.CUSTOMER,
                target,
                lot=lot,
                serial=serial,
                **common,
            )
        )
        return tuple(moved)
    if announced:
        moved.append(Movement("return_graded", sku, announced, transit, target, **common))
    if rest:
        moved.append(Movement("return_graded", sku, rest, Account.CUSTOMER, target, **common))
    return tuple(moved)
