"""Shelf life in the pure core (issue 14 item 7): nothing expired or too short-dated is ever
allocated or picked; first-expiry-first-out among what is eligible; "today" is the warehouse's
date in its time zone, passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.allocation import Candidate, LineRequest, allocate, pick_order
from edge.domain.errors import EdgeError
from edge.domain.pick import decide_pick
from edge.domain.shelf_life import ShelfRules, allocatable, as_date, is_expired
from tests.test_pick_workflow import AT_A01, KINDS, LIST, TASK1, ctx, scan

SHANGHAI = ShelfRules(ZoneInfo("Asia/Shanghai"))
TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("utc_now", "rules", "expired"),
    [
        (datetime(2026, 5, 31, 16, 0, tzinfo=UTC), SHANGHAI, True),  # 00:00 on 1 June in Shanghai
        (datetime(2026, 5, 31, 15, 59, 59, tzinfo=UTC), SHANGHAI, False),  # 23:59:59 on 31 May
        (datetime(2026, 5, 31, 16, 0, tzinfo=UTC), ShelfRules(), False),  # still 31 May in UTC
        (datetime(2026, 6, 1, 0, 0, tzinfo=UTC), ShelfRules(), True),
    ],
)
def test_a_lot_expiring_today_is_expired_from_midnight_in_the_warehouses_zone(
    utc_now: datetime, rules: ShelfRules, expired: bool
) -> None:
    today = rules.today(utc_now)

    assert is_expired(date(2026, 6, 1), today) is expired


def test_the_earliest_expiring_lot_is_skipped_once_it_has_expired() -> None:
    lots = [
        Candidate("A-01", 5, 10, "L-OLD", "2026-06-01"),
        Candidate("B-01", 5, 20, "L-NEW", "2026-09-01"),
    ]

    result = allocate([LineRequest("O-1-1", "S1", 3)], {"S1": lots}, today=TODAY)

    assert [(r.location, r.lot, r.delta) for r in result.reservations] == [("B-01", "L-NEW", 3)]


def test_a_lot_with_fewer_days_left_than_the_lines_minimum_is_not_allocated() -> None:
    lots = [Candidate("A-01", 5, 10, "L-10D", "2026-06-11")]

    short = allocate([LineRequest("O-1-1", "S1", 1, min_shelf_days=11)], {"S1": lots}, today=TODAY)
    enough = allocate([LineRequest("O-1-1", "S1", 1, min_shelf_days=10)], {"S1": lots}, today=TODAY)

    assert (short.complete, short.shortages[0].free, short.shortages[0].too_short_dated) == (
        False,
        0,
        5,
    )
    assert [r.lot for r in enough.reservations] == ["L-10D"]


def test_a_channel_minimum_above_the_products_wins() -> None:
    rules = ShelfRules(channel_min_days={"jd": 30})

    assert (rules.min_days(10, "jd"), rules.min_days(40, "jd"), rules.min_days(10, "shop")) == (
        30,
        40,
        10,
    )


# --- the pick check -----------------------------------------------------------------------------


def test_a_scanned_unit_whose_gs1_expiry_has_passed_is_refused_in_both_languages() -> None:
    unit = replace(KINDS["product"], expiry=date(2026, 5, 31))

    with pytest.raises(EdgeError) as refused:
        decide_pick(AT_A01, unit, ctx(LIST, today=TODAY))

    assert refused.value.code == "expired_item"
    assert refused.value.message("en") == (
        "Do not pick this S1: it expired on 2026-05-31 (today is 2026-06-01). Put it aside for the"
        " supervisor and pick an unexpired one; if none is left at A-01, press Short."
    )
    assert "已于 2026-05-31 过期" in refused.value.message("zh")


@pytest.mark.parametrize("raw", ["product", "command:CONFIRM"])
def test_a_unit_of_a_lot_that_expired_since_it_was_allocated_is_refused(raw: str) -> None:
    expired_lot = replace(
        LIST, tasks=(replace(TASK1, lot="L1", expiry="2026-06-01"), *LIST.tasks[1:])
    )

    with pytest.raises(EdgeError) as refused:
        decide_pick(AT_A01, KINDS[raw], ctx(expired_lot, today=TODAY))

    assert (refused.value.code, refused.value.params["expiry"]) == ("expired_item", "2026-06-01")


def test_a_unit_expiring_tomorrow_is_picked() -> None:
    unit = replace(scan("product", "S1", quantity=1), expiry=TODAY + timedelta(days=1))

    decision = decide_pick(AT_A01, unit, ctx(LIST, today=TODAY))

    assert [m.type for m in decision.movements] == ["pick"]


# --- properties over generated lots and dates ---------------------------------------------------

lots = st.builds(
    Candidate,
    location=st.sampled_from(["A-01", "A-02", "B-01", "C-01"]),
    free=st.integers(0, 6),
    pick_seq=st.integers(0, 40),
    lot=st.sampled_from(["L1", "L2", "L3", "L4", ""]),
    expiry=st.one_of(
        st.none(), st.integers(-20, 60).map(lambda d: (TODAY + timedelta(d)).isoformat())
    ),
)


def unique_grains(cs: list[Candidate]) -> list[Candidate]:
    seen: dict[tuple[str, str], Candidate] = {}
    for c in cs:
        seen.setdefault((c.location, c.lot), c)
    return list(seen.values())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(lots, max_size=10).map(unique_grains),
    st.lists(st.tuples(st.integers(1, 8), st.integers(0, 40)), min_size=1, max_size=4),
    st.integers(-15, 15).map(lambda d: TODAY + timedelta(d)),
)
def test_nothing_expired_or_too_short_dated_is_allocated_and_fefo_holds_among_the_eligible(
    candidates: list[Candidate], asks: list[tuple[int, int]], today: date
) -> None:
    lines = [
        LineRequest(f"O-1-{n}", "S1", qty, min_shelf_days=days)
        for n, (qty, days) in enumerate(asks)
    ]
    by_grain = {(c.location, c.lot): c for c in candidates}

    result = allocate(lines, {"S1": candidates}, today=today)

    mins = {ln.line_id: ln.min_shelf_days for ln in lines}
    for r in result.reservations:
        c = by_grain[(r.location, r.lot)]
        assert allocatable(as_date(c.expiry), today, mins[r.line_id]), (c, today)
    used = {(c.location, c.lot): 0 for c in candidates}
    for r in result.reservations:
        used[(r.location, r.lot)] += r.delta
    assert all(used[k] <= by_grain[k].free for k in used)
    # FEFO: no eligible grain earlier in the order kept free units while a later one served
    for line in lines:
        eligible = pick_order(
            c for c in candidates if allocatable(as_date(c.expiry), today, line.min_shelf_days)
        )
        taken = [
            i
            for i, c in enumerate(eligible)
            for r in result.reservations
            if r.line_id == line.line_id and (r.location, r.lot) == (c.location, c.lot)
        ]
        for c in eligible[: max(taken)] if taken else []:
            assert used[(c.location, c.lot)] == c.free, (line, c)
    if not result.complete:
        assert result.reservations == ()
    if (
        len(set(mins.values())) == 1
    ):  # one minimum for all: complete exactly when enough is eligible
        eligible_free = sum(
            c.free
            for c in candidates
            if allocatable(as_date(c.expiry), today, lines[0].min_shelf_days)
        )
        assert result.complete == (eligible_free >= sum(ln.qty for ln in lines))
