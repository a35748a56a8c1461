"""Each released order keeps its wave (orders.wave_key), so the next pick list reads one wave's
orders by index: on a real SQLite file, whatever the orders, their priorities changing and the
rules changing, the next list's orders are those that grouping every pickable order into waves
(plan_waves) gives."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.config import load_settings
from edge.domain.wave import WaveRules, batch_of, plan_waves
from edge.service import waves
from edge.store import waves as wave_store
from edge.store.database import Store
from edge.store.picking import create_pick_list
from edge.store.writer import Tx

NOW = datetime.now(UTC)
CUTOFFS = ("Edge Post=11:00/17:00, SF=16:30", "Edge Post=12:00, SF=16:30/20:00")

order = st.tuples(
    st.sampled_from(["Edge Post", "SF", "", "YTO"]),  # "" takes the default carrier
    st.sampled_from(["tmall", "jd"]),
    st.integers(0, 2),  # priority
    st.integers(0, 3 * 24 * 60),  # minutes before now it was placed
    st.sampled_from([1, 1, 2]),  # units
)


def stored(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write(tx: Tx, rows: list[tuple[str, str, int, int, int]]) -> None:
    tx.execute("INSERT INTO products (sku, name, updated_at) VALUES ('SKU-1', 'Item', 'x')")
    tx.execute("INSERT INTO locations (code, type, pick_seq) VALUES ('A-01', 'bin', 1)")
    for n, (carrier, channel, priority, minutes, units) in enumerate(rows):
        placed = stored(NOW - timedelta(minutes=minutes))
        tx.execute(
            "INSERT INTO orders (id, channel, channel_order_id, status, priority, carrier,"
            " created_at, updated_at) VALUES (?, ?, ?, 'released', ?, ?, ?, ?)",
            (f"O{n}", channel, f"O{n}", priority, carrier, placed, placed),
        )
        tx.execute(
            "INSERT INTO order_lines (id, order_id, line_no, sku, qty_ordered, qty_allocated)"
            " VALUES (?, ?, 1, 'SKU-1', ?, ?)",
            (f"O{n}-1", f"O{n}", units, units),
        )
        tx.execute(
            "INSERT INTO allocations (order_line_id, sku, location, qty) VALUES (?, 'SKU-1',"
            " 'A-01', ?)",
            (f"O{n}-1", units),
        )


def by_grouping_every_order(tx: Tx, rules: WaveRules, batch: int) -> tuple[list[str], bool]:
    """The next list as it was worked out before orders kept their wave."""
    done = wave_store.released_ids(tx)
    for w in plan_waves(wave_store.pickable(tx), rules):
        if w.id in done:
            singles, cart = batch_of(w, rules)
            return (singles, True) if cart else ([o.id for o in w.orders][:batch], False)
    return [], False


def release_all(tx: Tx, config: Any) -> None:
    for w in waves.board(tx, config, tx.now)["waves"]:
        if not w["released"] and w["by_status"]["released"]:
            waves.release(tx, config, str(w["id"]), operator_id=None, device_id=None)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(order, min_size=1, max_size=30),
    st.sampled_from(["channel, priority", "channel", ""]),
    st.integers(1, 4),  # cart size (1: no carts)
    st.lists(
        st.tuples(st.integers(0, 29), st.integers(0, 2)), min_size=1, max_size=3
    ),  # priority changes
)
def test_the_next_list_from_kept_waves_is_the_one_grouping_every_order_gives(
    rows: list[tuple[str, str, int, int, int]],
    group_by: str,
    cart_size: int,
    changes: list[tuple[int, int]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "edge.db", edge_id="edge-1")
        try:
            store.writer.call(lambda tx: write(tx, rows))
            for step, cutoffs in enumerate(CUTOFFS):
                keys = {"cutoffs": cutoffs, "group_by": group_by, "cart_size": cart_size}
                overrides = {"edge.data_dir": tmp} | {f"waves.{k}": v for k, v in keys.items()}
                config = load_settings(env={}, overrides=overrides | {"waves.enabled": True})
                rules = waves.rules_of(config)
                store.writer.call(lambda tx, c=config: release_all(tx, c))
                for index, priority in changes:
                    # after the first, a change comes after the keys were kept: they follow it
                    store.writer.call(
                        lambda tx, i=index, p=priority: tx.execute(
                            "UPDATE orders SET priority = ? WHERE id = ?", (p, f"O{i}")
                        )
                    )
                    store.writer.call(lambda tx, c=config: release_all(tx, c))
                    expected = store.writer.call(
                        lambda tx, r=rules: by_grouping_every_order(tx, r, 3)
                    )
                    got = store.writer.call(lambda tx, r=rules: waves.next_orders(tx, r, 3))
                    assert got == expected
                while True:
                    expected = store.writer.call(
                        lambda tx, r=rules: by_grouping_every_order(tx, r, 3)
                    )
                    got = store.writer.call(lambda tx, r=rules: waves.next_orders(tx, r, 3))
                    assert got == expected
                    if not got[0] or step == 0:
                        break
                    store.writer.call(
                        lambda tx, g=got: create_pick_list(
                            tx, g[0], assignee=None, created_by=None, cart=g[1]
                        )
                    )
        finally:
            store.close()


def test_an_order_whose_priority_changes_moves_to_the_wave_of_its_new_priority(
    tmp_path: Path,
) -> None:
    config = load_settings(
        env={},
        overrides={"edge.data_dir": tmp_path, "waves.enabled": True, "waves.cutoffs": CUTOFFS[0]},
    )
    rules = waves.rules_of(config)
    store = Store(tmp_path / "edge.db", edge_id="edge-1")
    try:
        store.writer.call(lambda tx: write(tx, [("SF", "jd", 0, 5, 2), ("SF", "jd", 0, 4, 2)]))
        store.writer.call(lambda tx: release_all(tx, config))
        before = store.writer.call(lambda tx: waves.next_orders(tx, rules, 3))
        store.writer.call(lambda tx: tx.execute("UPDATE orders SET priority = 2 WHERE id = 'O1'"))
        store.writer.call(lambda tx: release_all(tx, config))

        after = store.writer.call(lambda tx: waves.next_orders(tx, rules, 3))

        assert (before, after) == ((["O0", "O1"], False), (["O1"], False))
    finally:
        store.close()
