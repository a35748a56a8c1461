"""Orders released to this warehouse, pick lists and supervisor exceptions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field, StringConstraints

from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow
from edge.api.events import FLOOR_CHANNEL, MANAGERS_CHANNEL, operator_channel, tell_pickers
from edge.api.events import stream as event_stream
from edge.api.fields import (
    PRINTABLE,
    TEXT,
    Code,
    Int64Id,
    Lot,
    Note,
    OptionalCode,
    Priority,
    Quantity,
    Reason,
    Word,
    ZonedTime,
    within_limit,
)
from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS, Role
from edge.service import orders, picking
from edge.service.expiry import shelf_rules
from edge.store import orders as order_store
from edge.store import picking as pick_store
from edge.store.ledger import Actor
from edge.store.operators import LoginSession
from edge.store.orders import NewLine, NewOrder

router = APIRouter(prefix="/api/v1", tags=["orders"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="manage_orders")]
Picker = Annotated[LoginSession, allow(Role.PICKER, *MANAGERS, action="pick")]
Anyone = Annotated[LoginSession, allow(*ANY_OPERATOR, action="look_up_orders")]
Listener = Annotated[LoginSession, allow(*ANY_OPERATOR, action="look_up_orders", stream=True)]


class LineIn(BaseModel):
    sku: Code
    qty: Quantity
    lot: Lot = ""


class OrderIn(BaseModel):
    channel: Word
    channel_order_id: Code
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    id: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9_.:-]*$")
    priority: Priority = 0
    ship_by: ZonedTime | None = None
    customer_ref: OptionalCode = ""
    ship_to: dict[Annotated[str, StringConstraints(max_length=32), PRINTABLE], Note] = Field(
        default_factory=dict, max_length=20, description="Address fields (name, city, …)."
    )
    carrier: Annotated[str, StringConstraints(max_length=32), PRINTABLE] = ""
    service: Annotated[str, StringConstraints(max_length=32), PRINTABLE] = ""
    # shown at the pack bench
    buyer_note: Annotated[str, StringConstraints(max_length=1000), TEXT] = ""
    seller_note: Annotated[str, StringConstraints(max_length=1000), TEXT] = ""


class CancelIn(BaseModel):
    reason: Reason


class PutBackIn(BaseModel):
    location: Code


class PickListIn(BaseModel):
    order_ids: list[Code] = Field(min_length=1, max_length=24)
    assignee_badge: Code | None = None


def _actor(session: LoginSession) -> Actor:
    return Actor(session.operator_id, session.device_id)


@router.post("/orders", status_code=201)
async def release(
    body: OrderIn, session: Manager, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """Release an order to this warehouse and allocate it; the same channel order again is a no-op."""
    for line in body.lines:
        within_limit(line.qty, settings.stock.max_quantity)
    order = NewOrder(
        body.channel,
        body.channel_order_id,
        tuple(NewLine(ln.sku, ln.qty, ln.lot) for ln in body.lines),
        body.id,
        body.priority,
        body.ship_by,
        body.customer_ref,
        body.ship_to,
        body.carrier,
        body.service,
        body.buyer_note,
        body.seller_note,
    )
    return await orders.release(
        store, order, _actor(session), shelf=shelf_rules(settings.edge, settings.stock)
    )


@router.get("/orders/{order_id}")
async def order(order_id: Code, _: Anyone, store: StoreDep) -> dict[str, Any]:
    """An order with its lines, allocations, tote and status history; `order_id` is the
    edge's id or the channel's order number, with or without its `channel:` prefix."""
    conn = store.read()
    found = order_store.order_detail(conn, order_store.resolve_order_id(conn, order_id) or order_id)
    if found is None:
        raise EdgeError("not_found", what="order", key=order_id)
    return found


@router.post("/orders/{order_id}/allocate")
async def allocate(
    order_id: Code, session: Manager, store: StoreDep, settings: SettingsDep
) -> dict[str, Any]:
    """Try again to allocate an order on hold (after a count or a receipt)."""
    order_id, status = await orders.allocate_again(
        store, order_id, _actor(session), shelf=shelf_rules(settings.edge, settings.stock)
    )
    return {"order_id": order_id, "status": status}


@router.post("/orders/{order_id}/cancel")
async def cancel(
    order_id: Code, body: CancelIn, request: Request, session: Manager, store: StoreDep
) -> dict[str, Any]:
    """Cancel: reservations go back; units already picked get put-back tasks (and the picker
    of its list is told live which units to put back where)."""
    done = await orders.cancel(store, order_id, _actor(session), reason=body.reason)
    tell_pickers(request.app.state.broker, done.notices)
    return done.body


@router.post("/orders/{order_id}/let-go-short")
async def let_go_short(order_id: Code, session: Manager, store: StoreDep) -> dict[str, Any]:
    """Let an order still being picked (zone picking: a zone not picked yet) go with what its
    totes hold: the units not picked are cut from its lines and it is picked, to pack."""
    return await orders.ship_short(store, order_id, _actor(session))


@router.post("/pick-lists", status_code=201)
async def create_list(
    body: PickListIn, request: Request, session: Manager, store: StoreDep
) -> dict[str, Any]:
    """Build a (batch) pick list from released orders, optionally assigned to a picker by badge."""
    list_id, assignee = await picking.create_list(
        store, body.order_ids, assignee_badge=body.assignee_badge, created_by=session.operator_id
    )
    if assignee is not None:
        channel = operator_channel(assignee)
        request.app.state.broker.publish(channel, "pick_list_assigned", {"list_id": list_id})
    return {"list_id": list_id, "assignee": assignee}


@router.get("/pick-lists")
async def lists(
    session: Picker, store: StoreDep, status: Word | None = None, mine: bool = False
) -> list[dict[str, Any]]:
    """Pick lists, newest first; a picker sees only their own."""
    own = mine or Role(session.role) is Role.PICKER
    return pick_store.list_summaries(
        store.read(), assignee=session.operator_id if own else None, status=status
    )


@router.get("/putbacks")
async def putbacks(_: Manager, store: StoreDep, status: Word = "open") -> list[dict[str, Any]]:
    """Units of cancelled orders waiting in totes to go back to a bin."""
    return order_store.putbacks(store.read(), status=status)


@router.post("/putbacks/{putback_id}/done")
async def putback_done(
    putback_id: Int64Id, body: PutBackIn, session: Manager, store: StoreDep
) -> dict[str, Any]:
    """Record that a put-back's units went from the tote into a bin (picked → on_hand)."""
    return await orders.finish_putback(store, putback_id, body.location, _actor(session))


@router.get("/events/stream")
async def operator_events(request: Request, session: Listener) -> StreamingResponse:
    """Server-Sent Events for this operator (token as `access_token` query parameter); a
    supervisor's or admin's also tells of each new exception (`exception_opened`)."""
    more = (MANAGERS_CHANNEL,) if Role(session.role) in MANAGERS else ()
    return event_stream(request, operator_channel(session.operator_id), FLOOR_CHANNEL, *more)
