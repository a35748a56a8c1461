"""Floor benchmark: an open loop of handhelds on a real `warehouse-edge serve`, each sending one
request every `--interval` seconds (pick, pack, move and lookup terminals mixed), against the
no-op route at the same rate. Prints JSON (see bench/README.md).

    .venv/bin/python bench/floor_bench.py [--terminals 500] [--interval 2] [--seconds 20]
                                          [--orders N] [--writer thread|process] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench import pick_bench, scan_bench  # noqa: E402
from bench.common import (  # noqa: E402
    Connection,
    Send,
    Target,
    children,
    emit,
    figures,
    log_in,
    machine,
    percentile,
    run_together,
    stopped,
    window,
    writer_counts,
    writer_delta,
    writer_option,
)
from bench.pick_bench import Tally  # noqa: E402
from edge.loadtest.probe import process_memory  # noqa: E402
from edge.loadtest.terminals import SCAN_KINDS, Floor, Picker, Totes, next_pack, tote_code  # noqa: E402
from edge.store.writer import Tx  # noqa: E402
from tests.servers import add_operators, seed, serve_edge, stopping, write_config  # noqa: E402

ROLES = ("pick", "pack", "move", "lookup")
MIX = {"pick": 0.4, "pack": 0.1, "move": 0.25, "lookup": 0.25}  # share of the terminals
TARGET_P99_MS, TARGET_RSS_MB = 10.0, 200.0
PACKAGE, PACKAGE_TARE_G = "S", 120  # the default box S; the bench's SKUs weigh nothing
ORDERS_PER_PICK_SCAN = 1 / 4  # an order is a tote, 1–3 locations and 1–6 items: ≥ 4 scans
TOTES_PER_PACKER = 3  # picked totes waiting at the benches when the clock starts
FILL_LIMIT_S = 120.0  # the pickers' head start stops here, filled or not


def split(terminals: int) -> dict[str, int]:
    """Terminals per role: the MIX shares, at least one each, the rest moving stock."""
    counts = {role: max(1, int(terminals * MIX[role])) for role in ("pick", "pack", "lookup")}
    counts["move"] = max(1, terminals - sum(counts.values()))
    return counts


def station(index: int) -> str:
    return f"BENCH-{index + 1:02d}"


# A packer at their own bench is a handheld like a picker's; `view` is then the pack screen.
Packer = Picker


def picker_sender(p: Picker, floor: Floor, totes: Totes, tally: Tally) -> Send:
    """The pick bench's picker (follows the screen), handing its totes to the packers when its
    list is done."""
    pick = pick_bench.pick_sender(p, floor, tally)

    async def send(conn: Connection) -> bool:
        step = p.view["step"] if p.view else "done"
        # `pick` takes the next empty tote before its first await: this one, not another's
        tote = tote_code(floor.totes_used + 1)
        ok = await pick(conn)
        if step == "tote" and ok:
            totes.open.setdefault(p.index, []).append(tote)
        if step != "done" and p.view and p.view["step"] == "done":
            totes.filled.extend(totes.open.pop(p.index, []))
        return ok

    return send


def packer_sender(p: Packer, totes: Totes, barcodes: dict[str, str], tally: Tally) -> Send:
    """A packer: a waiting tote, each unit verified by scan, the parcel closed; with no tote
    waiting the tick passes (`idle`). The first call (the warm-up) is not counted."""
    calls = 0

    async def send(conn: Connection) -> bool:
        nonlocal calls
        calls += 1
        ask = next_pack(p, totes, barcodes, package=PACKAGE, weight_g=PACKAGE_TARE_G)
        if ask is None:
            tally.latencies["idle"].append(0.0)
            return True
        kind, path, body = ask
        started = time.perf_counter()
        try:
            status, content = await conn.exchange("POST", path, body, p.headers)
        except Exception as exc:  # counted here, then by drive_one, which carries on
            if calls > 1:
                tally.latencies[kind].append(time.perf_counter() - started)
                tally.errors[kind] += 1
                tally.samples.append(f"{kind} {exc!r}")
            raise
        took = time.perf_counter() - started
        answer = json.loads(content) if content else {}
        if kind == "pack_close" and status == 200:
            p.view = {"step": "order"}
        else:
            p.view = answer.get("view", p.view)
        if calls > 1:
            tally.latencies[kind].append(took)
            if status != 200:
                tally.errors[kind] += 1
                if len(tally.samples) < pick_bench.ERROR_SAMPLES:
                    tally.samples.append(f"{kind} {status} {content[:600]!r}")
        return status == 200

    return send


def timed(kind: str, tally: Tally, send: Send) -> Send:
    """`send` with its latency and errors in `tally` under `kind` (the warm-up not counted)."""
    calls = 0

    async def timed_send(conn: Connection) -> bool:
        nonlocal calls
        calls += 1
        started = time.perf_counter()
        ok = False
        try:
            ok = await send(conn)
        except Exception as exc:  # counted here, then by drive_one, which carries on
            if len(tally.samples) < pick_bench.ERROR_SAMPLES:
                tally.samples.append(f"{kind} {exc!r}")
            raise
        finally:
            if calls > 1:
                tally.latencies[kind].append(time.perf_counter() - started)
                tally.errors[kind] += not ok
        return ok

    return timed_send


def looker(headers: dict[str, str], bins: list[pick_bench.Bin], rng: random.Random) -> Send:
    """A clerk looking up a bin's contents or a SKU's stock, one or the other at random."""

    async def send(conn: Connection) -> bool:
        b = rng.choice(bins)
        path = f"/api/v1/locations/{b.code}" if rng.random() < 0.5 else f"/api/v1/stock/{b.sku}"
        return await conn.request("GET", path, None, headers) == 200

    return send


async def noop(conn: Connection) -> bool:
    return await conn.request("GET", "/healthz") == 200


def badge(role: str, index: int) -> str:
    return f"{role.upper()}-{index:03d}"


def seed_floor(
    counts: dict[str, int],
    bins: list[pick_bench.Bin],
    movers: list[scan_bench.Terminal],
    orders: int,
) -> Callable[[Tx], None]:
    """The pick bench's floor and released orders, the scan bench's move bins, every operator."""
    totes = orders + pick_bench.BATCH * counts["pick"]
    pickers = [badge("pick", i) for i in range(counts["pick"])]
    picking = pick_bench.seed_floor(bins, totes, pickers, orders)
    moving = scan_bench.seed_floor(movers)

    def fn(tx: Tx) -> None:
        picking(tx)
        moving(tx)
        add_operators(tx, [badge("pack", i) for i in range(counts["pack"])], role="packer")
        add_operators(tx, [badge("lookup", i) for i in range(counts["lookup"])])

    return fn


def config_file(data_dir: Path, packers: int, writer: str = "process") -> Path:
    """edge.toml: quiet logs, the pick bench's list size, the writer, a pack bench per packer
    with a printer writing its waybills to files."""
    sections: dict[str, dict[str, Any]] = {
        "logging": {"level": "WARNING"},
        "picking": {"batch_size": pick_bench.BATCH},
        "store": {"writer": writer},
    }
    path = write_config(data_dir, sections)
    labels = json.dumps(str(data_dir / "labels"))
    tables = []
    for i in range(packers):
        tables.append(f'[[stations]]\nname = "{station(i)}"\ntype = "pack_bench"\n')
        tables.append(
            f'[[printers]]\nname = "p-{i + 1:02d}"\nkind = "file"\nstation = "{station(i)}"\n'
            f"path = {labels}\n"
        )
    with path.open("a", encoding="utf-8") as f:
        f.write("\n" + "\n".join(tables))
    return path


async def sign_in(
    url: str, counts: dict[str, int], movers: list[scan_bench.Terminal]
) -> dict[str, list[Any]]:
    """Every terminal logged in on its own handheld; movers with their move task's bins scanned,
    packers with a pack task open at their bench."""
    # idle connections dropped before the server's 5 s keep-alive closes them under our feet
    limits = httpx.Limits(max_connections=20, keepalive_expiry=1.0)
    async with httpx.AsyncClient(base_url=url, timeout=120.0, limits=limits) as http:
        n = iter(range(10_000))

        async def login(role: str, i: int) -> dict[str, str]:
            return await log_in(http, next(n), badge(role, i))

        async def packer(i: int) -> Packer:
            headers = await login("pack", i)
            body = {"workflow": "pack", "station": station(i)}
            resp = await http.post("/api/v1/work-sessions", json=body, headers=headers)
            return Packer(i, headers, resp.raise_for_status().json().get("view"))

        pick_headers = await asyncio.gather(*(login("pick", i) for i in range(counts["pick"])))
        pickers = [Picker(i, h) for i, h in enumerate(pick_headers)]
        packers = await asyncio.gather(*(packer(i) for i in range(counts["pack"])))
        lookers = await asyncio.gather(*(login("lookup", i) for i in range(counts["lookup"])))
        # each mover on a handheld of its own (HH-n, numbered after the others)
        signed = await asyncio.gather(
            *(scan_bench.sign_in(http, replace(t, index=next(n))) for t in movers)
        )
    return {"pick": pickers, "pack": list(packers), "lookup": list(lookers), "move": list(signed)}


def kinds_figures(tally: Tally, kinds: list[str], elapsed: float) -> dict[str, Any]:
    latencies = [x for k in kinds for x in tally.latencies[k]]
    return {"count": len(latencies), "errors": sum(tally.errors[k] for k in kinds)} | figures(
        latencies, elapsed
    )


def tail_by_kind(tally: Tally, kinds: list[str], elapsed: float) -> dict[str, Any]:
    """Each kind of request's figures, its requests over TARGET_P99_MS and its share of all the
    requests over it: which kinds make the tail."""
    slow = {k: sum(x * 1000 > TARGET_P99_MS for x in tally.latencies[k]) for k in kinds}
    total = sum(slow.values())
    return {
        k: kinds_figures(tally, [k], elapsed)
        | {
            "over_10_ms": slow[k],
            "share_of_over_10_ms": round(slow[k] / total, 3) if total else 0.0,
        }
        for k in kinds
        if tally.latencies[k]
    }


def lateness(runs: list[Any]) -> dict[str, Any]:
    """How late after its due time the generator sent each request (its own lag, not in the
    latencies): p50, p99, max in ms and how many were over 1 ms late."""
    late = sorted(x for r in runs for x in r.late)
    return {
        f"late_{name}_ms": round(1000 * percentile(late, q), 2)
        for name, q in (("p50", 0.5), ("p99", 0.99), ("max", 1.0))
    } | {"late_over_1_ms": sum(x > 0.001 for x in late)}


def rss_mb(pid: int) -> dict[str, Any]:
    """The edge's resident memory now and at its peak (Linux /proc), in MB, and its threads: the
    server's with its writer process's added (`[store] writer = "process"`; the peaks' sum is an
    upper bound, as the two need not peak together), and the writer process's apart."""
    found = process_memory(pid)
    kids = children(pid)
    writer = [process_memory(child) for child in kids]
    if writer and found["rss_mb"] is not None:
        for key in ("rss_mb", "rss_peak_mb"):
            found[key] = round(found[key] + sum(w[key] or 0 for w in writer), 1)
    return found | {
        "writer_process_rss_mb": round(sum(w["rss_mb"] or 0 for w in writer), 1),
        # each page once, shared ones (libpython, SQLite, the shared libraries) split between
        # the processes mapping them: what the two together take from the box, now
        "pss_mb": round(sum(_pss_kb(p) for p in (pid, *kids)) / 1024, 1),
    }


