"""What assignment costs as open orders pile up: one order taken in (and assigned) while N orders
are open at the warehouse, on PostgreSQL (or SQLite with --sqlite), in one process.

    .venv/bin/python bench/open_demand_bench.py [--open 0,1000,3000] [--repeat 200] [--sqlite]
                                                [--out FILE]

For each N: N one-unit orders are taken in and left open (released, not picked), then the
median and p99 of `Central.ingest` of one more order (the stock-and-demand read, the inserts
and the running open demand's upkeep, central_sync/store/demand.py), and of the read alone
(`figures` for the order's SKU), and of an edge's batch of one pick for one of those orders. Before the running total the read added up every open
order's lines and picks (0.35 / 2.3 / 6.3 ms at 0 / 1,000 / 3,000); now it reads one row per
warehouse and SKU. Prints one JSON document (also written to --out).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import central_store, emit, machine  # noqa: E402
from central_sync.server.assign import figures  # noqa: E402
from central_sync.server.batch import parse_batch  # noqa: E402
from central_sync.server.catalogue import ProductIn  # noqa: E402
from central_sync.server.central import Central  # noqa: E402
from central_sync.store import stock  # noqa: E402
from tests.central.support import EdgeSide, channel_order, move  # noqa: E402

SKU = "TEA-0001"
EDGE = "edge-1"
CHANNEL = "shop"
PICK = move(SKU, 1, "A-01-01/on_hand", "BENCH-1/T-1/picked", kind="pick")


def timed(fn: Any, repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    return {
        "median_ms": round(statistics.median(runs), 3),
        "p99_ms": round(runs[min(len(runs) - 1, int(len(runs) * 0.99))], 3),
    }


def measure(url: str, open_counts: list[int], repeat: int) -> list[dict[str, Any]]:
    central = Central(url)
    central.open()
    try:
        central.add_edge(EDGE)
        central.upsert_products([(SKU, ProductIn(name="Tea"))])
        with central.write() as tx:
            stock.add_units(tx, [(EDGE, SKU, "on_hand", 10**9)])
        rows, open_now, ids = [], 0, list[str]()
        edge = EdgeSide(None, EDGE, "")  # type: ignore[arg-type]  # numbers the events only
        for n in open_counts:
            for start in range(open_now, n, 200):
                batch = [
                    channel_order(uuid.uuid4().hex, (SKU, 1)) for _ in range(min(200, n - start))
                ]
                central.ingest(batch)
            open_now = max(open_now, n)

            def one() -> None:
                ids.append(uuid.uuid4().hex)
                central.ingest([channel_order(ids[-1], (SKU, 1))])

            def read() -> None:
                with central.read() as tx:
                    figures(tx, skus=[SKU])

            taken = timed(one, repeat)
            open_now += repeat
            picked = iter(range(1, repeat + 1))

            def pick(picked: Any = picked) -> None:  # one unit of one of the orders just taken
                k = next(picked)
                event = edge.event("pick", PICK, order_id=f"{CHANNEL}:{ids[-k]}")
                central.receive_events(EDGE, parse_batch({"events": [event]}, EDGE))

            rows.append(
                {
                    "open_orders": n,
                    "ingest_one": taken,
                    "read": timed(read, repeat),
                    "pick_batch": timed(pick, repeat),
                }
            )
        return rows
    finally:
        central.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", default="0,1000,3000", help="open orders to measure at")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    counts = sorted(int(n) for n in args.open.split(","))
    with central_store(pg=not args.sqlite) as url:
        rows = measure(url, counts, args.repeat)
    emit(
        machine()
        | {"backend": "sqlite" if args.sqlite else "postgresql", "repeat": args.repeat}
        | {"runs": rows},
        args.out,
    )


if __name__ == "__main__":
    main()
