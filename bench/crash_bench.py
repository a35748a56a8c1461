"""Crash proof: real processes SIGKILLed at random moments, restarted, and checked, again and again.

    .venv/bin/python bench/crash_bench.py [--target edge,central,sync] [--iterations 1000]
        [--central-iterations N] [--sync-iterations N] [--central-store sqlite,postgresql]
        [--clients 4] [--seed N] [--out FILE]

Three targets, each reusing one database across every iteration (kill, restart, check, go on):

- **edge**: `warehouse-edge serve` while several handhelds scan items in move tasks through
  `POST /api/v1/scans` (each scan has its own `scan_id`, so a retry is idempotent). At a random
  moment the server is SIGKILLed; a scan whose request got no answer is retried by its handheld
  after the restart, as a terminal does. After each restart: every scan that got a 200 is in the
  ledger exactly once, with its stored answer and one outbox event (none lost, none doubled, none
  half-applied); balances equal the ledger's sums; the ledger checks of `warehouse-edge verify` hold
  (in-process every iteration, the command itself every `--verify-every` iterations and at the
  end); a sample of acknowledged scans replayed answers the same and changes nothing.
- **central**: `warehouse-central serve` (SQLite and/or PostgreSQL) under a flood of one-unit
  orders for a few SKUs with little stock and an edge sending event batches (receipts, picks); at a
  random moment SIGKILL. After each restart: every order answered 201 exists once (a retry with its
  channel order id makes no second one), every acknowledged batch is applied once and in order
  (central's seqs are exactly 1..N, our event ids), no SKU is released beyond its stock, and
  `warehouse-central verify-demand` is clean.
- **sync**: `warehouse-edge sync run-once` (the sync agent as its own process) sending a long
  outbox to a running central, SIGKILLed mid-batch at a random moment, run again; after every kill
  central holds a prefix of the edge's outbox, in order, once; at the end all of it.

Prints one JSON document (also written to --out): per target iterations survived, what was
acknowledged, lost (must be 0), duplicates (0), verify failures (0), the problems met, the time.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import (  # noqa: E402
    central_store,
    children,
    edge_event,
    emit,
    machine,
    movement,
)
from central_sync.server.central import Central  # noqa: E402
from edge.domain.stock import ReceiveStock  # noqa: E402
from edge.service.stock import receive  # noqa: E402
from edge.store import catalog  # noqa: E402
from edge.store.ledger import Actor  # noqa: E402
from edge.store.verify import verify as verify_ledger  # noqa: E402
from edge.store.writer import Tx  # noqa: E402
from tests.central.servers import (  # noqa: E402
    CentralServer,
    add_edge,
    central_env,
    init,
    run_central,
    start_central,
)
from tests.servers import (  # noqa: E402
    HOST,
    EdgeServer,
    add_operators,
    clean_env,
    free_port,
    run_cli,
    seed,
    sign_in,
    spawn,
    started,
    venv_script,
    wait_ready,
    write_config,
)

ROOT = Path(__file__).resolve().parents[1]
EDGE_ENTRY = "edge.cli.main:main"  # the console scripts' entry points (pyproject.toml)
CENTRAL_ENTRY = "central_sync.cli:main"
EAN13 = "9506000134352"
STOCK = 10_000_000
WAIT = 60.0  # seconds: a guard against a hung process, never a measurement
KEPT_PROBLEMS = 20


@dataclass
class Tally:
    """What one target's run survived and found."""

    target: str
    iterations: int = 0
    acknowledged: int = 0
    lost: int = 0
    duplicates: int = 0
    half_applied: int = 0
    verify_failures: int = 0
    replayed: int = 0
    replay_mismatches: int = 0
    retried: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def problem(self, text: str) -> None:
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(f"iteration {self.iterations}: {text}")

    @property
    def failures(self) -> int:
        return (
            self.lost
            + self.duplicates
            + self.half_applied
            + self.verify_failures
            + self.replay_mismatches
            + len(self.problems)
        )

    def report(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "iterations_survived": self.iterations,
            "acknowledged": self.acknowledged,
            "lost": self.lost,
            "duplicates": self.duplicates,
            "half_applied": self.half_applied,
            "verify_failures": self.verify_failures,
            "replayed": self.replayed,
            "replay_mismatches": self.replay_mismatches,
            "retried_after_kill": self.retried,
            **self.extra,
            "problems": list(self.problems),
            "seconds": round(time.monotonic() - self.started, 1),
            "ok": self.failures == 0,
        }


# A server's start is mostly Python importing its modules (2-6 s on a loaded 2-core machine, 0.2 s
# of it the server's own start-up). So that a thousand restarts fit in minutes, the servers are
# forked from a parent that has imported them once (a pre-fork "zygote", as gunicorn's preload
# does): each child runs the console script's own entry point with the same argv, opens its
# database, binds its port, and is SIGKILLed like any process. `--exec` starts every one with the
# console script instead, paying the imports each time.
ZYGOTE = """
import importlib, json, os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
entries = {}
for spec in sys.argv[1:]:
    module, func = spec.split(":")
    entries[spec] = getattr(importlib.import_module(module), func)
preload = ["edge.api.app", "edge.api.serving", "uvicorn", "central_sync.server.app"]
for name in preload:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
print("ready", flush=True)
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.chdir(job["cwd"])
            fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            os.close(fd)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.environ.clear()
            os.environ.update(job["env"])
            sys.argv = job["argv"]
            try:
                code = entries[job["entry"]]() or 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(pid, flush=True)
"""


