"""Servers as subprocesses, the one way every test and bench starts them: `spawn` the command
with its output to a log file, `started` waits until /readyz answers 200 (stopping it and
showing its log when it does not), `stop` sends SIGTERM (or the signal given) and waits,
`stopping` stops on the way out of a block.

For the edge: seed a database file, write its config, `serve_edge` runs `warehouse-edge serve` on
a free port of 127.0.0.1. Central's is tests/central/servers.py and tests/sync/central.py."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import httpx

from edge.domain.operator import hash_pin
from edge.store.database import Store
from edge.store.operators import add_operator
from edge.store.writer import Tx
from tests.support import log_in_on, new_device

T = TypeVar("T")
PIN = "2468"
HOST = "127.0.0.1"
# How long a server started by a test may take to answer /readyz: generous, since the suite may run
# in several processes at once on a loaded machine (a start took over 30 s there); never a timing
# assertion.
READY_TIMEOUT_S = 120.0
# A cheap scrypt cost: logins of many terminals at once stay fast (production uses 14).
PIN_HASH_COST = 10
_SALT = b"0123456789abcdef"


def venv_script(name: str) -> Path:
    """A console script installed beside this interpreter (.venv/bin/NAME), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return beside
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed beside {sys.executable} nor on PATH")
    return Path(found)


def free_port() -> int:
    """A port nobody listens on now (bound to 0 and released; serve cannot print the port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def seed(db_path: Path, fn: Callable[[Tx], T], *, edge_id: str = "edge-1") -> T:
    """Create (migrate) the database, run `fn` in one writer commit, close the store. The
    supervisor B-SUP (PIN as everyone's) is there too unless `fn` made that badge: new devices
    need a supervisor to vouch for them at enrolment (tests.support.new_device)."""

    def seeded(tx: Tx) -> T:
        made = fn(tx)
        if tx.one("SELECT 1 FROM operators WHERE badge = 'B-SUP'") is None:
            add_operators(tx, ["B-SUP"], role="supervisor")
        return made

    store = Store(db_path, edge_id=edge_id)
    try:
        return store.writer.call(seeded)
    finally:
        store.close()


def add_operators(tx: Tx, badges: list[str], *, role: str = "picker") -> None:
    """Operators who all log in with PIN."""
    pin_hash = hash_pin(PIN, salt=_SALT, cost=PIN_HASH_COST)
    for badge in badges:
        add_operator(tx, badge=badge, name=badge.title(), role=role, pin_hash=pin_hash)


def write_config(data_dir: Path, sections: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    """edge.toml in `data_dir`: the data dir, a cheap PIN hash cost, then `sections` over them."""
    config: dict[str, dict[str, Any]] = {
        "edge": {"data_dir": str(data_dir)},
        "server": {"host": HOST},
        # Tests and benches enrol many handhelds from 127.0.0.1 at once.
        "auth": {"pin_hash_cost": PIN_HASH_COST, "enrol_per_minute": 1000},
    }
    for name, keys in (sections or {}).items():
        config.setdefault(name, {}).update(keys)
    lines: list[str] = []
    for name, keys in config.items():
        lines.append(f"[{name}]")
        # json.dumps writes strings, integers and booleans as TOML reads them.
        lines += [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
    path = data_dir / "edge.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def clean_env(*prefixes: str) -> dict[str, str]:
    """This environment without variables starting with `prefixes` (stray WAREHOUSE_EDGE_*
    settings would override the config file the test wrote)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def spawn(
    cmd: Sequence[str | Path],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    append: bool = False,
) -> subprocess.Popen[bytes]:
    """Start `cmd` with stdout and stderr to `log_path` (appended to with `append`)."""
    with log_path.open("ab" if append else "wb") as log:
        return subprocess.Popen(
            [str(part) for part in cmd], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )


class LoggedProcess:
    """A server subprocess that logs to `log_path` (the edge's, central's)."""

    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, sig: int = signal.SIGTERM, *, timeout: float = 30.0) -> int:
        """Send `sig` and wait; returns the exit status (killed, and an error, after `timeout`)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(
                f"{self.process.args} ignored signal {sig} for {timeout} s; log:\n{self.log()}"
            ) from None


S = TypeVar("S", bound=LoggedProcess)


def wait_ready(
    server: LoggedProcess, *, timeout: float, verify: ssl.SSLContext | bool = True
) -> None:
    """Poll /readyz until 200; fail with the server's log if it exits or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.process.args} exited with {server.process.returncode}:\n{server.log()}"
            )
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2.0, verify=verify).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{server.process.args} not ready after {timeout} s:\n{server.log()}")


