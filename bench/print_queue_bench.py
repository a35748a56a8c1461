"""The spooler's watch and the /metrics scrape over a year of print jobs: which printers have
jobs waiting (asked every `[printing] fault_poll_s`), each printer's queue and its jobs by state
(each scrape), on a
real edge database with N printed jobs and a few waiting.

    .venv/bin/python bench/print_queue_bench.py [--jobs N] [--repeat N] [--out FILE]

Prints one JSON document (also written to --out): milliseconds per query, median of --repeat.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, machine, median_ms  # noqa: E402
from edge.store.database import Store  # noqa: E402
from edge.store.print_jobs import queue_summary, waiting_by_state, waiting_printers  # noqa: E402

PRINTERS = [f"bench{i}" for i in range(8)]


def fill(store: Store, jobs: int) -> None:
    """`jobs` printed waybills spread over the printers, then one waiting job per printer."""

    def write(tx: Any) -> None:
        rows = [(PRINTERS[i % len(PRINTERS)], "done") for i in range(jobs)]
        rows += [(name, "queued") for name in PRINTERS]
        for printer, status in rows:
            tx.execute(
                "INSERT INTO print_jobs (printer, station, kind, format, document, status,"
                " created_at, updated_at) VALUES (?, 'BENCH-1', 'waybill', 'zpl', '{}', ?, ?, ?)",
                (printer, status, tx.at, tx.at),
            )

    store.writer.call(write)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300_000, help="printed jobs in the table")
    parser.add_argument("--repeat", type=int, default=20, help="runs of each query")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "edge.db", edge_id="edge-bench")
        try:
            fill(store, args.jobs)
            conn = store.read()
            result = machine() | {
                "jobs": args.jobs,
                "waiting_printers_ms": median_ms(lambda: waiting_printers(conn), args.repeat),
                "queue_summary_ms": median_ms(
                    lambda: queue_summary(conn, datetime.now(UTC)), args.repeat
                ),
                "waiting_by_state_ms": median_ms(lambda: waiting_by_state(conn), args.repeat),
            }
        finally:
            store.close()
    emit(result, args.out)


if __name__ == "__main__":
    main()