class Forked:
    """A process forked by the zygote: what `tests.servers` needs of a Popen (its exit status is
    not ours to read: the zygote's kernel reaps it; -9 after our SIGKILL, else -1 once gone)."""

    def __init__(self, pid: int, args: list[str]) -> None:
        self.pid, self.args = pid, args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1
        return self.returncode

    def send_signal(self, sig: int) -> None:
        with suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int:
        deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
        while self.poll() is None:
            if time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            time.sleep(0.005)
        return self.returncode or 0


class Launcher:
    """Starts `entry` ("module:function", a console script's) with an argv: forked from a
    zygote that imported it once, or (`exec_`) as the console script `script` each time."""

    def __init__(self, script: str, entry: str, *, exec_: bool = False) -> None:
        self.script, self.entry, self.exec_ = script, entry, exec_
        self.zygote: subprocess.Popen[str] | None = None
        if not exec_:
            self.zygote = subprocess.Popen(
                [sys.executable, "-c", ZYGOTE, entry],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            assert self.zygote.stdout is not None
            if self.zygote.stdout.readline().strip() != "ready":
                raise RuntimeError("the zygote did not start")

    def spawn(
        self, args: list[str], log: Path, *, env: dict[str, str], cwd: Path
    ) -> Forked | subprocess.Popen[bytes]:
        if self.zygote is None:
            return spawn([venv_script(self.script), *args], log, env=env, cwd=cwd, append=True)
        job = {
            "entry": self.entry,
            "argv": [self.script, *args],
            "log": str(log),
            "cwd": str(cwd),
            "env": env,
        }
        assert self.zygote.stdin is not None and self.zygote.stdout is not None
        self.zygote.stdin.write(json.dumps(job) + "\n")
        self.zygote.stdin.flush()
        return Forked(int(self.zygote.stdout.readline()), [self.script, *args])

    def __enter__(self) -> Launcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.zygote is not None:
            assert self.zygote.stdin is not None
            self.zygote.stdin.close()
            self.zygote.wait(timeout=WAIT)
            self.zygote = None


def kill(process: Forked | subprocess.Popen[bytes]) -> None:
    """SIGKILL and wait until it is gone."""
    with suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=WAIT)


def kill_writer_process(server_pid: int) -> None:
    """SIGKILL the edge server's writer process ([store] writer = "process") and wait until
    it is gone."""
    (child,) = children(server_pid)
    os.kill(child, signal.SIGKILL)
    deadline = time.monotonic() + WAIT
    while Path(f"/proc/{child}").exists() and child in children(server_pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"writer process {child} still there after SIGKILL")
        time.sleep(0.01)


def progress(tally: Tally, every: int, total: int) -> None:
    if tally.iterations % every == 0 or tally.iterations == total:
        took = round(time.monotonic() - tally.started)
        print(
            f"{tally.target}: {tally.iterations}/{total} iterations, {tally.acknowledged} "
            f"acknowledged, {tally.failures} failures, {took} s",
            file=sys.stderr,
            flush=True,
        )


# --- the edge ------------------------------------------------------------------------------


def bins(client: int) -> tuple[str, str]:
    return f"A-{client:02d}-1", f"A-{client:02d}-2"


def seed_edge(clients: int) -> Callable[[Tx], None]:
    """One product with an EAN-13; per handheld two bins, the first holding STOCK; its picker."""

    def fn(tx: Tx) -> None:
        catalog.upsert_product(tx, sku="SKU-1", name="Green tea 100g")
        catalog.add_barcode(tx, code=EAN13, sku="SKU-1")
        for c in range(clients):
            src, dst = bins(c)
            catalog.upsert_location(tx, code=src, type="bin", pick_seq=10 * c)
            catalog.upsert_location(tx, code=dst, type="bin", pick_seq=10 * c + 5)
            receive(tx, ReceiveStock("SKU-1", src, STOCK), Actor())
        add_operators(tx, [f"B-P{c:02d}" for c in range(clients)])

    return fn


