"""Pick benchmark: whole pick sessions (tote, location and item scans) by concurrent pickers
through the public routes of a real `warehouse-edge serve`. Prints JSON (see bench/README.md).

    .venv/bin/python bench/pick_bench.py [--clients 1,8,64] [--seconds 10] [--client raw|httpx]
                                         [--orders N] [--single-item] [--out FILE]

--single-item: a peak's released single-item wave instead (one unit each of a few hot SKUs,
waves on, the wave released), picked on cart lists of waves.cart_size orders.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import (  # noqa: E402
    CONNECTIONS,
    Connection,
    Send,
    Target,
    figures,
    log_in,
    machine,
    run_together,
    stopped,
    window,
    writer_counts,
    writer_delta,
    writer_option,
)
from edge.config import load_settings  # noqa: E402
from edge.domain.gtin import check_digit  # noqa: E402
from edge.domain.shelf_life import ShelfRules  # noqa: E402
from edge.domain.stock import ReceiveStock  # noqa: E402
from edge.loadtest.terminals import (  # noqa: E402
    SCAN_KINDS,
    Floor,
    Picker,
    next_pick,
    tote_code,
)
from edge.service import waves  # noqa: E402
from edge.service.orders import receive_order  # noqa: E402
from edge.service.stock import receive  # noqa: E402
from edge.store import catalog  # noqa: E402
from edge.store.ledger import Actor  # noqa: E402
from edge.store.orders import NewLine, NewOrder  # noqa: E402
from edge.store.writer import Tx  # noqa: E402
from tests.servers import add_operators, run_cli, running_server, seed  # noqa: E402

AISLES, BAYS, LEVELS = "ABCDEFGHJK", 10, 3  # 300 bins, one SKU each
UNITS = 1_000_000  # per bin: no run empties one
BATCH = 3  # orders per pick list: the server's default picking.batch_size
TARGET_P99_MS = 50.0
ERROR_SAMPLES = 5
DRY_PAUSE_S = 0.1
ORDERS_PER_S = 400  # orders picked per second at most, to size the seed (idle: ~230)
HOT_SKUS = 5  # --single-item: the peak's orders are one unit of one of this many SKUs
CART_SIZE = 20  # --single-item: orders per cart list (the server's default waves.cart_size)
WAVES: dict[str, Any] = {"enabled": True, "cutoffs": "Edge Post=23:59", "cart_size": CART_SIZE}


@dataclass(frozen=True)
class Bin:
    code: str
    pick_seq: int
    sku: str
    barcode: str


def floor_bins() -> list[Bin]:
    """Aisle-bay-level bins walked in a serpentine (odd aisles back to front), one SKU each."""
    bins: list[Bin] = []
    for a, aisle in enumerate(AISLES):
        for bay in range(1, BAYS + 1):
            walk = bay if a % 2 == 0 else BAYS + 1 - bay
            for level in range(1, LEVELS + 1):
                n = len(bins)
                payload = (
                    f"9506003{n:05d}"  # a 12-digit EAN-13 payload under the GS1 example prefix
                )
                bins.append(
                    Bin(
                        f"{aisle}-{bay:02d}-{level}",
                        (a * 100 + walk) * 10 + level,
                        f"PICK-SKU-{n:03d}",
                        payload + check_digit(payload),
                    )
                )
    return bins


def orders(
    count: int, bins: list[Bin], rng: random.Random, *, single: bool = False
) -> Iterator[NewOrder]:
    """1–3 lines of different SKUs, 1–2 units each; `single`: one unit of a hot SKU each."""
    for n in range(count):
        if single:
            lines: tuple[NewLine, ...] = (NewLine(rng.choice(bins[:HOT_SKUS]).sku, 1),)
        else:
            chosen = rng.sample(bins, rng.randint(1, 3))
            lines = tuple(NewLine(b.sku, rng.randint(1, 2)) for b in chosen)
        yield NewOrder("bench", f"PB-{n:06d}", lines)


def release_waves(tx: Tx) -> None:
    """Every wave released, as a supervisor does (WAVES: the server's [waves])."""
    settings = load_settings(env={}, overrides={f"waves.{k}": v for k, v in WAVES.items()})
    for w in waves.board(tx, settings, tx.now)["waves"]:
        waves.release(tx, settings, str(w["id"]), operator_id=None, device_id=None)


def seed_floor(
    bins: list[Bin], totes: int, badges: list[str], count: int, *, single: bool = False
) -> Callable[[Tx], None]:
    def fn(tx: Tx) -> None:
        for b in bins:
            catalog.upsert_product(tx, sku=b.sku, name=f"Pick item {b.sku[-3:]}")
            catalog.add_barcode(tx, code=b.barcode, sku=b.sku)
            catalog.upsert_location(tx, code=b.code, type="bin", pick_seq=b.pick_seq)
            receive(tx, ReceiveStock(b.sku, b.code, UNITS), Actor())
        for n in range(1, totes + 1):
            catalog.upsert_container(tx, code=tote_code(n), type="tote")
        add_operators(tx, badges)
        for order in orders(count, bins, random.Random(5), single=single):
            receive_order(tx, order, Actor(), shelf=ShelfRules())
        if single:
            release_waves(tx)

    return fn


@dataclass
class Tally:
    """What the pickers of one phase did, request by request."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)
    lists_completed: int = 0
    orders_picked: int = 0
    units_picked: int = 0
    ran_dry: int = 0

    def record(self, kind: str, took: float, status: int, answer: dict[str, Any]) -> None:
        self.latencies[kind].append(took)
        if status != 200:
            self.errors[kind] += 1
            if answer.get("code") == "no_pick_list":
                self.ran_dry += 1
            elif len(self.samples) < ERROR_SAMPLES:
                self.samples.append(f"{kind} {status} {json.dumps(answer)[:600]}")
            return
        self.units_picked += kind == "item"
        if kind != "start" and answer["view"]["step"] == "done":
            self.lists_completed += 1
            self.orders_picked += len(answer["view"]["totes"])


def pick_sender(p: Picker, floor: Floor, tally: Tally) -> Send:
    """One request a call, following the screen; the first call (the warm-up) is not counted."""
    calls = 0

    async def send(conn: Connection) -> bool:
        nonlocal calls
        calls += 1
        kind, path, body = next_pick(p, floor)
        started = time.perf_counter()
        try:
            status, content = await conn.exchange("POST", path, body, p.headers)
        except Exception as exc:  # counted here, then by drive_one, which carries on
            tally.record(kind, time.perf_counter() - started, 0, {"exception": repr(exc)})
            raise
        took = time.perf_counter() - started
        answer = json.loads(content) if content else {}
        p.view = answer.get("view", p.view)
        if calls > 1:
            tally.record(kind, took, status, answer)
        if answer.get("code") == "no_pick_list":
            await asyncio.sleep(DRY_PAUSE_S)
        return status == 200

    return send


def kind_figures(tally: Tally, kinds: tuple[str, ...], elapsed: float) -> dict[str, Any]:
    latencies = [x for k in kinds for x in tally.latencies[k]]
    errors = sum(tally.errors[k] for k in kinds)
    return {"count": len(latencies), "errors": errors} | figures(latencies, elapsed)


async def pick_phase(
    target: Target, pickers: list[Picker], floor: Floor, seconds: float
) -> dict[str, Any]:
    """The pickers pick for `seconds`; scan figures per kind and all three together."""
    tally = Tally()
    senders = [pick_sender(p, floor, tally) for p in pickers]
    before = await writer_counts(target.url)
    runs, cpu = await run_together(target, senders, seconds)
    elapsed = window(runs)
    scans = {"all": kind_figures(tally, SCAN_KINDS, elapsed)}
    done = tally.orders_picked
    scans |= {k: kind_figures(tally, (k,), elapsed) for k in SCAN_KINDS}
    return (
        {
            "clients": len(pickers),
            "seconds": round(elapsed, 2),
            "scans": scans,
            "starts": kind_figures(tally, ("start",), elapsed),
            "requests": sum(len(x) for x in tally.latencies.values()),
            "errors": sum(tally.errors.values()),
            "lists_completed": tally.lists_completed,
            "orders_picked": done,
            "orders_per_s": round(done / elapsed, 1) if elapsed else 0.0,
            # scans of the window over the orders of the lists finished in it (lists straddling
            # the window's edges roughly cancel out)
            "scans_per_order": round(scans["all"]["count"] / done, 2) if done else None,
            "units_picked": tally.units_picked,
            "ran_dry": tally.ran_dry,
            "error_samples": tally.samples,
        }
        | cpu
        | writer_delta(before, await writer_counts(target.url))
    )


async def sign_in_all(url: str, count: int) -> list[Picker]:
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as http:
        headers = await asyncio.gather(*(log_in(http, i, badge(i)) for i in range(count)))
    return [Picker(i, h) for i, h in enumerate(headers)]


def badge(index: int) -> str:
    return f"PICKER-{index:03d}"


async def phases(
    target: Target, clients: list[int], seconds: float, barcodes: dict[str, str]
) -> list[dict[str, Any]]:
    """One phase per client count, in order; pickers carry on where the last phase left them."""
    pickers = await sign_in_all(target.url, max(clients))
    floor = Floor(barcodes)
    return [await pick_phase(target, pickers[:n], floor, seconds) for n in clients]


def verified(db_path: Path) -> dict[str, Any]:
    """`warehouse-edge verify --db` on the data the run left."""
    done = run_cli("verify", "--db", str(db_path))
    if done.returncode == 0:
        return {"verify_ok": True}
    return {"verify_ok": False, "verify_output": (done.stdout + done.stderr)[-2000:]}


def orders_by_status(db_path: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status")
        return dict(rows.fetchall())
    finally:
        conn.close()


def seeded(
    server_dir: Path, pickers: int, count: int, *, single: bool = False
) -> tuple[dict[str, str], float]:
    """The floor, `count` released orders and a tote for each; SKU → barcode, seconds it took."""
    bins = floor_bins()
    started = time.perf_counter()
    badges = [badge(i) for i in range(pickers)]
    fn = seed_floor(bins, count + BATCH * pickers, badges, count, single=single)
    seed(server_dir / "edge.db", fn)
    return {b.sku: b.barcode for b in bins}, round(time.perf_counter() - started, 1)


def run(
    clients: list[int],
    seconds: float,
    work: Path,
    *,
    client: str,
    orders: int,
    single: bool = False,
    writer: str = "process",
) -> dict[str, Any]:
    server_dir = work / "server"
    server_dir.mkdir()
    barcodes, seed_s = seeded(server_dir, max(clients), orders, single=single)
    config: dict[str, dict[str, Any]] = {
        "logging": {"level": "WARNING"},
        "picking": {"batch_size": BATCH},
        "store": {"writer": writer},
    }
    if single:
        config["waves"] = WAVES
    with running_server(server_dir, config=config) as server:
        target = Target(server.url, server.process.pid, client)
        results = asyncio.run(phases(target, clients, seconds, barcodes))
        exit_code = stopped(server)
    at_64 = next((r["scans"]["all"] for r in results if r["clients"] == 64), None)
    return (
        machine()
        | {
            "client": client,
            "writer": writer,
            "seconds": seconds,
            "orders_seeded": orders,
            "single_item": single,
            "seed_s": seed_s,
            "batch_size": BATCH,
            "results": results,
            "orders_by_status": orders_by_status(server.db_path),
            "server_exit": exit_code,
        }
        | verified(server.db_path)
        | {
            "p99_under_50_ms_at_64": at_64["p99_ms"] < TARGET_P99_MS
            if at_64 and at_64["count"]
            else None,
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,8,64", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per phase")
    parser.add_argument(
        "--client",
        choices=sorted(CONNECTIONS),
        default="raw",
        help="load generator: raw asyncio streams (cheap on CPU), or httpx.AsyncClient",
    )
    parser.add_argument(
        "--orders", type=int, help="released orders to seed (default: by --seconds)"
    )
    parser.add_argument(
        "--single-item",
        action="store_true",
        help="a released single-item wave (one unit of a few hot SKUs) picked on carts",
    )
    writer_option(parser)
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",") if n.strip()]
    count = args.orders or default_orders(clients, args.seconds, args.single_item)
    with tempfile.TemporaryDirectory(prefix="pick-bench-") as tmp:
        report = run(
            clients,
            args.seconds,
            Path(tmp),
            client=args.client,
            orders=count,
            single=args.single_item,
            writer=args.writer,
        )
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


def default_orders(clients: list[int], seconds: float, single: bool = False) -> int:
    """Enough that nobody runs dry: ORDERS_PER_S per phase-second (three times as many single
    items, which go faster), and a full list per picker."""
    per_s = ORDERS_PER_S * (3 if single else 1)
    return int(per_s * seconds * len(clients)) + (CART_SIZE if single else BATCH) * max(clients)


if __name__ == "__main__":
    main()
