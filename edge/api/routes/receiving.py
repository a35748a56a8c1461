"""The dock for a supervisor: the ASNs still open, one ASN with its lines and discrepancies, the
discrepancies recorded at the dock and the putaway tasks waiting there."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from edge.api.deps import StoreDep, allow
from edge.domain.operator import MANAGERS
from edge.service import receiving
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["receiving"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="look_up_stock")]
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
