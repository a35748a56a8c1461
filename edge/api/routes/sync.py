"""The edge's sync with central as the terminal header and a supervisor see it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter

from central_sync.agent.status import sync_status
from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["sync"])
Anyone = Annotated[LoginSession, allow(*ANY_OPERATOR, action="look_up_sync")]


@router.get("/sync/status")
async def status(_: Anyone, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Central reachable or offline since when, events queued and the oldest, feed cursor, alert."""
    return sync_status(store.read(), settings.central, settings.edge.zone)
