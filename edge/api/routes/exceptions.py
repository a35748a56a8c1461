"""Exceptions a supervisor owns: the list (filtered by state, kind, owner), one with its audit
trail, and acknowledging, assigning and resolving one (supervisors and admins only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from edge.api.deps import StoreDep, allow
from edge.api.fields import Int64Id, Note, Reason, Word
from edge.domain.operator import MANAGERS
from edge.service import exceptions as service
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["exceptions"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="manage_exceptions")]
State = Literal["active", "open", "acked", "resolved", "all"]
# A role that owns the unassigned, or an assignee's operator id (18 digits stay inside int64).
Owner = Annotated[
    str,
    Query(
        pattern=r"^(supervisor|admin|[1-9][0-9]{0,17})$",
        description="supervisor, admin, or an operator id.",
    ),
]


class AckIn(BaseModel):
    note: Note = ""


class AssignIn(BaseModel):
    operator_id: Int64Id = Field(description="The operator who owns it from now on.")
    note: Note = ""


class ResolveIn(BaseModel):
    reason: Reason = Field(description="What was done about it (kept in its audit trail).")


@router.get("/exceptions")
async def exceptions(
    _: Manager,
    store: StoreDep,
    state: State = "active",
    kind: Word | None = None,
    owner: Owner | None = None,
) -> list[dict[str, Any]]:
    """Exceptions newest first, each with its owner, age, the action to take and the `link`
    where it is done. `state`: active (open or acked, the default), open, acked, resolved or all;
    `owner`: a role (supervisor, admin) or an assignee's operator id."""
    return service.list_exceptions(
        store.read(), datetime.now(UTC), state=state, kind=kind, owner=owner
    )


@router.get("/exceptions/{exception_id}")
async def exception(exception_id: Int64Id, _: Manager, store: StoreDep) -> dict[str, Any]:
    """One exception and its audit trail (`history`: every change, who made it, when)."""
    return service.exception_detail(store.read(), exception_id, datetime.now(UTC))


@router.post("/exceptions/{exception_id}/ack")
async def ack(
    exception_id: Int64Id, body: AckIn, session: Manager, store: StoreDep
) -> dict[str, Any]:
    """Acknowledge it: someone is on it (pushed to the webhooks once)."""
    return await service.act(store, exception_id, "ack", session.operator_id, reason=body.note)


@router.post("/exceptions/{exception_id}/assign")
async def assign(
    exception_id: Int64Id, body: AssignIn, session: Manager, store: StoreDep
) -> dict[str, Any]:
    """Give it to an operator: they are its owner from now on."""
    return await service.act(
        store,
        exception_id,
        "assign",
        session.operator_id,
        reason=body.note,
        assignee=body.operator_id,
    )


@router.post("/exceptions/{exception_id}/resolve")
async def resolve(
    exception_id: Int64Id, body: ResolveIn, session: Manager, store: StoreDep
) -> dict[str, Any]:
    """Close it with the reason: what was done about it."""
    return await service.act(
        store, exception_id, "resolve", session.operator_id, reason=body.reason
    )