class Http:
    """One keep-alive HTTP/1.1 connection (the standard library's: cheap to open, which matters
    when every iteration opens new ones to a new server)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=WAIT)
        self.headers = {"Content-Type": "application/json"} | (headers or {})

    def post(self, path: str, body: Any) -> tuple[int, dict[str, str], Any]:
        """(status, headers with lowercase names, JSON body); OSError / http.client errors when the server is gone."""
        self.conn.request("POST", path, json.dumps(body), self.headers)
        resp = self.conn.getresponse()
        data = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, json.loads(data) if data else None

    def close(self) -> None:
        self.conn.close()


# What a request to a killed server meets: a refused or reset connection, a half answer.
GONE = (OSError, http.client.HTTPException)


class Handheld:
    """One terminal in a move task from its first bin to its second, scanning items until the
    server stops answering. Keeps every 200 answer; a scan that got no answer is retried after
    the restart with the same scan_id (what a handheld does)."""

    def __init__(self, index: int, headers: dict[str, str], *, retry_5xx: bool = False) -> None:
        self.index, self.headers = index, headers
        # With the writer process killed, the server answers the scans it held with 500: not
        # acknowledged, so retried with their scan_id like a scan that got no answer.
        self.retry_5xx = retry_5xx
        self.pending: list[str] = []
        self.answered: dict[str, Any] = {}
        self.refused: list[tuple[str, int, str]] = []

    def scan(self, http: Http, sid: str) -> tuple[int, dict[str, str], Any]:
        return http.post("/api/v1/scans", {"scan_id": sid, "raw": EAN13})

    def scan_until_killed(self, url: str, stop: threading.Event) -> None:
        http = Http(url, self.headers)
        try:
            while not stop.is_set():
                sid = uuid.uuid4().hex
                try:
                    status, _, body = self.scan(http, sid)
                except GONE:
                    self.pending.append(sid)
                    return
                if status == 200:
                    self.answered[sid] = body
                elif status >= 500 and self.retry_5xx:
                    self.pending.append(sid)
                    return
                else:
                    self.refused.append((sid, status, str(body)[:200]))
        finally:
            http.close()


class EdgeCrash:
    """`victim` "server": the edge's server process is killed and started again; "writer":
    with `writer` "process", its writer process is killed and the server starts another."""

    def __init__(
        self,
        workdir: Path,
        clients: int,
        rng: random.Random,
        launcher: Launcher,
        *,
        writer: str = "thread",
        victim: str = "server",
    ) -> None:
        self.launcher = launcher
        self.data = workdir / "edge"
        self.data.mkdir(parents=True, exist_ok=True)
        self.clients, self.rng = clients, rng
        self.victim = victim
        self.config = write_config(self.data, {"store": {"writer": writer}})
        self.db = self.data / "edge.db"
        self.log = self.data / "serve.log"
        seed(self.db, seed_edge(clients))
        self.acked: dict[str, Any] = {}  # scan_id → the 200 answer's body
        self.owner: dict[str, int] = {}  # scan_id → the handheld that sent it
        self.sent: set[str] = set()  # every scan_id ever sent (answered or not)
        self.handhelds: list[Handheld] = []
        self.tally = Tally("edge")

    def start(self) -> EdgeServer:
        """`warehouse-edge serve --config FILE --port N`, once /readyz answers."""
        port = free_port()
        args = ["serve", "--config", str(self.config), "--port", str(port)]
        env = clean_env("WAREHOUSE_EDGE_")
        process = self.launcher.spawn(args, self.log, env=env, cwd=self.data)
        server = EdgeServer(f"http://{HOST}:{port}", process, self.config, self.db, self.log)  # type: ignore[arg-type]
        return started(server, timeout=WAIT * 2)

    def sign_in_all(self, server: EdgeServer) -> None:
        with httpx.Client(base_url=server.url, timeout=WAIT) as http:
            for c in range(self.clients):
                headers = sign_in(http, f"B-P{c:02d}", device=f"HH-{c}")
                for code in bins(c):
                    body = {"scan_id": uuid.uuid4().hex, "raw": code}
                    http.post("/api/v1/scans", json=body, headers=headers).raise_for_status()
                self.handhelds.append(Handheld(c, headers, retry_5xx=self.victim == "writer"))

    def retry_and_replay(self, server: EdgeServer, sample: int) -> None:
        """Retry what got no answer before the kill; replay a sample of acknowledged scans."""
        t = self.tally
        https = {hh.index: Http(server.url, hh.headers) for hh in self.handhelds}
        try:
            for hh in self.handhelds:
                for sid in hh.pending:
                    status, _, body = hh.scan(https[hh.index], sid)
                    t.retried += 1
                    if status != 200:
                        t.problem(f"retry of {sid} answered {status}: {str(body)[:200]}")
                        continue
                    self.acked[sid] = body
                    t.acknowledged += 1
                hh.pending.clear()
            for sid in self.rng.sample(sorted(self.acked), min(sample, len(self.acked))):
                hh = self.handhelds[self.owner[sid]]
                status, headers, body = hh.scan(https[hh.index], sid)
                t.replayed += 1
                replayed = headers.get("idempotent-replayed") == "true"
                if not (status == 200 and replayed and body == self.acked[sid]):
                    t.replay_mismatches += 1
                    t.problem(f"replay of {sid}: {status} {str(body)[:200]}")
        finally:
            for conn in https.values():
                conn.close()

    def fire_and_kill(self, server: EdgeServer, max_kill_s: float) -> None:
        stop = threading.Event()
        for hh in self.handhelds:
            hh.answered, hh.refused = {}, []
        threads = [
            threading.Thread(target=hh.scan_until_killed, args=(server.url, stop), daemon=True)
            for hh in self.handhelds
        ]
        for th in threads:
            th.start()
        time.sleep(self.rng.uniform(0.0, max_kill_s))
        if self.victim == "writer":
            kill_writer_process(server.process.pid)
        else:
            kill(server.process)
        stop.set()
        for th in threads:
            th.join(timeout=WAIT)
        for hh in self.handhelds:
            for sid in [*hh.answered, *hh.pending]:
                self.owner[sid] = hh.index
                self.sent.add(sid)
            self.acked |= hh.answered
            self.tally.acknowledged += len(hh.answered)
            for sid, status, text in hh.refused:
                self.tally.problem(f"scan {sid} refused {status}: {text}")

    def check(self) -> None:
        """After a restart, before anything new: the acknowledged scans against the database."""
        t = self.tally
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=WAIT)) as conn:
            moved = dict(
                conn.execute(
                    "SELECT scan_id, COUNT(*) FROM movements WHERE scan_id IS NOT NULL GROUP BY 1"
                )
            )
            events = dict(
                conn.execute(
                    "SELECT scan_id, COUNT(*) FROM outbox WHERE scan_id IS NOT NULL"
                    " AND type = 'stock_moved' GROUP BY 1"
                )
            )
            answers = {
                k
                for (k,) in conn.execute(
                    "SELECT key FROM answers WHERE kind = 'scan' AND code = ''"
                )
            }
            lost = [sid for sid in self.acked if sid not in moved]
            doubled = [sid for sid, n in moved.items() if n != 1]
            unsent = [sid for sid in moved if sid not in self.sent]
            half = [
                sid
                for sid in moved
                if events.get(sid) != 1 or sid not in answers or moved[sid] != 1
            ]
            half += [sid for sid in events if sid not in moved]
            t.lost += len(lost)
            t.duplicates += len(doubled)
            t.half_applied += len(set(half) - set(doubled))
            for what, sids in (("lost", lost), ("doubled", doubled), ("half-applied", half)):
                if sids:
                    t.problem(f"{len(sids)} acknowledged scan(s) {what}, e.g. {sids[:3]}")
            if unsent:
                t.problem(f"movements for scans never sent: {unsent[:3]}")
            # Balances against the ledger's sums, per place (moves conserve STOCK per handheld).
            ledger = dict(
                conn.execute(
                    "SELECT loc, SUM(d) FROM (SELECT to_location AS loc, qty AS d FROM movements"
                    " UNION ALL SELECT from_location, -qty FROM movements)"
                    " WHERE loc != '' GROUP BY loc"
                )
            )
            balances = dict(
                conn.execute(
                    "SELECT location, SUM(qty) FROM balances WHERE bucket = 'on_hand'"
                    " GROUP BY location"
                )
            )
            if {k: v for k, v in ledger.items() if v} != {k: v for k, v in balances.items() if v}:
                t.problem(f"balances {balances} differ from the ledger's sums {ledger}")
            if sum(balances.values()) != STOCK * self.clients:
                t.problem(f"on hand {sum(balances.values())} != {STOCK * self.clients}")
            problems = verify_ledger(conn)
            if problems:
                t.verify_failures += 1
                t.problem(f"verify: {[str(p) for p in problems[:3]]}")

    def verify_command(self) -> None:
        done = run_cli("verify", "--db", str(self.db))
        self.tally.extra["verify_command_runs"] = self.tally.extra.get("verify_command_runs", 0) + 1
        if done.returncode != 0:
            self.tally.verify_failures += 1
            self.tally.problem(f"warehouse-edge verify exited {done.returncode}: {done.stdout}")

    def run(
        self, iterations: int, *, max_kill_s: float, verify_every: int, sample: int
    ) -> dict[str, Any]:
        t = self.tally
        server = self.start()
        try:
            self.sign_in_all(server)
            for _ in range(iterations):
                self.fire_and_kill(server, max_kill_s)
                if self.victim == "writer":  # the server starts another writer process
                    wait_ready(server, timeout=WAIT * 2)
                else:
                    server = self.start()
                self.check()
                t.iterations += 1
                if t.iterations % verify_every == 0 or t.iterations == iterations:
                    self.verify_command()
                self.retry_and_replay(server, sample)
                progress(t, 50, iterations)
            server.stop()
            self.check()  # the retried scans too, after a clean stop
            self.verify_command()
        finally:
            if server.process.poll() is None:
                kill(server.process)
        t.extra["clients"] = self.clients
        t.extra["max_kill_after_s"] = max_kill_s
        return t.report()


def edge_crash(
    workdir: Path,
    iterations: int,
    *,
    clients: int = 4,
    max_kill_s: float = 0.4,
    verify_every: int = 50,
    sample: int = 3,
    rng: random.Random | None = None,
    exec_: bool = False,
) -> dict[str, Any]:
    """The edge's crash proof (see the module's doc); its report."""
    with Launcher("warehouse-edge", EDGE_ENTRY, exec_=exec_) as launcher:
        crash = EdgeCrash(workdir, clients, rng or random.Random(), launcher)
        report = crash.run(
            iterations, max_kill_s=max_kill_s, verify_every=verify_every, sample=sample
        )
    return report | {"started_by": "exec" if exec_ else "zygote fork"}


# --- central ---------------------------------------------------------------------------------

SKUS = ("HOT-1", "HOT-2", "HOT-3")
SHELF, IN = ["A-01-01", "", "on_hand"], ["", "", "received"]
OPEN = ("released", "picking", "on_hold")


class Rows:
    """Read central's database directly (SQLite file or PostgreSQL URL), read-only queries."""

    def __init__(self, db: str) -> None:
        self.db = db

    def __call__(self, sql: str) -> list[tuple[Any, ...]]:
        if self.db.startswith("postgresql"):
            import psycopg

            with psycopg.connect(self.db, autocommit=True) as conn:
                return [tuple(r) for r in conn.execute(sql)]
        uri = f"file:{self.db}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=WAIT)) as conn:
            return [tuple(r) for r in conn.execute(sql)]


