"""The real central store as a subprocess (`warehouse-central serve`) and its CLI, for tests and
bench/. `start_central` migrates the database, makes an admin token, waits for /readyz."""

from __future__ import annotations

import re
import subprocess
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import (
    HOST,
    READY_TIMEOUT_S,
    LoggedProcess,
    clean_env,
    free_port,
    spawn,
    started,
    stopping,
    venv_script,
)

ENV_PREFIX = "WAREHOUSE_CENTRAL_"


def central_env() -> dict[str, str]:
    """The environment without stray WAREHOUSE_CENTRAL_* settings (the flags alone decide)."""
    return clean_env(ENV_PREFIX)


def run_central(*args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """`warehouse-central ARGS`, output captured."""
    cmd = [str(venv_script("warehouse-central")), *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, check=False, env=central_env()
    )


def _token(output: str) -> str:
    found = re.search(r"token[^:]*: (\S+)\s*$", output.strip())
    if found is None:
        raise AssertionError(f"no token in: {output!r}")
    return found.group(1)


def init(db: str) -> str:
    """`warehouse-central init --db DB`; the admin token it printed."""
    done = run_central("init", "--db", db)
    assert done.returncode == 0, done.stderr
    return _token(done.stdout)


def add_edge(db: str, edge_id: str) -> str:
    """`warehouse-central edges add EDGE_ID`; the edge's token."""
    done = run_central("edges", "add", edge_id, "--db", db)
    assert done.returncode == 0, done.stderr
    return _token(done.stdout)


@dataclass
class CentralServer(LoggedProcess):
    url: str
    db: str
    admin_token: str
    process: subprocess.Popen[bytes]
    log_path: Path


def start_central(
    db: str,
    data_dir: Path,
    *,
    ready_timeout: float = READY_TIMEOUT_S,
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    admin_token: str | None = None,
    log_name: str = "central.log",
) -> CentralServer:
    """Init `db` (unless its `admin_token` is given: another central serves it already), then
    `warehouse-central serve --db DB --port N [ARGS]`, logging to `log_name`; `env` adds
    settings to its environment."""
    token = admin_token or init(db)
    port = free_port()
    log_path = data_dir / log_name
    cmd = [
        venv_script("warehouse-central"),
        "serve",
        "--db",
        db,
        "--port",
        str(port),
        "--log-level",
        "warning",
        *args,
    ]
    process = spawn(cmd, log_path, env=central_env() | (env or {}))
    server = CentralServer(f"http://{HOST}:{port}", db, token, process, log_path)
    return started(server, timeout=ready_timeout)


def running_central(
    db: str, data_dir: Path, *, env: dict[str, str] | None = None
) -> AbstractContextManager[CentralServer]:
    """A started central, stopped on the way out if the body did not stop it itself."""
    return stopping(start_central(db, data_dir, env=env))
