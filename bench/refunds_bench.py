"""Central's after-sales path: many shipped orders, then the returns desk's `return_graded` events
applied in batches of 500 (each makes a refund-due record, capped per order and SKU), and the
self-service look-up of an order by the channel's number and the phone's last digits, on a real
central store (SQLite file, or PostgreSQL with --pg). Prints JSON (see bench/README.md).

    .venv/bin/python bench/refunds_bench.py [--orders 5000] [--lookups 500] [--pg] [--out FILE]
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
from central_sync.server.self_service import LookupIn  # noqa: E402
from tests.central.support import AT, channel_order, move  # noqa: E402

BATCH = 500


def _event(seq: int, kind: str, order_id: str | None, **payload: Any) -> dict[str, Any]:
    return edge_event(seq, kind, order_id, at=AT, **payload)


def _send(central: Central, events: list[dict[str, Any]]) -> None:
    for start in range(0, len(events), BATCH):
        central.receive_events(
            "edge-1", parse_batch({"events": events[start : start + BATCH]}, "edge-1")
        )


def run(url: str, orders: int, lookups: int) -> dict[str, Any]:
    central = Central(url)
    central.open()
    try:
        central.add_edge("edge-1")
        central.upsert_products([("TEA-1", ProductIn(name="Tea", weight_g=100))])
        stock = move("TEA-1", orders * 3, "received", "A-01/on_hand")
        _send(central, [_event(1, "receipt", None, movements=[stock])])
        central.ingest([channel_order(f"B{n}", ("TEA-1", 2)) for n in range(orders)])
        seq = 1
        shipped = []
        for n in range(orders):
            seq += 1
            shipped.append(_event(seq, "order_shipped", f"shop:B{n}"))
        _send(central, shipped)
        graded = []
        for n in range(orders):
            seq += 1
            line = {"sku": "TEA-1", "qty": 3, "grade": "resellable", "wrong_item": False}
            graded.append(
                _event(seq, "return_graded", f"shop:B{n}", parcel_id=f"P{n}", rma=None,
                       lines=[line], missing=[], closed_at=AT)
            )  # fmt: skip
        started = time.perf_counter()
        _send(central, graded)
        elapsed = time.perf_counter() - started
        refunds = central.returns.refunds_due(status="due", limit=orders + 1)
        capped = all(r["units"] == 2 for r in refunds)  # 3 graded, 2 shipped: 2 refunded
        latencies = []
        for n in range(lookups):
            body = LookupIn(order=f"B{(n * 7919) % orders}", phone="0000")
            t = time.perf_counter()
            found = central.returns.self_lookup(body, f"client-{n}")
            latencies.append(time.perf_counter() - t)
            assert found["order_id"].startswith("shop:B")
        return {
            "backend": central.backend,
            "orders": orders,
            "graded_events_per_s": round(orders / elapsed, 1),
            "refunds_due": len(refunds),
            "every_refund_capped_at_shipped": capped,
            "lookup": figures(latencies, sum(latencies)),
        }
    finally:
        central.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--lookups", type=int, default=500)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (WAREHOUSE_CENTRAL_TEST_PG)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with central_store(args.pg) as url:
        emit(machine() | run(url, args.orders, args.lookups), args.out)


if __name__ == "__main__":
    main()
