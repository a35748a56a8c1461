"""The order lifecycle as one transition table (pure).

paid/released → picking → picked → packed → shipped → completed; cancelled; on_hold (exception);
after-sales: return_expected → return_received → return_graded → closed. Central decides whether
an order exists or is cancelled; the edge records what physically happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from edge.domain.errors import EdgeError


class OrderStatus(StrEnum):
    RELEASED = "released"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"
    RETURN_EXPECTED = "return_expected"
    RETURN_RECEIVED = "return_received"
    RETURN_GRADED = "return_graded"
    CLOSED = "closed"


S = OrderStatus

# (from, to): the event that records the transition.
TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], str] = {
    (S.RELEASED, S.PICKING): "order_picking_started",
    (S.RELEASED, S.ON_HOLD): "order_held",
    (S.RELEASED, S.CANCELLED): "order_cancelled",
    (S.PICKING, S.PICKED): "order_picked",
    (S.PICKING, S.ON_HOLD): "order_held",
    (S.PICKING, S.CANCELLED): "order_cancelled",
    (S.PICKED, S.PACKED): "order_packed",
    (S.PICKED, S.ON_HOLD): "order_held",
    (S.PICKED, S.CANCELLED): "order_cancelled",
    (S.PACKED, S.SHIPPED): "order_shipped",
    (S.PACKED, S.ON_HOLD): "order_held",
    (S.PACKED, S.CANCELLED): "order_cancelled",
    (S.ON_HOLD, S.RELEASED): "order_released",
    (S.ON_HOLD, S.PICKING): "order_picking_started",
    (S.ON_HOLD, S.PICKED): "order_picked",
    (S.ON_HOLD, S.CANCELLED): "order_cancelled",
    (S.SHIPPED, S.COMPLETED): "order_completed",
    (S.SHIPPED, S.RETURN_EXPECTED): "return_expected",
    (S.COMPLETED, S.RETURN_EXPECTED): "return_expected",
    (S.SHIPPED, S.RETURN_RECEIVED): "return_received",
    (S.COMPLETED, S.RETURN_RECEIVED): "return_received",
    (S.RETURN_EXPECTED, S.RETURN_RECEIVED): "return_received",
    (S.RETURN_RECEIVED, S.RETURN_GRADED): "return_graded",
    (S.RETURN_GRADED, S.CLOSED): "return_closed",
}


@dataclass(frozen=True)
class StatusChange:
    order_id: str
    from_status: OrderStatus
    to_status: OrderStatus
    event: str
    reason: str = ""  # free text: the supervisor's note, or the English of the hold
    # a hold's code in the message catalogue's HOLDS and its params (JSON), said in the reader's
    # language on the board; empty for any other change
    hold_code: str = ""
    hold_params: str = "{}"


def change_status(
    order_id: str,
    current: OrderStatus,
    target: OrderStatus,
    *,
    reason: str = "",
    hold: tuple[str, str] = ("", "{}"),
) -> StatusChange:
    """The recorded change from `current` to `target`, or `bad_transition` naming both."""
    event = TRANSITIONS.get((current, target))
    if event is None:
        allowed = sorted(t.value for (f, t) in TRANSITIONS if f == current)
        raise EdgeError(
            "bad_transition",
            order_id=order_id,
            current=current.value,
            target=target.value,
            allowed=", ".join(allowed) or "none",
        )
    return StatusChange(order_id, current, target, event, reason, *hold)
