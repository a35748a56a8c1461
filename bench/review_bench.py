"""Order review's cost at intake: the same orders taken in batches of 500 by a central store with
review off, then on (every rule: the address checks, a 60-minute duplicate window read from the
fingerprints of earlier batches, a high-value limit, 1,000 blocked entries), on a real central
store (SQLite file, or PostgreSQL with --pg). Prints JSON (see bench/README.md): orders/s each
way, how many were held, and the sweep of the waiting orders past their threshold.

    .venv/bin/python bench/review_bench.py [--orders 5000] [--pg] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import central_store, emit, machine  # noqa: E402
from central_sync.server.catalogue import ProductIn  # noqa: E402
from central_sync.server.central import Central  # noqa: E402
from tests.central.support import channel_order  # noqa: E402

BATCH = 500
RULES: dict[str, Any] = {
    "enabled": True,
    "duplicate_window_minutes": 60,
    "high_value": [{"channel": "*", "currency": "CNY", "over": "5000"}],
    "blocked": [{"kind": "phone", "value": f"1390000{n:04d}"} for n in range(1000)],
}


def orders(count: int, tag: str) -> list[dict[str, Any]]:
    """`count` orders, each its own buyer; one in 20 over the limit, one in 50 a test address."""
    out = []
    for n in range(count):
        order = channel_order(f"{tag}{n}", ("TEA-0001", 1), total="9000" if n % 20 == 0 else "99")
        order["ship_to"] |= {"phone": f"138{n:08d}", "postcode": str(n)}
        if n % 50 == 0:
            order["ship_to"]["name"] = "test"
        out.append(order)
    return out


def intake(central: Central, count: int, tag: str) -> tuple[float, int]:
    taken = orders(count, tag)
    started = time.perf_counter()
    held = 0
    for start in range(0, count, BATCH):
        outcomes = central.ingest(taken[start : start + BATCH])
        held += sum(1 for o in outcomes if o.order_status == "on_hold")
    return round(count / (time.perf_counter() - started), 1), held


def run(count: int, pg: bool) -> dict[str, Any]:
    with central_store(pg) as url:
        central = Central(url)
        central.open()
        try:
            central.upsert_products([("TEA-0001", ProductIn(name="Tea"))])
            off, held_off = intake(central, count, "OFF")
            central.set_review_rules(RULES)
            on, held_on = intake(central, count, "ON")
            started = time.perf_counter()
            opened = central.check_reviews(datetime.now(UTC) + timedelta(hours=3))
            sweep_ms = round((time.perf_counter() - started) * 1000, 1)
        finally:
            central.close()
    return {
        "bench": "review",
        "backend": "postgresql" if pg else "sqlite",
        "orders": count,
        "batch": BATCH,
        "orders_per_s_review_off": off,
        "orders_per_s_review_on": on,
        "held_off": held_off,
        "held_on": held_on,
        "overdue_sweep_ms": sweep_ms,
        "exceptions_opened": opened,
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--pg", action="store_true", help="the test PostgreSQL, not SQLite")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    emit(run(args.orders, args.pg), args.out)


if __name__ == "__main__":
    main()
