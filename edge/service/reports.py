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


def exception_lines(
    conn: sqlite3.Connection, start: str, end: str, zone: ZoneInfo
) -> list[ExceptionLine]:
    """Per kind of exception, then per reason of the count tasks opened (a short pick's count
    resolves it): raised, resolved, still open, and the mean hours to resolve."""
    raised: dict[str, int] = defaultdict(int)
    hours: dict[str, list[float]] = defaultdict(list)
    for row in [*q.exceptions(conn, start, end), *q.count_tasks_opened(conn, start, end)]:
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
    trend_first = first - timedelta(days=7 * (TREND_WEEKS - 1))
    # one read of the six weeks serves the week by day, the trend by week and the review
    history = kpi_service.history(conn, kpi_service.Query(trend_first, last), zone)
    daily = kpi_service.compute_from(history, settings, kpi_service.Query(first, last), now)
    trend = kpi_service.Query(trend_first, last, "week")
    weekly = kpi_service.compute_from(history, settings, trend, now)
    late = r.late_orders(history, first, last)
    skus = q.order_skus(conn, [d.order_id for d in late])
    found = r.problems(history, first, last, skus)
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
