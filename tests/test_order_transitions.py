"""The order lifecycle table walked pair by pair, and random walks through it from released."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.errors import EdgeError
from edge.domain.order import TRANSITIONS, OrderStatus, StatusChange, change_status

# What may follow each status, written out here as the lifecycle reads (ARCHITECTURE.md), so that a
# change to the table shows up as a failing line rather than passing silently.
ALLOWED_NEXT = {
    "released": "cancelled, on_hold, picking",
    "picking": "cancelled, on_hold, picked",
    "picked": "cancelled, on_hold, packed",
    "packed": "cancelled, on_hold, shipped",
    "shipped": "completed, return_expected, return_received",
    "completed": "return_expected, return_received",
    "cancelled": "none",
    "on_hold": "cancelled, picked, picking, released",
    "return_expected": "return_received",
    "return_received": "return_graded",
    "return_graded": "closed",
    "closed": "none",
}
TERMINAL = {OrderStatus.CLOSED, OrderStatus.CANCELLED}
# An order may rest here for good: nothing more happens to most shipped orders once completed.
MAY_REST = TERMINAL | {OrderStatus.COMPLETED}
PAIRS = list(itertools.product(OrderStatus, repeat=2))


def test_the_table_allows_exactly_the_written_lifecycle() -> None:
    table = {
        s.value: ", ".join(sorted(t.value for f, t in TRANSITIONS if f == s)) or "none"
        for s in OrderStatus
    }

    assert table == ALLOWED_NEXT


@pytest.mark.parametrize(("current", "target"), [p for p in PAIRS if p in TRANSITIONS])
def test_an_allowed_change_is_recorded_with_the_tables_event(current, target) -> None:
    change = change_status("O-1", current, target, reason="why")

    assert change == StatusChange("O-1", current, target, TRANSITIONS[(current, target)], "why")


@pytest.mark.parametrize(("current", "target"), [p for p in PAIRS if p not in TRANSITIONS])
def test_every_other_change_is_refused_naming_both_states_and_what_is_allowed(
    current, target
) -> None:
    with pytest.raises(EdgeError) as exc:
        change_status("O-1", current, target)

    allowed = ALLOWED_NEXT[current.value]
    assert (exc.value.code, exc.value.params) == (
        "bad_transition",
        {"order_id": "O-1", "current": current.value, "target": target.value, "allowed": allowed},
    )
    assert exc.value.message("en") == (
        f"Order O-1 is {current.value} and cannot become {target.value} (allowed next: {allowed})."
    )


BEFORE_SHIPPING = ("released", "picking", "picked", "packed")


@pytest.mark.parametrize(
    ("event", "pairs"),
    [
        ("order_held", {(s, OrderStatus.ON_HOLD) for s in BEFORE_SHIPPING}),
        ("order_cancelled", {(s, OrderStatus.CANCELLED) for s in (*BEFORE_SHIPPING, "on_hold")}),
    ],
)
def test_holding_and_cancelling_are_possible_until_the_order_ships(event, pairs) -> None:
    assert {(f.value, t) for (f, t), e in TRANSITIONS.items() if e == event} == pairs


def successors(status: OrderStatus) -> list[OrderStatus]:
    return sorted(t for f, t in TRANSITIONS if f == status)


def can_finish(status: OrderStatus) -> bool:
    """A resting state is reachable from `status` along allowed changes."""
    seen, todo = set(), [status]
    while todo:
        s = todo.pop()
        if s in MAY_REST:
            return True
        seen.add(s)
        todo.extend(t for t in successors(s) if t not in seen)
    return False


@settings(max_examples=200)
@given(st.lists(st.integers(min_value=0, max_value=10), max_size=30))
def test_a_random_walk_from_released_never_gets_stuck_short_of_an_end(choices) -> None:
    status, path = OrderStatus.RELEASED, [OrderStatus.RELEASED]

    for choice in choices:
        forward = successors(status)
        if not forward:
            break
        target = forward[choice % len(forward)]
        status = change_status("O-1", status, target).to_status
        path.append(status)

    for s in path:
        assert successors(s) or s in TERMINAL, path
        assert can_finish(s), path
    assert all(not successors(s) for s in TERMINAL)
