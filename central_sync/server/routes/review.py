"""Order review (待审核, docs/central.md "Order review"): the rules, the orders waiting, and a
supervisor's release or cancel (the admin's token, or the board's buttons)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from central_sync.server.board_text import board_language
from central_sync.server.deps import Admin, AdminOrBoard, AdminOrCookie, CentralDep
from kernel.fields import Code

# release / cancel: the admin's token, or the board's buttons (its cookie with its own header)
router = APIRouter(prefix="/api/v1", tags=["order review"], dependencies=[AdminOrBoard])
reader = APIRouter(prefix="/api/v1", tags=["order review"], dependencies=[AdminOrCookie])
rules = APIRouter(prefix="/api/v1", tags=["order review"], dependencies=[Admin])


class ReleaseIn(BaseModel):
    by: str = Field(default="", max_length=64, description="Who released it (kept in its history).")
    note: str = Field(default="", max_length=200)


class CancelIn(BaseModel):
    by: str = Field(
        default="", max_length=64, description="Who cancelled it (kept in its history)."
    )
    reason: str = Field(min_length=1, max_length=200)


@reader.get("/review-rules")
async def get_rules(central: CentralDep) -> dict[str, Any]:
    """The review rules in force (the defaults, review off, until a document is set)."""
    return await run_in_threadpool(central.review_rules)


@rules.put("/review-rules")
async def put_rules(central: CentralDep, body: Any = Body(...)) -> dict[str, Any]:
    """Replace the review rules (the whole document); they apply to orders taken from now on.
    A document that does not check is refused (422 review_rules_invalid) and changes nothing."""
    return await run_in_threadpool(central.set_review_rules, body)


@reader.get("/reviews")
async def get_reviews(request: Request, central: CentralDep) -> list[dict[str, Any]]:
    """The orders waiting for review, the longest waiting first, each with its reasons (in both
    languages, and `reason` in `lang`/Accept-Language)."""
    return await run_in_threadpool(central.reviews, board_language(request))


@router.post("/orders/{order_id}/review/release")
async def release(
    order_id: Code, central: CentralDep, body: ReleaseIn | None = None
) -> dict[str, Any]:
    """Release an order held for review: it goes through assignment as any new order. Again:
    no change; a cancelled one: 409 review_decided."""
    body = body or ReleaseIn()
    return await run_in_threadpool(central.release_review, order_id, body.by, body.note)


@router.post("/orders/{order_id}/review/cancel")
async def cancel(order_id: Code, body: CancelIn, central: CentralDep) -> dict[str, Any]:
    """Cancel an order held for review; the cancel is written back to its channel. Again: no
    change; a released one: 409 review_decided."""
    return await run_in_threadpool(central.cancel_review, order_id, body.by, body.reason)
