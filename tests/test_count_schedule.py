"""Cycle counts by schedule (issue 20 item 3): bins ranked A, B, C by how often stock moved
through them (from the ledger), each class counted every `stock.count_schedule_days` days; the
exception sweep opens the counts due, never a second one for a bin with a count open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from edge.config import load_settings
from edge.domain.cycle_count import abc_classes, due_bins
from edge.service.exceptions import sweep_once
from edge.store.counts import counter_tasks
from tests.support import Floor

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_the_busiest_fifth_of_the_bins_is_a_the_next_30_percent_b_and_idle_bins_c() -> None:
    bins = [f"B{n:02d}" for n in range(10)]
    moves = {b: 100 - n for n, b in enumerate(bins[:6])}  # B06..B09 never moved

    classes = abc_classes(bins, moves)

    assert [classes[b] for b in bins] == ["A", "A", "B", "B", "B", "C", "C", "C", "C", "C"]


@given(
    st.dictionaries(st.sampled_from("PQRSTUVW"), st.integers(0, 50)),
    st.dictionaries(st.sampled_from("PQRSTUVW"), st.integers(0, 200)),
    st.sets(st.sampled_from("PQRSTUVW")),
    st.integers(1, 5),
)
def test_a_bin_is_due_once_its_class_interval_has_passed_and_never_with_a_count_open(
    moves: dict[str, int], days_ago: dict[str, int], busy: set[str], limit: int
) -> None:
    bins = list("PQRSTUVW")
    every = {"A": 7, "B": 30, "C": 90}
    classes = abc_classes(bins, moves)
    last = {b: NOW - timedelta(days=d) for b, d in days_ago.items()}

    due = due_bins(classes, last, every, NOW, open_already=busy, limit=limit)

    assert len(due) <= limit and not set(due) & busy
    for b in due:
        assert b not in last or NOW - last[b] >= timedelta(days=every[classes[b]])
    overdue = [
        b
        for b in bins
        if b not in busy and (b not in last or NOW - last[b] >= timedelta(days=every[classes[b]]))
    ]
    assert len(due) == min(limit, len(overdue))


def test_the_sweep_opens_the_scheduled_counts_due_once(floor: Floor, tmp_path: Path) -> None:
    overrides = {"edge.data_dir": tmp_path, "stock.count_schedule_days": "A=7, B=30"}
    settings = load_settings(env={}, overrides=overrides)

    floor.store.writer.call(lambda tx: sweep_once(tx, settings))
    floor.store.writer.call(lambda tx: sweep_once(tx, settings))
    tasks = counter_tasks(floor.store.read())

    # A-01-01 and A-01-02 had stock moved in (A and B); B-02-01 none: C, not scheduled
    assert [(t["location"], t["sku"], t["reason"]) for t in tasks] == [
        ("A-01-01", None, "schedule"),
        ("A-01-02", None, "schedule"),
    ]
