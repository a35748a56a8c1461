"""Catch-up after an outage: an edge's 100,000 queued events posted to a real central store in
batches of 500, one after the other as the sync agent sends them; on SQLite and on PostgreSQL.

    .venv/bin/python bench/catchup_bench.py [--backend sqlite|postgresql|both] [--events N]
                                           [--batch N] [--via http|agent|both] [--pg URL]
                                           [--out FILE]

Prints one JSON document (also written to --out): events/s, seconds to drain, batch latency.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, movement  # noqa: E402
from tests.central.databases import pg_base_url, with_search_path  # noqa: E402
from tests.central.servers import add_edge, running_central  # noqa: E402

TARGET_S = 60.0
EDGE = "edge-bench"
SKUS = [f"SKU-{i:04d}" for i in range(200)]
BINS = [f"A-{i // 10:02d}-{i % 10:02d}" for i in range(100)]


def _side(location: str, bucket: str, container: str = "") -> list[str]:
    return [location, container, bucket]


def movements(seq: int) -> tuple[str, str | None, list[dict[str, Any]]]:
    """The edge's event type, order and movements for event `seq`: a mix as a busy floor makes."""
    sku, where = SKUS[seq % len(SKUS)], BINS[seq % len(BINS)]
    shelf, tote = _side(where, "on_hand"), _side("BENCH-1", "picked", f"T-{seq % 50:03d}")
    kind = seq % 5
    if kind == 0:
        return "receipt", None, [movement("receive", sku, 12, ["", "", "received"], shelf, n=seq)]
    if kind == 1:
        return "pick", f"O-{seq}", [movement("pick", sku, 1, shelf, tote, n=seq)]
    if kind == 2:
        return "ship", f"O-{seq - 1}", [movement("ship", sku, 1, tote, ["", "", "shipped"], n=seq)]
    if kind == 3:  # a move between bins and a count adjustment: two movements
        other = _side(BINS[(seq + 1) % len(BINS)], "on_hand")
        return (
            "count",
            None,
            [
                movement("move", sku, 2, shelf, other, n=seq),
                movement("adjust", sku, 1, ["", "", "adjusted"], other, n=seq),
            ],
        )
    return "freeze", None, [movement("freeze", sku, 1, shelf, _side("Q-01", "frozen"), n=seq)]


def envelope(seq: int) -> dict[str, Any]:
    kind, order_id, moved = movements(seq)
    return {
        "event_id": str(uuid.uuid4()),
        "edge_id": EDGE,
        "epoch": 1,
        "seq": seq,
        "schema_version": 1,
        "type": kind,
        "occurred_at": "2026-11-25T09:12:03.123456Z",
        "scan_id": str(uuid.uuid4()),
        "order_id": order_id,
        "order_line_id": None,
        "sku": moved[0]["sku"],
        "payload": {"movements": moved, "operator_id": 7},
    }


def expected_figures(n: int) -> dict[tuple[str, str], int]:
    """(sku, bucket) → qty that central must hold after the n events (zeros left out)."""
    out: Counter[tuple[str, str]] = Counter()
    for seq in range(1, n + 1):
        for m in movements(seq)[2]:
            for sign, side in ((-1, m["from"]), (1, m["to"])):
                if side[0] or side[1]:
                    out[(m["sku"], side[2])] += sign * m["qty"]
    return {k: v for k, v in out.items() if v}


def bodies(n: int, batch: int) -> list[bytes]:
    """The batches as the agent would send them, encoded before the clock starts."""
    return [
        json.dumps(
            {"events": [envelope(s) for s in range(start, min(start + batch, n + 1))]}
        ).encode()
        for start in range(1, n + 1, batch)
    ]


