"""Allocation (pure): first-expiry-first-out, lots without expiry last, then pick sequence; lines
asking for a lot; lines of one SKU sharing the same bins; a whole order or nothing."""

from __future__ import annotations

from datetime import date

import pytest

from edge.domain.allocation import (
    Allocation,
    Candidate,
    LineRequest,
    Shortage,
    allocate,
    pick_order,
    release_all,
)
from edge.domain.ledger import Reservation

TODAY = date(2026, 6, 1)  # every lot below is still good on this day

SOON = Candidate("C-30", 4, pick_seq=30, lot="L-SOON", expiry="2030-06-01")
LATE = Candidate("A-10", 3, pick_seq=10, lot="L-LATE", expiry="2031-01-01")
UNDATED_NEAR = Candidate("A-10", 5, pick_seq=10)
UNDATED_FAR = Candidate("B-20", 6, pick_seq=20, lot="L-NONE")
S1 = [UNDATED_FAR, LATE, UNDATED_NEAR, SOON]


def test_expiring_lots_leave_first_and_lots_without_expiry_last_by_pick_sequence() -> None:
    assert pick_order(S1) == [SOON, LATE, UNDATED_NEAR, UNDATED_FAR]


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (
            [Candidate("B", 1, 20, "L1", "2030-01-01"), Candidate("A", 1, 30, "L2", "2030-01-01")],
            ["B", "A"],
        ),
        ([Candidate("B", 1, 10), Candidate("A", 1, 10)], ["A", "B"]),
        ([Candidate("Z", 1, 5), Candidate("A", 1, 50)], ["Z", "A"]),
    ],
    ids=["same-expiry-by-pick-sequence", "same-sequence-by-code", "sequence-before-code"],
)
def test_ties_are_broken_by_pick_sequence_then_location_code(
    candidates: list[Candidate], expected: list[str]
) -> None:
    assert [c.location for c in pick_order(candidates)] == expected


def test_a_line_takes_the_expiring_lot_first_and_walks_on_to_the_next_bins() -> None:
    result = allocate([LineRequest("O-1-1", "S1", 9)], {"S1": S1}, today=TODAY)

    assert result == Allocation(
        (
            Reservation("O-1-1", "S1", "C-30", 4, lot="L-SOON"),
            Reservation("O-1-1", "S1", "A-10", 3, lot="L-LATE"),
            Reservation("O-1-1", "S1", "A-10", 2),
        )
    )
    assert result.complete


def test_a_line_that_asks_for_a_lot_gets_only_that_lot() -> None:
    result = allocate([LineRequest("O-1-1", "S1", 3, lot="L-LATE")], {"S1": S1}, today=TODAY)

    assert result == Allocation((Reservation("O-1-1", "S1", "A-10", 3, lot="L-LATE"),))


def test_a_line_that_asks_for_a_lot_is_short_by_what_that_lot_has() -> None:
    result = allocate([LineRequest("O-1-1", "S1", 4, lot="L-LATE")], {"S1": S1}, today=TODAY)

    assert result == Allocation(shortages=(Shortage("S1", 4, 3),))
    assert not result.complete


def test_two_lines_of_one_sku_share_the_bins_the_second_starting_where_the_first_stopped() -> None:
    lines = [LineRequest("O-1-1", "S1", 5), LineRequest("O-1-2", "S1", 4)]

    result = allocate(lines, {"S1": S1}, today=TODAY)

    assert result.reservations == (
        Reservation("O-1-1", "S1", "C-30", 4, lot="L-SOON"),
        Reservation("O-1-1", "S1", "A-10", 1, lot="L-LATE"),
        Reservation("O-1-2", "S1", "A-10", 2, lot="L-LATE"),
        Reservation("O-1-2", "S1", "A-10", 2),
    )


def test_a_second_line_short_after_the_first_names_what_was_left_for_it() -> None:
    lines = [LineRequest("O-1-1", "S1", 15), LineRequest("O-1-2", "S1", 5)]

    result = allocate(lines, {"S1": S1}, today=TODAY)

    # 18 free: the first line takes 15, the second finds 3 of its 5.
    assert result == Allocation(shortages=(Shortage("S1", 5, 3),))


def test_an_order_is_allocated_whole_or_not_at_all_naming_every_shortage() -> None:
    lines = [
        LineRequest("O-1-1", "S1", 2),
        LineRequest("O-1-2", "S2", 3),
        LineRequest("O-1-3", "S3", 1),
    ]
    candidates = {"S1": S1, "S2": [Candidate("D-40", 2, 40)], "S3": []}

    result = allocate(lines, candidates, today=TODAY)

    assert result == Allocation(shortages=(Shortage("S2", 3, 2), Shortage("S3", 1, 0)))


def test_a_sku_with_no_candidates_at_all_is_short_by_the_whole_line() -> None:
    assert allocate([LineRequest("O-1-1", "S9", 2)], {}, today=TODAY) == Allocation(
        shortages=(Shortage("S9", 2, 0),)
    )


def test_a_line_exactly_as_large_as_the_free_stock_takes_all_of_it() -> None:
    result = allocate([LineRequest("O-1-1", "S1", 18)], {"S1": S1}, today=TODAY)

    assert sum(r.delta for r in result.reservations) == 18
    assert result.shortages == ()


def test_releasing_a_line_gives_back_every_reservation_it_holds() -> None:
    held = {("S1", "A-10", "", "L-LATE"): 3, ("S1", "C-30", "", ""): 1, ("S1", "B-20", "", ""): 0}

    assert release_all(held, "O-1-1") == [
        Reservation("O-1-1", "S1", "A-10", -3, lot="L-LATE"),
        Reservation("O-1-1", "S1", "C-30", -1),
    ]
