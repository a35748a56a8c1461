"""Returns and refunds for the admin (and the board's cookie where it only reads): RMAs, their
labels, the return policy."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query

from central_sync.server.deps import Admin, AdminOrCookie, CentralDep
from central_sync.server.return_policy import Policy
from central_sync.server.returns import ReturnCancelIn, ReturnIn
from kernel.fields import Code

router = APIRouter(prefix="/api/v1", tags=["returns"], dependencies=[Admin])
reader = APIRouter(prefix="/api/v1", tags=["returns"], dependencies=[AdminOrCookie])

ReturnStatus = Literal["authorised", "received", "closed", "cancelled", "expired"]


@router.post("/orders/{order_id}/returns", status_code=201)
def post_return(order_id: Code, body: ReturnIn, central: CentralDep) -> dict[str, Any]:
    """Authorise a return (RMA) within the return policy; its edge gets `return_authorised`."""
    return central.returns.authorise(order_id, body)


@router.post("/returns/{rma}/cancel")
def post_return_cancel(rma: Code, body: ReturnCancelIn, central: CentralDep) -> dict[str, Any]:
    """Cancel an RMA whose parcel has not arrived; its edge gets `return_cancelled`."""
    return central.returns.cancel(rma, body.reason)


@reader.get("/returns")
def get_returns(
    central: CentralDep,
    status: ReturnStatus | None = None,
    order_id: Code | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> dict[str, Any]:
    """RMAs, newest first."""
    return {"returns": central.returns.list(status=status, order_id=order_id, limit=limit)}


@reader.get("/returns/policy")
def get_policy(central: CentralDep) -> dict[str, Any]:
    """The return policy: windows per channel and category, expiry, escalation, refunds."""
    return central.returns.policy()


@router.put("/returns/policy")
def put_policy(body: Policy, central: CentralDep) -> dict[str, Any]:
    """Replace the return policy (the whole document)."""
    return central.returns.set_policy(body)


@reader.get("/returns/{rma}")
def get_return(rma: Code, central: CentralDep) -> dict[str, Any]:
    """One RMA with its lines, photos and refunds due."""
    return central.returns.detail(rma)
