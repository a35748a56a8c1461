"""The pure ledger: buckets, movements, reservations and the stock commands, as whole values."""

from __future__ import annotations

import pytest

from edge.domain.decision import Decision, Event, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import (
    Account,
    Bucket,
    Movement,
    Place,
    Reservation,
    Stock,
    available_to_sell,
    take_free,
)
from edge.domain.stock import (
    AdjustStock,
    AnnounceReturn,
    FreezeStock,
    MoveStock,
    ReceiveStock,
    adjust_stock,
    announce_return,
    freeze_stock,
    move_stock,
    receive_stock,
)

A = Place("A-01", Bucket.ON_HAND)
B = Place("B-01", Bucket.ON_HAND)


def bal(location: str, qty: int, *, lot: str = "", bucket: str = "on_hand", sku: str = "S1"):
    return (sku, location, "", lot, bucket), qty


def stock(*entries: tuple, reserved: dict | None = None) -> Stock:
    return Stock(dict(entries), reserved or {})


def refusal(exc: pytest.ExceptionInfo[EdgeError]) -> tuple[str, dict, str]:
    return exc.value.code, exc.value.params, exc.value.message("en")


def test_apply_moves_units_from_one_place_to_another() -> None:
    before = stock(bal("A-01", 10))

    after = before.apply([Movement("move", "S1", 4, A, B)])

    assert after == stock(bal("A-01", 6), bal("B-01", 4))


def test_apply_lets_accounts_add_and_remove_units() -> None:
    before = stock(bal("A-01", 10))
    moves = [
        Movement("receive", "S1", 5, Account.RECEIVED, A),
        Movement("ship", "S1", 3, A, Account.SHIPPED),
    ]

    after = before.apply(moves)

    assert after == stock(bal("A-01", 12))


def test_apply_refuses_a_negative_bucket_naming_sku_location_available_and_requested() -> None:
    before = stock(bal("A-01", 3))

    with pytest.raises(EdgeError) as exc:
        before.apply([Movement("move", "S1", 5, A, B)])

    assert refusal(exc) == (
        "insufficient_stock",
        {"sku": "S1", "location": "A-01", "available": 3, "requested": 5},
        "Only 3 of S1 available at A-01; 5 requested. Take what is there or ask a supervisor.",
    )


def test_apply_names_what_was_left_when_an_earlier_movement_already_drew_on_the_bucket() -> None:
    before = stock(bal("A-01", 10))

    with pytest.raises(EdgeError) as exc:
        before.apply([Movement("move", "S1", 7, A, B), Movement("move", "S1", 4, A, B)])

    assert exc.value.params == {"sku": "S1", "location": "A-01", "available": 3, "requested": 4}


def test_apply_changes_nothing_in_the_stock_it_started_from() -> None:
    before = stock(bal("A-01", 10), reserved={("L1", "S1", "A-01", "", ""): 2})
    copy = (dict(before.balances), dict(before.reserved))

    before.apply([Movement("move", "S1", 4, A, B)], [Reservation("L1", "S1", "A-01", 1)])
    with pytest.raises(EdgeError):
        before.apply([Movement("move", "S1", 9, A, B)])

    assert (dict(before.balances), dict(before.reserved)) == copy


def test_a_reservation_is_held_against_on_hand_and_lowers_what_is_free() -> None:
    before = stock(bal("A-01", 10))

    after = before.apply(
        [], [Reservation("L1", "S1", "A-01", 3), Reservation("L2", "S1", "A-01", 2)]
    )

    assert after.reserved == {("L1", "S1", "A-01", "", ""): 3, ("L2", "S1", "A-01", "", ""): 2}
    assert (after.allocated("S1", "A-01"), after.free("S1", "A-01")) == (5, 5)


