"""Status back to the channels: many shipped orders of one channel, their `order_shipped` events
applied in batches of 500 (each queues its write-back in the same transaction), then the
channel's sender draining the queue to a real HTTP listener on 127.0.0.1 that plays Shopify, on
a real central store (SQLite file, or PostgreSQL with --pg). Prints JSON (see bench/README.md).

    .venv/bin/python bench/channel_pushes_bench.py [--orders 2000] [--pg] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import central_store, edge_event, emit, machine  # noqa: E402
from central_sync.channels.pushes import Settings  # noqa: E402
from central_sync.server.batch import parse_batch  # noqa: E402
from central_sync.server.catalogue import ProductIn  # noqa: E402
from central_sync.server.central import Central  # noqa: E402
from central_sync.server.outbound import Outbound  # noqa: E402
from tests.central.platforms import Platform  # noqa: E402
from tests.central.support import AT, channel_order, move  # noqa: E402

BATCH = 500


def _event(seq: int, kind: str, order_id: str | None, **payload: Any) -> dict[str, Any]:
    return edge_event(seq, kind, order_id, at=AT, **payload)


def run(url: str, orders: int) -> dict[str, Any]:
    platform = Platform().start()
    central = Central(url)
    central.open()
    try:
        settings = Settings(url=platform.url, token="t", enabled=True)
        central.outbound = Outbound(central.write, central.read, {"shopify": settings})
        central.add_edge("edge-1")
        central.upsert_products([("TEA-1", ProductIn(name="Tea", weight_g=100))])
        stock = move("TEA-1", orders, "received", "A-01/on_hand")
        central.receive_events(
            "edge-1",
            parse_batch({"events": [_event(1, "receipt", None, movements=[stock])]}, "edge-1"),
        )
        central.ingest(
            [channel_order(f"B{n}", ("TEA-1", 1), channel="shopify") for n in range(orders)]
        )
        parcel = {"parcel_no": 1, "parcels": 1, "carrier": "SF", "weight_g": 500, "contents": []}
        events = [
            _event(n + 2, "order_shipped", f"shopify:B{n}",
                   parcels=[parcel | {"tracking_number": f"SF{n:010d}"}])
            for n in range(orders)
        ]  # fmt: skip
        started = time.perf_counter()
        for start in range(0, orders, BATCH):
            central.receive_events(
                "edge-1", parse_batch({"events": events[start : start + BATCH]}, "edge-1")
            )
        applied_s = time.perf_counter() - started
        started = time.perf_counter()
        while central.outbound.send_due("shopify", limit=200):
            pass
        sent_s = time.perf_counter() - started
        numbers = sorted(
            s.json["fulfillment"]["tracking_info"]["number"] for s in platform.applied.values()
        )
        return {
            "backend": central.backend,
            "orders": orders,
            "shipped_events_applied_per_s": round(orders / applied_s, 1),
            "write_backs_sent_per_s": round(len(platform.seen) / sent_s, 1),
            "calls": len(platform.seen),
            "every_tracking_number_once": numbers == sorted(f"SF{n:010d}" for n in range(orders)),
        }
    finally:
        central.close()
        platform.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (WAREHOUSE_CENTRAL_TEST_PG)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with central_store(args.pg) as url:
        emit(machine() | run(url, args.orders), args.out)


if __name__ == "__main__":
    main()