def _pss_kb(pid: int) -> int:
    """A process's proportional set size (Linux /proc/PID/smaps_rollup), in kB; 0 if unknown."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)


async def fill_totes(
    target: Target, pickers: list[Picker], floor: Floor, totes: Totes, packers: int
) -> dict[str, Any]:
    """The pickers' head start: they pick flat out (closed loop, not measured) until
    TOTES_PER_PACKER picked totes wait per packer, so the packers have work from the start."""
    started, need = time.perf_counter(), TOTES_PER_PACKER * packers
    while len(totes.filled) < need and time.perf_counter() - started < FILL_LIMIT_S:
        senders = [picker_sender(p, floor, totes, Tally()) for p in pickers]
        await run_together(target, senders, 2.0)
    return {"totes_waiting": len(totes.filled), "fill_s": round(time.perf_counter() - started, 1)}


def floor_senders(
    terminals: dict[str, list[Any]],
    bins: list[pick_bench.Bin],
    floor: Floor,
    totes: Totes,
    tally: Tally,
) -> list[Send]:
    """One sender per signed-in terminal, the roles' requests interleaved, all counted in `tally`."""
    rng = random.Random(7)
    senders: list[Send] = [picker_sender(p, floor, totes, tally) for p in terminals["pick"]]
    senders += [packer_sender(p, totes, floor.barcodes, tally) for p in terminals["pack"]]
    senders += [timed("move", tally, scan_bench.scan_sender(t)) for t in terminals["move"]]
    senders += [timed("lookup", tally, looker(h, bins, rng)) for h in terminals["lookup"]]
    rng.shuffle(senders)
    return senders


