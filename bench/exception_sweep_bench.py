"""The exception sweep on a busy edge: N orders still on the floor (released, picking, packed),
each with its status history, among H shipped orders' history, on a real edge database. The sweep
runs inside the single writer, so how long it holds the writer is what the floor would feel.

    .venv/bin/python bench/exception_sweep_bench.py [--active N] [--shipped H] [--repeat N] [--out FILE]

Prints one JSON document (also written to --out): milliseconds, median of --repeat, of the first
sweep (which opens an exception per stuck order, each queued for the webhooks) and of a sweep
that finds nothing new (what every `notify.sweep_s` costs on a steady day).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, machine, median_ms  # noqa: E402
from edge.config import load_settings  # noqa: E402
from edge.service.exceptions import sweep_once  # noqa: E402
from edge.store.database import Store  # noqa: E402

ACTIVE = ("released", "picking", "packed")


def fill(store: Store, active: int, shipped: int) -> None:
    then = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def write(tx: Any) -> None:
        for n in range(active + shipped):
            status = ACTIVE[n % 3] if n < active else "shipped"
            order = f"O{n}"
            tx.execute(
                "INSERT INTO orders (id, channel, channel_order_id, status, created_at, updated_at)"
                " VALUES (?, 'shop', ?, ?, ?, ?)",
                (order, order, status, then, then),
            )
            for to in ("released", "picking", "packed", "shipped"):
                tx.execute(
                    "INSERT INTO order_status_history (order_id, to_status, at) VALUES (?, ?, ?)",
                    (order, to, then),
                )
                if to == status:
                    break

    store.writer.call(write)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--active", type=int, default=2000, help="orders still on the floor")
    parser.add_argument("--shipped", type=int, default=50_000, help="shipped orders' history")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(env={}, overrides={"edge.data_dir": tmp, "report.schedule": ""})
        store = Store(settings.db_path)
        try:
            fill(store, args.active, args.shipped)
            first = median_ms(lambda: store.writer.call(lambda tx: sweep_once(tx, settings)), 1)
            opened = store.read().execute("SELECT COUNT(*) FROM exceptions").fetchone()[0]
            steady = median_ms(
                lambda: store.writer.call(lambda tx: sweep_once(tx, settings)), args.repeat
            )
        finally:
            store.close()
    emit(
        machine()
        | {
            "active_orders": args.active,
            "shipped_orders": args.shipped,
            "exceptions_opened": opened,
            "first_sweep_ms": first,
            "steady_sweep_ms": steady,
        },
        args.out,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