class CentralCrash:
    """Central under an order flood and one edge's event batches, SIGKILLed and restarted."""

    def __init__(
        self, workdir: Path, db: str, backend: str, rng: random.Random, launcher: Launcher
    ) -> None:
        self.data = workdir / f"central-{backend}"
        self.data.mkdir(parents=True, exist_ok=True)
        self.db, self.rng, self.launcher = db, rng, launcher
        self.log = self.data / "central.log"
        self.rows = Rows(db)
        self.admin = {"Authorization": f"Bearer {init(db)}"}
        self.edge = {"Authorization": f"Bearer {add_edge(db, 'edge-1')}"}
        self.outbox: list[dict[str, Any]] = []  # the edge's events, seq = index + 1
        self.acked_seq = 0  # the highest seq a batch answered 200 for
        self.sent_seq = 0  # the highest seq ever sent
        self.orders: dict[str, str] = {}  # channel order id → central's id, for each 201/200
        self.pending: list[str] = []  # channel order ids sent without an answer
        self.numbers = itertools.count(1)  # channel order ids C1, C2, … (next() is atomic)
        self.counter = 0  # the highest number taken
        self.tally = Tally(f"central-{backend}")
        self.tally.extra |= {"orders_acknowledged": 0, "batches_acknowledged": 0}

    def start(self) -> CentralServer:
        port = free_port()
        args = ["serve", "--db", self.db, "--port", str(port), "--log-level", "warning"]
        process = self.launcher.spawn(args, self.log, env=central_env(), cwd=self.data)
        url = f"http://{HOST}:{port}"
        server = CentralServer(url, self.db, "", process, self.log)  # type: ignore[arg-type]
        return started(server, timeout=WAIT * 2)

    def event(self, sku: str, qty: int) -> dict[str, Any]:
        seq = len(self.outbox) + 1
        at = "2026-11-25T09:12:03.123456Z"
        event = edge_event(
            seq, "stock_received", None, at=at, movements=[movement("receive", sku, qty, IN, SHELF)]
        )
        self.outbox.append(event | {"sku": sku})
        return event

    def setup(self, server: CentralServer) -> None:
        http = Http(server.url, self.admin)
        try:
            products = [{"sku": s, "name": f"Hot item {s}", "weight_g": 100} for s in SKUS]
            status, _, body = http.post("/api/v1/products", {"products": products})
            assert status in (200, 201), body
        finally:
            http.close()
        for sku in SKUS:
            self.event(sku, 5)
        self.send(server.url, self.outbox)

    def send(self, url: str, events: list[dict[str, Any]]) -> bool:
        """Post one batch; True once answered 200 (then everything up to its end is acked)."""
        if not events:
            return True
        http = Http(url, self.edge)
        try:
            self.sent_seq = max(self.sent_seq, events[-1]["seq"])
            status, _, body = http.post("/api/v1/edges/edge-1/events", {"events": events})
        except GONE:
            return False
        finally:
            http.close()
        if status != 200:
            self.tally.problem(f"batch {events[0]['seq']}..{events[-1]['seq']}: {status} {body}")
            return False
        self.acked_seq = max(self.acked_seq, events[-1]["seq"])
        self.tally.extra["batches_acknowledged"] += 1
        return True

    def edge_until_killed(self, url: str, stop: threading.Event) -> None:
        """The edge: resend what got no answer, then small batches of receipts (stock that frees
        waiting orders) until central is gone."""
        while not stop.is_set():
            if self.sent_seq == self.acked_seq:
                for _ in range(self.rng.randint(1, 4)):
                    self.event(self.rng.choice(SKUS), self.rng.randint(1, 3))
            if not self.send(url, self.outbox[self.acked_seq :]):
                return

    def order(self, cid: str) -> dict[str, Any]:
        n = int(cid[1:])
        return {
            "channel": "crash",
            "channel_order_id": cid,
            "lines": [{"sku": SKUS[n % len(SKUS)], "qty": 1}],
            "ship_to": {"name": "Li Lei", "address": "1 Century Ave", "city": "Shanghai"},
        }

    def buy(self, http: Http, cid: str) -> None:
        status, _, body = http.post("/api/v1/orders", self.order(cid))
        if status not in (200, 201):
            self.tally.problem(f"order {cid}: {status} {str(body)[:200]}")
            return
        if cid in self.orders and self.orders[cid] != body["id"]:
            self.tally.problem(f"order {cid} answered {body['id']}, before {self.orders[cid]}")
        self.orders[cid] = body["id"]
        self.tally.acknowledged += 1

    def shopper_until_killed(self, url: str, stop: threading.Event) -> None:
        http = Http(url, self.admin)
        try:
            while not stop.is_set():
                n = next(self.numbers)
                self.counter = max(self.counter, n)
                cid = f"C{n}"
                try:
                    self.buy(http, cid)
                except GONE:
                    self.pending.append(cid)
                    return
        finally:
            http.close()

    def retry_and_replay(self, server: CentralServer, sample: int) -> None:
        """Orders that got no answer, sent again (the channel's retry), and a sample of answered
        ones: the same id, nothing new. The edge's unanswered batch is resent by
        `edge_until_killed` first thing."""
        t = self.tally
        http = Http(server.url, self.admin)
        try:
            for cid in self.pending:
                t.retried += 1
                self.buy(http, cid)
            self.pending.clear()
            for cid in self.rng.sample(sorted(self.orders), min(sample, len(self.orders))):
                status, _, body = http.post("/api/v1/orders", self.order(cid))
                t.replayed += 1
                if status != 200 or body.get("id") != self.orders[cid]:
                    t.replay_mismatches += 1
                    t.problem(f"order {cid} again: {status} {str(body)[:200]}")
        finally:
            http.close()

    def fire_and_kill(self, server: CentralServer, shoppers: int, max_kill_s: float) -> None:
        stop = threading.Event()
        threads = [
            threading.Thread(target=self.shopper_until_killed, args=(server.url, stop))
            for _ in range(shoppers)
        ]
        threads.append(threading.Thread(target=self.edge_until_killed, args=(server.url, stop)))
        for th in threads:
            th.start()
        time.sleep(self.rng.uniform(0.0, max_kill_s))
        kill(server.process)
        stop.set()
        for th in threads:
            th.join(timeout=WAIT)

    def check(self, *, command: bool = True) -> None:
        """Central's database after a restart against what was acknowledged; the open demand
        checked by `warehouse-central verify-demand` (`command`) or its code in this process."""
        t = self.tally
        held = self.rows(
            "SELECT epoch, seq, event_id FROM events WHERE edge_id = 'edge-1' ORDER BY epoch, seq"
        )
        ours = [(1, e["seq"], e["event_id"]) for e in self.outbox[: len(held)]]
        if held != ours:
            t.duplicates += max(0, len(held) - len({e for _, _, e in held}))
            t.problem(f"central's events are not our first {len(held)}: {held[-3:]} {ours[-3:]}")
        if len(held) < self.acked_seq:
            t.lost += self.acked_seq - len(held)
            t.problem(f"central holds {len(held)} events, {self.acked_seq} were acknowledged")
        if len(held) > self.sent_seq:
            t.problem(f"central holds {len(held)} events, only {self.sent_seq} were sent")
        stock = dict.fromkeys(SKUS, 0)
        for e in self.outbox[: len(held)]:
            stock[e["sku"]] += e["payload"]["movements"][0]["qty"]
        central = dict(
            self.rows(
                "SELECT sku, qty FROM stock WHERE warehouse = 'edge-1' AND bucket = 'on_hand'"
            )
        )
        if {k: v for k, v in central.items() if v} != {k: v for k, v in stock.items() if v}:
            t.half_applied += 1
            t.problem(f"central's on hand {central} is not its events' sum {stock}")
        orders = self.rows(
            "SELECT channel_order_id, id, status, warehouse FROM orders WHERE channel = 'crash'"
        )
        ids: dict[str, list[str]] = {}
        for cid, oid, _, _ in orders:
            ids.setdefault(cid, []).append(oid)
        lost = [cid for cid in self.orders if cid not in ids]
        doubled = [cid for cid, found in ids.items() if len(found) != 1]
        wrong = [cid for cid, oid in self.orders.items() if cid in ids and ids[cid] != [oid]]
        unsent = [cid for cid in ids if int(cid[1:]) > self.counter]
        t.lost += len(lost)
        t.duplicates += len(doubled)
        for what, cids in (
            ("lost", lost),
            ("doubled", doubled),
            ("with another id", wrong),
            ("never sent", unsent),
        ):
            if cids:
                t.problem(f"{len(cids)} orders {what}, e.g. {cids[:3]}")
        demand = dict.fromkeys(SKUS, 0)
        for sku, qty in self.rows(
            "SELECT l.sku, SUM(l.qty) FROM order_lines l JOIN orders o ON o.id = l.order_id"
            " WHERE o.channel = 'crash' AND o.warehouse = 'edge-1'"
            f" AND o.status IN {OPEN} GROUP BY l.sku"
        ):
            demand[sku] = int(qty)
        oversold = sum(max(0, demand[s] - central.get(s, 0)) for s in SKUS)
        t.extra["oversold"] = t.extra.get("oversold", 0) + oversold
        if oversold:
            t.problem(f"oversold {oversold}: demand {demand}, on hand {central}")
        t.extra["orders_released"] = sum(demand.values())
        if command:
            done = run_central("verify-demand", "--db", self.db)
            t.extra["verify_command_runs"] = t.extra.get("verify_command_runs", 0) + 1
            if done.returncode != 0:
                t.verify_failures += 1
                t.problem(f"verify-demand exited {done.returncode}: {done.stdout[-300:]}")
        else:  # what the command does, in this process
            store = Central(self.db)
            store.open()
            try:
                differs = store.demand_differences()
            finally:
                store.close()
            if differs:
                t.verify_failures += 1
                t.problem(f"open demand differs from the orders: {differs[:3]}")

    def run(
        self, iterations: int, *, shoppers: int, max_kill_s: float, verify_every: int = 10
    ) -> dict[str, Any]:
        t = self.tally
        server = self.start()
        try:
            self.setup(server)
            for _ in range(iterations):
                self.fire_and_kill(server, shoppers, max_kill_s)
                server = self.start()
                self.check(command=(t.iterations + 1) % verify_every == 0)
                t.iterations += 1
                self.retry_and_replay(server, 2)
                progress(t, 10, iterations)
            self.send(server.url, self.outbox[self.acked_seq :])
            server.stop()
            self.check()
        finally:
            if server.process.poll() is None:
                kill(server.process)
        t.extra["events_acknowledged"] = self.acked_seq
        t.extra["orders_acknowledged"] = len(self.orders)
        return t.report()