async def floor_phase(
    target: Target,
    terminals: dict[str, list[Any]],
    bins: list[pick_bench.Bin],
    floor: Floor,
    seconds: float,
    interval: float,
) -> dict[str, Any]:
    """Every terminal sends one request every `interval` seconds, spread evenly, for `seconds`;
    the pickers first fill totes for the packers."""
    tally, totes = Tally(), Totes()
    head_start = await fill_totes(target, terminals["pick"], floor, totes, len(terminals["pack"]))
    senders = floor_senders(terminals, bins, floor, totes, tally)
    before = await writer_counts(target.url)
    # on stderr, for a profiler to attach to the server (pid) for this phase only
    print(f"floor phase starts: server pid {target.pid}", file=sys.stderr, flush=True)
    runs, cpu = await run_together(target, senders, seconds, rate=len(senders) / interval)
    elapsed = window(runs)
    requests = ["start", *SCAN_KINDS, "pack_tote", "pack_item", "pack_close"]
    requests += ["move", "lookup"]
    by_role = {
        "pick": ["start", *SCAN_KINDS],
        "pack": ["pack_tote", "pack_item", "pack_close"],
        "move": ["move"],
        "lookup": ["lookup"],
    }
    return (
        {"name": "floor", "terminals": len(senders), "seconds": round(elapsed, 2)}
        | head_start
        | {"all": kinds_figures(tally, requests, elapsed)}
        | {"by_role": {r: kinds_figures(tally, k, elapsed) for r, k in by_role.items()}}
        | {"by_kind": tail_by_kind(tally, requests, elapsed)}
        | {"generator": lateness(runs)}
        | {
            "pack_idle_ticks": len(tally.latencies["idle"]),
            "units_picked": tally.units_picked,
            "lists_completed": tally.lists_completed,
            "ran_dry": tally.ran_dry,
            "error_samples": tally.samples,
        }
        | cpu
        | writer_delta(before, await writer_counts(target.url))
    )


