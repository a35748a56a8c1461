"""Waves (pure): released orders grouped by their carrier's next collection cut-off (and, as the
site's release rules say, by channel and priority), which wave a released order belongs to,
which waves a schedule releases, and which orders will miss their cut-off.

A carrier's cut-offs are local times of day (edge.timezone); an order's cut-off is the first one
at or after the moment it was placed. A wave is known by its key (carrier, cut-off, and channel
and priority where the rules group by them), and its id follows from the key alone, so the same
orders always make the same wave. A released wave keeps taking the orders of its key that come
later (a rolling wave): they are picked with it, not held back for a second release.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo
from functools import lru_cache

CUTOFFS_EXPECTED = (
    "carrier=HH:MM cut-offs separated by commas, several times of one carrier by '/', such as"
    " Edge Post=11:00/17:00, SF=16:30, or empty"
)
GROUP_KEYS = ("channel", "priority")
GROUP_EXPECTED = "channel, priority, both separated by a comma, or empty (carrier and cut-off only)"
# Orders not yet packed: packed and later are out of the warehouse's hands for the cut-off.
UNPACKED = ("released", "picking", "picked")


def parse_cutoffs(text: str) -> dict[str, tuple[int, ...]]:
    """'Edge Post=11:00/17:00, SF=16:30' → {'Edge Post': (660, 1020), 'SF': (990,)} (minutes
    after local midnight, sorted); ValueError(CUTOFFS_EXPECTED) for anything else."""
    out: dict[str, tuple[int, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, eq, times = part.partition("=")
        minutes = []
        for t in filter(None, (x.strip() for x in times.split("/"))):
            hh, colon, mm = t.partition(":")
            if not (colon and hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60):
                raise ValueError(CUTOFFS_EXPECTED)
            minutes.append(int(hh) * 60 + int(mm))
        if not eq or not name.strip() or not minutes or name.strip() in out:
            raise ValueError(CUTOFFS_EXPECTED)
        out[name.strip()] = tuple(sorted(set(minutes)))
    return out


def parse_group_by(text: str) -> tuple[str, ...]:
    words = [w.strip() for w in text.split(",") if w.strip()]
    if any(w not in GROUP_KEYS for w in words) or len(set(words)) != len(words):
        raise ValueError(GROUP_EXPECTED)
    return tuple(k for k in GROUP_KEYS if k in words)


@dataclass(frozen=True)
class WaveRules:
    """The site's release rules: each carrier's cut-offs, what else a wave is grouped by, the
    carrier of an order that names none, the local zone of the cut-offs."""

    cutoffs: Mapping[str, tuple[int, ...]]
    zone: tzinfo
    group_by: tuple[str, ...] = GROUP_KEYS
    default_carrier: str = ""
    warn_minutes: int = 30  # an unpacked order this close to its cut-off will miss it
    lead_minutes: int = 120  # a schedule releases a wave this long before its cut-off
    cart_size: int = 20  # single-item orders on one cart list; 0: no cart lists


@dataclass(frozen=True)
class WaveOrder:
    """What wave planning needs of one order."""

    id: str
    carrier: str
    channel: str
    priority: int
    placed: datetime  # aware (UTC)
    status: str = "released"
    units: int = 1


@dataclass(frozen=True, order=True)
class WaveKey:
    cutoff: datetime | None  # UTC; None: the carrier has no cut-off configured
    carrier: str
    channel: str = ""
    priority: int | None = None

    @property
    def id(self) -> str:
        """W-<local-free UTC cut-off as yymmddHHMM or 'open'>-<6 hex of the whole key>."""
        when = self.cutoff.strftime("%y%m%d%H%M") if self.cutoff else "open"
        text = f"{self.carrier}|{when}|{self.channel}|{self.priority}"
        return f"W-{when}-{hashlib.sha1(text.encode()).hexdigest()[:6].upper()}"


@dataclass(frozen=True)
class Wave:
    key: WaveKey
    orders: tuple[WaveOrder, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return self.key.id


def batch_of(w: Wave, rules: WaveRules) -> tuple[list[str], bool]:
    """A wave's single-item orders for one cart (单品波次), most recently placed last, when two or
    more are there and carts are on; else ([], False)."""
    singles = [o.id for o in w.orders if o.units == 1]
    if rules.cart_size < 2 or len(singles) < 2:
        return [], False
    return singles[: rules.cart_size], True


def cutoff_of(times: Sequence[int], placed: datetime, zone: tzinfo) -> datetime | None:
    """The first cut-off (minutes after local midnight) at or after `placed`, in UTC."""
    if not times:
        return None
    # Cut-offs fall on whole minutes: the one for `placed` is the one for its minute rounded up,
    # which orders placed in the same minute share (a peak's thousands of orders, a few minutes).
    up = placed.replace(second=0, microsecond=0)
    if up != placed:
        up += timedelta(minutes=1)
    return _cutoff_at_or_after(tuple(times), up, zone)


@lru_cache(maxsize=4096)
def _cutoff_at_or_after(times: tuple[int, ...], placed: datetime, zone: tzinfo) -> datetime:
    local = placed.astimezone(zone)
    for day in range(2):
        date = local.date() + timedelta(days=day)
        for m in times:
            at = datetime.combine(date, time(m // 60, m % 60), tzinfo=zone)
            if at >= local:
                return at.astimezone(placed.tzinfo)
    raise AssertionError("a cut-off comes within two days")  # pragma: no cover


RawKey = tuple[datetime | None, str, str, int | None]


def _raw_key(order: WaveOrder, rules: WaveRules, by_channel: bool, by_priority: bool) -> RawKey:
    carrier = order.carrier or rules.default_carrier
    return (
        cutoff_of(rules.cutoffs.get(carrier, ()), order.placed, rules.zone),
        carrier,
        order.channel if by_channel else "",
        order.priority if by_priority else None,
    )


def key_of(order: WaveOrder, rules: WaveRules) -> WaveKey:
    by = rules.group_by
    return WaveKey(*_raw_key(order, rules, "channel" in by, "priority" in by))


def plan_waves(orders: Iterable[WaveOrder], rules: WaveRules) -> list[Wave]:
    """The orders' waves, most urgent first: earliest cut-off (none last), then higher priority."""
    by_key: dict[RawKey, list[WaveOrder]] = {}
    by_channel, by_priority = "channel" in rules.group_by, "priority" in rules.group_by
    for o in orders:
        by_key.setdefault(_raw_key(o, rules, by_channel, by_priority), []).append(o)
    waves = [
        Wave(WaveKey(*k), tuple(sorted(v, key=lambda o: (o.placed, o.id))))
        for k, v in by_key.items()
    ]
    return sorted(waves, key=_urgency)


