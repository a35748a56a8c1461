"""What the benchmarks share: HTTP clients that hold one keep-alive connection each, a closed
loop that drives them together for a fixed time, latency figures, CPU and writer counters."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from edge.loadtest.client import RawConnection  # noqa: E402
from tests.servers import PIN, EdgeServer  # noqa: E402
from tests.support import SUPERVISOR  # noqa: E402

WRITER_COUNTERS = ("edge_writer_commits_total", "edge_writer_commands_total")


def movement(
    kind: str, sku: str, qty: int, src: list[str], dst: list[str], *, n: int = 0
) -> dict[str, Any]:
    """One ledger movement as an edge's sync event carries it (`from`/`to` are [loc, container, bucket])."""
    return {
        "id": n,
        "type": kind,
        "reason": "",
        "sku": sku,
        "lot": "",
        "serial": "",
        "qty": qty,
        "from": src,
        "to": dst,
    }


def edge_event(
    seq: int, kind: str, order_id: str | None, *, at: str, **payload: Any
) -> dict[str, Any]:
    """One event of edge-1's epoch 1 as central takes it in a batch (no movements unless given)."""
    return {
        "event_id": str(uuid.uuid4()),
        "edge_id": "edge-1",
        "epoch": 1,
        "seq": seq,
        "schema_version": 1,
        "type": kind,
        "occurred_at": at,
        "order_id": order_id,
        "payload": {"movements": []} | payload,
    }


@contextmanager
def central_store(pg: bool) -> Iterator[str]:
    """A fresh central store's URL: a temporary SQLite file, or (`pg`) a fresh schema of the test
    PostgreSQL (WAREHOUSE_CENTRAL_TEST_PG), dropped afterwards."""
    if pg:
        from tests.central.databases import pg_schema

        with pg_schema() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield str(Path(tmp) / "central.db")


WRITERS = ("thread", "process")


def writer_option(parser: Any) -> None:
    """A bench's --writer: where the edge it starts writes (`[store] writer`)."""
    parser.add_argument(
        "--writer",
        choices=WRITERS,
        default="process",
        help="the edge's [store] writer: a writer process (the served default), or a thread of"
        " the server",
    )


def emit(report: dict[str, Any], out: Path | None) -> None:
    """Print a bench's JSON report, and write it to `out` when given (every bench's --out)."""
    text = json.dumps(report, indent=2)
    print(text)
    if out:
        out.write_text(text + "\n", encoding="utf-8")


def median_ms(fn: Callable[[], object], repeat: int, *, digits: int = 3) -> float:
    """Milliseconds one call of `fn` takes: the median of `repeat` calls."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(runs), digits)


def machine() -> dict[str, Any]:
    """Where a benchmark ran: the first fields of its JSON."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


async def log_in(http: httpx.AsyncClient, index: int, badge: str) -> dict[str, str]:
    """Enrol handheld HH-`index`, log `badge` in on it; the auth headers of that login."""
    enrol = {"name": f"HH-{index}"} | SUPERVISOR  # B-SUP, seeded by tests.servers.seed
    resp = await http.post("/api/v1/devices", json=enrol)
    login = {"badge": badge, "pin": PIN} | resp.raise_for_status().json()
    resp = await http.post("/api/v1/auth/login", json=login)
    return {"Authorization": f"Bearer {resp.raise_for_status().json()['token']}"}


class HttpxConnection:
    """One httpx.AsyncClient held to a single keep-alive connection."""

    def __init__(self, url: str) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._http = httpx.AsyncClient(base_url=url, limits=limits, timeout=30.0)

    async def request(self, method: str, path: str, body: Any = None, headers: Any = None) -> int:
        return (await self.exchange(method, path, body, headers))[0]

    async def exchange(
        self, method: str, path: str, body: Any = None, headers: Any = None
    ) -> tuple[int, bytes]:
        """The answer's status and body."""
        resp = await self._http.request(method, path, json=body, headers=headers)
        return resp.status_code, resp.content

    async def close(self) -> None:
        await self._http.aclose()


Connection = HttpxConnection | RawConnection
CONNECTIONS: dict[str, type[Connection]] = {"httpx": HttpxConnection, "raw": RawConnection}
Send = Callable[[Connection], Awaitable[bool]]


@dataclass
class ClientRun:
    latencies: list[float] = field(default_factory=list)
    # paced runs: how long after its due time each request was sent (the generator's own lag,
    # not counted in `latencies`, which run from the send)
    late: list[float] = field(default_factory=list)
    errors: int = 0
    started: float = 0.0
    ended: float = 0.0


async def drive_one(
    conn: Connection,
    send: Send,
    seconds: float,
    ready: asyncio.Barrier,
    *,
    pace: float = 0.0,
    phase: float = 0.0,
) -> ClientRun:
    """One client on its own keep-alive connection: a warm-up request, then as many as fit
    (closed loop), or with `pace` one every `pace` seconds from `phase` on (a fixed arrival
    rate: what a request waits is then the server's doing, not the other clients' queue)."""
    run = ClientRun()
    try:
        await send(conn)  # opens the connection outside the measured window
        await ready.wait()
        run.started = time.perf_counter()
        deadline, due = run.started + seconds, run.started + phase
        while (now := time.perf_counter()) < deadline:
            if pace:
                if due >= deadline:  # its last request is sent: the window ends with its answer
                    break
                if due > now:
                    await asyncio.sleep(due - now)
                    now = time.perf_counter()
                run.late.append(max(0.0, now - due))
                due += pace
            try:
                ok = await send(conn)
            except (
                httpx.HTTPError,
                OSError,
                ValueError,
                asyncio.IncompleteReadError,
                TimeoutError,
            ):
                ok = False
            run.latencies.append(time.perf_counter() - now)
            run.errors += not ok
        run.ended = time.perf_counter()
    finally:
        await conn.close()
    return run


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def window(runs: list[ClientRun]) -> float:
    """Seconds from the first client's start to the last one's end."""
    return max(r.ended for r in runs) - min(r.started for r in runs)


