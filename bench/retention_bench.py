"""Retention on a real edge database: how long one prune batch holds the writer, how long the
whole outbox takes to prune, and how long the ledger's archive and `verify` take after them.

    .venv/bin/python bench/retention_bench.py [--events N] [--batch N] [--out FILE]

Seeds N stock movements (one event each), all acknowledged by central 60 days ago, then prunes
with `retention.outbox_days = 30` in batches of --batch (as the server does, one transaction per
batch) and archives the ledger. Prints one JSON document (also written to --out).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, machine  # noqa: E402
from edge.config.retention import RetentionSettings  # noqa: E402
from edge.domain.stock import ReceiveStock  # noqa: E402
from edge.service.retention import archive_ledger  # noqa: E402
from edge.service.stock import receive  # noqa: E402
from edge.store import catalog  # noqa: E402
from edge.store.database import Store  # noqa: E402
from edge.store.ledger import Actor  # noqa: E402
from edge.store.retention import prune_outbox  # noqa: E402
from edge.store.sync_state import mark_delivered  # noqa: E402
from edge.store.verify import verify  # noqa: E402
from edge.store.writer import Tx  # noqa: E402

LONG_AGO = datetime.now(UTC) - timedelta(days=60)


def seed(store: Store, events: int) -> None:
    def chunk(tx: Tx, n: int) -> None:
        past = tx.as_of(LONG_AGO)
        for _ in range(n):
            receive(past, ReceiveStock("SKU-1", "A-01", 1), Actor())

    def first(tx: Tx) -> None:
        catalog.upsert_product(tx, sku="SKU-1", name="Green tea 100g")
        catalog.upsert_location(tx, code="A-01", type="bin")

    store.writer.call(first)
    for done in range(0, events, 5000):
        n = min(5000, events - done)
        store.writer.call(lambda tx: chunk(tx, n))  # noqa: B023 (called at once)
    store.writer.call(lambda tx: mark_delivered(tx.as_of(LONG_AGO), [{"epoch": 1, "seq": events}]))


def run(events: int, batch: int) -> dict[str, Any]:
    settings = RetentionSettings(outbox_days=30, prune_batch=batch)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "edge.db")
        try:
            seed(store, events)
            holds, pruned = [], 0
            started = time.perf_counter()
            while True:
                t0 = time.perf_counter()
                done = store.writer.call(
                    lambda tx: prune_outbox(
                        tx, older_than=timedelta(days=settings.outbox_days), limit=batch
                    )
                )
                holds.append((time.perf_counter() - t0) * 1000)
                pruned += done
                if done == 0:
                    break
            prune_s = time.perf_counter() - started
            t0 = time.perf_counter()
            archived = archive_ledger(
                store, before=datetime.now(UTC), out=Path(tmp) / "ledger.jsonl"
            )
            archive_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            problems = verify(store.read())
            verify_s = time.perf_counter() - t0
        finally:
            store.close()
    holds.sort()
    return {
        **machine(),
        "events": events,
        "batch": batch,
        "pruned": pruned,
        "prune_total_s": round(prune_s, 3),
        "batch_hold_ms_p50": round(holds[len(holds) // 2], 2),
        "batch_hold_ms_max": round(holds[-1], 2),
        "archived_movements": archived.rows,
        "archive_s": round(archive_s, 3),
        "verify_s": round(verify_s, 3),
        "verify_problems": len(problems),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    emit(run(args.events, args.batch), args.out)


if __name__ == "__main__":
    main()
