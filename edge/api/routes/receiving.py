"""The dock for a supervisor: the ASNs still open, one ASN with its lines and discrepancies, the
discrepancies recorded at the dock and the putaway tasks waiting there."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

from edge.api.deps import SettingsDep, StoreDep, allow
from edge.api.fields import PRINTABLE
from edge.domain.operator import MANAGERS
from edge.service import receiving
from edge.service.packing import PackSettings
from edge.service.workflows import FLOOR
from edge.store.operators import LoginSession
from kernel.fields import GS1_LOT

router = APIRouter(prefix="/api/v1", tags=["receiving"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="look_up_stock")]
Clerk = Annotated[LoginSession, allow(*FLOOR, action="print")]
AsnId = Annotated[str, Path(min_length=1, max_length=64, description="The ASN's number.")]


@router.get("/asns")
async def open_asns(_: Manager, store: StoreDep) -> list[dict[str, Any]]:
    """ASNs open or being received: expected and received units, discrepancies so far."""
    return receiving.open_asns(store.read())


@router.get("/asns/{asn_id}")
async def asn(asn_id: AsnId, _: Manager, store: StoreDep) -> dict[str, Any]:
    """One ASN: its lines as received, its containers and the discrepancies recorded."""
    return receiving.asn_detail(store.read(), asn_id)


@router.get("/receiving/discrepancies")
async def discrepancies(_: Manager, store: StoreDep) -> list[dict[str, Any]]:
    """The latest discrepancies recorded at the dock (newest first), with the choice made."""
    return receiving.recent_discrepancies(store.read())


@router.get("/putaway-tasks")
async def putaway_tasks(_: Manager, store: StoreDep) -> list[dict[str, Any]]:
    """Received containers waiting at the dock to be put away, with the suggested bin."""
    return receiving.open_putaways(store.read())


class LabelIn(BaseModel):
    kind: Literal["item", "pallet"] = Field(description="An item/carton label or a pallet label.")
    sku: Annotated[str, PRINTABLE] = Field(
        default="", max_length=64, description="item: the SKU (its GTIN is printed)."
    )
    lot: str = Field(
        default="", max_length=20, pattern=GS1_LOT, description="item: the lot (GS1 AI 10)."
    )
    expiry: str = Field(
        default="", pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="item: YYYY-MM-DD (AI 17)."
    )
    qty: int = Field(
        default=1, ge=1, le=1_000_000, strict=True, description="item: units the label stands for."
    )
    sscc: str = Field(default="", max_length=18, description="pallet: its 18-digit SSCC.")
    asn_id: Annotated[str, PRINTABLE] = Field(
        default="", max_length=64, description="pallet: the ASN it came with."
    )

    @field_validator("expiry")
    @classmethod
    def _a_real_date(cls, value: str) -> str:
        if value:
            date.fromisoformat(value)  # a ValueError is the caller's invalid_request
        return value


@router.post("/receiving/labels", status_code=202)
async def label(
    body: LabelIn, request: Request, session: Clerk, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Print an item/carton label (GTIN, lot, expiry as GS1-128) or an SSCC pallet label."""
    req = receiving.DockLabel(**body.model_dump())
    spooler = request.app.state.spooler
    result = await receiving.print_dock_label(
        store, spooler, req, session, PackSettings.of(settings)
    )
    return JSONResponse(result, status_code=202)
