"""The channels' available-to-sell (central_sync/server/channel_stock.py): a full publication of
every SKU to the four channels, a channel's rules set (its figures republished in the request),
and the time from an edge's batch being applied to its SKU's figure published by the background
pass, on a real central store (SQLite file, or PostgreSQL with --pg). Prints JSON (see
bench/README.md).

    .venv/bin/python bench/channel_stock_bench.py [--skus 2000] [--changes 200] [--pg] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import central_store, edge_event, emit, figures, machine  # noqa: E402
from central_sync.server.batch import parse_batch  # noqa: E402
from central_sync.server.catalogue import ProductIn  # noqa: E402
from central_sync.server.central import Central  # noqa: E402
from central_sync.server.channel_stock import StockRule  # noqa: E402
from tests.central.support import AT, move  # noqa: E402


def run(url: str, skus: int, changes: int) -> dict[str, Any]:
    central = Central(url)
    central.open()
    try:
        assert central.settle(60)
        central.add_edge("edge-1")
        names = [f"SKU-{n:05d}" for n in range(skus)]
        central.upsert_products([(s, ProductIn(name=s, weight_g=100)) for s in names])
        receipts = [move(s, 50, "received", "A-01/on_hand") for s in names]
        event = edge_event(1, "receipt", None, at=AT, movements=receipts)
        central.receive_events("edge-1", parse_batch({"events": [event]}, "edge-1"))
        assert central.settle(120)

        started = time.perf_counter()
        central.publisher.add({""})  # every SKU to every channel (as at start); nothing changed
        assert central.settle(120)
        full_unchanged_s = time.perf_counter() - started

        started = time.perf_counter()
        rule = StockRule(cap_pct=80, safety_stock=2)
        published = central.set_stock_rules("taobao", rule, {})["published"]
        rules_s = time.perf_counter() - started

        latencies = []
        for n in range(changes):
            sku = names[(n * 7919) % skus]
            freeze = move(sku, 1, "A-01/on_hand", "Q-01/frozen")
            event = edge_event(n + 2, "freeze", None, at=AT, movements=[freeze])
            batch = parse_batch({"events": [event]}, "edge-1")
            t = time.perf_counter()
            central.receive_events("edge-1", batch)
            assert central.settle(30)
            latencies.append(time.perf_counter() - t)
        cursor = central.available("jd", 0, 1)["latest"]
        return {
            "backend": central.backend,
            "skus": skus,
            "channels": len(central.channels),
            "full_pass_nothing_changed_s": round(full_unchanged_s, 3),
            "rules_set_s": round(rules_s, 3),
            "rules_set_figures_published": published,
            "event_to_published": figures(latencies, sum(latencies)),
            "jd_cursor": cursor,
        }
    finally:
        central.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (WAREHOUSE_CENTRAL_TEST_PG)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with central_store(args.pg) as url:
        emit(machine() | run(url, args.skus, args.changes), args.out)


if __name__ == "__main__":
    main()
