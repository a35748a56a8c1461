"""The problem-order review and the likely causes of a KPI past its threshold days running,
on hand-made rows (pure: no store, no clock)."""

from __future__ import annotations

from datetime import date, datetime

from edge.domain import kpi as k
from edge.domain import review as r

SHIFTS = (6 * 60, 14 * 60, 22 * 60)


def daily(name: str, breached: list[bool | None]) -> k.Kpi:
    """A KPI by day from 23 November: True past the threshold, False within, None no data."""
    points = tuple(
        k.Point(
            f"2026-11-{23 + i:02d}", 1, 0 if b is None else 1, None if b is None else 0.5, bool(b)
        )
        for i, b in enumerate(breached)
    )
    total = k.Point("total", 0, 0, None, False)
    return k.Kpi(name, "ratio", k.Threshold(0.95, "min"), points, total)


def test_three_days_running_past_the_threshold_make_a_run_and_a_day_without_data_breaks_it() -> (
    None
):
    on_time = daily("on_time", [True, True, True, False, True, None, True])

    assert r.runs(on_time, 3) == [(date(2026, 11, 23), date(2026, 11, 25), 3)]
    assert r.runs(on_time, 4) == []
    assert r.runs(on_time, 1) == [
        (date(2026, 11, 23), date(2026, 11, 25), 3),
        (date(2026, 11, 27), date(2026, 11, 27), 1),
        (date(2026, 11, 29), date(2026, 11, 29), 1),
    ]


def test_the_causes_of_a_run_are_the_problems_of_its_days_by_step_product_shift_and_channel() -> (
    None
):
    on_time = daily("on_time", [True, True, True, False, False, False, False])
    problems = [
        r.Problem("late", datetime(2026, 11, 23, 18), "tmall", "SKU-2", "released"),
        r.Problem("late", datetime(2026, 11, 24, 23, 30), "tmall", "SKU-2", "released"),
        r.Problem("late", datetime(2026, 11, 25, 9), "jd", "SKU-1", "packed"),
        r.Problem("late", datetime(2026, 11, 27, 9), "jd", "SKU-9", "packed"),  # after the run
        r.Problem(
            "return", datetime(2026, 11, 24, 9), "jd", "SKU-7", "after-sales"
        ),  # not lateness
    ]

    [cause] = r.causes([on_time], problems, 3, SHIFTS)

    assert (cause.kpi, cause.first, cause.last, cause.days) == (
        "on_time",
        date(2026, 11, 23),
        date(2026, 11, 25),
        3,
    )
    assert cause.tally is not None
    assert cause.tally.total == 3
    assert cause.tally.steps == (("released", 2), ("packed", 1))
    assert cause.tally.skus == (("SKU-2", 2), ("SKU-1", 1))
    assert cause.tally.channels == (("tmall", 2), ("jd", 1))
    assert cause.tally.shifts == (("14:00–22:00", 1), ("22:00–06:00", 1), ("06:00–14:00", 1))


def test_a_time_before_the_first_shift_belongs_to_the_night_shift_of_the_day_before() -> None:
    assert r.shift_of(datetime(2026, 11, 24, 3), SHIFTS) == "22:00–06:00"
    assert r.shift_of(datetime(2026, 11, 24, 6), SHIFTS) == "06:00–14:00"
    assert r.shift_of(datetime(2026, 11, 24, 12), (8 * 60,)) == "08:00–08:00"


def test_the_review_counts_every_kind_of_problem_even_with_none() -> None:
    tallies = r.review(
        [r.Problem("short", datetime(2026, 11, 24, 7), "jd", "SKU-1", "picking", qty=3)], SHIFTS
    )

    assert [t.kind for t in tallies] == list(r.KINDS)
    assert {t.kind: t.total for t in tallies} == {
        "late": 0,
        "return": 0,
        "short": 3,
        "scan_error": 0,
        "count_diff": 0,
    }


def test_problems_are_only_those_of_the_days_asked() -> None:
    history = k.History(
        due=[
            k.Due("O1", "tmall", datetime(2026, 11, 23, 18), None),
            k.Due("O2", "tmall", datetime(2026, 11, 30, 18), None),  # due the week after
            k.Due("O3", "jd", datetime(2026, 11, 24, 18), datetime(2026, 11, 24, 17)),  # in time
        ],
        picks=[
            k.PickRow(datetime(2026, 11, 22, 9), "P1", "jd", "L1", 1, True, "SKU-3"),  # before
            k.PickRow(datetime(2026, 11, 24, 9), "P1", "jd", "L2", 2, True, "SKU-4"),
        ],
        spans=[
            k.Span("O1", "tmall", "on_hold", datetime(2026, 11, 23, 8), datetime(2026, 11, 23, 20))
        ],
    )

    found = r.problems(history, date(2026, 11, 23), date(2026, 11, 29), {"O1": ["SKU-1", "SKU-2"]})

    assert [(p.kind, p.sku, p.step) for p in found] == [
        ("late", "SKU-1", "on_hold"),
        ("late", "SKU-2", "on_hold"),
        ("short", "SKU-4", "picking"),
    ]
