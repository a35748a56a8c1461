"""Central scaled out: the flash sale's one-unit orders for a few hot SKUs spread evenly over one,
then two (or more) `warehouse-central serve` processes on one PostgreSQL, while two edges pick
and put back what they got through the processes in turn.

    .venv/bin/python bench/scaled_out_bench.py [--processes 1,2] [--clients 100] [--seconds 8]
                                               [--skus 3] [--stock 500] [--pg URL] [--out FILE]

For each count of processes: a fresh PostgreSQL schema, the processes (each its own port), the
clients split evenly over them (each client keeps one keep-alive connection to its process and
sends its next order when the last is answered). Prints one JSON document (also written to
--out): per count, orders/s, p50/p99, errors, the CPU the central processes used per order,
oversold units (available below zero anywhere, or more released than the stock) and whether
`warehouse-central verify-demand` is clean. On a machine with fewer cores than processes the
throughput does not grow: compare the CPU per order and the oversold count, and re-measure on
the production box."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.catchup_bench import database  # noqa: E402
from bench.common import (  # noqa: E402
    Connection,
    Target,
    emit,
    machine,
    movement,
    run_together,
    summarise,
)
from bench.flash_sale_bench import EDGES, IN, SHELF, EdgeSender  # noqa: E402
from tests.central.databases import pg_base_url  # noqa: E402
from tests.central.servers import CentralServer, add_edge, run_central, start_central  # noqa: E402
from tests.servers import stopping  # noqa: E402


async def sale(servers: list[CentralServer], tokens: dict[str, str], args: Any) -> dict[str, Any]:
    skus = [f"HOT-{i:03d}" for i in range(args.skus)]
    headers = {"Authorization": f"Bearer {servers[0].admin_token}"}
    async with httpx.AsyncClient(base_url=servers[0].url, timeout=60) as http:
        products = [{"sku": s, "name": f"Hot item {s}", "weight_g": 100} for s in skus]
        resp = await http.post("/api/v1/products", json={"products": products}, headers=headers)
        resp.raise_for_status()
        # each edge's agent talks to its own process (edge i to process i mod n)
        edge_http = [
            httpx.AsyncClient(base_url=servers[i % len(servers)].url, timeout=60)
            for i in range(len(EDGES))
        ]
        edges = [EdgeSender(h, e, tokens[e]) for h, e in zip(edge_http, EDGES, strict=True)]
        for edge in edges:
            await edge.post(
                [
                    edge.event("receipt", movement("receive", s, args.stock, IN, SHELF), None)
                    for s in skus
                ]
            )
        counter = itertools.count()
        released: dict[str, bool] = {}

        async def buy(conn: Connection) -> bool:
            n = next(counter)
            order = {
                "channel": "flash",
                "channel_order_id": f"F{n}",
                "lines": [{"sku": skus[n % len(skus)], "qty": 1}],
                "ship_to": {"name": "Li Lei", "address": "1 Century Ave", "city": "Shanghai"},
            }
            status, body = await conn.exchange("POST", "/api/v1/orders", order, headers)
            if status == 201:
                answer = json.loads(body)
                released[answer["id"]] = answer["order_status"] == "released"
            return status == 201

        stop = asyncio.Event()
        floors = [asyncio.create_task(e.floor(stop)) for e in edges]
        share = max(1, args.clients // len(servers))
        done = await asyncio.gather(
            *(
                run_together(Target(s.url, s.process.pid, "raw"), [buy] * share, args.seconds)
                for s in servers
            )
        )
        stop.set()
        await asyncio.gather(*floors)
        for h in edge_http:
            await h.aclose()
        stock = (await http.get("/api/v1/stock", headers=headers)).raise_for_status().json()
    runs = [run for process_runs, _ in done for run in process_runs]
    result = summarise("sale", runs)
    cpu = sum(c.get("server_cpu_s", 0.0) for _, c in done)
    total = args.stock * len(EDGES) * len(skus)
    oversold = sum(max(0, -f["available"]) for f in stock["stock"])
    return {
        "processes": len(servers),
        "clients": share * len(servers),
        "orders_taken": len(released),
        "orders_released": sum(released.values()),
        "orders_per_s": result["throughput_rps"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        "errors": result["errors"],
        "edge_batches": sum(e.batches for e in edges),
        "central_cpu_s": round(cpu, 2),
        "central_cpu_ms_per_order": round(1000 * cpu / len(released), 3) if released else None,
        "oversold": oversold + max(0, sum(released.values()) - total),
    }


def run(count: int, args: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database("postgresql", Path(tmp), args.pg) as db:
        with ExitStack() as stack:
            first = stack.enter_context(stopping(start_central(db, Path(tmp), log_name="c0.log")))
            servers = [first] + [
                stack.enter_context(
                    stopping(
                        start_central(
                            db, Path(tmp), admin_token=first.admin_token, log_name=f"c{i}.log"
                        )
                    )
                )
                for i in range(1, count)
            ]
            tokens = {e: add_edge(db, e) for e in EDGES}
            result = asyncio.run(sale(servers, tokens, args))
        verified = run_central("verify-demand", "--db", db)
        return result | {"verify_demand_clean": verified.returncode == 0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="1,2", help="counts of processes to compare")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--skus", type=int, default=3, help="hot SKUs the orders share")
    parser.add_argument("--stock", type=int, default=500, help="units per SKU at each edge")
    parser.add_argument("--pg", default=pg_base_url(), help="PostgreSQL (a schema is made)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    runs = [run(int(n), args) for n in args.processes.split(",")]
    emit(machine() | {"backend": "postgresql", "runs": runs}, args.out)


if __name__ == "__main__":
    main()
