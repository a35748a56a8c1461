"""Stock on hold for a supervisor: the counts that short picks opened (and their results),
expired and soon-expiring lots, and moving the expired into quarantine."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, Strict

from edge.api.deps import SettingsDep, StoreDep, allow
from edge.api.errors import answer_response, request_language
from edge.api.fields import Int64Id
from edge.domain.operator import MANAGERS
from edge.service.counts import count_result as count_result_of
from edge.service.expiry import expiring_stock, shelf_rules
from edge.service.expiry import quarantine as quarantine_expired
from edge.store import counts
from edge.store.ledger import Actor
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["stock"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="change_stock")]


class CountIn(BaseModel):
    found: Annotated[int, Strict()] = Field(
        ge=0, le=1_000_000, description="Units of the hold found in the bin."
    )


@router.get("/count-tasks")
async def count_tasks(
    _: Manager, store: StoreDep, status: Literal["open", "done"] = "open"
) -> list[dict[str, Any]]:
    """Bins to count after a short pick, with the units each holds frozen (`held`)."""
    return counts.count_tasks(store.read(), status=status)


@router.post("/count-tasks/{task_id}/result")
async def count_result(
    task_id: Int64Id, body: CountIn, request: Request, session: Manager, store: StoreDep
) -> JSONResponse:
    """Record the count: `found` of the held units go back to on_hand, the rest are written off."""
    actor = Actor(session.operator_id, session.device_id)
    answer = await count_result_of(store, task_id, body.found, actor)
    return answer_response(answer, request_language(request), replayed=False)


class QuarantineIn(BaseModel):
    target: str | None = Field(
        default=None,
        max_length=64,
        description="A quarantine location to move them to; empty freezes them where they are.",
    )


@router.get("/stock/expiring")
async def expiring(
    _: Manager,
    store: StoreDep,
    settings: SettingsDep,
    days: Annotated[int | None, Query(ge=0, le=3650)] = None,
) -> dict[str, Any]:
    """Lots expired on the warehouse's date (`edge.timezone`) or with `days` (default
    `stock.expiring_soon_days`) or fewer left: on-hand and picked units, soonest first."""
    window = None if days is None else min(max(days, 0), 3650)
    return expiring_stock(
        store.read(), shelf_rules(settings.edge, settings.stock), datetime.now(UTC), days=window
    )


@router.post("/stock/expired/quarantine")
async def quarantine(
    body: QuarantineIn, request: Request, session: Manager, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Move every on-hand unit of an expired lot to frozen, in one transaction; their orders are
    allocated again from eligible stock."""
    actor = Actor(session.operator_id, session.device_id)
    rules = shelf_rules(settings.edge, settings.stock)
    answer = await quarantine_expired(store, rules, actor, target=body.target or None)
    return answer_response(answer, request_language(request), replayed=False)
