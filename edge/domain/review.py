"""The weekly problem-order review: which products, which process step, which channels and which
shift the late orders, returns, short picks, scan errors and count differences come from; and,
for a KPI past its threshold days running, the likely causes found in those days' problems."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from edge.domain.kpi import Due, History, Kpi

ProblemKind = Literal["late", "return", "short", "scan_error", "count_diff"]
KINDS: tuple[ProblemKind, ...] = ("late", "return", "short", "scan_error", "count_diff")
# Which problems explain which KPI being past its threshold.
KPI_PROBLEMS: dict[str, tuple[ProblemKind, ...]] = {
    "on_time": ("late",),
    "return_rate": ("return",),
    "short_pick_rate": ("short",),
    "scan_error_rate": ("scan_error",),
    "inventory_accuracy": ("count_diff",),
}


@dataclass(frozen=True)
class Problem:
    """One problem: its kind, when (local time), and what it touched; `qty` units or 1."""

    kind: ProblemKind
    at: datetime
    channel: str = ""
    sku: str = ""
    step: str = ""  # the process step: the order state it lingered in, picking, packing …
    operator: str = ""
    qty: int = 1


@dataclass(frozen=True)
class Tally:
    kind: str
    total: int
    skus: tuple[tuple[str, int], ...]
    steps: tuple[tuple[str, int], ...]
    channels: tuple[tuple[str, int], ...]
    shifts: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Cause:
    """A KPI past its threshold `days` in a row (from `first` to `last`), and what stood out."""

    kpi: str
    first: date
    last: date
    days: int
    tally: Tally | None


def late_orders(history: History, first: date, last: date) -> list[Due]:
    """Orders due `first`..`last` that shipped after their ship-by or not at all."""
    return [
        d
        for d in history.due
        if first <= d.ship_by.date() <= last and (d.shipped_at is None or d.shipped_at > d.ship_by)
    ]


def problems(
    history: History, first: date, last: date, skus: Mapping[str, Sequence[str]]
) -> list[Problem]:
    """The problems of the days `first`..`last`: late orders (one per SKU line of the order, in
    `skus`; the step is the state the order lingered in longest), returned units, short picks,
    refused scans and count differences."""
    longest: dict[str, tuple[float, str]] = {}
    for s in history.spans:
        seconds = (s.left - s.entered).total_seconds()
        if seconds > longest.get(s.order_id, (-1.0, ""))[0]:
            longest[s.order_id] = (seconds, s.state)
    out: list[Problem] = []
    for d in late_orders(history, first, last):
        unshipped = "shipped" if d.shipped_at else "not shipped"
        step = longest.get(d.order_id, (0.0, unshipped))[1]
        out += [
            Problem("late", d.ship_by, d.channel, sku, step) for sku in skus.get(d.order_id) or [""]
        ]

    def within(at: datetime) -> bool:
        return first <= at.date() <= last

    out += [
        Problem("return", u.at, u.channel, u.sku, "after-sales", qty=u.qty)
        for u in history.units
        if u.kind == "returned" and within(u.at)
    ]
    out += [
        Problem("short", p.at, p.channel, p.sku, "picking", p.operator, p.qty)
        for p in history.picks
        if p.short and within(p.at)
    ]
    out += [
        Problem("scan_error", s.at, "", "", s.step or "scan", s.operator)
        for s in history.scans
        if s.refused and within(s.at)
    ]
    out += [
        Problem("count_diff", c.at, "", c.sku, f"bin {c.location}", qty=abs(c.found - c.expected))
        for c in history.counts
        if c.found != c.expected and within(c.at)
    ]
    return out


def shift_of(at: datetime, starts: Sequence[int]) -> str:
    """'06:00–14:00': the shift (from sorted start minutes) that `at` falls in."""
    minute = at.hour * 60 + at.minute
    before = [s for s in starts if s <= minute]
    start = before[-1] if before else starts[-1]
    end = starts[(list(starts).index(start) + 1) % len(starts)]
    return f"{start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"


def _top(counter: Counter[str], n: int) -> tuple[tuple[str, int], ...]:
    return tuple((k or "—", v) for k, v in counter.most_common(n))


def tally(kind: str, problems: Iterable[Problem], shifts: Sequence[int], top: int = 5) -> Tally:
    skus: Counter[str] = Counter()
    steps: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    by_shift: Counter[str] = Counter()
    total = 0
    for p in problems:
        total += p.qty
        if p.sku:
            skus[p.sku] += p.qty
        steps[p.step] += p.qty
        channels[p.channel] += p.qty
        by_shift[shift_of(p.at, shifts)] += p.qty
    return Tally(
        kind, total, _top(skus, top), _top(steps, top), _top(channels, top), _top(by_shift, top)
    )


def review(problems: Sequence[Problem], shifts: Sequence[int]) -> list[Tally]:
    """One tally per kind of problem (kinds with none included, total 0)."""
    return [tally(kind, [p for p in problems if p.kind == kind], shifts) for kind in KINDS]


def runs(kpi: Kpi, days: int) -> list[tuple[date, date, int]]:
    """The runs of at least `days` consecutive daily points past the threshold: (first, last, n).
    A day with no data breaks a run."""
    out: list[tuple[date, date, int]] = []
    run: list[date] = []
    for p in (*kpi.points, None):
        if p is not None and p.breached:
            run.append(date.fromisoformat(p.period))
            continue
        if len(run) >= days:
            out.append((run[0], run[-1], len(run)))
        run = []
    return out


def causes(
    daily: Sequence[Kpi], problems: Sequence[Problem], days: int, shifts: Sequence[int]
) -> list[Cause]:
    """Each KPI past its threshold `days` days running, with the problems of those days tallied
    (the kinds that explain that KPI; every kind for a KPI with no kind of its own)."""
    out: list[Cause] = []
    for item in daily:
        kinds = KPI_PROBLEMS.get(item.name, KINDS)
        for first, last, n in runs(item, days):
            found = [p for p in problems if p.kind in kinds and first <= p.at.date() <= last]
            out.append(
                Cause(item.name, first, last, n, tally(item.name, found, shifts) if found else None)
            )
    return out