def figures(latencies: list[float], elapsed: float) -> dict[str, float]:
    """Throughput over `elapsed` and p50/p99/max latency in milliseconds."""
    ordered = sorted(latencies)
    ms = [round(1000 * percentile(ordered, q), 2) for q in (0.5, 0.99, 1.0)]
    return {
        "throughput_rps": round(len(ordered) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": ms[0],
        "p99_ms": ms[1],
        "max_ms": ms[2],
    }


def summarise(name: str, runs: list[ClientRun]) -> dict[str, Any]:
    latencies = [x for r in runs for x in r.latencies]
    return {
        "name": name,
        "clients": len(runs),
        "requests": len(latencies),
        "errors": sum(r.errors for r in runs),
    } | figures(latencies, window(runs))


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU so far of a process and of the children it runs now (the edge's
    writer process, `[store] writer = "process"`), from Linux /proc; None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) or 0.0 for child in children(pid))


def children(pid: int) -> list[int]:
    """The processes `pid` started that are still running (Linux /proc)."""
    found = []
    with suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def _tcp_ports_to(pid: int, port: int) -> set[int]:
    """The local ports of the TCP connections process `pid` holds to `port` (Linux /proc)."""
    inodes = set()
    with suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with suppress(OSError):
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
    found = set()
    for table in ("tcp", "tcp6"):
        with suppress(OSError):
            for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
                cols = line.split()
                if cols[9] in inodes and int(cols[2].rsplit(":", 1)[1], 16) == port:
                    found.add(int(cols[1].rsplit(":", 1)[1], 16))
    return found


def database_cpu(pid: int, pg_url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving process `pid` (a local server, Linux):
    its connections' ports found in /proc, their backends' pids in pg_stat_activity."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    port = int(conninfo_to_dict(pg_url).get("port") or 5432)
    ports = _tcp_ports_to(pid, port)
    if not ports:
        return {}
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE client_port = ANY(%s)", (sorted(ports),)
        ).fetchall()
    found = {}
    for (backend,) in rows:
        if (cpu := cpu_seconds(int(backend))) is not None:
            found[int(backend)] = cpu
    return found


def database_cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """The backends' CPU between two `database_cpu` readings (a backend new since: all of it)."""
    return round(sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items()), 2)


@dataclass(frozen=True)
class Target:
    url: str
    pid: int
    client: str


async def run_together(
    target: Target, senders: list[Send], seconds: float, *, rate: float = 0.0
) -> tuple[list[ClientRun], dict[str, Any]]:
    """Run `senders` together for `seconds` (with `rate`, requests/s offered by them all, evenly
    spread): each client's run, and the CPU the client process and the server used meanwhile."""
    ready = asyncio.Barrier(len(senders))
    conns = [CONNECTIONS[target.client](target.url) for _ in senders]
    pace = len(senders) / rate if rate else 0.0
    server_cpu, client_cpu = cpu_seconds(target.pid), time.process_time()
    split = cpu_split(target.pid)
    runs = await asyncio.gather(
        *(
            drive_one(c, s, seconds, ready, pace=pace, phase=pace * i / len(senders))
            for i, (c, s) in enumerate(zip(conns, senders, strict=True))
        )
    )
    used = cpu_seconds(target.pid)
    cpu: dict[str, Any] = {"client_cpu_s": round(time.process_time() - client_cpu, 2)}
    if used is not None and server_cpu is not None:
        cpu["server_cpu_s"] = round(used - server_cpu, 2)
        after = cpu_split(target.pid)
        cpu["server_cpu_split_s"] = {k: round(after[k] - split.get(k, 0.0), 3) for k in after}
    return list(runs), cpu


def _cpu_of(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_split(pid: int) -> dict[str, float]:
    """A server's CPU so far by where it ran (Linux /proc): `event_loop` (its main thread),
    `threads` (its other threads: the writer thread, the answers' reader, the thread pool) and
    `writer_process` (its children). bench/README.md, "Session 30", reads a scan's CPU this way."""
    found = {"event_loop": 0.0, "threads": 0.0, "writer_process": 0.0}
    with suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with suppress(OSError):
                where = "event_loop" if task.name == str(pid) else "threads"
                found[where] += _cpu_of(task / "stat")
    found["writer_process"] = sum(cpu_seconds(child) or 0.0 for child in children(pid))
    return found


async def measure(target: Target, name: str, senders: list[Send], seconds: float) -> dict[str, Any]:
    """Run `senders` together for `seconds`; with the CPU the client and the server used."""
    runs, cpu = await run_together(target, senders, seconds)
    return summarise(name, runs) | cpu


async def writer_counts(url: str) -> dict[str, float]:
    """edge_writer_commits_total and edge_writer_commands_total from /metrics."""
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
        text = (await http.get("/metrics")).raise_for_status().text
    found = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in WRITER_COUNTERS:
            found[name] = float(value)
    return found


def writer_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, Any]:
    """The writer's commits and commands between two `writer_counts`, and their mean batch."""
    commits, commands = (int(after[k] - before[k]) for k in WRITER_COUNTERS)
    batch = round(commands / commits, 2) if commits else None
    return {"writer_commits": commits, "writer_commands": commands, "batch_mean": batch}


def stopped(server: EdgeServer) -> int:
    """SIGTERM the server and wait; its log on stderr unless it exited 0. The exit status."""
    code = server.stop()
    if code != 0:
        print(f"server exited with {code}:\n{server.log()}", file=sys.stderr)
    return code
