"""Central's advance shipping notices: a CSV upload at its largest (10,000 rows: 1,000 ASNs of 10
lines, each ASN on a pallet), one transaction with its feed changes; then the edge's closes of
them all applied in batches of 500, and the same batches delivered again (duplicates), on a real
central store (SQLite file, or PostgreSQL with --pg). Prints JSON (see bench/README.md).

    .venv/bin/python bench/asn_bench.py [--asns 1000] [--lines 10] [--pg] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import central_store, edge_event, emit, machine  # noqa: E402
from central_sync.server.batch import parse_batch  # noqa: E402
from central_sync.server.catalogue import ProductIn  # noqa: E402
from central_sync.server.central import Central  # noqa: E402
from edge.domain.gtin import check_digit  # noqa: E402
from tests.central.support import AT  # noqa: E402

BATCH = 500
HEADER = "asn_id,warehouse,supplier,expected_date,sku,qty,lot,expiry,sscc,container_kind\n"


def sscc(n: int) -> str:
    body = f"06953305{n:09d}"
    return body + check_digit(body)


def csv_text(asns: int, lines: int) -> str:
    rows = [HEADER]
    for a in range(asns):
        for n in range(lines):
            first = f"edge-1,Supplier {a % 17},2026-12-10" if n == 0 else ",,"
            rows.append(f"B-{a},{first},SKU-{n},{10 + n},L{a},2027-12-31,{sscc(a)},pallet\n")
    return "".join(rows)


def closes(asns: int, lines: int, seq: int) -> list[dict[str, Any]]:
    events = []
    for a in range(asns):
        seq += 1
        done = [
            {"line_no": n + 1, "sku": f"SKU-{n}", "expected": 10 + n, "received": 10 + n - (n == 0),
             "accepted": 10 + n - (n == 0), "quarantined": 0, "rejected": 0}
            for n in range(lines)
        ]  # fmt: skip
        short = {"kind": "short", "sku": "SKU-0", "lot": None, "qty": 1, "decision": "accept",
                 "operator": "bench"}  # fmt: skip
        events.append(
            edge_event(seq, "asn_closed", None, at=AT, asn_id=f"B-{a}", closed_at=AT, lines=done,
                       discrepancies=[short])
        )  # fmt: skip
    return events


def _send(central: Central, events: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for start in range(0, len(events), BATCH):
        central.receive_events(
            "edge-1", parse_batch({"events": events[start : start + BATCH]}, "edge-1")
        )
    return time.perf_counter() - started


def run(url: str, asns: int, lines: int) -> dict[str, Any]:
    central = Central(url)
    central.open()
    try:
        central.add_edge("edge-1")
        central.upsert_products(
            [(f"SKU-{n}", ProductIn(name=f"Item {n}", weight_g=100)) for n in range(lines)]
        )
        text = csv_text(asns, lines)
        started = time.perf_counter()
        made = central.asns.upload(text)
        upload_s = time.perf_counter() - started
        assert len(made["created"]) == asns
        events = closes(asns, lines, 0)
        close_s = _send(central, events)
        again_s = _send(central, events)
        closed = central.asns.list(status="closed", limit=500)
        assert len(closed) == min(asns, 500) and all(len(a["discrepancies"]) == 1 for a in closed)
        return {
            "backend": central.backend,
            "asns": asns,
            "lines_each": lines,
            "csv_rows": asns * lines,
            "csv_bytes": len(text.encode()),
            "csv_upload_s": round(upload_s, 3),
            "csv_rows_per_s": round(asns * lines / upload_s, 1),
            "closes_per_s": round(asns / close_s, 1),
            "redelivered_closes_per_s": round(asns / again_s, 1),
        }
    finally:
        central.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asns", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (WAREHOUSE_CENTRAL_TEST_PG)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with central_store(args.pg) as url:
        emit(machine() | run(url, args.asns, args.lines), args.out)


if __name__ == "__main__":
    main()
