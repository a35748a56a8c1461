"""The order-health KPIs against a week computed by hand (tests/kpi_history.py), empty weeks and
zero denominators as "no data", the edge's time zone, channels, thresholds, the JSON API, and a
property test over generated histories."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.config import load_settings
from edge.domain import kpi as k
from edge.service import kpis
from edge.store.database import Store
from tests.kpi_history import NOW, write_history
from tests.support import Floor

MONDAY, SUNDAY = date(2026, 11, 23), date(2026, 11, 29)


def week_of(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    """Every KPI of the hand-made week, by day, by name."""
    cfg = load_settings(env={}, overrides={"edge.data_dir": tmp_path, **overrides})
    store = Store(cfg.db_path)
    write_history(store)
    try:
        out = kpis.kpis(store.read(), cfg, kpis.Query(MONDAY, SUNDAY), NOW)
    finally:
        store.close()
    return {item["name"]: item for item in out["kpis"]}


def values(item: dict[str, Any]) -> list[float | None]:
    return [p["value"] for p in item["points"]]


NONE5 = [None] * 5  # Wednesday or Thursday to Sunday


def test_each_kpi_of_the_hand_made_week_is_what_was_computed_by_hand(tmp_path: Path) -> None:
    got = week_of(tmp_path)

    # due Mon: O1 on time, O2 late; due Tue: O3 never shipped (late), O4 on time; O5 next week
    assert values(got["on_time"]) == [0.5, 0.5, *NONE5]
    assert (got["on_time"]["total"]["num"], got["on_time"]["total"]["den"]) == (2, 4)
    # counts: Tue found what was held, Wed found 0 of 2
    assert values(got["inventory_accuracy"]) == [None, 1.0, 0.0, None, None, None, None]
    # shipped Mon 2, Tue 1 + 3; one unit back Wednesday: 1 of 6 over the week
    assert values(got["return_rate"])[:2] == [0.0, 0.0]
    assert got["return_rate"]["total"]["value"] == round(1 / 6, 4)
    # Mon: 2 units in the 10 o'clock hour; Tue: 1 unit at 06h and 3 at 08h → 4 in 2 picker-hours
    assert values(got["pick_rate"]) == [2.0, 2.0, *NONE5]
    # Mon: 3 scans, 1 order shipped; Tue: 2 scans, 2 orders shipped
    assert values(got["scans_per_order"]) == [3.0, 1.0, *NONE5]
    assert values(got["scan_error_rate"]) == [round(1 / 3, 4), 0.0, *NONE5]
    # Tue: line O2-1 shorted (then picked elsewhere) and O4-1 picked: 1 of 2 lines
    assert values(got["short_pick_rate"]) == [0.0, 0.5, *NONE5]
    # left "released": Mon O1 after 2 h; Tue O2 after 22 h and O4 after 0.5 h
    assert values(got["time_in_released"]) == [2.0, 11.25, *NONE5]
    assert values(got["time_in_packed"]) == [2.0, 0.75, *NONE5]
    assert got["time_in_on_hold"]["total"]["value"] is None


def test_a_day_with_nothing_to_divide_by_is_no_data_and_not_zero(tmp_path: Path) -> None:
    got = week_of(tmp_path)

    wednesday = got["return_rate"]["points"][2]  # a unit came back, none shipped that day

    assert (wednesday["num"], wednesday["den"], wednesday["value"]) == (1, 0, None)
    assert wednesday["breached"] is False


def test_an_empty_week_is_no_data_for_every_kpi(tmp_path: Path) -> None:
    cfg = load_settings(env={}, overrides={"edge.data_dir": tmp_path})
    store = Store(cfg.db_path)
    write_history(store)
    empty = kpis.Query(date(2026, 12, 7), date(2026, 12, 13), "week")

    out = kpis.kpis(store.read(), cfg, empty, NOW + timedelta(days=30))
    store.close()

    assert [i["points"][0]["period"] for i in out["kpis"]] == ["2026-W50"] * len(kpis.NAMES)
    assert {i["total"]["value"] for i in out["kpis"]} == {None}
    assert {i["breached_running"] for i in out["kpis"]} == {0}


def test_one_channel_counts_only_its_own_orders(tmp_path: Path) -> None:
    cfg = load_settings(env={}, overrides={"edge.data_dir": tmp_path})
    store = Store(cfg.db_path)
    write_history(store)

    def total(channel: str, name: str) -> Any:
        out = kpis.kpis(store.read(), cfg, kpis.Query(MONDAY, SUNDAY, "week", channel), NOW)
        return next(i for i in out["kpis"] if i["name"] == name)["total"]

    assert (total("tmall", "on_time")["num"], total("tmall", "on_time")["den"]) == (1, 3)
    assert total("jd", "on_time")["value"] == 1.0
    assert total("jd", "return_rate")["value"] == 0.0
    assert total("tmall", "return_rate")["value"] == round(1 / 3, 4)
    store.close()


def test_on_time_returns_and_short_picks_are_broken_down_per_channel(tmp_path: Path) -> None:
    got = week_of(tmp_path)

    def shares(name: str) -> dict[str, tuple[float, float]]:
        return {ch: (p["num"], p["den"]) for ch, p in got[name]["breakdown"].items()}

    assert shares("on_time") == {"jd": (1, 1), "tmall": (1, 3)}
    assert shares("return_rate") == {"jd": (0, 3), "tmall": (1, 3)}
    assert shares("short_pick_rate") == {"jd": (0, 1), "tmall": (1, 2)}


def test_the_days_are_the_warehouses_days_in_its_time_zone(tmp_path: Path) -> None:
    got = week_of(tmp_path, **{"edge.timezone": "Asia/Shanghai"})

    # 18:00 UTC ship-bys are 02:00 the next day in Shanghai: Monday has nothing due
    assert values(got["on_time"])[:3] == [None, 0.5, 0.5]


def test_thresholds_come_from_the_kpi_section(tmp_path: Path) -> None:
    strict = week_of(tmp_path / "a")
    lenient = week_of(tmp_path / "b", **{"kpi.on_time_min_pct": 40})

    assert strict["on_time"]["threshold"] == 0.95
    assert [p["breached"] for p in strict["on_time"]["points"][:2]] == [True, True]
    assert lenient["on_time"]["threshold"] == 0.4
    assert [p["breached"] for p in lenient["on_time"]["points"][:2]] == [False, False]


def test_the_scan_error_rate_is_given_per_operator(tmp_path: Path) -> None:
    by_operator = week_of(tmp_path)["scan_error_rate"]["breakdown"]

    assert by_operator["B-PICK"]["value"] == round(1 / 3, 4)
    assert by_operator["B-PICK"]["breached"] is True
    assert by_operator["B-PACK"]["value"] == 0.0


# --- the API ---


def test_a_supervisor_reads_every_kpi_and_one_by_name(floor: Floor) -> None:
    write_history(floor.store, seeded=True)
    sup = floor.login("B-SUP")
    query = {"from": "2026-11-23", "to": "2026-11-29", "grain": "week"}

    every = floor.client.get("/api/v1/kpis", params=query | {"svg": "true"}, headers=sup)
    one = floor.client.get("/api/v1/kpis/on_time", params=query, headers=sup)

    assert every.status_code == 200, every.text
    assert [i["name"] for i in every.json()["kpis"]] == list(kpis.NAMES)
    assert every.json()["kpis"][0]["svg"].startswith("<svg")
    assert "订单准时履约率" in every.json()["kpis"][0]["svg"]
    assert one.status_code == 200
    assert one.json()["points"] == [
        {"period": "2026-W48", "value": 0.5, "num": 2, "den": 4, "breached": True}
    ]


def test_an_unknown_kpi_and_a_backward_or_too_long_period_are_refused(floor: Floor) -> None:
    sup = floor.login("B-SUP")

    unknown = floor.client.get("/api/v1/kpis/happiness", headers=sup)
    backward = floor.client.get(
        "/api/v1/kpis", params={"from": "2026-11-29", "to": "2026-11-23"}, headers=sup
    )
    too_long = floor.client.get(
        "/api/v1/kpis", params={"from": "2024-01-01", "to": "2026-01-01"}, headers=sup
    )
    bad_week = floor.client.get("/api/v1/reports/weekly", params={"week": "2026-W60"}, headers=sup)

    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert (backward.status_code, backward.json()["code"]) == (400, "bad_period")
    assert (too_long.status_code, too_long.json()["code"]) == (400, "bad_period")
    assert (bad_week.status_code, bad_week.json()["code"]) == (400, "bad_period")


def test_a_picker_may_not_read_the_kpis(floor: Floor) -> None:
    picker = floor.login("B-PICK")

    answer = floor.client.get("/api/v1/kpis", headers=picker)

    assert (answer.status_code, answer.json()["code"]) == (403, "not_authorized")


# --- a property over generated histories ---

T0 = datetime(2026, 11, 23)
instants = st.integers(min_value=-24 * 60, max_value=9 * 24 * 60).map(
    lambda m: T0 + timedelta(minutes=m)
)
maybe = st.one_of(st.none(), instants)


@st.composite
def histories(draw: st.DrawFn) -> k.History:
    due = draw(
        st.lists(
            st.builds(k.Due, st.text(max_size=3), st.sampled_from(["a", "b"]), instants, maybe),
            max_size=20,
        )
    )
    units = draw(
        st.lists(
            st.builds(
                k.Units,
                st.sampled_from(["a", "b"]),
                instants,
                st.sampled_from(["shipped", "returned", "unreturned"]),
                st.integers(1, 50),
            ),
            max_size=20,
        )
    )
    counts = draw(
        st.lists(st.builds(k.Count, instants, st.integers(0, 9), st.integers(0, 9)), max_size=10)
    )
    scans = draw(
        st.lists(
            st.builds(k.ScanRow, instants, st.sampled_from(["P1", "P2"]), st.booleans()),
            max_size=20,
        )
    )
    picks = draw(
        st.lists(
            st.builds(
                k.PickRow,
                instants,
                st.sampled_from(["P1", "P2"]),
                st.just("a"),
                st.sampled_from(["L1", "L2", "L3"]),
                st.integers(1, 9),
                st.booleans(),
            ),
            max_size=20,
        )
    )
    changes = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["O1", "O2"]), st.just("a"), st.sampled_from(k.STATES), instants
            ),
            max_size=12,
        )
    )
    changes.sort(key=lambda c: (c[0], c[3]))
    shipped = draw(st.lists(instants, max_size=10))
    return k.History(due, units, counts, scans, picks, k.spans(changes), shipped)


RATIOS = {"on_time", "inventory_accuracy", "scan_error_rate", "short_pick_rate"}


@settings(max_examples=150, deadline=None)
@given(histories(), st.sampled_from(["day", "week"]))
def test_rates_stay_within_0_and_1_and_on_time_never_exceeds_what_was_due(
    history: k.History, grain: k.Grain
) -> None:
    window = k.Window(MONDAY, SUNDAY, grain, as_of=T0 + timedelta(days=4))
    thresholds = {"on_time": k.Threshold(0.95, "min"), "return_rate": k.Threshold(0.08, "max")}

    out = {i.name: i for i in k.compute(history, window, thresholds)}

    for name, item in out.items():
        assert [p.period for p in item.points] == k.periods(MONDAY, SUNDAY, grain)
        for p in (*item.points, item.total, *item.breakdown.values()):
            assert (p.value is None) == (p.den <= 0)
            assert p.breached is False or p.value is not None
            if name in RATIOS:
                assert p.value is None or 0 <= p.value <= 1
                assert 0 <= p.num <= p.den
            else:
                assert p.value is None or p.value >= 0
    due_in_window = [d for d in history.due if MONDAY <= d.ship_by.date() <= SUNDAY]
    assert out["on_time"].total.den <= len(due_in_window)
    on_time = sum(
        1 for d in due_in_window if d.shipped_at is not None and d.shipped_at <= d.ship_by
    )
    assert out["on_time"].total.num == on_time


def test_a_window_is_refused_backward_too_long_or_out_of_range() -> None:
    for first, last in (
        (SUNDAY, MONDAY),
        (date(2025, 1, 1), date(2026, 1, 2)),
        (date(1999, 12, 31), date(2000, 1, 1)),
    ):
        with pytest.raises(k.EdgeError) as refused:
            k.check_window(first, last)
        assert refused.value.code == "bad_period"
    k.check_window(date(2025, 1, 1), date(2025, 12, 31))  # 365 days: fine


def test_now_is_given_not_read() -> None:
    """An order still before its ship-by is not late yet; the same order after it is."""
    due = [k.Due("O", "a", datetime(2026, 11, 24, 18), None)]
    before = k.Window(MONDAY, SUNDAY, "week", as_of=datetime(2026, 11, 24, 12))
    after = k.Window(MONDAY, SUNDAY, "week", as_of=datetime(2026, 11, 25, 12))

    assert k.on_time(due, before, lambda _at: "w") == {}
    assert k.on_time(due, after, lambda _at: "w") == {"w": [0, 1]}
