"""The weekly report: a week's KPIs and their trend, exceptions and how fast they were resolved,
the problem-order review and the likely causes of a KPI past its threshold days running; made
as a PDF on request, by `warehouse-edge report weekly`, or on schedule (kept, then mailed)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from edge.config import Settings
from edge.domain import kpi as k
from edge.domain import review as r
from edge.service import kpis as kpi_service
from edge.store import kpi as q
from labels.weekly import ExceptionLine, WeeklyReport, render_weekly

TREND_WEEKS = 6


@dataclass(frozen=True)
class Made:
    week: str
    filename: str
    pdf: bytes


def last_week(now: datetime, zone: ZoneInfo) -> str:
    """The ISO week before the one `now` falls in, locally."""
    return k.period_of(now.astimezone(zone).date() - timedelta(days=7), "week")


def problems(
    conn: sqlite3.Connection, history: k.History, first: date, last: date
) -> list[r.Problem]:
    """The problems of the days `first`..`last`, from the history the KPIs were computed from:
    late orders (one per SKU line, the step being the state the order lingered in longest),
    returned units, short picks, refused scans and count differences."""
    out: list[r.Problem] = []
    longest: dict[str, tuple[float, str]] = {}
    for s in history.spans:
        hours = (s.left - s.entered).total_seconds()
        if hours > longest.get(s.order_id, (-1.0, ""))[0]:
            longest[s.order_id] = (hours, s.state)
    late = [
        d
        for d in history.due
        if first <= d.ship_by.date() <= last and (d.shipped_at is None or d.shipped_at > d.ship_by)
    ]
    skus = q.order_skus(conn, [d.order_id for d in late])
    for d in late:
        step = longest.get(d.order_id, (0.0, d.shipped_at and "shipped" or "not shipped"))[1]
        for sku in skus.get(d.order_id, [""]):
            out.append(r.Problem("late", d.ship_by, d.channel, sku, step))
    out += [
        r.Problem("return", u.at, u.channel, u.sku, "after-sales", qty=u.qty)
        for u in history.units
        if u.kind == "returned"
    ]
    out += [
        r.Problem("short", p.at, p.channel, p.sku, "picking", p.operator, p.qty)
        for p in history.picks
        if p.short
    ]
    out += [
        r.Problem("scan_error", s.at, "", "", s.step or "scan", s.operator)
        for s in history.scans
        if s.refused
    ]
    out += [
        r.Problem("count_diff", c.at, "", c.sku, f"bin {c.location}", qty=abs(c.found - c.expected))
        for c in history.counts
        if c.found != c.expected
    ]
    return out


def exception_lines(
    conn: sqlite3.Connection, start: str, end: str, zone: ZoneInfo
) -> list[ExceptionLine]:
    """Per kind of exception: raised, resolved, still open, and the mean hours to resolve."""
    raised: dict[str, int] = defaultdict(int)
    hours: dict[str, list[float]] = defaultdict(list)
    for row in q.exceptions(conn, start, end):
        raised[row["kind"]] += 1
        opened = kpi_service.local(row["created_at"], zone)
        closed = kpi_service.local(row["resolved_at"], zone)
        if opened is not None and closed is not None:
            hours[row["kind"]].append((closed - opened).total_seconds() / 3600)
    return [
        ExceptionLine(
            kind,
            n,
            len(hours[kind]),
            n - len(hours[kind]),
            sum(hours[kind]) / len(hours[kind]) if hours[kind] else None,
        )
        for kind, n in sorted(raised.items())
    ]


def weekly_data(
    conn: sqlite3.Connection, settings: Settings, week: str, now: datetime
) -> WeeklyReport:
    """Everything the weekly report of `week` (ISO, e.g. 2026-W48) shows."""
    first, last = k.week_bounds(week)
    zone = settings.edge.zone
    daily = kpi_service.compute(conn, settings, kpi_service.Query(first, last, "day"), now)
    trend_first = first - timedelta(days=7 * (TREND_WEEKS - 1))
    weekly = kpi_service.compute(conn, settings, kpi_service.Query(trend_first, last, "week"), now)
    history = kpi_service.history(conn, kpi_service.Query(first, last), zone)
    found = problems(conn, history, first, last)
    shifts = settings.kpi.shift_minutes
    start, end = kpi_service.utc_window(first, last, zone)
    return WeeklyReport(
        edge=settings.edge.name,
        week=week,
        first=first,
        last=last,
        made_at=now.astimezone(zone).replace(tzinfo=None),
        daily=daily,
        weekly=weekly,
        review=r.review(found, shifts),
        causes=r.causes(daily, found, settings.kpi.breach_days, shifts),
        exceptions=exception_lines(conn, start, end, zone),
        breach_days=settings.kpi.breach_days,
    )


def weekly_pdf(
    conn: sqlite3.Connection, settings: Settings, week: str | None, now: datetime
) -> Made:
    """The weekly report of `week` (default: last week) as PDF bytes."""
    week = week or last_week(now, settings.edge.zone)
    pdf = render_weekly(weekly_data(conn, settings, week, now))
    return Made(week, f"weekly-report-{settings.edge.id}-{week}.pdf", pdf)


def week_of(day: date) -> str:
    return k.period_of(day, "week")


def report_params(made: Made) -> dict[str, Any]:
    return {"week": made.week, "file": made.filename, "bytes": len(made.pdf)}
