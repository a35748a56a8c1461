"""The returns desk beside its scans (docs/returns.md): find the order of an unexpected parcel,
the desk's lists, the supervisor's exceptions and return rates, a photo of damage, the
quarantine label."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from edge.api.deps import SettingsDep, StoreDep, allow
from edge.domain.operator import MANAGERS, Role
from edge.service import returns_desk as desk
from edge.service.packing import PackSettings
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1/returns", tags=["returns"])
Clerk = Annotated[LoginSession, allow(*MANAGERS, Role.RETURNS, action="returns")]
Manager = Annotated[LoginSession, allow(*MANAGERS, action="returns_report")]
ParcelId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.:-]+$")]


@router.get("/lookup")
async def lookup(
    _: Clerk,
    store: StoreDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=64,
            description="Order number, name or the phone's last 4+ digits.",
        ),
    ],
) -> list[dict[str, Any]]:
    """Shipped orders matching an order number (with or without the channel prefix), a
    customer's name or the last 4+ digits of a phone; at most 20."""
    return desk.lookup(store.read(), q)


@router.get("")
async def overview(_: Clerk, store: StoreDep) -> dict[str, Any]:
    """RMAs expected and not yet received, and the parcels opened at the desk (open first)."""
    return desk.overview(store.read())


@router.get("/exceptions")
async def exceptions(_: Clerk, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """RMAs not arrived after [returns] expect_within_days, parcels not closed within
    [returns] grade_within_hours."""
    r = settings.returns
    return desk.exceptions(
        store.read(),
        datetime.now(UTC),
        expect_within_days=r.expect_within_days,
        grade_within_hours=r.grade_within_hours,
    )


@router.get("/rates")
async def rates(
    _: Manager,
    store: StoreDep,
    settings: SettingsDep,
    days: Annotated[int, Query(ge=1, le=366, description="The period, in days up to now.")] = 30,
) -> dict[str, Any]:
    """Return rate (units returned / units shipped) per product, channel and reason."""
    warn = settings.kpi.return_rate_max_pct / 100
    return desk.rates(store.read(), datetime.now(UTC), days=days, warn_above=warn)


PHOTO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            kind: {
                "schema": {"type": "string", "format": "binary", "maxLength": desk.PHOTO_MAX_BYTES}
            }
            for kind in desk.PHOTO_MAGIC
        },
    }
}


@router.post("/parcels/{parcel_id}/photos", status_code=201, openapi_extra=PHOTO_BODY)
async def photo(
    parcel_id: ParcelId, request: Request, session: Clerk, store: StoreDep
) -> JSONResponse:
    """A photo of damage (body `image/jpeg` or `image/png`, at most 2 MiB), kept with the
    parcel's last graded item."""
    data = await request.body()
    result = await desk.photo(
        store,
        parcel_id,
        content_type=request.headers.get("content-type", ""),
        data=data,
        operator_id=session.operator_id,
    )
    return JSONResponse(result, status_code=201)


@router.post("/parcels/{parcel_id}/label", status_code=202)
async def label(
    parcel_id: ParcelId, request: Request, session: Clerk, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Print the quarantine label for the parcel's bag or tote on the station's printer."""
    req = desk.LabelRequest(parcel_id, session, PackSettings.of(settings))
    result = await desk.label(store, request.app.state.spooler, req)
    return JSONResponse(result, status_code=202)
