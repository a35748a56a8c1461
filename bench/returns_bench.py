"""Returns desk benchmark: whole parcels (open by RMA, two items graded, close) scanned one after
another through the scan service's writer on a real SQLite file (WAL, synchronous=FULL), the way
a desk works; and the order lookup over many shipped orders. Prints JSON (see bench/README.md).

    .venv/bin/python bench/returns_bench.py [--parcels 200] [--orders 5000] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import figures, machine  # noqa: E402
from central_sync.agent.appliers import apply_page  # noqa: E402
from edge.domain.operator import hash_pin  # noqa: E402
from edge.service.floor import FloorSettings  # noqa: E402
from edge.service.returns_desk import lookup  # noqa: E402
from edge.service.scans import ScanRequest, handle_scan  # noqa: E402
from edge.service.work import start_task  # noqa: E402
from edge.store import catalog  # noqa: E402
from edge.store.database import Store  # noqa: E402
from edge.store.operators import (
    add_operator,
    enrol_fixed_device,
    newest_open_session,
    open_session,
)  # noqa: E402
from edge.store.scan_answers import Answer  # noqa: E402
from edge.store.verify import verify  # noqa: E402
from edge.store.writer import Tx  # noqa: E402

EAN = "9506000134352"
GRADES = ("CMD:RESELLABLE", "CMD:DAMAGED")


def seed(tx: Tx, parcels: int, orders: int) -> None:
    catalog.upsert_product(tx, sku="SKU-1", name="Green tea", weight_g=120)
    catalog.add_barcode(tx, code=EAN, sku="SKU-1")
    add_operator(
        tx,
        badge="B-RET",
        name="Clerk",
        role="returns",
        pin_hash=hash_pin("2468", salt=b"0123456789abcdef", cost=10),
    )
    enrol_fixed_device(tx, "desk-1", "returns desk", "")
    for n in range(orders):  # shipped orders to look up (not on the scan path)
        tx.execute(
            "INSERT INTO orders (id, channel, channel_order_id, status, ship_to, created_at,"
            " updated_at) VALUES (?, 'shop', ?, 'shipped', ?, ?, ?)",
            (
                f"O-{n}",
                f"TB-{n}",
                json.dumps({"name": f"Customer {n}", "phone": f"138{n:08d}"}),
                tx.at,
                tx.at,
            ),
        )
    page = [
        {
            "cursor": n + 1,
            "type": "return_authorised",
            "order_id": f"X-{n}",
            "data": {
                "rma": f"RMA-{n}",
                "order_id": f"X-{n}",
                "lines": [{"sku": "SKU-1", "qty": 2}],
            },
        }
        for n in range(parcels)
    ]
    apply_page(tx, page, parcels)


def _scan(tx: Tx, *, req: ScanRequest, floor: FloorSettings) -> Answer:
    return handle_scan(tx, req, floor)


def run(parcels: int, orders: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "edge.db", edge_id="bench-1")
        store.writer.call(lambda tx: seed(tx, parcels, orders))
        expires = datetime.now(UTC) + timedelta(hours=12)
        store.writer.call(
            lambda tx: open_session(
                tx, token="bench", operator_id=1, device_id="desk-1", expires_at=expires
            )
        )
        session = newest_open_session(store.read(), "desk-1", datetime.now(UTC))
        assert session is not None
        store.writer.call(lambda tx: start_task(tx, session, "returns"))
        floor = FloorSettings()
        latencies: list[float] = []
        refused = 0
        started = time.perf_counter()
        for n in range(parcels):
            for raw in (f"RMA-{n}", EAN, GRADES[0], EAN, GRADES[1], "CMD:DONE"):
                req = ScanRequest(uuid.uuid4().hex, raw, session)
                t0 = time.perf_counter()
                answer = store.writer.call(partial(_scan, req=req, floor=floor))
                latencies.append(time.perf_counter() - t0)
                refused += bool(answer.code)
        elapsed = time.perf_counter() - started
        conn = store.read()
        lookups = []
        for q in ("TB-17", "Customer 4321", "0001234", "nobody"):
            t0 = time.perf_counter()
            lookup(conn, q)
            lookups.append(time.perf_counter() - t0)
        problems = verify(conn)
        store.close()
    return machine() | {
        "parcels": parcels,
        "orders": orders,
        "scans": len(latencies),
        "refused": refused,
        "scan": figures(latencies, elapsed),
        "parcels_per_s": round(parcels / elapsed, 1),
        "lookup_ms": [round(1000 * t, 2) for t in lookups],
        "verify_problems": len(problems),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parcels", type=int, default=200, help="parcels to receive (200)")
    parser.add_argument("--orders", type=int, default=5000, help="shipped orders to look up (5000)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    result = json.dumps(run(args.parcels, args.orders), indent=2)
    print(result)
    if args.out:
        args.out.write_text(result + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
