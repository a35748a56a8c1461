"""Cycle counts: the counter's blind view (the bins to count, never what the records say) and
submitting a count; a supervisor opens a count by hand, reviews variances and approves or
rejects the adjustments waiting for a second person."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow
from edge.api.errors import answer_response, request_language
from edge.api.fields import Code, Int64Id, Lot, Note
from edge.domain.operator import MANAGERS
from edge.service import counts as service
from edge.service import replenish
from edge.store import counts
from edge.store import replenish as replenish_store
from edge.store.ledger import Actor
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["counts"])
Counter = Annotated[LoginSession, allow(*ANY_OPERATOR, action="count_stock")]
Manager = Annotated[LoginSession, allow(*MANAGERS, action="review_counts")]


class OpenIn(BaseModel):
    location: Code
    sku: Code | None = Field(default=None, description="One SKU; empty counts the whole bin.")


class CountedIn(BaseModel):
    item: Code = Field(description="The SKU, or a barcode scanned (a case counts its units).")
    lot: Lot = ""
    qty: int = Field(ge=0, le=1_000_000, strict=True, description="Units (scans) counted.")


class SubmitIn(BaseModel):
    lines: list[CountedIn] = Field(max_length=500, description="What is in the bin; may be empty.")


class DecideIn(BaseModel):
    note: Note = ""


@router.get("/counts")
async def to_count(_: Counter, store: StoreDep) -> list[dict[str, Any]]:
    """Open counts as the counter sees them: bin, SKU (none: the whole bin), why — never the
    quantity the records expect (a blind count)."""
    return counts.counter_tasks(store.read())


@router.post("/counts", status_code=201)
async def open_count(body: OpenIn, session: Manager, store: StoreDep) -> dict[str, Any]:
    """Open a count of a bin by hand (or get the one already open there)."""
    actor = Actor(session.operator_id, session.device_id)
    return await service.open_by_hand(store, body.location, body.sku, actor)


@router.post("/counts/{task_id}/submit")
async def submit(
    task_id: Int64Id,
    body: SubmitIn,
    request: Request,
    session: Counter,
    store: StoreDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Submit a blind count: booked at once, or kept for a second person's approval when its
    variance is over `stock.count_approval_units` / `count_approval_value`. The answer carries
    no quantities."""
    actor = Actor(session.operator_id, session.device_id)
    lines = [(x.item, x.lot, x.qty) for x in body.lines]
    answer = await service.submit(store, task_id, lines, actor, service.threshold(settings))
    return answer_response(answer, request_language(request), replayed=False)


@router.get("/counts/review")
async def review(
    _: Manager, store: StoreDep, status: Literal["review", "done"] = "review"
) -> list[dict[str, Any]]:
    """Counts waiting for approval (`review`) or booked (`done`), newest first: each line's
    expected and counted units and variance, who counted, the approval."""
    return counts.review(store.read(), status=status)


async def _decide(
    task_id: int, approve: bool, body: DecideIn, request: Request, session: LoginSession, store: Any
) -> JSONResponse:
    actor = Actor(session.operator_id, session.device_id)
    who = f"{session.name} ({session.badge})"
    answer = await service.decide(store, task_id, approve, actor, who, body.note)
    return answer_response(answer, request_language(request), replayed=False)


@router.post("/counts/{task_id}/approve")
async def approve(
    task_id: Int64Id, body: DecideIn, request: Request, session: Manager, store: StoreDep
) -> JSONResponse:
    """Approve a count waiting for a second person (never its counter): it is booked now."""
    return await _decide(task_id, True, body, request, session, store)


@router.post("/counts/{task_id}/reject")
async def reject(
    task_id: Int64Id, body: DecideIn, request: Request, session: Manager, store: StoreDep
) -> JSONResponse:
    """Reject a count waiting for approval: nothing is booked, the bin is counted again."""
    return await _decide(task_id, False, body, request, session, store)


class ReplenishIn(BaseModel):
    source: Code = Field(description="The bin the units were taken from (scanned).")
    target: Code = Field(description="The pick face they were put into (scanned).")


@router.get("/replenishments")
async def replenishments(_: Counter, store: StoreDep) -> list[dict[str, Any]]:
    """Pick faces to refill: take `qty` of `sku` from `source` (reserve) to `location`."""
    return replenish_store.open_tasks(store.read())


@router.post("/replenishments/{task_id}/done")
async def replenished(
    task_id: Int64Id, body: ReplenishIn, request: Request, session: Counter, store: StoreDep
) -> JSONResponse:
    """A replenishment done by scan: reserve → pick face through the move path, one
    transaction; the task closes."""
    actor = Actor(session.operator_id, session.device_id)
    answer = await replenish.replenished(store, task_id, body.source, body.target, actor)
    return answer_response(answer, request_language(request), replayed=False)
