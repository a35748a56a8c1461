"""The order-health KPIs of a window: read the history from the store, put its times into the
warehouse's time zone (`edge.timezone`), and let the pure domain do the arithmetic."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from edge.config import Settings
from edge.domain import kpi as k
from edge.store import kpi as q
from labels.weekly import chart_svg

# The KPI names, in the order the screen and the report show them.
NAMES = (
    "on_time",
    "inventory_accuracy",
    "return_rate",
    "pick_rate",
    "scans_per_order",
    "scan_error_rate",
    "short_pick_rate",
    *(f"time_in_{s}" for s in k.STATES),
    "dock_to_stock",
)
# KPIs read from rows that carry no channel: the same whatever channel is asked for.
WAREHOUSE_WIDE = frozenset(
    {"inventory_accuracy", "scans_per_order", "scan_error_rate", "dock_to_stock"}
)


def thresholds(settings: Settings) -> dict[str, k.Threshold]:
    t = settings.kpi
    return {
        "on_time": k.Threshold(t.on_time_min_pct / 100, "min"),
        "inventory_accuracy": k.Threshold(t.inventory_accuracy_min_pct / 100, "min"),
        "return_rate": k.Threshold(t.return_rate_max_pct / 100, "max"),
        "scan_error_rate": k.Threshold(t.scan_error_rate_max_pct / 100, "max"),
        "short_pick_rate": k.Threshold(t.short_pick_rate_max_pct / 100, "max"),
        "pick_rate": k.Threshold(t.pick_rate_min or None, "min"),
    }


@dataclass(frozen=True)
class Query:
    first: date
    last: date
    grain: k.Grain = "day"
    channel: str | None = None


def stored(at: datetime) -> str:
    """An instant in the store's text form (UTC)."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def utc_window(first: date, last: date, zone: ZoneInfo) -> tuple[str, str]:
    """The stored-time bounds of the local days `first`..`last`."""
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return stored(start), stored(end)


def local(text: str | None, zone: ZoneInfo) -> datetime | None:
    """A stored (or channel-given) time in the warehouse's zone, naive; None if absent or
    unreadable. A time without an offset is taken as UTC, like every stored time."""
    if not text:
        return None
    if len(text) == 27 and text[-1] == "Z":  # the store's own form: the hour's offset, cached
        try:
            return datetime.fromisoformat(text[:26]) + _offset(zone, text[:16])
        except ValueError:
            return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(zone).replace(tzinfo=None)


@lru_cache(maxsize=65536)
def _offset(zone: ZoneInfo, minute: str) -> timedelta:
    """The zone's offset from UTC in the UTC minute '2026-11-23T10:10' (offsets change on one)."""
    offset = datetime.fromisoformat(minute + ":00+00:00").astimezone(zone).utcoffset()
    return offset or timedelta()


def history(conn: sqlite3.Connection, query: Query, zone: ZoneInfo) -> k.History:
    """Every row the KPIs of `query` need, its times local to `zone`."""
    start, end = utc_window(query.first, query.last, zone)
    ch = query.channel

    def t(text: str) -> datetime:
        at = local(text, zone)
        assert at is not None  # times the edge stored itself are always readable
        return at

    due = [
        k.Due(r["order_id"], r["channel"], ship_by, local(r["shipped_at"], zone))
        for r in q.due_orders(conn, start, end, ch)
        if (ship_by := local(r["ship_by"], zone)) is not None
    ]
    units = [
        k.Units(r["channel"], t(r["at"]), r["kind"], r["qty"], r["sku"])
        for r in q.unit_flows(conn, start, end, ch)
    ]
    counts = [
        k.Count(t(r["at"]), r["expected"], r["found"], r["sku"] or "", r["location"])
        for r in q.closed_counts(conn, start, end)
    ]
    scan_rows = q.scans(conn, start, end)
    scans = [
        k.ScanRow(t(r["at"]), r["operator"], bool(r["code"]), r["workflow"]) for r in scan_rows
    ]
    picks = [
        k.PickRow(
            t(r["at"]),
            r["operator"],
            r["channel"],
            r["line_id"],
            r["qty"],
            bool(r["short"]),
            r["sku"],
        )
        for r in q.picks(conn, start, end, ch)
    ]
    changes = q.status_history(conn, start, end, ch)
    spans = k.spans([(r["order_id"], r["channel"], r["to_status"], t(r["at"])) for r in changes])
    shipped = [t(r["at"]) for r in changes if r["to_status"] == "shipped"]
    putaways = [
        k.Putaway(t(r["received_at"]), t(r["stored_at"])) for r in q.putaways(conn, start, end)
    ]
    return k.History(due, units, counts, scans, picks, spans, shipped, putaways)


def kpi_json(item: k.Kpi, *, channel: str | None) -> dict[str, Any]:
    def point(p: k.Point) -> dict[str, Any]:
        value = None if p.value is None else round(p.value, 4)
        return {
            "period": p.period,
            "value": value,
            "num": p.num,
            "den": p.den,
            "breached": p.breached,
        }

    return {
        "name": item.name,
        "unit": item.unit,
        "threshold": item.threshold.value,
        "direction": item.threshold.direction,
        "channel": None if item.name in WAREHOUSE_WIDE else channel,
        "points": [point(p) for p in item.points],
        "total": point(item.total),
        "breached_running": item.running,
        "breakdown": {name: point(p) for name, p in item.breakdown.items()},
    }


def compute(
    conn: sqlite3.Connection, settings: Settings, query: Query, now: datetime
) -> list[k.Kpi]:
    """The KPIs of `query` as the domain computed them."""
    return compute_from(history(conn, query, settings.edge.zone), settings, query, now)


def compute_from(rows: k.History, settings: Settings, query: Query, now: datetime) -> list[k.Kpi]:
    """The KPIs of `query` from history already read (it may reach further back: the domain
    counts only what falls in the window)."""
    as_of = now.astimezone(settings.edge.zone).replace(tzinfo=None)
    window = k.Window(query.first, query.last, query.grain, as_of)
    return k.compute(rows, window, thresholds(settings))


def kpis(
    conn: sqlite3.Connection, settings: Settings, query: Query, now: datetime, *, svg: bool = False
) -> dict[str, Any]:
    """Every KPI of `query`: a point per day or week (None: no data), the total, the threshold;
    with `svg`, each KPI's chart too (the one the weekly report draws)."""
    items = compute(conn, settings, query, now)
    charts = {i.name: chart_svg(i) for i in items} if svg else {}
    return {
        "from": query.first.isoformat(),
        "to": query.last.isoformat(),
        "grain": query.grain,
        "channel": query.channel,
        "channels": q.channels(conn),
        "timezone": settings.edge.timezone,
        "kpis": [
            kpi_json(i, channel=query.channel) | ({"svg": charts[i.name]} if svg else {})
            for i in items
        ],
    }
