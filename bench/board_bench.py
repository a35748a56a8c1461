"""The supervisor's task board over a busy warehouse: N orders on the floor (released, picking,
picked, packed, on hold), M shipped long ago (history the board must not read), a pick list per
20 floor orders, on a real edge database.

    .venv/bin/python bench/board_bench.py [--floor N] [--history M] [--repeat N] [--out FILE]

Prints one JSON document (also written to --out): milliseconds, median of --repeat, for the
whole board (GET /api/v1/board: at most board.max_cards cards), the board filtered to late cards,
and one card reassigned (a pick list to another picker, one transaction with its audit row).
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
from edge.domain.board import BoardFilter  # noqa: E402
from edge.service import board  # noqa: E402
from edge.store.database import Store  # noqa: E402

NOW = datetime(2026, 12, 3, 10, tzinfo=UTC)
FLOOR_STATES = ("released", "released", "picking", "picked", "packed", "on_hold")


def stored(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fill(store: Store, floor: int, history: int) -> None:
    """The orders, written straight into the database (a bench's fixture, not the floor's way)."""

    def write(tx: Any) -> None:
        tx.execute(
            "INSERT INTO products (sku, name, updated_at) VALUES ('SKU-1', 'Item', ?)", ("x",)
        )
        for badge in ("P1", "P2"):
            tx.execute(
                "INSERT INTO operators (badge, name, role, pin_hash) VALUES (?, ?, 'picker', 'x')",
                (badge, badge),
            )
        for n in range(history):
            at = stored(NOW - timedelta(days=30, minutes=n))
            tx.execute(
                "INSERT INTO orders (id, channel, channel_order_id, status, ship_by, created_at,"
                " updated_at) VALUES (?, 'tmall', ?, 'shipped', ?, ?, ?)",
                (f"H{n}", f"H{n}", at, at, at),
            )
        for n in range(floor):
            status = FLOOR_STATES[n % len(FLOOR_STATES)]
            ship_by = stored(NOW + timedelta(minutes=(n % 600) - 120))
            tx.execute(
                "INSERT INTO orders (id, channel, channel_order_id, status, priority, ship_by,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (f"F{n}", ("tmall", "jd")[n % 2], f"F{n}", status, n % 3, ship_by, "x", "x"),
            )
            if status in ("released", "picking") and n % 20 < 4:
                list_id = f"PL-{n // 20}"
                tx.execute(
                    "INSERT OR IGNORE INTO pick_lists (id, status, assignee, created_at)"
                    " VALUES (?, 'open', 1, ?)",
                    (list_id, stored(NOW)),
                )
                tx.execute(
                    "INSERT INTO pick_list_orders (list_id, order_id, slot) VALUES (?, ?, ?)",
                    (list_id, f"F{n}", n % 20 + 1),
                )

    store.writer.call(write)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", type=int, default=5000, help="orders on the floor")
    parser.add_argument("--history", type=int, default=100_000, help="orders shipped long ago")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(env={}, overrides={"edge.data_dir": tmp})
        store = Store(settings.db_path, edge_id="edge-bench")
        try:
            started = time.perf_counter()
            fill(store, args.floor, args.history)
            filled_s = round(time.perf_counter() - started, 1)
            conn = store.read()
            s = settings.board
            late = BoardFilter(lateness="late")
            shown = board.board(conn, NOW, s)
            moves = iter(range(10**6))

            def reassign() -> None:
                card = board.board(conn, NOW, s, BoardFilter(person="1"))["cards"]
                target = next(c for c in card if c["kind"] == "list")
                next(moves)
                store.writer.call(
                    lambda tx: board.reassign(tx, target["id"], 2, target["rev"], s, by=2)
                )

            result = machine() | {
                "floor_orders": args.floor,
                "history_orders": args.history,
                "fill_s": filled_s,
                "cards": len(shown["cards"]),
                "truncated": shown["truncated"],
                "board_ms": median_ms(lambda: board.board(conn, NOW, s), args.repeat, digits=1),
                "board_late_only_ms": median_ms(
                    lambda: board.board(conn, NOW, s, late), args.repeat, digits=1
                ),
                "read_and_reassign_a_list_ms": median_ms(reassign, args.repeat, digits=1),
            }
        finally:
            store.close()
    emit(result, args.out)


if __name__ == "__main__":
    main()
