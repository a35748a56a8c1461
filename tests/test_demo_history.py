"""The demo's weeks of history (edge/demo/history.py), seeded through the edge's services on a
back-dated clock into a real SQLite file: the KPIs of the last weeks have data, the task board has
cards in several columns, one short pick is still open, and the ledger verifies; and a freshly
started `warehouse-edge demo` answers the same through its API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from edge.config import Settings
from edge.demo import data as demo
from edge.demo.history import HISTORY_DAYS, seed_history
from edge.service import board as board_service
from edge.service import handovers
from edge.service import kpis as kpi_service
from edge.service import waves as wave_service
from edge.service.exceptions import list_exceptions
from edge.store.database import Store
from edge.store.verify import verify
from tests.browser import running_demo

NOW = datetime(2026, 12, 3, 10, 30, tzinfo=UTC)  # a Thursday
# KPIs the history feeds every week; inventory accuracy needs a count closed that week.
WEEKLY = ("on_time", "return_rate", "pick_rate", "scans_per_order", "scan_error_rate")


@pytest.fixture
def seeded(settings: Settings, store: Store) -> Store:
    demo.seed(store, pin_cost=10, today=NOW.date())
    seed_history(store, settings, now=NOW)
    return store


def weekly(store: Store, settings: Settings) -> dict[str, dict[str, object]]:
    last = NOW.date()
    query = kpi_service.Query(last - timedelta(days=HISTORY_DAYS - 1), last, "week", None)
    answer = kpi_service.kpis(store.read(), settings, query, NOW)
    return {k["name"]: k for k in answer["kpis"]}


def test_the_demo_history_gives_the_last_weeks_kpis_data(seeded: Store, settings: Settings) -> None:
    kpis = weekly(seeded, settings)

    for name in WEEKLY:
        values = [p["value"] for p in kpis[name]["points"]]  # type: ignore[index]
        assert len(values) >= 3 and None not in values[-3:], (name, values)
    assert kpis["on_time"]["total"]["value"] < 0.95  # type: ignore[index]  # some late
    assert kpis["short_pick_rate"]["total"]["value"] > 0  # type: ignore[index]
    assert kpis["inventory_accuracy"]["total"]["value"] is not None  # type: ignore[index]


def test_the_demo_history_puts_cards_in_several_columns_and_leaves_one_short_pick_open(
    seeded: Store, settings: Settings
) -> None:
    board = board_service.board(seeded.read(), NOW, settings.board)
    counts = {c["name"]: c["count"] for c in board["columns"]}
    late = [c for c in board["cards"] if c["lateness"] == "late"]
    active = list_exceptions(seeded.read(), NOW, kind="short_pick")
    resolved = list_exceptions(seeded.read(), NOW, state="resolved", kind="short_pick")

    assert {name for name, n in counts.items() if n} >= {"todo", "shipped", "after_sales"}
    assert late and late[0]["assignee_name"] == "王芳"  # waiting on her list, past its ship-by
    assert len(active) == 1 and len(resolved) >= 2
    assert verify(seeded.read()) == []


def test_the_demo_lists_waiting_for_wang_fang_are_tagged_urgent_on_the_board(
    seeded: Store, settings: Settings
) -> None:
    board = board_service.board(seeded.read(), NOW, settings.board)
    hers = [c for c in board["cards"] if c["assignee_name"] == "王芳" and c["kind"] == "order"]

    assert len(hers) == 3
    assert {c["priority_tag"] for c in hers} == {"urgent"}, [c["priority"] for c in hers]


def test_the_demo_history_ships_and_waits_with_the_demos_one_carrier(
    seeded: Store, settings: Settings
) -> None:
    """The banner and the README name one carrier (Edge Post) for the handover and the waves'
    cut-offs: no second, made-up carrier for the history's orders."""
    conn = seeded.read()
    waves = wave_service.board(conn, settings, NOW)["waves"]
    offered = handovers.carriers(conn, handovers.HandoverRules.of(settings))

    assert {w["carrier"] for w in waves} == {settings.carrier.name}
    assert offered == [settings.carrier.name]


@pytest.mark.slow
def test_a_fresh_demo_answers_a_board_in_several_columns_and_weekly_kpis_with_data(
    tmp_path: Path,
) -> None:
    with running_demo(tmp_path) as edge:
        board = edge.supervisor_get("/api/v1/board")
        kpis = edge.supervisor_get("/api/v1/kpis?grain=week")

    filled = {c["name"] for c in board["columns"] if c["count"]}
    by_name = {k["name"]: k for k in kpis["kpis"]}
    assert len(filled) >= 4, board["columns"]
    for name in WEEKLY:
        values = [p["value"] for p in by_name[name]["points"]][-3:]
        assert None not in values, (name, values)
