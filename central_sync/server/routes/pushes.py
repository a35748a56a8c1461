"""The write-backs to the channels (docs/central.md, "Status back to the channels"): the queue as
the board and a person see it, and "retry now" for one a channel kept refusing."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from central_sync.server.deps import AdminOrBoard, AdminOrCookie, CentralDep
from kernel.fields import Int64Id, Word

# retry: the admin's token, or the board's button (its cookie with its own header)
router = APIRouter(prefix="/api/v1", tags=["channel pushes"], dependencies=[AdminOrBoard])
reader = APIRouter(prefix="/api/v1", tags=["channel pushes"], dependencies=[AdminOrCookie])

State = Literal["pending", "sent", "failed", "skipped"]


@reader.get("/channel-pushes")
async def get_pushes(
    central: CentralDep, state: State | None = None, channel: Word | None = None
) -> list[dict[str, Any]]:
    """The write-backs, newest first (200 at most): `state=failed` lists those a channel kept
    refusing, each with the channel's last answer (truncated to 500 characters)."""
    return await run_in_threadpool(central.channel_pushes, state=state, channel=channel)


@router.post("/channel-pushes/{push_id}/retry")
async def retry_push(push_id: Int64Id, central: CentralDep) -> dict[str, Any]:
    """Put a failed write-back back in its channel's queue, due now (a sent one: no change)."""
    return await run_in_threadpool(central.retry_push, push_id)