async def noop_phase(target: Target, terminals: int, seconds: float, interval: float) -> Any:
    """The no-op route at the same rate from as many connections: the HTTP stack's own share."""
    runs, cpu = await run_together(target, [noop] * terminals, seconds, rate=terminals / interval)
    latencies = [x for r in runs for x in r.latencies]
    return (
        {
            "name": "noop",
            "terminals": terminals,
            "count": len(latencies),
            "errors": sum(r.errors for r in runs),
        }
        | figures(latencies, window(runs))
        | {"generator": lateness(runs)}
        | cpu
    )


async def phases(
    target: Target,
    counts: dict[str, int],
    bins: list[pick_bench.Bin],
    movers: list[scan_bench.Terminal],
    seconds: float,
    interval: float,
) -> list[dict[str, Any]]:
    terminals = await sign_in(target.url, counts, movers)
    signed_in = {"rss_after_sign_in_mb": rss_mb(target.pid)["rss_mb"]}
    floor = Floor({b.sku: b.barcode for b in bins})
    total = sum(counts.values())
    return [
        await noop_phase(target, total, seconds, interval) | signed_in,
        await floor_phase(target, terminals, bins, floor, seconds, interval),
    ]


def default_orders(counts: dict[str, int], seconds: float, interval: float) -> int:
    """Enough that no picker runs dry: an order per 4 pick requests, a full list per picker."""
    requests = counts["pick"] * (seconds + 2) / interval
    head_start = TOTES_PER_PACKER * counts["pack"]
    return int(requests * ORDERS_PER_PICK_SCAN) + 2 * pick_bench.BATCH * counts["pick"] + head_start


