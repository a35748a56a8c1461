"""The demo's carrier handover (交接单): a few orders packed (not dispatched) at seeding, waiting
at the dock for a bag, and the banner line naming the carrier to choose and what to scan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from edge.config import Settings
from edge.demo.returns import ship
from edge.service import handovers
from edge.store.database import Store
from edge.store.orders import released_orders

HANDOVER_ORDERS = 3  # packed at seeding, waiting for the courier


def seed_handover(store: Store, settings: Settings, skip: Sequence[str] = ()) -> list[str]:
    """Pick and pack HANDOVER_ORDERS released orders (not those in `skip`), no dispatch."""
    waiting = [o for o in released_orders(store.read(), 60) if o not in skip]
    chosen = waiting[:HANDOVER_ORDERS]
    ship(store, settings, chosen, dispatch=False)
    return chosen


def handover_banner(store: Store, settings: Settings) -> list[str]:
    """Which carrier to open a bag for and the tracking numbers to scan into it."""
    rules = handovers.HandoverRules.of(settings)
    shown = handovers.closeout(store.read(), rules, datetime.now(UTC))
    lines = []
    for group in shown["carriers"]:
        codes = ", ".join(p["tracking_no"] for p in group["parcels"])
        lines.append(
            f"Handover (a packer, task Handover, choose {group['carrier']}, scan; then Close and"
            f" print; Close-out shows what is left): {codes}"
        )
    return lines
