"""The edges' own paths (docs/sync.md): events up, high water, the change feed down."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from central_sync.server.batch import parse_batch
from central_sync.server.deps import CentralDep, EdgeCaller
from central_sync.server.errors import CentralError
from central_sync.server.feed import DEFAULT_PAGE, MAX_PAGE, Notifier
from central_sync.server.messages import PHRASES
from central_sync.server.restore import RestoreReport
from kernel import json_body
from kernel.fields import Code, Int64Id, Seq

router = APIRouter(prefix="/api/v1/edges/{edge_id}", tags=["edges"])


@router.post("/events")
async def post_events(
    edge_id: Code, request: Request, _: EdgeCaller, central: CentralDep
) -> dict[str, Any]:
    """Apply a batch of the edge's events, at most once and in order; answers the high water."""
    try:
        body = json_body.loads(await request.body())
    except ValueError:
        raise CentralError(
            "invalid_batch", index="?", field="body", problem=PHRASES["not_json"]
        ) from None
    events = parse_batch(body, edge_id)
    return await run_in_threadpool(central.receive_events, edge_id, events)


@router.get("/events/high-water")
def get_high_water(edge_id: Code, _: EdgeCaller, central: CentralDep) -> dict[str, Any]:
    """Every epoch central holds for this edge with its highest applied seq."""
    return {"high_water": central.high_water(edge_id)}


@router.get("/events")
def get_own_events(
    edge_id: Code,
    _: EdgeCaller,
    central: CentralDep,
    epoch: Annotated[Int64Id, Query()],
    after: Annotated[Seq, Query()] = 0,
    limit: int = Query(500, ge=1, le=500),
) -> dict[str, Any]:
    """This edge's own events of `epoch` after seq `after`, as central holds them (a restored
    edge takes back what its backup lacks)."""
    return central.events_of(edge_id, epoch=epoch, after=after, limit=limit)


@router.post("/restores")
def post_restore(
    edge_id: Code, _: EdgeCaller, central: CentralDep, report: RestoreReport
) -> dict[str, Any]:
    """A restored edge reports the gap it closed: an exception for a person at central."""
    return central.record_restore(edge_id, report)


@router.get("/changes")
async def get_changes(
    edge_id: Code,
    request: Request,
    _: EdgeCaller,
    central: CentralDep,
    after: Annotated[Seq, Query()] = 0,
    wait: float = Query(25.0, ge=0, le=60),
    limit: int = Query(DEFAULT_PAGE, ge=1, le=MAX_PAGE),
) -> dict[str, Any]:
    """Changes after cursor `after`; with none, holds the request up to `wait` seconds."""
    notifier: Notifier = request.app.state.notifier
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        woken = notifier.current()  # taken before the read: a commit after it still wakes us
        page = await run_in_threadpool(central.changes, edge_id, after, limit)
        remaining = deadline - loop.time()
        if page["changes"] or remaining <= 0 or await request.is_disconnected():
            return page
        await notifier.wait(woken, min(notifier.recheck_s, remaining))