def test_a_reservation_above_on_hand_is_refused_naming_on_hand_and_what_is_reserved() -> None:
    before = stock(bal("A-01", 5), reserved={("L1", "S1", "A-01", "", ""): 3})

    with pytest.raises(EdgeError) as exc:
        before.apply([], [Reservation("L2", "S1", "A-01", 4)])

    assert refusal(exc)[:2] == (
        "insufficient_stock",
        {"sku": "S1", "location": "A-01", "available": 5, "requested": 7},
    )


def test_moving_reserved_units_away_is_refused() -> None:
    before = stock(bal("A-01", 5), reserved={("L1", "S1", "A-01", "", ""): 3})

    with pytest.raises(EdgeError) as exc:
        before.apply([Movement("move", "S1", 3, A, B)])

    assert exc.value.code == "insufficient_stock"


def test_a_reservation_released_to_zero_is_forgotten() -> None:
    before = stock(bal("A-01", 5), reserved={("L1", "S1", "A-01", "", ""): 3})

    after = before.apply([], [Reservation("L1", "S1", "A-01", -3)])

    assert after == stock(bal("A-01", 5))


def test_releasing_more_than_a_line_holds_is_a_programming_error() -> None:
    before = stock(bal("A-01", 5), reserved={("L1", "S1", "A-01", "", ""): 1})

    with pytest.raises(ValueError, match="reservation of line L1 would go below zero"):
        before.apply([], [Reservation("L1", "S1", "A-01", -2)])


@pytest.mark.parametrize(
    ("qty", "source", "target", "text"),
    [
        (0, Account.RECEIVED, A, "a movement moves a positive quantity, got 0"),
        (-1, A, B, "a movement moves a positive quantity, got -1"),
        (1, Account.RECEIVED, Account.SHIPPED, "a movement has at least one side in the building"),
    ],
)
def test_a_movement_that_cannot_exist_is_a_programming_error(qty, source, target, text) -> None:
    with pytest.raises(ValueError) as exc:
        Movement("x", "S1", qty, source, target)

    assert str(exc.value) == text


def test_take_free_splits_over_lots_in_the_order_given() -> None:
    s = stock(bal("A-01", 2, lot="L-A"), bal("A-01", 3, lot="L-B"), bal("A-01", 4, lot="L-C"))

    taken = take_free(s, "S1", "A-01", 6, lots=["L-C", "L-A", "L-B"])

    assert taken == [("L-C", 4), ("L-A", 2)]


def test_take_free_without_an_order_takes_lots_on_hand_by_name() -> None:
    s = stock(bal("A-01", 2, lot="L-B"), bal("A-01", 3, lot="L-A"), bal("A-01", 0, lot="L-0"))

    taken = take_free(s, "S1", "A-01", 4)

    assert taken == [("L-A", 3), ("L-B", 1)]


def test_take_free_skips_reserved_units_and_refuses_naming_what_is_free() -> None:
    s = stock(
        bal("A-01", 2, lot="L-A"),
        bal("A-01", 3, lot="L-B"),
        reserved={("L1", "S1", "A-01", "", "L-A"): 2, ("L1", "S1", "A-01", "", "L-B"): 1},
    )

    assert take_free(s, "S1", "A-01", 2, lots=["L-A", "L-B"]) == [("L-B", 2)]
    with pytest.raises(EdgeError) as exc:
        take_free(s, "S1", "A-01", 3, lots=["L-A", "L-B"])
    assert exc.value.params == {"sku": "S1", "location": "A-01", "available": 2, "requested": 3}


@pytest.mark.parametrize(
    ("on_hand", "allocated", "in_transit", "include", "expected"),
    [
        (10, 0, 0, True, 10),
        (10, 4, 0, True, 6),
        (10, 4, 3, True, 9),
        (10, 4, 3, False, 6),
        (0, 0, 5, True, 5),
        (0, 0, 5, False, 0),
    ],
)
def test_available_to_sell_is_on_hand_less_allocated_plus_returns_if_counted(
    on_hand, allocated, in_transit, include, expected
) -> None:
    assert available_to_sell(on_hand, allocated, in_transit, include_returns=include) == expected


