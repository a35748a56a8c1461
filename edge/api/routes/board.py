"""The supervisor's task board: every order and floor task as a card in its column (GET), and
the two moves made on it — give a card to a picker, change its priority (supervisors and admins
only). A move names the card's `rev` as the board showed it: a card that changed since is
refused (`board_card_stale`), never moved blind. The picker a list goes to, and the one it is
taken from, are told at once over the live stream."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from edge.api.deps import SettingsDep, StoreDep, allow
from edge.api.events import MANAGERS_CHANNEL, operator_channel
from edge.api.fields import Int64Id, Priority
from edge.domain.board import BoardFilter
from edge.domain.operator import MANAGERS
from edge.service import board as service
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["board"])
Manager = Annotated[LoginSession, allow(*MANAGERS, action="manage_board")]
Card = Annotated[
    str,
    Path(
        max_length=100,
        pattern=r"^[a-z]+:[A-Za-z0-9_.:-]+$",
        description="A card's id as the board gives it: order:<id>, list:<id>, count:<id>, …",
    ),
]
Rev = Annotated[
    str, Field(min_length=1, max_length=32, description="The card's `rev` as the board showed it.")
]


class AssignIn(BaseModel):
    operator_id: Int64Id = Field(description="The picker the card goes to.")
    rev: Rev


class PriorityIn(BaseModel):
    priority: Priority
    rev: Rev


@router.get("/board")
def board(
    _: Manager,
    store: StoreDep,
    settings: SettingsDep,
    person: Annotated[
        str | None,
        Query(pattern=r"^(none|\d{1,18})$", description="An operator id, or none: unassigned."),
    ] = None,
    channel: Annotated[str | None, Query(max_length=64)] = None,
    priority: Literal["urgent", "high", "normal", "low"] | None = None,
    lateness: Literal["late", "near", "ok", "none"] | None = None,
) -> dict[str, Any]:
    """Cards by column (to do → picking → packing → shipped → after-sales, and on hold), each with
    its assignee, due time (ship-by) and lateness, priority tag and why it is blocked; at most
    `board.max_cards` (`truncated` says when more stood on it); and `waves`: each wave with
    orders left to pack, its cut-off and lateness (GET /api/v1/waves), with `waves_enabled`
    (`[waves] enabled`: off, no wave waits for a release and the board offers none)."""
    filt = BoardFilter(person, channel or None, priority, lateness)
    conn, now = store.read(), datetime.now(UTC)
    answer = service.board(conn, now, settings.board, filt)
    return answer | service.board_waves(conn, settings, now)


@router.get("/board/cards/{card}/moves")
def moves(card: Card, _: Manager, store: StoreDep) -> list[dict[str, Any]]:
    """Every move made on a card: who, when, what it was before and after."""
    return service.history(store.read(), card)


@router.post("/board/cards/{card}/assign")
async def assign(
    card: Card,
    body: AssignIn,
    request: Request,
    session: Manager,
    store: StoreDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Give the card to a picker: a pick list not yet begun goes to them whole, an order to do
    gets a list of its own for them; the picker's handheld is told at once."""
    moved = await service.move_assign(
        store,
        card,
        body.operator_id,
        body.rev,
        settings.board,
        by=session.operator_id,
        device_id=session.device_id,
    )
    broker = request.app.state.broker
    if moved.assigned is not None:
        data = {"list_id": moved.list_id, "card": card}
        broker.publish(operator_channel(moved.assigned), "pick_list_assigned", data)
        for picker in moved.unassigned:
            gone = data | {"assignee_name": moved.card.get("assignee_name")}
            broker.publish(operator_channel(picker), "pick_list_unassigned", gone)
        broker.publish(MANAGERS_CHANNEL, "board_changed", {"card": card})
    return moved.card


@router.post("/board/cards/{card}/priority")
async def reprioritise(
    card: Card,
    body: PriorityIn,
    request: Request,
    session: Manager,
    store: StoreDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Change the priority of an order (or of every order on a pick list) still on the floor."""
    moved = await service.move_priority(
        store,
        card,
        body.priority,
        body.rev,
        settings.board,
        by=session.operator_id,
        device_id=session.device_id,
    )
    request.app.state.broker.publish(MANAGERS_CHANNEL, "board_changed", {"card": card})
    return moved.card
