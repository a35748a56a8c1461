"""The real central order store as a subprocess (`warehouse-central serve`, SQLite), and what it
holds read straight from its database file, to compare with the edge's."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from edge.store.database import Store
from tests.servers import HOST, LoggedProcess, free_port, spawn, started, venv_script

ADMIN_TOKEN = "admin-token-for-tests-only"


def central_cli(*args: str) -> str:
    cmd = [str(venv_script("warehouse-central")), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


@dataclass
class Central(LoggedProcess):
    db_path: Path
    log_path: Path
    port: int
    edge_token: str
    process: subprocess.Popen[bytes] | None = None  # type: ignore[assignment]

    @property
    def url(self) -> str:  # type: ignore[override]
        return f"http://{HOST}:{self.port}"

    def admin(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def start(self) -> Central:
        """Serve (again) on the same port and database, appending to the same log."""
        env = os.environ | {"WAREHOUSE_CENTRAL_ADMIN_TOKEN": ADMIN_TOKEN}
        cmd = [
            venv_script("warehouse-central"),
            "serve",
            "--db",
            self.db_path,
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        self.process = spawn(cmd, self.log_path, env=env, append=True)
        return started(self)

    def stop(self, sig: int = signal.SIGTERM, *, timeout: float = 20.0) -> int:
        """Send `sig` and wait (see LoggedProcess.stop); central can be started again."""
        status = 0 if self.process is None else super().stop(sig, timeout=timeout)
        self.process = None
        return status

    # --- what central holds -----------------------------------------------------------------

    def query(self, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        uri = f"file:{self.db_path}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as conn:
            return [tuple(r) for r in conn.execute(sql, params)]

    def events(self, edge_id: str = "edge-1") -> list[tuple[int, int, str]]:
        """(epoch, seq, event_id) of every event central holds for the edge, in order."""
        return self.query(  # type: ignore[return-value]
            "SELECT epoch, seq, event_id FROM events WHERE edge_id = ? ORDER BY epoch, seq",
            (edge_id,),
        )

    def stock(self, edge_id: str = "edge-1") -> dict[tuple[str, str], int]:
        rows = self.query("SELECT sku, bucket, qty FROM stock WHERE warehouse = ?", (edge_id,))
        return {(sku, bucket): qty for sku, bucket, qty in rows if qty}


@contextmanager
def running_central(data_dir: Path, *, edge_id: str = "edge-1") -> Iterator[Central]:
    """A central with `edge_id` registered (which creates the database), serving on a free port
    of 127.0.0.1; the admin token comes from the environment."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / "central.db"
    out = central_cli("edges", "add", edge_id, "--db", str(db_path))
    token = re.search(r"token \(shown once\): (\S+)", out)
    assert token, out
    central = Central(db_path, data_dir / "central.log", free_port(), token.group(1)).start()
    try:
        yield central
    finally:
        central.stop()


def edge_outbox(store: Store) -> list[tuple[int, int, str]]:
    return [
        tuple(r)
        for r in store.read().execute(  # type: ignore[misc]
            "SELECT epoch, seq, event_id FROM outbox ORDER BY epoch, seq"
        )
    ]


def edge_stock(conn: sqlite3.Connection) -> dict[tuple[str, str], int]:
    rows = conn.execute("SELECT sku, bucket, SUM(qty) FROM balances GROUP BY 1, 2")
    return {(sku, bucket): qty for sku, bucket, qty in rows if qty}


def assert_in_step(central: Central, store_or_conn: Any, edge_id: str = "edge-1") -> None:
    """Central holds seqs exactly 1..N per epoch, the edge's very events, and its stock figures."""
    conn = store_or_conn.read() if isinstance(store_or_conn, Store) else store_or_conn
    held = central.events(edge_id)
    ours = [tuple(r) for r in conn.execute("SELECT epoch, seq, event_id FROM outbox ORDER BY 1, 2")]
    for epoch in {e for e, _, _ in held}:
        seqs = [s for e, s, _ in held if e == epoch]
        assert seqs == list(range(1, len(seqs) + 1)), f"epoch {epoch}: seqs not 1..N"
    assert held == ours
    assert central.stock(edge_id) == edge_stock(conn)
