"""Carrier adapters: where a parcel's tracking number comes from.

Every adapter answers `tracking_number(order_id, parcel_no, parcel)` with (order, parcel number)
as the idempotency key: asked again for the same parcel (a retried close), it gives the same
number and never a second one. It is called before the pack commit, outside the writer's
transaction, so a slow or failing carrier never holds the database; the built-in offline carrier,
which needs no network, issues its number inside the close's own transaction instead (`issue`). docs/carriers.md describes
the shape of an HTTP adapter for real carriers; the built-in one below needs no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from edge.config.sections import CarrierSettings
from edge.domain.carrier import NumberRange
from edge.store import packing
from edge.store.database import Store
from edge.store.writer import Tx


class Carrier(Protocol):
    name: str

    async def tracking_number(
        self, order_id: str, parcel_no: int, parcel: Mapping[str, Any]
    ) -> str: ...


class OfflineCarrier:
    """Issues UPU S10 numbers from this edge's own serial range, kept in the edge's store."""

    def __init__(self, store: Store, name: str, numbers: NumberRange) -> None:
        self.store, self.name, self.numbers = store, name, numbers

    async def tracking_number(
        self, order_id: str, parcel_no: int, parcel: Mapping[str, Any]
    ) -> str:
        del parcel  # an offline number depends on nothing but the range
        return await self.store.writer.run(lambda tx: self.issue(tx, order_id, parcel_no))

    def issue(self, tx: Tx, order_id: str, parcel_no: int) -> str:
        """The number, in a transaction of the caller's: a pack close takes it in its own
        commit (the number is kept with the parcel, or neither is), one commit and not two."""
        return packing.issue_tracking(tx, order_id, parcel_no, self.name, self.numbers)


def carrier_for(store: Store, c: CarrierSettings) -> Carrier:
    """The carrier [carrier] configures: the built-in offline one, with its S10 range."""
    return OfflineCarrier(
        store, c.name, NumberRange(c.s10_service, c.s10_country, c.range_first, c.range_last)
    )
