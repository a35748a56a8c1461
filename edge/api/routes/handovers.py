"""Carrier handovers (交接单): open a bag, cage or truck, scan parcels in (idempotent by scan_id),
undo the last, close it (the list prints and goes to central), its PDF, and the close-out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from edge.api.deps import SettingsDep, StoreDep, allow
from edge.api.errors import answer_response, request_language
from edge.api.fields import ClientId, OptionalCode, RawScan, Word
from edge.domain.operator import MANAGERS, Role
from edge.service import handovers as service
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["handovers"])
Clerk = Annotated[LoginSession, allow(Role.PACKER, *MANAGERS, action="hand_over")]
HandoverId = Annotated[
    str, Path(max_length=24, pattern=r"^H-\d{6}-\d{3,}$", description="A handover's id.")
]


class OpenIn(BaseModel):
    carrier: Word = Field(description="The carrier the parcels go with, as close-out lists them.")
    container: Word = Field(default="bag", description="bag, cage or truck.")
    label: OptionalCode = Field(default="", description="The bag's or cage's label, if printed.")
    station: Word | None = Field(default=None, description="Where it is done (the device's).")


class ScanIn(BaseModel):
    scan_id: ClientId
    raw: RawScan = Field(description="The parcel's tracking number or parcel label.")


class CloseIn(BaseModel):
    station: Word | None = Field(
        default=None, description="The station whose PDF printer prints the list."
    )


@router.get("/handovers")
def handovers(
    _: Clerk,
    store: StoreDep,
    status: Annotated[Literal["open", "closed"] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Handovers, newest first, with their parcel count and weight."""
    return service.listing(store.read(), status)


@router.post("/handovers", status_code=201)
async def open_handover(
    body: OpenIn, session: Clerk, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """Open a bag, cage or truck for a carrier."""
    return await service.open_one(
        store,
        service.HandoverRules.of(settings),
        session,
        carrier=body.carrier,
        container=body.container,
        label=body.label or "",
        station=body.station,
    )


@router.get("/handovers/{handover_id}.pdf", response_class=Response)
def handover_pdf(
    handover_id: HandoverId, _: Clerk, store: StoreDep, settings: SettingsDep
) -> Response:
    """The handover list as a PDF (signature lines for the driver and the clerk)."""
    pdf = service.handover_pdf(store.read(), service.HandoverRules.of(settings), handover_id)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{handover_id}.pdf"'},
    )


@router.get("/handovers/{handover_id}")
def handover(
    handover_id: HandoverId, _: Clerk, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """One handover with its parcels in scan order, count and total weight."""
    return service.view(store.read(), service.HandoverRules.of(settings), handover_id)


@router.post("/handovers/{handover_id}/scans")
async def scan_parcel(
    handover_id: HandoverId,
    body: ScanIn,
    request: Request,
    session: Clerk,
    store: StoreDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Scan a parcel into the handover; the same scan_id again gives the first answer."""
    answer = await service.scan_one(
        store,
        service.HandoverRules.of(settings),
        session,
        handover_id,
        scan_id=body.scan_id,
        raw=body.raw,
    )
    return answer_response(answer.body, request_language(request), replayed=answer.replayed)


@router.post("/handovers/{handover_id}/undo")
async def undo(
    handover_id: HandoverId, _: Clerk, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """Take the last scanned parcel out again (before the close)."""
    return await service.undo_one(store, service.HandoverRules.of(settings), handover_id)


@router.post("/handovers/{handover_id}/close")
async def close(
    handover_id: HandoverId,
    body: CloseIn,
    request: Request,
    session: Clerk,
    store: StoreDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Close it: every parcel in it handed over, the list printed, central told."""
    return await service.close_one(
        store,
        service.HandoverRules.of(settings),
        session,
        handover_id,
        station=body.station,
        spooler=getattr(request.app.state, "spooler", None),
    )


@router.get("/closeout")
def closeout(_: Clerk, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Parcels packed and not handed over, by carrier, with each carrier's next cut-off."""
    return service.closeout(store.read(), service.HandoverRules.of(settings), datetime.now(UTC))