@contextmanager
def database(backend: str, workdir: Path, pg: str) -> Iterator[str]:
    if backend == "sqlite":
        yield str(workdir / "central.db")
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(pg, schema)
    finally:
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(backend: str, n: int, batch: int, pg: str) -> dict[str, Any]:
    payloads = bodies(n, batch)
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp), pg) as db:
        with running_central(db, Path(tmp)) as server:
            headers = {
                "Authorization": f"Bearer {add_edge(db, EDGE)}",
                "Content-Type": "application/json",
            }
            latencies, cpu0 = [], cpu_seconds(server.process.pid)
            with httpx.Client(base_url=server.url, headers=headers, timeout=120) as http:
                started = time.perf_counter()
                for body in payloads:
                    t0 = time.perf_counter()
                    resp = http.post(f"/api/v1/edges/{EDGE}/events", content=body)
                    latencies.append(time.perf_counter() - t0)
                    if resp.status_code != 200:
                        raise RuntimeError(f"batch refused: {resp.status_code} {resp.text}")
                drain = time.perf_counter() - started
                cpu = cpu_seconds(server.process.pid) - cpu0
                water = http.get(f"/api/v1/edges/{EDGE}/events/high-water").json()["high_water"]
                admin = {"Authorization": f"Bearer {server.admin_token}"}
                stock = http.get("/api/v1/stock", headers=admin).json()["stock"]
    held = {(r["sku"], b): r[b] for r in stock for b in ("on_hand", "picked", "frozen") if r[b]}
    latencies.sort()
    return {
        "backend": backend,
        "via": "http",
        "events": n,
        "batches": len(payloads),
        "drain_s": round(drain, 2),
        "events_per_s": round(n / drain),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "server_cpu_s": round(cpu, 2),
        "high_water": water,
        "figures_match": held == expected_figures(n),
        "target_met": drain < TARGET_S,
    }


def fill_outbox(store: Any, n: int) -> None:
    """An edge store whose outbox holds the n events undelivered, as after a long outage."""
    cols = (
        "epoch, seq, event_id, type, schema_version, occurred_at, scan_id, order_id,"
        " order_line_id, sku, payload"
    )

    def write(tx: Any, start: int, stop: int) -> None:
        rows = []
        for seq in range(start, stop):
            e = envelope(seq)
            rows.append(
                (
                    1,
                    seq,
                    e["event_id"],
                    e["type"],
                    1,
                    e["occurred_at"],
                    e["scan_id"],
                    e["order_id"],
                    None,
                    e["sku"],
                    json.dumps(e["payload"]),
                )
            )
        tx.conn.executemany(f"INSERT INTO outbox ({cols}) VALUES ({','.join('?' * 11)})", rows)

    for start in range(1, n + 1, 10_000):
        store.writer.call(lambda tx, a=start: write(tx, a, min(a + 10_000, n + 1)))


def run_agent(backend: str, n: int, batch: int, pg: str) -> dict[str, Any]:
    """The same catch-up through the edge's real sync agent, from a real edge store's outbox."""
    import asyncio

    from central_sync.agent.agent import SyncAgent
    from edge.config import load_settings
    from edge.store.database import Store

    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp), pg) as db:
        store = Store(Path(tmp) / "edge.db", edge_id=EDGE)
        fill_outbox(store, n)
        with running_central(db, Path(tmp)) as server:
            settings = load_settings(
                env={},
                overrides={
                    "edge.data_dir": tmp,
                    "edge.id": EDGE,
                    "central.url": server.url,
                    "central.token": add_edge(db, EDGE),
                    "central.batch_size": batch,
                },
            )
            cpu0 = cpu_seconds(server.process.pid)

            async def drain() -> dict[str, int]:
                agent = SyncAgent(store, settings)
                try:
                    return await agent.sync_once()
                finally:
                    await agent.client.close()

            started = time.perf_counter()
            done = asyncio.run(drain())
            seconds = time.perf_counter() - started
            cpu = cpu_seconds(server.process.pid) - cpu0
        left = store.read().execute("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL")
        queued = left.fetchone()[0]
        store.close()
    return {
        "backend": backend,
        "via": "agent",
        "events": n,
        "sent": done["sent"],
        "drain_s": round(seconds, 2),
        "events_per_s": round(n / seconds),
        "server_cpu_s": round(cpu, 2),
        "still_queued": queued,
        "target_met": seconds < TARGET_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument(
        "--pg", default=pg_base_url(), help="PostgreSQL for the run (a schema is made)"
    )
    parser.add_argument(
        "--via",
        choices=["http", "agent", "both"],
        default="both",
        help="http: batches posted straight to central; agent: the edge's sync agent drains a "
        "real edge store's outbox",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    runners = {"http": [run], "agent": [run_agent], "both": [run, run_agent]}[args.via]
    report = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "batch": args.batch,
        "target_s": TARGET_S,
        "results": [go(b, args.events, args.batch, args.pg) for go in runners for b in backends],
    }
    emit(report, args.out)


if __name__ == "__main__":
    main()
