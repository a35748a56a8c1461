"""Dock benchmark: one ASN of many lines received scan by scan (item scans, an over-delivery
stopped and quarantined now and then, the close with its `asn_closed`), then every container put
away (container, bin), through the scan service's writer on a real SQLite file (WAL,
synchronous=FULL), one scan after the other as a dock clerk works. Prints JSON (see
bench/README.md).

    .venv/bin/python bench/dock_bench.py [--lines 200] [--units 5] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, figures, machine  # noqa: E402
from edge.domain.gtin import check_digit  # noqa: E402
from edge.domain.operator import hash_pin  # noqa: E402
from edge.service.floor import FloorSettings  # noqa: E402
from edge.service.scans import ScanRequest, handle_scan  # noqa: E402
from edge.service.work import start_task  # noqa: E402
from edge.store import catalog  # noqa: E402
from edge.store.database import Store  # noqa: E402
from edge.store.operators import (  # noqa: E402
    LoginSession,
    add_operator,
    enrol_fixed_device,
    newest_open_session,
    open_session,
)
from edge.store.receiving import upsert_asn  # noqa: E402
from edge.store.scan_answers import Answer  # noqa: E402
from edge.store.verify import verify  # noqa: E402
from edge.store.writer import Tx  # noqa: E402

OVER_EVERY = 10  # one line in ten gets one unit too many (a stop, then quarantine)


def ean(n: int) -> str:
    body = f"695330{n:06d}"
    return body + check_digit(body)


def seed(tx: Tx, lines: int, units: int) -> None:
    for n in range(lines):
        catalog.upsert_product(tx, sku=f"SKU-{n}", name=f"Item {n}")
        catalog.add_barcode(tx, code=ean(n), sku=f"SKU-{n}")
        catalog.upsert_location(tx, code=f"B-{n:04d}", type="bin", zone="A", pick_seq=n)
    catalog.upsert_location(tx, code="DOCK-1", type="dock")
    catalog.upsert_location(tx, code="Q-1", type="quarantine")
    pin = hash_pin("2468", salt=b"0123456789abcdef", cost=10)
    add_operator(tx, badge="B-SUP", name="Dock lead", role="supervisor", pin_hash=pin)
    enrol_fixed_device(tx, "dock-1", "dock", "")
    asn_lines = [{"line_no": n + 1, "sku": f"SKU-{n}", "qty": units} for n in range(lines)]
    upsert_asn(tx, {"asn_id": "ASN-B", "supplier": "Bench", "lines": asn_lines}, "import")


def _scan(tx: Tx, *, req: ScanRequest, floor: FloorSettings) -> Answer:
    return handle_scan(tx, req, floor)


def scans(store: Store, session: LoginSession, raws: list[str]) -> tuple[list[float], int]:
    """Each raw scanned in turn through the writer: latencies (commit included) and refusals."""
    floor, latencies, refused = FloorSettings(), [], 0
    for raw in raws:
        req = ScanRequest(uuid.uuid4().hex, raw, session)
        t0 = time.perf_counter()
        answer = store.writer.call(partial(_scan, req=req, floor=floor))
        latencies.append(time.perf_counter() - t0)
        refused += bool(answer.code)
    return latencies, refused


def run(lines: int, units: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "edge.db", edge_id="bench-1")
        store.writer.call(lambda tx: seed(tx, lines, units))
        expires = datetime.now(UTC) + timedelta(hours=12)
        store.writer.call(
            lambda tx: open_session(
                tx, token="bench", operator_id=1, device_id="dock-1", expires_at=expires
            )
        )
        session = newest_open_session(store.read(), "dock-1", datetime.now(UTC))
        assert session is not None
        store.writer.call(lambda tx: start_task(tx, session, "receive"))
        receiving = ["ASN-B"]
        for n in range(lines):
            receiving += [ean(n)] * units
            if n % OVER_EVERY == 0:
                receiving += [ean(n), "CMD:QUARANTINE"]
        receiving.append("CMD:DONE")
        started = time.perf_counter()
        received, refused = scans(store, session, receiving)
        receive_s = time.perf_counter() - started
        store.writer.call(lambda tx: start_task(tx, session, "putaway"))
        putaway = [code for n in range(lines) for code in (f"ASN-B-{n + 1}", f"B-{n:04d}")]
        started = time.perf_counter()
        put, refused_put = scans(store, session, putaway)
        putaway_s = time.perf_counter() - started
        conn = store.read()
        problems = verify(conn)
        left = conn.execute("SELECT COUNT(*) FROM putaway_tasks WHERE status = 'open'").fetchone()
        store.close()
    return machine() | {
        "lines": lines,
        "units_per_line": units,
        "receive": figures(received, receive_s) | {"scans": len(received)},
        "putaway": figures(put, putaway_s) | {"scans": len(put)},
        "refused": refused + refused_put,
        "putaway_open": left[0],
        "verify_problems": len(problems),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200, help="ASN lines, one SKU each (200)")
    parser.add_argument("--units", type=int, default=5, help="units per line, one scan each (5)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    emit(run(args.lines, args.units), args.out)


if __name__ == "__main__":
    main()