def test_receiving_brings_units_from_the_received_account_into_a_bin() -> None:
    cmd = ReceiveStock("S1", "A-01", 5, lot="L-1")

    decision = receive_stock(stock(), cmd)

    m = Movement("receive", "S1", 5, Account.RECEIVED, A, lot="L-1", reason="opening_stock")
    payload = {"sku": "S1", "location": "A-01", "qty": 5, "lot": "L-1"}
    assert decision == Decision(
        stock(bal("A-01", 5, lot="L-1")),
        (Event("stock_received", payload | {"reason": "opening_stock"}, (m,), sku="S1"),),
        feedback=Feedback("good", "stock_received", payload),
    )


@pytest.mark.parametrize("delta", [3, -3])
def test_an_adjustment_moves_units_between_the_adjusted_account_and_the_bin(delta: int) -> None:
    cmd = AdjustStock("S1", "A-01", delta, "count")

    decision = adjust_stock(stock(bal("A-01", 5)), cmd)

    source, target = (Account.ADJUSTED, A) if delta > 0 else (A, Account.ADJUSTED)
    m = Movement("adjust", "S1", 3, source, target, reason="count")
    payload = {"sku": "S1", "location": "A-01", "delta": delta, "lot": ""}
    assert decision == Decision(
        stock(bal("A-01", 5 + delta)),
        (Event("stock_adjusted", payload | {"reason": "count"}, (m,), sku="S1"),),
        feedback=Feedback("good", "stock_adjusted", payload),
    )


def test_moving_stock_takes_lots_in_the_given_order_and_tells_what_moved() -> None:
    before = stock(bal("A-01", 2, lot="L-1"), bal("A-01", 5, lot="L-2"))

    decision = move_stock(before, MoveStock("S1", "A-01", "B-01", 4), lot_order=["L-1", "L-2"])

    moves = (
        Movement("move", "S1", 2, A, B, lot="L-1", reason="relocate"),
        Movement("move", "S1", 2, A, B, lot="L-2", reason="relocate"),
    )
    payload = {"sku": "S1", "source": "A-01", "target": "B-01", "qty": 4}
    assert decision == Decision(
        stock(
            bal("A-01", 0, lot="L-1"),
            bal("A-01", 3, lot="L-2"),
            bal("B-01", 2, lot="L-1"),
            bal("B-01", 2, lot="L-2"),
        ),
        (Event("stock_moved", payload, moves, sku="S1"),),
        feedback=Feedback("good", "stock_moved", payload),
    )


def test_moving_stock_also_finds_lots_the_given_order_does_not_know() -> None:
    before = stock(bal("A-01", 2, lot="L-1"), bal("A-01", 5, lot="L-9"))

    decision = move_stock(before, MoveStock("S1", "A-01", "B-01", 4), lot_order=["", "L-1"])

    assert [(m.lot, m.qty) for m in decision.movements] == [("L-1", 2), ("L-9", 2)]


def test_moving_a_named_lot_takes_only_that_lot() -> None:
    before = stock(bal("A-01", 2, lot="L-1"), bal("A-01", 5, lot="L-2"))

    with pytest.raises(EdgeError) as exc:
        move_stock(before, MoveStock("S1", "A-01", "B-01", 3, lot="L-1"))

    assert exc.value.params == {"sku": "S1", "location": "A-01", "available": 2, "requested": 3}


def test_freezing_puts_units_on_hold_at_a_quarantine_location() -> None:
    cmd = FreezeStock("S1", "A-01", 2, "damaged", target="Q-01")

    decision = freeze_stock(stock(bal("A-01", 5)), cmd)

    frozen = Place("Q-01", Bucket.FROZEN)
    m = Movement("freeze", "S1", 2, A, frozen, reason="damaged")
    payload = {"sku": "S1", "location": "A-01", "qty": 2, "target": "Q-01"}
    assert decision == Decision(
        stock(bal("A-01", 3), bal("Q-01", 2, bucket="frozen")),
        (Event("stock_frozen", payload | {"reason": "damaged"}, (m,), sku="S1"),),
        feedback=Feedback("good", "stock_frozen", payload),
    )


