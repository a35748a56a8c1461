"""The demo's counts: two bins counted a few units off (booked at once, each a count variance to
review) and one counted far off, waiting for a supervisor's approval — counted by picker P001,
so supervisor S001 can approve it on the terminal's Count tile."""

from __future__ import annotations

from edge.config import Settings
from edge.service.counts import count_by_script, threshold
from edge.store.counts import stocked_bins
from edge.store.database import Store


def seed_counts(store: Store, settings: Settings) -> list[int]:
    """The count tasks made: two small variances and one waiting for approval."""
    limit = threshold(settings)
    large = max(limit.units, 0) + 8
    deltas = (-2, 1, large)
    made = []
    for (location, sku), delta in zip(
        stocked_bins(store.read(), len(deltas)), deltas, strict=False
    ):
        made.append(
            count_by_script(
                store, location, sku, delta, supervisor="S001", counter="P001", threshold=limit
            )
        )
    return made
