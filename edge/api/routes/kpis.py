"""The order-health KPIs and the weekly report, for supervisors and admins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from edge.api.deps import SettingsDep, StoreDep, allow
from edge.domain.errors import EdgeError
from edge.domain.kpi import check_window
from edge.domain.operator import MANAGERS
from edge.service import kpis as kpi_service
from edge.service import reports
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["kpis"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="read_kpis")]
Day = Annotated[date | None, Query(description="First (from) or last (to) local day.")]
Channel = Annotated[
    str | None, Query(max_length=64, description="One sales channel; empty: all of them.")
]
Week = Annotated[
    str | None,
    Query(pattern=r"^\d{4}-W\d{2}$", description="ISO week such as 2026-W48; empty: last week."),
]


async def _window(
    settings: SettingsDep,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Day = None,
    grain: Literal["day", "week"] = "day",
    channel: Channel = None,
) -> kpi_service.Query:
    """The days asked for (default: the last 28 up to today, locally), checked."""
    last = to or datetime.now(settings.edge.zone).date()
    first = from_ or last - timedelta(days=27)
    check_window(first, last)
    return kpi_service.Query(first, last, grain, channel or None)


Window = Annotated[kpi_service.Query, Depends(_window)]

# The routes below are plain functions: FastAPI runs them in its thread pool, so that computing
# a window of history or drawing a PDF never holds the event loop the floor's scans run on.


@router.get("/kpis")
def kpis(
    _: Manager,
    store: StoreDep,
    settings: SettingsDep,
    window: Window,
    svg: Annotated[bool, Query(description="Add each KPI's chart as an SVG element.")] = False,
) -> dict[str, Any]:
    """Every KPI by day or ISO week (default: the last 28 days) against its threshold."""
    return kpi_service.kpis(store.read(), settings, window, datetime.now(UTC), svg=svg)


@router.get("/kpis/{name}")
def kpi(
    name: Annotated[str, Path(max_length=64, description="A KPI's name, such as on_time.")],
    _: Manager,
    store: StoreDep,
    settings: SettingsDep,
    window: Window,
) -> dict[str, Any]:
    """One KPI by day or ISO week, with its breakdown (per operator where it has one)."""
    if name not in kpi_service.NAMES:
        raise EdgeError("not_found", what="KPI", key=name)
    found = kpi_service.kpis(store.read(), settings, window, datetime.now(UTC))
    item: dict[str, Any] = next(i for i in found["kpis"] if i["name"] == name)
    return {key: value for key, value in found.items() if key != "kpis"} | item


@router.get("/reports/weekly", response_class=Response)
def weekly_report(
    _: Manager, store: StoreDep, settings: SettingsDep, week: Week = None
) -> Response:
    """The weekly report of an ISO week (default: last week) as a PDF."""
    made = reports.weekly_pdf(store.read(), settings, week, datetime.now(UTC))
    return Response(
        made.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{made.filename}"'},
    )
