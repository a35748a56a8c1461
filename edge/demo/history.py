"""A few weeks of floor history for the demo, so that the task board, the exceptions, the KPIs and
the weekly report say something on first run: orders released each day against a ship-by, picked
by two pickers across the shifts (a refused scan now and then), packed and dispatched — most in
time, some the next morning (late) — a few short picks (their counts done, the last one still
open), returns announced against shipped orders; and today, a pick list of urgent orders (one past
its ship-by, one due within the hour) waiting for 王芳.

Every step goes through the edge's own services as of the moment it happened
(edge/service/scripted_history.py); nothing is written to a table directly."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from edge.config import Settings
from edge.demo.floor import CHANNELS, CUSTOMERS
from edge.service import packing, scripted_history
from edge.service.carriers import carrier_for
from edge.store.database import Store
from edge.store.orders import NewLine, NewOrder
from edge.store.stock import stocked_skus

log = logging.getLogger("edge.demo")

HISTORY_DAYS = 21
ORDERS_PER_DAY = 3
PICKERS = ("P001", "P002")
PACKER, SUPERVISOR, WAITING_FOR = "K001", "S001", "P002"
SHIP_BY_HOUR = 18  # the channels' ship-by: 18:00 (UTC) of the day the order came in
LATE_EVERY = 7  # every 7th order ships the next morning: late
SHORT_EVERY = 16  # every 16th order is shorted at its first item
RETURN_EVERY = 9  # every 9th shipped order comes back (announced two days later)
WRONG_SCAN_EVERY = 5  # every 5th order starts with a wrong bin: a refused scan


@dataclass
class History:
    """What was seeded (logged once)."""

    shipped: int = 0
    late: int = 0
    shorts: int = 0
    returns: int = 0
    refused_scans: int = 0
    waiting: int = 0


def seed_history(
    store: Store, settings: Settings, *, days: int = HISTORY_DAYS, now: datetime | None = None
) -> History:
    """`days` of history up to yesterday, then today's waiting list (see the module's text)."""
    seeder = _Seeder(store, settings)
    now = now or datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for back in range(days, 0, -1):
        seeder.day(today - timedelta(days=back), last=back == 1)
    seed_count_history(store, settings, now=now)
    seeder.waiting(now)
    log.info("seeded %d days of demo history: %s", days, seeder.done)
    return seeder.done


def seed_count_history(store: Store, settings: Settings, *, now: datetime) -> None:
    """The hook for count history (cycle counts with their variances, approvals): the counts
    work seeds it here through its own services, as of past moments. Nothing yet."""


class _Seeder:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.rng = random.Random(20261203)
        self.skus = stocked_skus(store.read(), at_least=40)
        self.carrier = carrier_for(store, settings.carrier)
        self.rules = packing.pack_rules(settings)
        self.box = settings.pack_packages[0]
        self.returns_location = settings.returns.location
        self.urgent = settings.board.urgent_priority  # today's waiting orders: urgent on the board
        self.done = History()
        self.n = 0

    def day(self, day: datetime, *, last: bool) -> None:
        for i in range(ORDERS_PER_DAY):
            self.n += 1
            n = self.n
            order_id = self.release(n, day, at=day + timedelta(hours=7, minutes=40 * i))
            picked = day + timedelta(hours=9 + 3 * i, minutes=self.rng.randint(0, 50))
            short = n % SHORT_EVERY == 0 or (last and i == 0)  # the last day's count waits
            wrong = n % WRONG_SCAN_EVERY == 0
            status = scripted_history.pick_at(
                self.store,
                order_id,
                picked,
                badge=PICKERS[n % len(PICKERS)],
                short=short,
                wrong_first=wrong,
            )
            self.done.refused_scans += wrong
            if short:
                self.done.shorts += 1
                if not last:
                    at = day + timedelta(hours=16)
                    scripted_history.count_shorts_at(self.store, at, supervisor=SUPERVISOR)
            if status == "picked":
                self.ship(order_id, n, picked, late=n % LATE_EVERY == 0)

    def ship(self, order_id: str, n: int, picked: datetime, *, late: bool) -> None:
        day = picked.replace(hour=0, minute=0, second=0, microsecond=0)
        at = day + timedelta(days=1, hours=9) if late else picked + timedelta(hours=2)
        scripted_history.ship_at(
            self.store,
            order_id,
            at,
            carrier=self.carrier,
            rules=self.rules,
            box=self.box,
            packer=PACKER,
        )
        self.done.shipped += 1
        self.done.late += late
        if self.done.shipped % RETURN_EVERY == 0:
            scripted_history.announce_return_at(
                self.store,
                order_id,
                f"RMA-H{n:04d}",
                at + timedelta(days=2),
                location=self.returns_location,
                reason="no longer needed",
            )
            self.done.returns += 1

    def release(self, n: int, day: datetime, *, at: datetime, priority: int | None = None) -> str:
        channel, prefix = CHANNELS[n % len(CHANNELS)]
        lines = tuple(
            NewLine(sku, self.rng.randint(1, 2))
            for sku in self.rng.sample(self.skus, self.rng.randint(1, 2))
        )
        order = NewOrder(
            channel,
            f"{prefix}-H{n:04d}",
            lines,
            priority=self.rng.choice((0, 0, 0, 1)) if priority is None else priority,
            ship_by=(day + timedelta(hours=SHIP_BY_HOUR)).isoformat(),
            ship_to=CUSTOMERS[n % len(CUSTOMERS)],
            carrier="",  # the edge's own ([carrier] name), as the banner and README say
            service="standard",
        )
        return scripted_history.release_at(self.store, order, at)

    def waiting(self, now: datetime) -> None:
        """Today's urgent orders on a list for 王芳, not begun: one past its ship-by, one due
        within the hour, one for tonight."""
        orders = []
        for k, due in enumerate((timedelta(hours=-1), timedelta(minutes=45), timedelta(hours=8))):
            self.n += 1
            day = now + due - timedelta(hours=SHIP_BY_HOUR)  # its ship-by is now + due
            at = now - timedelta(hours=3 - k)
            orders.append(self.release(self.n, day, at=at, priority=self.urgent))
        at = now - timedelta(hours=1)
        scripted_history.list_for_at(self.store, orders, at, badge=WAITING_FOR)
        self.done.waiting = len(orders)