def run(
    terminals: int,
    interval: float,
    seconds: float,
    work: Path,
    *,
    orders: int | None,
    writer: str = "process",
) -> dict[str, Any]:
    counts = split(terminals)
    bins = pick_bench.floor_bins()
    movers = [scan_bench.terminal(i) for i in range(counts["move"])]
    seeded = orders if orders is not None else default_orders(counts, seconds, interval)
    server_dir = work / "server"
    server_dir.mkdir()
    seed(server_dir / "edge.db", seed_floor(counts, bins, movers, seeded))
    config = config_file(server_dir, counts["pack"], writer)
    load_before = os.getloadavg()
    with stopping(serve_edge(config, server_dir / "serve.log")) as server:
        target = Target(server.url, server.process.pid, "raw")
        at_start = rss_mb(server.process.pid)["rss_mb"]
        results = asyncio.run(phases(target, counts, bins, movers, seconds, interval))
        memory = rss_mb(server.process.pid)
        exit_code = stopped(server)
    floor = results[1]
    return (
        machine()
        | {
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "writer": writer,
            "terminals": counts,
            "interval_s": interval,
            "offered_rps": round(terminals / interval, 1),
            "seconds": seconds,
            "orders_seeded": seeded,
            "results": results,
            "server_exit": exit_code,
        }
        | memory
        | {"rss_at_start_mb": at_start}
        | pick_bench.verified(server.db_path)
        | {
            "p99_ratio_to_noop": round(floor["all"]["p99_ms"] / results[0]["p99_ms"], 2)
            if results[0]["p99_ms"]
            else None,
            "targets_met": {
                "p99_under_10_ms": floor["all"]["p99_ms"] < TARGET_P99_MS,
                "no_errors": floor["all"]["errors"] == 0,
                "rss_under_200_mb": (memory["rss_peak_mb"] or 0) < TARGET_RSS_MB,
            },
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terminals", type=int, default=500, help="handhelds on the floor")
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between one terminal's requests"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per phase")
    parser.add_argument(
        "--orders", type=int, help="released orders to seed (default: by --seconds)"
    )
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    writer_option(parser)
    args = parser.parse_args()
    if args.terminals < len(ROLES):
        parser.error(f"--terminals must be at least {len(ROLES)}: one of each role")
    with tempfile.TemporaryDirectory(prefix="floor-bench-") as tmp:
        report = run(
            args.terminals,
            args.interval,
            args.seconds,
            Path(tmp),
            orders=args.orders,
            writer=args.writer,
        )
    emit(report, args.out)


if __name__ == "__main__":
    main()
