"""Merge and split at central (central_sync/server/consign.py): intake with the merge window off,
then on (each buyer's two orders waiting in one window), the pass that closes every window and
releases each pair as one consignment, and the same orders split across two warehouses, on a
real central store (SQLite file, or PostgreSQL with --pg). Prints JSON (see bench/README.md).

    .venv/bin/python bench/merge_bench.py [--buyers 1000] [--pg] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import central_store, edge_event, emit, machine  # noqa: E402
from central_sync.server.batch import parse_batch  # noqa: E402
from central_sync.server.catalogue import ProductIn  # noqa: E402
from central_sync.server.central import Central  # noqa: E402
from central_sync.server.merge import MergeSettings  # noqa: E402
from tests.central.support import AT, channel_order, move  # noqa: E402

BATCH = 500


def orders(buyers: int, tag: str, *lines: tuple[str, int]) -> list[dict[str, Any]]:
    """Two orders per buyer (each its own address), one after the other."""
    out = []
    for n in range(buyers):
        for k in (1, 2):
            order = channel_order(f"{tag}{n}-{k}", *lines, customer_ref=f"{tag}{n}")
            order["ship_to"] |= {"phone": f"138{n:08d}", "postcode": str(n)}
            out.append(order)
    return out


def intake(central: Central, taken: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for start in range(0, len(taken), BATCH):
        central.ingest(taken[start : start + BATCH])
    return round(len(taken) / (time.perf_counter() - started), 1)


def stock(central: Central, edge: str, units: dict[str, int]) -> None:
    receipts = [move(s, q, "received", "A-01/on_hand") for s, q in units.items()]
    event = edge_event(1, "receipt", None, at=AT, movements=receipts) | {"edge_id": edge}
    central.receive_events(edge, parse_batch({"events": [event]}, edge))
    assert central.settle(120)


def run(buyers: int, pg: bool) -> dict[str, Any]:
    with central_store(pg) as url:
        central = Central(url)
        central.open()
        try:
            for edge in ("edge-1", "edge-2"):
                central.add_edge(edge)
            central.upsert_products([(s, ProductIn(name=s)) for s in ("TEA-0001", "TEA-0002")])
            stock(central, "edge-1", {"TEA-0001": 10 * buyers})
            stock(central, "edge-2", {"TEA-0002": 10 * buyers})
            off = intake(central, orders(buyers, "OFF", ("TEA-0001", 1)))
            central.merging = MergeSettings(window_s=60)
            on = intake(central, orders(buyers, "ON", ("TEA-0001", 1)))
            started = time.perf_counter()
            merged = central.release_merges(datetime.now(UTC) + timedelta(seconds=61))
            release_s = time.perf_counter() - started
            central.merging = MergeSettings(split=True)
            split = intake(central, orders(buyers, "SPLIT", ("TEA-0001", 1), ("TEA-0002", 1)))
            with central.read() as tx:
                parts = tx.value("SELECT COUNT(*) FROM consignments WHERE kind = 'split'")
        finally:
            central.close()
    return {
        "bench": "merge",
        "backend": "postgresql" if pg else "sqlite",
        "orders": 2 * buyers,
        "batch": BATCH,
        "orders_per_s_merge_off": off,
        "orders_per_s_merge_on": on,
        "release_pass_s": round(release_s, 3),
        "consignments_merged": sum(1 for d in merged if d.get("consignment")),
        "orders_per_s_split": split,
        "split_parts": int(parts or 0),
        "machine": machine(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=1000)
    parser.add_argument("--pg", action="store_true", help="the test PostgreSQL, not SQLite")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    emit(run(args.buyers, args.pg), args.out)


if __name__ == "__main__":
    main()
