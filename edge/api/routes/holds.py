"""Stock on hold for a supervisor: the counts that short picks opened (and their results)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from edge.api.deps import StoreDep, allow
from edge.api.errors import answer_response, request_language
from edge.domain.operator import MANAGERS
from edge.service.counts import record_count
from edge.store import counts
from edge.store.effects import Actor
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["stock"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="change_stock")]


class CountIn(BaseModel):
    found: int = Field(ge=0, le=1_000_000, description="Units of the hold found in the bin.")


@router.get("/count-tasks")
async def count_tasks(
    _: Manager, store: StoreDep, status: Literal["open", "done"] = "open"
) -> list[dict[str, Any]]:
    """Bins to count after a short pick, with the units each holds frozen (`held`)."""
    return counts.count_tasks(store.read(), status=status)


@router.post("/count-tasks/{task_id}/result")
async def count_result(
    task_id: int, body: CountIn, request: Request, session: Manager, store: StoreDep
) -> JSONResponse:
    """Record the count: `found` of the held units go back to on_hand, the rest are written off."""
    actor = Actor(session.operator_id, session.device_id)
    answer = await store.writer.run(lambda tx: record_count(tx, task_id, body.found, actor))
    return answer_response(answer, request_language(request), replayed=False)
