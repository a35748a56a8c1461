"""Soak: the floor bench's terminals on a real `warehouse-edge serve` (synced to a real central)
at a steady pace for `--minutes`, the server sampled after every `--sample-s` window; ends with
JSON and a verdict line per metric, "flat" or "grew" (see bench/README.md for the rule).

    .venv/bin/python bench/soak_bench.py [--minutes 10] [--terminals 100] [--interval 1]
                                         [--sample-s 10] [--no-central] [--tracemalloc] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench import floor_bench, pick_bench, scan_bench  # noqa: E402
from bench.common import (  # noqa: E402
    Connection,
    Send,
    Target,
    emit,
    figures,
    machine,
    run_together,
    stopped,
)
from bench.pick_bench import Tally  # noqa: E402
from edge.loadtest.terminals import Floor, Totes  # noqa: E402
from tests.servers import (  # noqa: E402
    EdgeServer,
    clean_env,
    free_port,
    seed,
    spawn,
    started,
    stopping,
    venv_script,
)

# What is sampled, and the least growth over the whole run that counts (below it is noise).
FLOORS = {
    "rss_mb": 10.0,
    "open_fds": 5,
    "threads": 2,
    "wal_mb": 4.0,
    "outbox_depth": 200,
    "p50_ms": 2.0,
    "p99_ms": 10.0,
    "cpu_ms_per_request": 0.5,
}
SHARE = 0.10  # ... and growth of more than this share of the second half's median
# The server with tracemalloc at hand: SIGUSR1 starts tracing (after start-up: tracing the
# imports takes minutes), SIGUSR2 writes a snapshot to $SOAK_SNAPSHOT.N (N = 1, 2, ...).
TRACED = """
import os, signal, sys, tracemalloc
signal.signal(signal.SIGUSR1, lambda *_: tracemalloc.start(5))
taken = [0]
def snap(*_):
    taken[0] += 1
    tracemalloc.take_snapshot().dump(f"{os.environ['SOAK_SNAPSHOT']}.{taken[0]}")
signal.signal(signal.SIGUSR2, snap)
from edge.cli.main import main
sys.argv = ["warehouse-edge", *sys.argv[1:]]
main()
"""


def process_figures(pid: int, db_path: Path) -> dict[str, Any]:
    """The server's RSS, open file descriptors and threads (Linux /proc), its WAL's size."""
    mem = floor_bench.rss_mb(pid)
    try:
        fds: int | None = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = None
    wal = db_path.with_name(db_path.name + "-wal")
    wal_mb = round(wal.stat().st_size / 2**20, 2) if wal.exists() else 0.0
    return {"rss_mb": mem["rss_mb"], "open_fds": fds, "threads": mem["threads"], "wal_mb": wal_mb}


async def outbox_depth(url: str) -> float | None:
    """edge_outbox_depth from /metrics."""
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
        text = (await http.get("/metrics")).raise_for_status().text
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == "edge_outbox_depth":
            return float(value)
    return None


def tolerant(send: Send) -> Send:
    """`send`, with a failed request answered False (an error in the window's count) and its
    connection dropped, not raised: a warm-up request that times out must not end a long soak."""

    async def go(conn: Connection) -> bool:
        try:
            return await send(conn)
        except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
            await conn.close()
            return False

    return go


def per_request(cpu: dict[str, float], requests: int) -> dict[str, Any]:
    """The server's CPU per request in the window, and the machine's load: latency that grows
    while the CPU per request stays flat is the machine's doing (other processes), not the edge's."""
    used = cpu.get("server_cpu_s")
    per = round(1000 * used / requests, 3) if used is not None and requests else None
    return {"cpu_ms_per_request": per, "load_1m": round(os.getloadavg()[0], 2)}


def verdict(name: str, samples: list[dict[str, Any]], minutes: float) -> dict[str, Any]:
    """A least-squares slope of `name` over the second half of the run, projected over the whole
    run: "grew" when that is above both FLOORS[name] and SHARE of the second half's median."""
    half = [s for s in samples if s["t_min"] >= samples[-1]["t_min"] / 2 and s[name] is not None]
    if len(half) < 3 or len({s["t_min"] for s in half}) < 2:
        return {"verdict": "unknown", "why": "fewer than 3 samples in the second half"}
    fit = statistics.linear_regression([s["t_min"] for s in half], [s[name] for s in half])
    median = statistics.median(s[name] for s in half)
    threshold = max(FLOORS[name], SHARE * abs(median))
    projected = fit.slope * minutes
    return {
        "verdict": "grew" if projected > threshold else "flat",
        "slope_per_min": round(fit.slope, 4),
        "projected_growth": round(projected, 2),
        "threshold": round(threshold, 2),
        "median_second_half": round(median, 2),
        "first": samples[0][name],
        "last": samples[-1][name],
    }


def snapshot_diff(first: Path, last: Path, top: int = 15) -> list[str]:
    """The `top` allocation sites that grew most between two tracemalloc snapshots."""
    import tracemalloc

    older, newer = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(last))
    stats = newer.compare_to(older, "traceback")[:top]
    out = []
    for stat in stats:
        frames = [f"{f.filename.rsplit('/', 2)[-1]}:{f.lineno}" for f in stat.traceback[-6:]]
        out.append(
            f"{stat.size_diff / 2**20:+.1f} MB {stat.count_diff:+d} blocks "
            + " < ".join(frames[::-1])
        )
    return out


