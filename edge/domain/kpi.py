"""Order-health KPIs: plain arithmetic over rows of history, by day or ISO week.

Times come in already in the warehouse's local time (the caller converts); nothing here reads a
clock. A period with nothing to divide by is "no data" (`value` None), never 0 % and never an error.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, TypeVar

from edge.domain.errors import EdgeError

Grain = Literal["day", "week"]
Direction = Literal["min", "max", "none"]


@dataclass(frozen=True)
class Due:
    """An order with a ship-by: shipped by then (on time) or not (late, shipped or not)."""

    order_id: str
    channel: str
    ship_by: datetime
    shipped_at: datetime | None


@dataclass(frozen=True)
class Units:
    """Units that left for the customer (`shipped`) or came back from them (`returned`)."""

    channel: str
    at: datetime
    kind: Literal["shipped", "returned", "unreturned"]  # unreturned: an announcement undone
    qty: int
    sku: str = ""


@dataclass(frozen=True)
class Count:
    """A closed count: `expected` units on record, `found` on the shelf."""

    at: datetime
    expected: int
    found: int
    sku: str = ""
    location: str = ""


@dataclass(frozen=True)
class ScanRow:
    at: datetime
    operator: str
    refused: bool
    step: str = ""  # the workflow the scan was for (pick, pack …), where known


@dataclass(frozen=True)
class PickRow:
    """A unit movement of a pick (`short` False, `qty` units) or a short pick on an order line."""

    at: datetime
    operator: str
    channel: str
    line_id: str
    qty: int
    short: bool = False
    sku: str = ""


@dataclass(frozen=True)
class Span:
    """The time one order spent in one state: entered, then left."""

    order_id: str
    channel: str
    state: str
    entered: datetime
    left: datetime


@dataclass(frozen=True)
class Putaway:
    """A received container put away: first received at the dock, then stored in a bin."""

    received: datetime
    stored: datetime


@dataclass(frozen=True)
class Threshold:
    value: float | None
    direction: Direction  # "min": breached below it; "max": breached above it


@dataclass(frozen=True)
class Point:
    period: str
    num: float
    den: float
    value: float | None
    breached: bool


@dataclass(frozen=True)
class Kpi:
    name: str
    unit: Literal["ratio", "per_hour", "per_order", "hours"]
    threshold: Threshold
    points: tuple[Point, ...]
    total: Point
    breakdown: dict[str, Point] = field(default_factory=dict)

    @property
    def running(self) -> int:
        """How many of the last periods in a row breach the threshold (0: the last one holds)."""
        n = 0
        for p in reversed(self.points):
            if not p.breached:
                break
            n += 1
        return n


def period_of(at: date, grain: Grain) -> str:
    """'2026-11-23' for a day, '2026-W48' for the ISO week it falls in."""
    if grain == "day":
        return at.isoformat()
    year, week, _ = at.isocalendar()
    return f"{year}-W{week:02d}"


def periods(first: date, last: date, grain: Grain) -> list[str]:
    """Every period from `first` to `last` (inclusive), empty ones too, oldest first."""
    out: list[str] = []
    day = first
    while day <= last:
        p = period_of(day, grain)
        if not out or out[-1] != p:
            out.append(p)
        day += timedelta(days=1)
    return out


MAX_DAYS = 366


def week_bounds(week: str) -> tuple[date, date]:
    """'2026-W48' → its Monday and Sunday; `bad_period` for anything else."""
    year, _, number = week.partition("-W")
    try:
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise EdgeError("bad_period", period=week) from None
    check_window(monday, monday + timedelta(days=6))
    return monday, monday + timedelta(days=6)


def check_window(first: date, last: date) -> None:
    """`bad_period` unless first ≤ last, at most MAX_DAYS days, within 2000–2100."""
    if not (
        date(2000, 1, 1) <= first <= last <= date(2100, 12, 31) and (last - first).days < MAX_DAYS
    ):
        raise EdgeError("bad_period", period=f"{first.isoformat()}..{last.isoformat()}")


def ratio(num: float, den: float) -> float | None:
    return None if den <= 0 else num / den


def breached(value: float | None, threshold: Threshold) -> bool:
    if value is None or threshold.value is None or threshold.direction == "none":
        return False
    if threshold.direction == "min":
        return value < threshold.value
    return value > threshold.value


Tally = dict[str, list[float]]  # period → [numerator, denominator]


def _series(
    name: str,
    unit: Literal["ratio", "per_hour", "per_order", "hours"],
    threshold: Threshold,
    keys: Sequence[str],
    tally: Tally,
    breakdown: Tally | None = None,
) -> Kpi:
    def point(period: str, nd: list[float]) -> Point:
        value = ratio(nd[0], nd[1])
        return Point(period, nd[0], nd[1], value, breached(value, threshold))

    points = tuple(point(k, tally.get(k, [0.0, 0.0])) for k in keys)
    total = point("total", [sum(p.num for p in points), sum(p.den for p in points)])
    extra = {k: point(k, nd) for k, nd in sorted((breakdown or {}).items())}
    return Kpi(name, unit, threshold, points, total, extra)


def _add(tally: Tally, key: str, num: float, den: float) -> None:
    nd = tally.setdefault(key, [0.0, 0.0])
    nd[0] += num
    nd[1] += den


@dataclass(frozen=True)
class History:
    """Everything the KPIs are computed from, for one window (and one channel if filtered)."""

    due: Sequence[Due] = ()
    units: Sequence[Units] = ()
    counts: Sequence[Count] = ()
    scans: Sequence[ScanRow] = ()
    picks: Sequence[PickRow] = ()
    spans: Sequence[Span] = ()
    orders_shipped: Sequence[datetime] = ()  # when each order shipped (scans per order)
    putaways: Sequence[Putaway] = ()  # dock-to-stock


@dataclass(frozen=True)
class Window:
    first: date
    last: date
    grain: Grain
    # when "now" is, locally: an order due later than this and not yet shipped is not late yet
    as_of: datetime


STATES = ("released", "picking", "picked", "packed", "on_hold")


def compute(history: History, window: Window, thresholds: dict[str, Threshold]) -> list[Kpi]:
    """All KPIs over the window, one point per period (empty periods are "no data")."""
    keys = periods(window.first, window.last, window.grain)

    def per(at: datetime) -> str | None:
        day = at.date()
        if day < window.first or day > window.last:
            return None
        return period_of(day, window.grain)

    def th(name: str) -> Threshold:
        return thresholds.get(name, Threshold(None, "none"))

    return [
        _series(
            "on_time",
            "ratio",
            th("on_time"),
            keys,
            on_time(history.due, window, per),
            by_channel(history.due, lambda rows: on_time(rows, window, per)),
        ),
        _series(
            "inventory_accuracy", "ratio", th("inventory_accuracy"), keys, accuracy(history, per)
        ),
        _series(
            "return_rate",
            "ratio",
            th("return_rate"),
            keys,
            returns(history.units, per),
            by_channel(history.units, lambda rows: returns(rows, per)),
        ),
        _series("pick_rate", "per_hour", th("pick_rate"), keys, *pick_rate(history.picks, per)),
        _series(
            "scans_per_order",
            "per_order",
            th("scans_per_order"),
            keys,
            scans_per_order(history, per),
        ),
        _series(
            "scan_error_rate",
            "ratio",
            th("scan_error_rate"),
            keys,
            *scan_errors(history.scans, per),
        ),
        _series(
            "short_pick_rate",
            "ratio",
            th("short_pick_rate"),
            keys,
            short_picks(history.picks, per),
            by_channel(history.picks, lambda rows: short_picks(rows, per)),
        ),
        *(
            _series(f"time_in_{state}", "hours", th(f"time_in_{state}"), keys, tally)
            for state, tally in state_hours(history.spans, per).items()
        ),
        _series(
            "dock_to_stock",
            "hours",
            th("dock_to_stock"),
            keys,
            dock_to_stock(history.putaways, per),
        ),
    ]


Per = Callable[[datetime], str | None]
Row = TypeVar("Row", Due, Units, PickRow)


def by_channel(rows: Sequence[Row], tally: Callable[[list[Row]], Tally]) -> Tally:
    """The window's total per sales channel: `tally` of each channel's rows, its periods summed."""
    out: Tally = {}
    for channel in sorted({r.channel for r in rows}):
        periods = tally([r for r in rows if r.channel == channel]).values()
        out[channel] = [sum(nd[0] for nd in periods), sum(nd[1] for nd in periods)]
    return out


def on_time(due: Iterable[Due], window: Window, per: Per) -> Tally:
    """Orders due in a period (by their ship-by): shipped by the ship-by / due. An order not
    shipped and still before its ship-by counts nowhere yet; past it, it is late."""
    tally: Tally = {}
    for d in due:
        key = per(d.ship_by)
        if key is None:
            continue
        if d.shipped_at is None and d.ship_by > window.as_of:
            continue
        in_time = d.shipped_at is not None and d.shipped_at <= d.ship_by
        _add(tally, key, 1 if in_time else 0, 1)
    return tally


def accuracy(history: History, per: Per) -> Tally:
    """Closed counts that found what the records said / closed counts (the article's share of
    SKUs whose book quantity equals the physical count)."""
    tally: Tally = {}
    for c in history.counts:
        key = per(c.at)
        if key is not None:
            _add(tally, key, 1 if c.found == c.expected else 0, 1)
    return tally


def returns(units: Iterable[Units], per: Per) -> Tally:
    """Units returned / units shipped in the period."""
    tally: Tally = {}
    for u in units:
        key = per(u.at)
        if key is not None:
            back = {"returned": u.qty, "unreturned": -u.qty}.get(u.kind, 0)
            _add(tally, key, back, u.qty if u.kind == "shipped" else 0)
    for nd in tally.values():  # an announcement undone in a later period takes nothing below 0
        nd[0] = max(nd[0], 0.0)
    return tally


def pick_rate(picks: Iterable[PickRow], per: Per) -> tuple[Tally, Tally]:
    """Units picked / picker-hours, a picker-hour being a clock hour in which that picker picked
    (by period, and by operator)."""
    hours: dict[str, set[tuple[str, datetime]]] = defaultdict(set)
    by_op_hours: dict[str, set[tuple[str, datetime]]] = defaultdict(set)
    tally: Tally = {}
    by_op: Tally = {}
    for p in picks:
        key = per(p.at)
        if key is None or p.short:
            continue
        hour = p.at.replace(minute=0, second=0, microsecond=0)
        for t, h, k in ((tally, hours, key), (by_op, by_op_hours, p.operator)):
            _add(t, k, p.qty, 0)
            h[k].add((p.operator, hour))
    for t, h in ((tally, hours), (by_op, by_op_hours)):
        for k, seen in h.items():
            t[k][1] = float(len(seen))
    return tally, by_op


def scans_per_order(history: History, per: Per) -> Tally:
    """Scans answered (good or refused) / orders shipped in the period."""
    tally: Tally = {}
    for s in history.scans:
        key = per(s.at)
        if key is not None:
            _add(tally, key, 1, 0)
    for at in history.orders_shipped:
        key = per(at)
        if key is not None:
            _add(tally, key, 0, 1)
    return tally


def scan_errors(scans: Iterable[ScanRow], per: Per) -> tuple[Tally, Tally]:
    """Refused scans / scans, by period and by operator."""
    tally: Tally = {}
    by_op: Tally = {}
    for s in scans:
        key = per(s.at)
        if key is not None:
            _add(tally, key, 1 if s.refused else 0, 1)
            _add(by_op, s.operator, 1 if s.refused else 0, 1)
    return tally, by_op


def short_picks(picks: Iterable[PickRow], per: Per) -> Tally:
    """Order lines shorted at least once / order lines worked (picked from or shorted)."""
    lines: dict[tuple[str, str], bool] = {}
    for p in picks:
        key = per(p.at)
        if key is not None:
            lines[(key, p.line_id)] = lines.get((key, p.line_id), False) or p.short
    tally: Tally = {}
    for (key, _), shorted in lines.items():
        _add(tally, key, 1 if shorted else 0, 1)
    return tally


def state_hours(spans: Iterable[Span], per: Per) -> dict[str, Tally]:
    """Average hours an order spent in each state, by the period it left the state."""
    out: dict[str, Tally] = {state: {} for state in STATES}
    for s in spans:
        key = per(s.left)
        if key is not None and s.state in out:
            _add(out[s.state], key, (s.left - s.entered).total_seconds() / 3600, 1)
    return out


def spans(history: Sequence[tuple[str, str, str, datetime]]) -> list[Span]:
    """(order, channel, state entered, at) rows, ordered by order then time → the spans between
    one change and the next of the same order (the current state, not left yet, has none)."""
    out: list[Span] = []
    for (order, channel, state, at), nxt in zip(history, history[1:], strict=False):
        if nxt[0] == order:
            out.append(Span(order, channel, state, at, nxt[3]))
    return out


def dock_to_stock(putaways: Iterable[Putaway], per: Per) -> Tally:
    """Mean hours from the first receipt at the dock to the bin, by the period it was stored."""
    out: Tally = {}
    for p in putaways:
        key = per(p.stored)
        if key is not None:
            _add(out, key, (p.stored - p.received).total_seconds() / 3600, 1)
    return out
