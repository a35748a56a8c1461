"""Wave planning (pure): every order is in exactly one wave, at the first cut-off of its carrier
at or after it was placed; waves come earliest cut-off first; settings are parsed or refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.wave import (
    WaveOrder,
    WaveRules,
    cutoff_of,
    parse_cutoffs,
    parse_group_by,
    plan_waves,
    will_miss,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
RULES = WaveRules({"Edge Post": (660, 1020), "SF": (990,)}, SHANGHAI, default_carrier="Edge Post")
START = datetime(2026, 12, 3, tzinfo=UTC)

orders = st.lists(
    st.builds(
        WaveOrder,
        id=st.uuids().map(str),
        carrier=st.sampled_from(["Edge Post", "SF", "", "Nobody"]),
        channel=st.sampled_from(["shop", "jd"]),
        priority=st.integers(0, 2),
        placed=st.integers(0, 3 * 24 * 60).map(lambda m: START + timedelta(minutes=m)),
    ),
    max_size=40,
    unique_by=lambda o: o.id,
)


@given(orders)
def test_every_order_is_in_one_wave_at_its_carriers_first_cutoff_after_it_was_placed(
    given_orders: list[WaveOrder],
) -> None:
    waves = plan_waves(given_orders, RULES)
    placed = [o.id for w in waves for o in w.orders]
    assert sorted(placed) == sorted(o.id for o in given_orders)
    for w in waves:
        times = RULES.cutoffs.get(w.key.carrier, ())
        for o in w.orders:
            assert w.key.carrier == (o.carrier or "Edge Post")
            assert (w.key.channel, w.key.priority) == (o.channel, o.priority)
            if not times:
                assert w.key.cutoff is None
                continue
            assert w.key.cutoff is not None and o.placed <= w.key.cutoff
            assert w.key.cutoff - o.placed < timedelta(days=1)
            local = w.key.cutoff.astimezone(SHANGHAI)
            assert local.hour * 60 + local.minute in times
    cutoffs = [w.key.cutoff for w in waves if w.key.cutoff is not None]
    assert cutoffs == sorted(cutoffs)
    assert all(w.key.cutoff is None for w in waves[len(cutoffs) :])
    assert len({w.id for w in waves}) == len(waves)


def test_an_order_placed_after_the_last_cutoff_goes_with_the_next_days_first() -> None:
    placed = datetime(2026, 12, 3, 17, 30, tzinfo=SHANGHAI).astimezone(UTC)
    want = datetime(2026, 12, 4, 11, 0, tzinfo=SHANGHAI)
    assert cutoff_of((660, 1020), placed, SHANGHAI) == want


def test_only_unpacked_orders_within_the_warning_will_miss_their_cutoff() -> None:
    placed = datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI).astimezone(UTC)
    mine = [
        WaveOrder("A", "SF", "shop", 0, placed, "picking"),
        WaveOrder("B", "SF", "shop", 0, placed, "packed"),
    ]
    waves = plan_waves(mine, RULES)
    cutoff = datetime(2026, 12, 3, 16, 30, tzinfo=SHANGHAI)
    assert will_miss(waves, cutoff - timedelta(minutes=31), RULES) == []
    assert [m.order_id for m in will_miss(waves, cutoff - timedelta(minutes=30), RULES)] == ["A"]


def test_cutoffs_and_grouping_are_read_from_their_settings_text() -> None:
    assert parse_cutoffs("Edge Post=17:00/11:00, SF=16:30") == {
        "Edge Post": (660, 1020),
        "SF": (990,),
    }
    assert parse_cutoffs("") == {}
    assert parse_group_by("priority, channel") == ("channel", "priority")
    for bad in ("SF=16:30, SF=17:00", "=11:00", "SF=", "SF=1100"):
        with pytest.raises(ValueError):
            parse_cutoffs(bad)