def central_crash(
    workdir: Path,
    iterations: int,
    *,
    backend: str = "sqlite",
    shoppers: int = 4,
    max_kill_s: float = 0.5,
    rng: random.Random | None = None,
    exec_: bool = False,
) -> dict[str, Any]:
    """Central's crash proof on `backend` (sqlite or postgresql); its report."""
    with (
        Launcher("warehouse-central", CENTRAL_ENTRY, exec_=exec_) as launcher,
        central_store(backend == "postgresql") as db,
    ):
        crash = CentralCrash(workdir, db, backend, rng or random.Random(), launcher)
        report = crash.run(iterations, shoppers=shoppers, max_kill_s=max_kill_s)
    return report | {"started_by": "exec" if exec_ else "zygote fork"}


# --- the sync agent ------------------------------------------------------------------------


class SyncCrash:
    """`warehouse-edge sync run-once` sending a long outbox to a running central, SIGKILLed
    mid-batch and run again."""

    def __init__(self, workdir: Path, rng: random.Random, launcher: Launcher) -> None:
        self.rng, self.launcher = rng, launcher
        self.data = workdir / "sync"
        self.data.mkdir(parents=True, exist_ok=True)
        self.central_db = str(self.data / "central.db")
        self.central = start_central(self.central_db, self.data)
        self.token = add_edge(self.central_db, "edge-1")
        admin = Http(self.central.url, {"Authorization": f"Bearer {self.central.admin_token}"})
        try:
            products = [{"sku": s, "name": f"Hot item {s}", "weight_g": 100} for s in SKUS]
            status, _, body = admin.post("/api/v1/products", {"products": products})
            assert status in (200, 201), body
        finally:
            admin.close()
        central = {"url": self.central.url, "token": self.token, "batch_size": 50}
        self.config = write_config(self.data, {"central": central | {"long_poll_s": 0}})
        self.db = self.data / "edge.db"
        self.log = self.data / "sync.log"
        seed(self.db, self.catalogue)
        self.tally = Tally("sync")
        self.tally.extra |= {
            "events_made": 0,
            "killed_before_first_batch": 0,
            "killed_mid_stream": 0,
            "finished_before_kill": 0,
        }

    @staticmethod
    def catalogue(tx: Tx) -> None:
        for sku in SKUS:
            catalog.upsert_product(tx, sku=sku, name=f"Hot item {sku}")
        catalog.upsert_location(tx, code="A-01", type="bin")

    def more_events(self, n: int) -> None:
        """`n` receipts into the edge's outbox (each one movement, one event)."""

        def receipts(tx: Tx) -> None:
            for _ in range(n):
                sku = self.rng.choice(SKUS)
                receive(tx, ReceiveStock(sku, "A-01", self.rng.randint(1, 5)), Actor())

        seed(self.db, receipts)
        self.tally.extra["events_made"] += n

    def run_once(self) -> Forked | subprocess.Popen[bytes]:
        args = ["sync", "run-once", "--config", str(self.config)]
        env = clean_env("WAREHOUSE_EDGE_")
        return self.launcher.spawn(args, self.log, env=env, cwd=self.data)

    def wait_for_a_batch(self, agent: Forked | subprocess.Popen[bytes], before: int) -> None:
        """Until central holds more events than `before` (or the agent ended)."""
        count = Rows(self.central_db)
        deadline = time.monotonic() + WAIT
        while agent.poll() is None and time.monotonic() < deadline:
            if count("SELECT COUNT(*) FROM events WHERE edge_id = 'edge-1'")[0][0] > before:
                return
            time.sleep(0.005)

    def held(self) -> list[tuple[Any, ...]]:
        return Rows(self.central_db)(
            "SELECT epoch, seq, event_id FROM events WHERE edge_id = 'edge-1' ORDER BY epoch, seq"
        )

    def check(self, *, whole: bool = False) -> int:
        """Central holds a prefix of the outbox, in order, once; every event the edge marked
        delivered is among it; `whole`: all of it, and central's stock is the edge's. Returns
        how many events central holds."""
        t = self.tally
        held = self.held()
        with closing(sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=WAIT)) as conn:
            outbox = [
                tuple(r)
                for r in conn.execute("SELECT epoch, seq, event_id FROM outbox ORDER BY 1, 2")
            ]
            delivered = conn.execute(
                "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NOT NULL"
            ).fetchone()[0]
            edge_stock = dict(
                conn.execute(
                    "SELECT sku, SUM(qty) FROM balances WHERE bucket = 'on_hand' GROUP BY 1"
                )
            )
        t.acknowledged = delivered
        if len({e for _, _, e in held}) != len(held):
            t.duplicates += len(held) - len({e for _, _, e in held})
        if held != outbox[: len(held)]:
            t.problem(f"central's events are not the outbox's first {len(held)}: {held[-2:]}")
        missing = max(0, delivered - len(held), len(outbox) - len(held) if whole else 0)
        t.lost += missing
        if delivered > len(held):
            t.problem(f"the edge marked {delivered} delivered, central holds {len(held)}")
        if whole:
            if held != outbox:
                t.problem(f"after a whole run central holds {len(held)} of {len(outbox)} events")
            central_stock = dict(
                Rows(self.central_db)(
                    "SELECT sku, qty FROM stock WHERE warehouse = 'edge-1' AND bucket = 'on_hand'"
                )
            )
            if central_stock != edge_stock:
                t.half_applied += 1
                t.problem(f"central's stock {central_stock} is not the edge's {edge_stock}")
            done = run_cli("verify", "--db", str(self.db))
            if done.returncode != 0:
                t.verify_failures += 1
                t.problem(f"warehouse-edge verify exited {done.returncode}: {done.stdout}")
        return len(held)

    def run(self, iterations: int, *, events: int, max_kill_s: float) -> dict[str, Any]:
        t = self.tally
        try:
            for _ in range(iterations):
                self.more_events(events)
                before = len(self.held())
                agent = self.run_once()
                if self.rng.random() < 0.8:  # mostly once the first batch is in: mid-stream
                    self.wait_for_a_batch(agent, before)
                    time.sleep(self.rng.uniform(0.0, 0.2))
                else:  # else any moment: opening the database, the first batch in flight
                    time.sleep(self.rng.uniform(0.0, max_kill_s))
                finished = agent.poll() is not None
                kill(agent)
                after = self.check()
                outcome = (
                    "finished_before_kill"
                    if finished or after == t.extra["events_made"]
                    else "killed_mid_stream"
                    if after > before
                    else "killed_before_first_batch"
                )
                t.extra[outcome] += 1
                t.iterations += 1
                progress(t, 10, iterations)
            agent = self.run_once()
            agent.wait(timeout=WAIT * 5)
            self.check(whole=True)
        finally:
            self.central.stop()
        t.extra["events_at_central"] = t.acknowledged
        return t.report()


