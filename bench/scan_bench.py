"""Scan benchmark: the public scan route of a real `warehouse-edge serve` against its no-op
endpoint and a bare sqlite3 loop doing the same writes. Prints JSON (see bench/README.md).

    .venv/bin/python bench/scan_bench.py [--clients 1,8,64] [--seconds 10] [--client httpx|raw]
                                         [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import (  # noqa: E402
    CONNECTIONS,
    Connection,
    Send,
    Target,
    emit,
    log_in,
    machine,
    measure,
    stopped,
    writer_counts,
    writer_delta,
    writer_option,
)
from edge.domain.gtin import check_digit  # noqa: E402
from edge.domain.stock import ReceiveStock  # noqa: E402
from edge.service.stock import receive  # noqa: E402
from edge.store import catalog  # noqa: E402
from edge.store.db import open_database  # noqa: E402
from edge.store.ledger import Actor  # noqa: E402
from edge.store.writer import Tx  # noqa: E402
from tests.servers import add_operators, running_server, seed  # noqa: E402

UNITS = 10_000_000  # per client's SKU: no run ever empties a bin
TARGETS = {"p99_ms_at_64": 50.0, "scan_to_noop_ratio": 0.5}  # issue 23


@dataclass(frozen=True)
class Terminal:
    """One bench client's floor: its SKU's barcode, two bins, an operator logged in on a device."""

    index: int
    barcode: str
    source: str
    target: str
    badge: str
    headers: dict[str, str] = field(default_factory=dict)


def terminal(index: int) -> Terminal:
    payload = f"9506001{index:05d}"  # a 12-digit EAN-13 payload under the GS1 example prefix
    return Terminal(
        index,
        payload + check_digit(payload),
        f"BA-{index:03d}",
        f"BB-{index:03d}",
        f"BENCH-{index:03d}",
    )


def seed_floor(terminals: list[Terminal]) -> Callable[[Tx], None]:
    def fn(tx: Tx) -> None:
        for t in terminals:
            sku = f"BENCH-SKU-{t.index:03d}"
            catalog.upsert_product(tx, sku=sku, name=f"Bench item {t.index}")
            catalog.add_barcode(tx, code=t.barcode, sku=sku)
            for code in (t.source, t.target):
                catalog.upsert_location(tx, code=code, type="bin")
            receive(tx, ReceiveStock(sku, t.source, UNITS), Actor())
        add_operators(tx, [t.badge for t in terminals])

    return fn


async def sign_in(http: httpx.AsyncClient, t: Terminal) -> Terminal:
    """Enrol, log in, start a move task and scan its two bins: the next scans move items."""
    headers = await log_in(http, t.index, t.badge)
    task = await http.post("/api/v1/work-sessions", json={"workflow": "move"}, headers=headers)
    task.raise_for_status()
    for code in (t.source, t.target):
        body = {"scan_id": uuid.uuid4().hex, "raw": code}
        (await http.post("/api/v1/scans", json=body, headers=headers)).raise_for_status()
    return replace(t, headers=headers)


def scan_sender(t: Terminal) -> Send:
    async def send(conn: Connection) -> bool:
        body = {"scan_id": uuid.uuid4().hex, "raw": t.barcode}
        return await conn.request("POST", "/api/v1/scans", body, t.headers) == 200

    return send


async def noop(conn: Connection) -> bool:
    return await conn.request("GET", "/healthz") == 200


async def scan_phase(target: Target, terminals: list[Terminal], seconds: float) -> dict[str, Any]:
    """Scans by `terminals`, with the writer's commits and commands over the phase."""
    before = await writer_counts(target.url)
    result = await measure(target, "scan", [scan_sender(t) for t in terminals], seconds)
    return result | writer_delta(before, await writer_counts(target.url))


async def http_phases(
    target: Target, terminals: list[Terminal], clients: list[int], seconds: float
) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=target.url, timeout=60.0) as http:
        signed = await asyncio.gather(*(sign_in(http, t) for t in terminals))
    results = []
    for n in clients:
        results.append(await measure(target, "noop", [noop] * n, seconds))
        results.append(await scan_phase(target, signed[:n], seconds))
    return results