def _urgency(w: Wave) -> tuple[bool, datetime, int, str, str]:
    k = w.key
    top = max((o.priority for o in w.orders), default=0)
    return (k.cutoff is None, k.cutoff or datetime.max, -top, k.carrier, k.channel)


def due_for_release(
    waves: Iterable[Wave], released: Iterable[str], now: datetime, rules: WaveRules
) -> list[Wave]:
    """The waves a schedule releases now: not released, with orders still to pick, and their
    cut-off within `lead_minutes` (or past)."""
    done = set(released)
    lead = timedelta(minutes=rules.lead_minutes)
    return [
        w
        for w in waves
        if w.id not in done
        and w.key.cutoff is not None
        and w.key.cutoff - lead <= now
        and any(o.status == "released" for o in w.orders)
    ]


@dataclass(frozen=True)
class Miss:
    """An order not packed that is within `warn_minutes` of its cut-off (or past it)."""

    order_id: str
    wave_id: str
    carrier: str
    cutoff: datetime
    status: str
    warn_from: datetime


def will_miss(waves: Iterable[Wave], now: datetime, rules: WaveRules) -> list[Miss]:
    warn = timedelta(minutes=rules.warn_minutes)
    out = []
    for w in waves:
        cutoff = w.key.cutoff
        if cutoff is None or now < cutoff - warn:
            continue
        for o in w.orders:
            if o.status in UNPACKED:
                out.append(Miss(o.id, w.id, w.key.carrier, cutoff, o.status, cutoff - warn))
    return out


def progress(w: Wave, now: datetime, released: bool, rules: WaveRules) -> dict[str, object]:
    """A wave as the supervisor sees it: counts by stage, minutes to its cut-off, lateness."""
    counts = dict.fromkeys(("released", "picking", "picked", "packed", "shipped"), 0)
    for o in w.orders:
        stage = o.status if o.status in counts else "shipped"
        counts[stage] += 1
    left = sum(counts[s] for s in UNPACKED)
    cutoff = w.key.cutoff
    minutes = None if cutoff is None else int((cutoff - now).total_seconds() // 60)
    if cutoff is None or left == 0:
        lateness = "none"
    elif now >= cutoff:
        lateness = "late"
    elif now >= cutoff - timedelta(minutes=rules.warn_minutes):
        lateness = "at_risk"
    else:
        lateness = "ok"
    return {
        "id": w.id,
        "carrier": w.key.carrier,
        "cutoff": cutoff.isoformat().replace("+00:00", "Z") if cutoff else None,
        "channel": w.key.channel or None,
        "priority": w.key.priority,
        "released": released,
        "orders": len(w.orders),
        "single_item_orders": sum(1 for o in w.orders if o.units == 1),
        "by_status": counts,
        "left_to_pack": left,
        "minutes_to_cutoff": minutes,
        "lateness": lateness,
    }