def test_freezing_without_a_target_holds_the_units_where_they_are() -> None:
    decision = freeze_stock(stock(bal("A-01", 5)), FreezeStock("S1", "A-01", 5, "count hold"))

    assert decision.state == stock(bal("A-01", 0), bal("A-01", 5, bucket="frozen"))


def test_announcing_a_return_puts_units_in_transit_at_the_returns_area() -> None:
    cmd = AnnounceReturn("S1", 2, "RMA-7", order_id="O-1")

    decision = announce_return(stock(), cmd)

    in_transit = Place("RETURNS", Bucket.RETURNS_IN_TRANSIT)
    m = Movement(
        "return_announced", "S1", 2, Account.CUSTOMER, in_transit, reason="RMA-7", order_id="O-1"
    )
    payload = {"sku": "S1", "qty": 2, "rma": "RMA-7", "location": "RETURNS"}
    assert decision == Decision(
        stock(bal("RETURNS", 2, bucket="returns_in_transit")),
        (Event("return_announced", payload, (m,), order_id="O-1", sku="S1"),),
        feedback=Feedback("info", "return_announced", payload),
    )


RESERVED = {("L1", "S1", "A-01", "", ""): 4}


@pytest.mark.parametrize(
    ("decide", "expected"),
    [
        (
            lambda s: receive_stock(s, ReceiveStock("S1", "A-01", 0)),
            ("invalid_quantity", {"quantity": 0, "reason": "it must be 1 or more"}),
        ),
        (
            lambda s: adjust_stock(s, AdjustStock("S1", "A-01", 0, "count")),
            ("invalid_quantity", {"quantity": 0, "reason": "an adjustment changes something"}),
        ),
        (
            lambda s: adjust_stock(s, AdjustStock("S1", "A-01", 2, "  ")),
            ("invalid_request", {"reason": "an adjustment needs a reason"}),
        ),
        (
            lambda s: adjust_stock(s, AdjustStock("S1", "A-01", -2, "count")),
            (
                "insufficient_stock",
                {"sku": "S1", "location": "A-01", "available": 1, "requested": 2},
            ),
        ),
        (
            lambda s: move_stock(s, MoveStock("S1", "A-01", "A-01", 1)),
            ("same_location", {"location": "A-01"}),
        ),
        (
            lambda s: move_stock(s, MoveStock("S1", "A-01", "B-01", -1)),
            ("invalid_quantity", {"quantity": -1, "reason": "it must be 1 or more"}),
        ),
        (
            lambda s: move_stock(s, MoveStock("S1", "A-01", "B-01", 2)),
            (
                "insufficient_stock",
                {"sku": "S1", "location": "A-01", "available": 1, "requested": 2},
            ),
        ),
        (
            lambda s: freeze_stock(s, FreezeStock("S1", "A-01", 2, "damaged")),
            (
                "insufficient_stock",
                {"sku": "S1", "location": "A-01", "available": 1, "requested": 2},
            ),
        ),
        (
            lambda s: announce_return(s, AnnounceReturn("S1", 0, "RMA-1")),
            ("invalid_quantity", {"quantity": 0, "reason": "it must be 1 or more"}),
        ),
    ],
)
def test_a_refused_stock_command_names_why_and_never_touches_reserved_units(
    decide, expected
) -> None:
    before = stock(bal("A-01", 5), reserved=RESERVED)

    with pytest.raises(EdgeError) as exc:
        decide(before)

    assert (exc.value.code, exc.value.params) == expected
    assert before == stock(bal("A-01", 5), reserved=RESERVED)