# The writes of one moving scan: two balances, a movement, an outbox event, the stored answer.
SCAN_WRITES = (
    (
        "UPDATE balances SET qty = qty - 1 WHERE sku = 'S' AND location = 'A' AND container = ''"
        " AND lot = '' AND bucket = 'on_hand'"
    ),
    (
        "UPDATE balances SET qty = qty + 1 WHERE sku = 'S' AND location = 'B' AND container = ''"
        " AND lot = '' AND bucket = 'on_hand'"
    ),
    (
        "INSERT INTO movements (type, sku, qty, from_location, from_bucket, to_location,"
        " to_bucket, scan_id, event_epoch, event_seq, at, hash)"
        " VALUES ('move', 'S', 1, 'A', 'on_hand', 'B', 'on_hand', :key, 1, :n, 'now', :hash)"
    ),
    (
        "INSERT INTO outbox (epoch, seq, event_id, type, schema_version, occurred_at, scan_id,"
        " sku, payload) VALUES (1, :n, :event_id, 'stock_moved', 1, 'now', :key, 'S', :payload)"
    ),
    (
        "INSERT INTO answers (key, kind, request_hash, body, at)"
        " VALUES (:key, 'scan', :hash, :body, 'now')"
    ),
)


def loop_database(path: Path) -> sqlite3.Connection:
    """The edge schema (migrations), one SKU with stock in bin A, the edge's pragmas."""
    open_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = FULL", "foreign_keys = ON"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("INSERT INTO products (sku, name, updated_at) VALUES ('S', 'bench', 'now')")
    conn.executemany(
        "INSERT INTO balances (sku, location, container, lot, bucket, qty)"
        " VALUES ('S', ?, '', '', 'on_hand', ?)",
        [("A", UNITS), ("B", 0)],
    )
    return conn


def sqlite_loop(path: Path, seconds: float) -> dict[str, Any]:
    """A moving scan's writes, one transaction each, WAL + synchronous=FULL, no server."""
    conn = loop_database(path)
    payload = json.dumps({"sku": "S", "source": "A", "target": "B", "qty": 1, "movements": [{}]})
    body = json.dumps({"ok": True, "workflow": "move", "state": {}, "prompt": "-" * 300})
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        n += 1
        params = {
            "n": n,
            "key": uuid.uuid4().hex,
            "hash": uuid.uuid4().hex * 2,
            "event_id": str(uuid.uuid4()),
            "payload": payload,
            "body": body,
        }
        conn.execute("BEGIN IMMEDIATE")
        for sql in SCAN_WRITES:
            conn.execute(sql, params)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return {"name": "sqlite_loop", "transactions": n, "tps": round(n / elapsed, 1)}


def verdict(results: list[dict[str, Any]]) -> dict[str, Any]:
    at_64 = {r["name"]: r for r in results if r.get("clients") == 64}
    if not {"scan", "noop"} <= at_64.keys() or not at_64["noop"]["throughput_rps"]:
        return {"ratio_scan_to_noop_at_64": None}
    ratio = round(at_64["scan"]["throughput_rps"] / at_64["noop"]["throughput_rps"], 3)
    return {
        "ratio_scan_to_noop_at_64": ratio,
        "targets_met": {
            "p99_under_50_ms_at_64": at_64["scan"]["p99_ms"] < TARGETS["p99_ms_at_64"],
            "ratio_at_least_0.5": ratio >= TARGETS["scan_to_noop_ratio"],
        },
    }


def run(
    clients: list[int], seconds: float, work: Path, *, client: str, writer: str = "process"
) -> dict[str, Any]:
    terminals = [terminal(i) for i in range(max(clients))]
    server_dir = work / "server"
    server_dir.mkdir()
    seed(server_dir / "edge.db", seed_floor(terminals))
    config = {"logging": {"level": "WARNING"}, "store": {"writer": writer}}
    with running_server(server_dir, config=config) as server:
        target = Target(server.url, server.process.pid, client)
        results = asyncio.run(http_phases(target, terminals, clients, seconds))
        totals = asyncio.run(writer_counts(server.url))
        stopped(server)
    results.append(sqlite_loop(work / "loop.db", seconds))
    return (
        machine()
        | {
            "client": client,
            "writer": writer,
            "seconds": seconds,
            "results": results,
            "writer_totals": totals,
        }
        | verdict(results)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,8,64", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument(
        "--client",
        choices=sorted(CONNECTIONS),
        default="httpx",
        help="load generator: httpx.AsyncClient, or raw asyncio streams (cheaper on CPU)",
    )
    writer_option(parser)
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",") if n.strip()]
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as tmp:
        report = run(clients, args.seconds, Path(tmp), client=args.client, writer=args.writer)
    emit(report, args.out)


if __name__ == "__main__":
    main()
