"""Stock, catalogue and outbox reads; supervisor adjustments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow
from edge.api.errors import answer_response, request_language
from edge.api.fields import (
    PAGE_DEFAULT,
    ClientId,
    Code,
    Delta,
    Limit,
    Lot,
    Reason,
    Seq,
    within_limit,
)
from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS
from edge.domain.stock import AdjustStock
from edge.service.counts import threshold
from edge.service.stock import make_adjustment
from edge.store import catalog, sync_state
from edge.store import stock as stock_store
from edge.store.ledger import Actor
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["stock"])
Anyone = Annotated[LoginSession, allow(*ANY_OPERATOR, action="look_up_stock")]
Manager = Annotated[LoginSession, allow(*MANAGERS, action="change_stock")]
Auditor = Annotated[LoginSession, allow(*MANAGERS, action="read_ledger")]


class AdjustIn(BaseModel):
    request_id: ClientId
    sku: Code
    location: Code
    delta: Delta
    reason: Reason
    lot: Lot = ""


@router.get("/stock")
async def stock(
    _: Anyone, store: StoreDep, sku: Code | None = None, location: Code | None = None
) -> list[dict[str, Any]]:
    """Balances at the ledger grain, filtered by SKU and/or location."""
    return stock_store.balances(store.read(), sku=sku, location=location)


@router.get("/stock/{sku}")
async def stock_of(sku: Code, _: Anyone, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Bucket totals and available-to-sell (on_hand − allocated + returns in transit) of one SKU."""
    include = settings.stock.available_includes_returns_in_transit
    summary = stock_store.stock_summary(store.read(), sku, include_returns=include)
    if summary is None:
        raise EdgeError("unknown_sku", sku=sku)
    return summary


@router.post("/stock/adjustments")
async def adjustment(
    body: AdjustIn, request: Request, session: Manager, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Adjust a bin's on_hand with a reason; idempotent by request_id. Over
    `stock.count_approval_units` / `count_approval_value` it is not booked: it waits for a
    second supervisor's approval (`POST /api/v1/counts/{task_id}/approve`)."""
    within_limit(body.delta, settings.stock.max_quantity)
    cmd = AdjustStock(body.sku, body.location, body.delta, body.reason, body.lot)
    actor = Actor(session.operator_id, session.device_id, body.request_id)
    answer = await make_adjustment(
        store, cmd, actor, request_id=body.request_id, threshold=threshold(settings)
    )
    return answer_response(answer.body, request_language(request), replayed=answer.replayed)


@router.get("/movements")
async def movements(
    _: Auditor, store: StoreDep, sku: Code | None = None, limit: Limit = PAGE_DEFAULT
) -> list[dict[str, Any]]:
    """The newest ledger rows, optionally for one SKU."""
    return stock_store.movements(store.read(), sku=sku, limit=limit)


@router.get("/products/{sku}")
async def product(sku: Code, _: Anyone, store: StoreDep) -> dict[str, Any]:
    """A product with its barcodes."""
    found = catalog.product(store.read(), sku)
    if found is None:
        raise EdgeError("unknown_sku", sku=sku)
    return found


@router.get("/locations/{code}")
async def location(code: Code, _: Anyone, store: StoreDep) -> dict[str, Any]:
    """A location with the stock in it."""
    found = catalog.location(store.read(), code)
    if found is None:
        raise EdgeError("unknown_location", location=code)
    return found


@router.get("/outbox")
async def outbox(
    _: Auditor, store: StoreDep, after_seq: Annotated[Seq, Query()] = 0, limit: Limit = PAGE_DEFAULT
) -> dict[str, Any]:
    """Outbox depth and age, and events after a sequence number."""
    conn = store.read()
    return {
        "status": sync_state.outbox_status(conn, datetime.now(UTC)),
        "events": sync_state.outbox_events(conn, after_seq=after_seq, limit=limit),
    }