def started(
    server: S, *, timeout: float = READY_TIMEOUT_S, verify: ssl.SSLContext | bool = True
) -> S:
    """`server` once it is ready (see `wait_ready`); stopped before the error when it is not."""
    try:
        wait_ready(server, timeout=timeout, verify=verify)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def stopping(server: S) -> Iterator[S]:
    """`server` for the block, stopped on the way out if the block did not stop it itself."""
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


@dataclass
class EdgeServer(LoggedProcess):
    url: str
    process: subprocess.Popen[bytes]
    config_path: Path
    db_path: Path
    log_path: Path


def serve_edge(
    config_path: Path,
    log_path: Path,
    *,
    tls: ssl.SSLContext | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
    append: bool = False,
    cwd: Path | None = None,
) -> EdgeServer:
    """`warehouse-edge serve --config FILE --port N` on a free port, once ready (over HTTPS,
    trusting `tls`, when the config serves TLS); the config alone decides (no WAREHOUSE_EDGE_*)."""
    port = free_port()
    cmd = [venv_script("warehouse-edge"), "serve", "--config", config_path, "--port", str(port)]
    process = spawn(cmd, log_path, env=clean_env("WAREHOUSE_EDGE_"), cwd=cwd, append=append)
    url = f"{'https' if tls else 'http'}://{HOST}:{port}"
    server = EdgeServer(url, process, config_path, config_path.parent / "edge.db", log_path)
    return started(server, timeout=ready_timeout, verify=tls or True)


def start_server(
    data_dir: Path,
    *,
    config: Mapping[str, Mapping[str, Any]] | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
) -> EdgeServer:
    """Write edge.toml in `data_dir` (with `config` over the defaults) and serve it, logging to
    serve.log."""
    config_path = write_config(data_dir, config)
    return serve_edge(config_path, data_dir / "serve.log", ready_timeout=ready_timeout)


def running_server(
    data_dir: Path, *, config: Mapping[str, Mapping[str, Any]] | None = None
) -> AbstractContextManager[EdgeServer]:
    """A started server, stopped on the way out if the body did not stop it itself."""
    return stopping(start_server(data_dir, config=config))


def sign_in(http: httpx.Client, badge: str, *, device: str) -> dict[str, str]:
    """Enrol a handheld, log `badge` in on it and start a move task; returns the auth headers."""
    headers = log_in_on(http, new_device(http, device), badge)
    http.post(
        "/api/v1/work-sessions", json={"workflow": "move"}, headers=headers
    ).raise_for_status()
    return headers


def run_cli(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """`warehouse-edge ARGS`, output captured."""
    cmd = [str(venv_script("warehouse-edge")), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)


class Printing:
    """A subprocess whose stdout is read line by line as it comes (the demo prints its URL and
    banner); stderr goes to `err_log`."""

    def __init__(self, cmd: Sequence[str | Path], err_log: Path, *, env: Mapping[str, str]):
        with err_log.open("w") as err:
            self.proc = subprocess.Popen(
                [str(part) for part in cmd], stdout=subprocess.PIPE, stderr=err, text=True, env=env
            )
        self.err_log = err_log
        self.printed: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=self._pump, args=(self.proc.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line.rstrip("\n"))

    def until(self, prefix: str, *, timeout: float) -> list[str]:
        """Every line printed up to the first that starts with `prefix` (waiting for it)."""
        deadline = time.monotonic() + timeout
        while not any(line.startswith(prefix) for line in self.printed):
            if time.monotonic() > deadline or (
                self.proc.poll() is not None and self._lines.empty()
            ):
                raise AssertionError(
                    f"{self.proc.args} printed no {prefix!r} line in {timeout} s: {self.printed}"
                    f"\n{self.err_log.read_text(errors='replace')}"
                )
            with suppress(queue.Empty):
                self.printed.append(self._lines.get(timeout=0.2))
        first = next(i for i, line in enumerate(self.printed) if line.startswith(prefix))
        return self.printed[: first + 1]

    def line(self, prefix: str, *, timeout: float) -> str:
        """The first line printed that starts with `prefix` (waiting for it)."""
        return self.until(prefix, timeout=timeout)[-1]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def printing(
    cmd: Sequence[str | Path], err_log: Path, *, env: Mapping[str, str]
) -> Iterator[Printing]:
    """`Printing(cmd)` for the block, killed on the way out if it still runs."""
    process = Printing(cmd, err_log, env=env)
    try:
        yield process
    finally:
        process.kill()
