"""The supervisor's task board (pure): which column a card stands in, how late it is, its
priority tag, the filters, and the revision a move must name so that it never acts on a card
that changed since the board was read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from edge.domain.errors import EdgeError
from edge.domain.order import OrderStatus

S = OrderStatus

# Left to right, as the floor works: then on hold, beside them.
COLUMNS = ("todo", "picking", "packing", "shipped", "after_sales", "on_hold")
_ORDER_COLUMN = {
    S.RELEASED: "todo",
    S.PICKING: "picking",
    S.PICKED: "packing",
    S.PACKED: "packing",
    S.SHIPPED: "shipped",
    S.COMPLETED: "shipped",
    S.RETURN_EXPECTED: "after_sales",
    S.RETURN_RECEIVED: "after_sales",
    S.RETURN_GRADED: "after_sales",
    S.ON_HOLD: "on_hold",
}
# Where a card stops being late: once it left the building its ship-by is met or missed.
_DONE_COLUMNS = frozenset({"shipped", "after_sales"})
LATENESS = ("late", "near", "ok", "none")
PRIORITY_TAGS = ("urgent", "high", "normal", "low")


def order_column(status: str) -> str | None:
    """The column of an order in `status`; None for one the board does not show (cancelled,
    closed)."""
    try:
        return _ORDER_COLUMN.get(OrderStatus(status))
    except ValueError:
        return None


def lateness(ship_by: datetime | None, now: datetime, column: str, *, near: timedelta) -> str:
    """late (its ship-by passed and it has not left), near (within `near` of it), ok, or none
    (no ship-by, or it already left)."""
    if ship_by is None or column in _DONE_COLUMNS:
        return "none"
    if now > ship_by:
        return "late"
    if ship_by - now <= near:
        return "near"
    return "ok"


def priority_tag(priority: int, *, urgent: int, high: int) -> str:
    """urgent at `urgent` and above, high at `high` and above, low below 0, else normal."""
    if priority >= urgent:
        return "urgent"
    if priority >= high:
        return "high"
    if priority < 0:
        return "low"
    return "normal"


def revision(*parts: Any) -> str:
    """A short fingerprint of what a move changes or depends on (column, assignee, priority,
    status): a move naming an older one is refused as stale."""
    text = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def check_revision(card: str, expected: str, current: str) -> None:
    if expected != current:
        raise EdgeError("board_card_stale", card=card)


def parse_card(card: str) -> tuple[str, str]:
    """'order:O-1' → ('order', 'O-1'); an id of another shape is unknown."""
    kind, sep, key = card.partition(":")
    if not sep or not key or kind not in CARD_KINDS:
        raise EdgeError("not_found", what="card", key=card)
    return kind, key


# order: an order; list: an open pick list; putback: units of a cancelled order back to a bin;
# return: a return parcel open at the desk; count: a count task; replenish: a replenishment
# task (when the edge keeps them).
CARD_KINDS = ("order", "list", "putback", "return", "count", "replenish")
ASSIGNABLE = frozenset({"order", "list"})
REPRIORITISABLE = frozenset({"order", "list"})


@dataclass(frozen=True)
class BoardFilter:
    """What the supervisor narrowed the board to: a person (an operator id, or 'none' for
    unassigned), a channel, a priority tag, a lateness."""

    person: str | None = None
    channel: str | None = None
    priority: str | None = None
    lateness: str | None = None

    def keeps(self, card: dict[str, Any]) -> bool:
        if self.person is not None:
            who = card.get("assignee")
            wanted = None if self.person == "none" else self.person
            if (None if who is None else str(who)) != wanted:
                return False
        if self.channel is not None and card.get("channel") != self.channel:
            return False
        if self.priority is not None and card.get("priority_tag") != self.priority:
            return False
        return self.lateness is None or card.get("lateness") == self.lateness


def sort_key(card: dict[str, Any]) -> tuple[Any, ...]:
    """Within a column: late first, then near; higher priority; earlier ship-by; then id."""
    rank = LATENESS.index(card.get("lateness") or "none")
    due = card.get("due") or "9999"
    return (rank, -int(card.get("priority") or 0), due, card["id"])