def written(path: Path, timeout: float = 300.0) -> None:
    """Wait until the server has written the snapshot `path` (a big heap takes a while)."""
    deadline = time.monotonic() + timeout
    size = -1
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size == size:
            return
        size = path.stat().st_size if path.exists() else -1
        time.sleep(2.0)


def serve(config: Path, log_path: Path, snapshot: Path | None) -> EdgeServer:
    """`warehouse-edge serve` (or the same code under tracemalloc) on a free port, once ready."""
    port = free_port()
    args: list[str | Path] = ["serve", "--config", config, "--port", str(port)]
    env = clean_env("WAREHOUSE_EDGE_")
    cmd: list[str | Path]
    if snapshot is None:
        cmd = [venv_script("warehouse-edge"), *args]
    else:
        cmd = [sys.executable, "-c", TRACED, *args]
        env |= {"SOAK_SNAPSHOT": str(snapshot)}
    process = spawn(cmd, log_path, env=env)
    url = f"http://127.0.0.1:{port}"
    return started(EdgeServer(url, process, config, config.parent / "edge.db", log_path))


@contextlib.contextmanager
def central_for(work: Path, config: Path, on: bool) -> Iterator[None]:
    """A real central (SQLite) the edge syncs to, its section appended to the edge's config."""
    if not on:
        yield
        return
    from tests.sync.central import running_central

    with running_central(work / "central") as central:
        with config.open("a", encoding="utf-8") as f:
            f.write(f'\n[central]\nurl = "{central.url}"\ntoken = "{central.edge_token}"\n')
        yield


