"""Waves over a busy peak: N orders still to pack (one SKU, most of one unit, three carriers with
cut-offs, two channels, three priorities), on a real edge database.

    .venv/bin/python bench/wave_bench.py [--orders N] [--repeat N] [--out FILE]

Prints one JSON document (also written to --out): milliseconds, median of --repeat, for the
supervisor's waves (GET /api/v1/waves: every order read and grouped), the exceptions sweep's
cut-off rule (orders near or past their cut-off), and the next pick list's orders from the most
urgent released wave (with all waves released: the worst case, every pickable order read).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, machine, median_ms  # noqa: E402
from edge.config import load_settings  # noqa: E402
from edge.service import waves  # noqa: E402
from edge.store.database import Store  # noqa: E402
from edge.store.writer import Tx  # noqa: E402

NOW = datetime.now(UTC)
CARRIERS = ("Edge Post", "SF", "YTO")


def stored(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fill(store: Store, orders: int) -> None:
    """The orders, written straight into the database (a bench's fixture, not the floor's way)."""

    def write(tx: Any) -> None:
        tx.execute("INSERT INTO products (sku, name, updated_at) VALUES ('SKU-1', 'Item', 'x')")
        tx.execute("INSERT INTO locations (code, type, pick_seq) VALUES ('A-01', 'bin', 1)")
        for n in range(orders):
            placed = stored(NOW - timedelta(minutes=n % 600))
            tx.execute(
                "INSERT INTO orders (id, channel, channel_order_id, status, priority, carrier,"
                " created_at, updated_at) VALUES (?, ?, ?, 'released', ?, ?, ?, ?)",
                (f"O{n}", ("tmall", "jd")[n % 2], f"O{n}", n % 3, CARRIERS[n % 3], placed, placed),
            )
            qty = 2 if n % 5 == 0 else 1
            tx.execute(
                "INSERT INTO order_lines (id, order_id, line_no, sku, qty_ordered, qty_allocated)"
                " VALUES (?, ?, 1, 'SKU-1', ?, ?)",
                (f"O{n}-1", f"O{n}", qty, qty),
            )
            tx.execute(
                "INSERT INTO allocations (order_line_id, sku, location, qty) VALUES (?, 'SKU-1',"
                " 'A-01', ?)",
                (f"O{n}-1", qty),
            )

    store.writer.call(write)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000, help="orders still to pack")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    cutoffs = "Edge Post=11:00/17:00, SF=16:30, YTO=18:00"
    with tempfile.TemporaryDirectory() as tmp:
        overrides = {"edge.data_dir": tmp, "waves.enabled": True, "waves.cutoffs": cutoffs}
        settings = load_settings(env={}, overrides=overrides)
        store = Store(settings.db_path, edge_id="edge-bench")
        try:
            started = time.perf_counter()
            fill(store, args.orders)
            filled_s = round(time.perf_counter() - started, 1)
            conn = store.read()
            shown = waves.board(conn, settings, NOW)["waves"]
            for w in shown:
                wave_id = str(w["id"])

                def release(tx: Tx, wave_id: str = wave_id) -> dict[str, Any]:
                    return waves.release(tx, settings, wave_id, operator_id=None, device_id=None)

                store.writer.call(release)
            rules = waves.rules_of(settings)
            result = machine() | {
                "orders": args.orders,
                "fill_s": filled_s,
                "waves": len(shown),
                "waves_ms": median_ms(
                    lambda: waves.board(conn, settings, NOW), args.repeat, digits=1
                ),
                "cutoff_rule_ms": median_ms(
                    lambda: store.writer.call(lambda tx: waves.cutoff_conditions(tx, settings)),
                    args.repeat,
                    digits=1,
                ),
                "next_list_orders_ms": median_ms(
                    lambda: store.writer.call(lambda tx: waves.next_orders(tx, rules, 3)),
                    args.repeat,
                    digits=1,
                ),
            }
        finally:
            store.close()
    emit(result, args.out)


if __name__ == "__main__":
    main()