def sync_crash(
    workdir: Path,
    iterations: int,
    *,
    events: int = 200,
    max_kill_s: float = 1.0,
    rng: random.Random | None = None,
    exec_: bool = False,
) -> dict[str, Any]:
    """The sync agent's crash proof; its report."""
    with Launcher("warehouse-edge", EDGE_ENTRY, exec_=exec_) as launcher:
        crash = SyncCrash(workdir, rng or random.Random(), launcher)
        report = crash.run(iterations, events=events, max_kill_s=max_kill_s)
    return report | {"started_by": "exec" if exec_ else "zygote fork"}


# --- the command ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="edge,central,sync", help="comma-separated")
    parser.add_argument("--iterations", type=int, default=10, help="edge kill iterations")
    parser.add_argument("--clients", type=int, default=4, help="handhelds scanning at the edge")
    parser.add_argument(
        "--max-kill-after", type=float, default=0.4, help="kill within this many s of ready"
    )
    parser.add_argument("--verify-every", type=int, default=50)
    parser.add_argument("--central-iterations", type=int, default=3)
    parser.add_argument("--central-store", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--shoppers", type=int, default=4, help="order clients at central")
    parser.add_argument("--sync-iterations", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--exec",
        dest="exec_",
        action="store_true",
        help="start every server with its console script (imports paid on each restart)",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    seed_ = args.seed if args.seed is not None else random.randrange(2**32)
    rng = random.Random(seed_)
    targets = args.target.split(",")
    results = []
    wall = time.monotonic()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        if "edge" in targets:
            results.append(
                edge_crash(
                    Path(tmp),
                    args.iterations,
                    clients=args.clients,
                    max_kill_s=args.max_kill_after,
                    verify_every=args.verify_every,
                    rng=rng,
                    exec_=args.exec_,
                )
            )
        for backend in args.central_store.split(",") if "central" in targets else ():
            results.append(
                central_crash(
                    Path(tmp),
                    args.central_iterations,
                    backend=backend,
                    shoppers=args.shoppers,
                    rng=rng,
                    exec_=args.exec_,
                )
            )
        if "sync" in targets:
            results.append(sync_crash(Path(tmp), args.sync_iterations, rng=rng, exec_=args.exec_))
    report = machine() | {
        "seed": seed_,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "seconds": round(time.monotonic() - wall, 1),
        "results": results,
        "ok": all(r["ok"] for r in results),
    }
    emit(report, args.out)
    if not report["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