async def soak(
    server: EdgeServer, counts: dict[str, int], args: argparse.Namespace, snapshot: Path | None
) -> dict[str, Any]:
    """Sign everyone in, give the packers a head start, then run window after window."""
    target = Target(server.url, server.process.pid, "raw")
    bins = pick_bench.floor_bins()
    movers = [scan_bench.terminal(i) for i in range(counts["move"])]
    terminals = await floor_bench.sign_in(server.url, counts, movers)
    floor, totes, tally = Floor({b.sku: b.barcode for b in bins}), Totes(), Tally()
    await floor_bench.fill_totes(target, terminals["pick"], floor, totes, len(terminals["pack"]))
    if snapshot is not None:
        server.process.send_signal(signal.SIGUSR1)
    senders = [tolerant(s) for s in floor_bench.floor_senders(terminals, bins, floor, totes, tally)]
    samples: list[dict[str, Any]] = []
    began = time.perf_counter()
    end = began + args.minutes * 60
    # whole windows only: a short last one would weigh its warm-up requests too much
    while end - time.perf_counter() > args.sample_s / 2:
        runs, cpu = await run_together(
            target, senders, args.sample_s, rate=len(senders) / args.interval
        )
        latencies = [x for r in runs for x in r.latencies]
        window = figures(latencies, args.sample_s)
        samples.append(
            {"t_min": round((time.perf_counter() - began) / 60, 3)}
            | process_figures(server.process.pid, server.db_path)
            | {"outbox_depth": await outbox_depth(server.url)}
            | {"requests": len(latencies), "errors": sum(r.errors for r in runs)}
            | {"p50_ms": window["p50_ms"], "p99_ms": window["p99_ms"]}
            | cpu
            | per_request(cpu, len(latencies) + len(runs))  # each run's warm-up request too
        )
        if snapshot is not None and len(samples) == 1:
            server.process.send_signal(signal.SIGUSR2)
    if snapshot is not None:
        server.process.send_signal(signal.SIGUSR2)
    return {
        "samples": samples,
        "units_picked": tally.units_picked,
        "lists_completed": tally.lists_completed,
        "ran_dry": tally.ran_dry,
        "error_samples": tally.samples,
    }


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    counts = floor_bench.split(args.terminals)
    bins = pick_bench.floor_bins()
    movers = [scan_bench.terminal(i) for i in range(counts["move"])]
    # the floor bench's count for the run, and half again: the head start picks flat out
    orders = args.orders or int(
        1.5 * floor_bench.default_orders(counts, args.minutes * 60, args.interval)
    )
    server_dir = work / "server"
    server_dir.mkdir()
    seed(server_dir / "edge.db", floor_bench.seed_floor(counts, bins, movers, orders))
    config = floor_bench.config_file(server_dir, counts["pack"])
    snapshot = work / "snapshot" if args.tracemalloc else None
    with central_for(work, config, args.central):
        with stopping(serve(config, server_dir / "serve.log", snapshot)) as server:
            found = asyncio.run(soak(server, counts, args, snapshot))
            if snapshot is not None:
                written(Path(f"{snapshot}.2"))
                exit_code = server.stop(timeout=600)  # freeing a traced heap takes minutes
            else:
                exit_code = stopped(server)
    samples = found["samples"]
    report = (
        machine()
        | {"minutes": args.minutes, "terminals": counts, "interval_s": args.interval}
        | {"offered_rps": round(args.terminals / args.interval, 1), "orders_seeded": orders}
        | {"central": args.central, "sample_s": args.sample_s}
        | {"requests": sum(s["requests"] for s in samples)}
        | {"errors": sum(s["errors"] for s in samples)}
        | {k: v for k, v in found.items() if k != "samples"}
        | {"server_exit": exit_code}
        | pick_bench.verified(server_dir / "edge.db")
        | {"verdicts": {name: verdict(name, samples, args.minutes) for name in FLOORS}}
        | {"samples": samples}
    )
    if snapshot is not None:
        first, last = Path(f"{snapshot}.1"), Path(f"{snapshot}.2")
        if first.exists() and last.exists():
            report["tracemalloc_top_growth"] = snapshot_diff(first, last)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the load runs")
    parser.add_argument("--terminals", type=int, default=100, help="handhelds on the floor")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between one terminal's requests"
    )
    parser.add_argument("--sample-s", type=float, default=10.0, help="seconds per sampled window")
    parser.add_argument(
        "--no-central", dest="central", action="store_false", help="no central: the outbox grows"
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="run the server under tracemalloc; report the sites that grew (slows it a lot)",
    )
    parser.add_argument(
        "--orders", type=int, help="released orders to seed (default: by --minutes)"
    )
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args()
    if args.terminals < len(floor_bench.ROLES):
        parser.error(f"--terminals must be at least {len(floor_bench.ROLES)}: one of each role")
    with tempfile.TemporaryDirectory(prefix="soak-bench-") as tmp:
        report = run(args, Path(tmp))
    emit(report, args.out)
    for name, v in report["verdicts"].items():
        how = (
            f" (slope {v['slope_per_min']:+g}/min over the second half, projected "
            f"{v['projected_growth']:+g} over the run; threshold {v['threshold']:g})"
            if "slope_per_min" in v
            else f" ({v['why']})"
        )
        print(f"{name}: {v['verdict']}{how}", file=sys.stderr)


if __name__ == "__main__":
    main()
