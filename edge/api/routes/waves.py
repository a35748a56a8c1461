"""Waves: each carrier cut-off's orders and their progress against it (GET), and a supervisor's
release of a wave to picking (POST, audited)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path

from edge.api.deps import SettingsDep, StoreDep, allow
from edge.domain.operator import MANAGERS
from edge.service import waves as service
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["waves"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="release_waves")]
WaveId = Annotated[
    str, Path(max_length=40, pattern=r"^W-[A-Za-z0-9-]+$", description="A wave's id as listed.")
]


@router.get("/waves")
def waves(_: Manager, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Waves with orders still to pack or packed lately, most urgent cut-off first: orders by
    stage, single-item orders, minutes to the cut-off and lateness (ok, at_risk, late, none),
    and who released each released one, when and how."""
    return service.board(store.read(), settings, datetime.now(UTC))


@router.post("/waves/{wave_id}/release")
async def release(
    wave_id: WaveId, session: Manager, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """Release a wave to picking: the next pick lists take its orders (and those of its key that
    come later). Refused when waves are off (`waves_off`) or it is released already."""
    return await service.release_wave(
        store, settings, wave_id, operator_id=session.operator_id, device_id=session.device_id
    )
