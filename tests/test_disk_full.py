"""A full disk, for real: the edge's database (and its WAL) on a size-limited tmpfs, a real
`warehouse-edge serve` on it, the disk filled. Scans are refused cleanly (507 `storage_full`,
nothing half-applied), reads are still served, /readyz and /metrics say so; once space is freed
the edge recovers without a restart and every acknowledged scan is in the ledger once."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from central_sync.server import messages as central_messages
from edge.api.app import _housekeeping
from edge.config import load_settings
from edge.domain import messages
from edge.store.database import Store
from edge.store.writer import PROBE_S
from tests.central.servers import running_central
from tests.central.support import channel_order, product
from tests.servers import EdgeServer, run_cli, seed, serve_edge, stopping, write_config
from tests.support import EAN13, log_in_on, new_device
from tests.test_durability import seed as seed_stock

pytestmark = pytest.mark.slow

DISK_KB = 4096  # the seeded database is ~700 KB; room for the WAL to start, then the filler


@contextmanager
def small_disk(where: Path, size_kb: int) -> Iterator[Path]:
    """A tmpfs of `size_kb` mounted at `where` for the block (root only: skipped otherwise)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a size-limited tmpfs needs root")
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        # lazily if a straggler still holds a file: the mount must not outlive the test
        if subprocess.run(["umount", str(where)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path) -> Path:
    """Write a filler file until the filesystem has no byte left."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        for size in (65536, 4096, 512, 1):
            try:
                while f.write(b"\0" * size):
                    pass
            except OSError:
                pass
    return filler


def scan(http: httpx.Client, headers: dict[str, str], raw: str, sid: str = "") -> httpx.Response:
    body = {"scan_id": sid or uuid.uuid4().hex, "raw": raw}
    return http.post("/api/v1/scans", json=body, headers=headers)


@pytest.fixture(params=["thread", "process"])
def edge_on_small_disk(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[EdgeServer]:
    """An edge on a tiny filesystem, with its writer a thread or a process ([store] writer)."""
    with small_disk(tmp_path / "disk", DISK_KB) as disk:
        seed(disk / "edge.db", seed_stock)
        sections = {"logging": {"level": "WARNING"}, "store": {"writer": request.param}}
        config = write_config(disk, sections)
        with stopping(serve_edge(config, tmp_path / "serve.log")) as server:
            yield server


def metric(http: httpx.Client, name: str) -> float:
    lines = [x for x in http.get("/metrics").text.splitlines() if x.startswith(name + " ")]
    assert len(lines) == 1, name
    return float(lines[0].split()[1])


def ready_again(http: httpx.Client, timeout: float = 60.0) -> httpx.Response:
    """/readyz until it answers 200 (the writer probes the disk every few seconds)."""
    deadline = time.monotonic() + timeout
    while (resp := http.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    return resp


def test_a_full_disk_refuses_scans_cleanly_serves_reads_and_recovers_once_space_is_freed(
    edge_on_small_disk: EdgeServer,
) -> None:
    server = edge_on_small_disk
    with httpx.Client(base_url=server.url, timeout=30) as http:
        headers = log_in_on(http, new_device(http, "HH-1"), "B-PICK")
        http.post("/api/v1/work-sessions", json={"workflow": "move"}, headers=headers)
        for bin_code in ("A-01", "A-02"):
            assert scan(http, headers, bin_code).status_code == 200
        acked = [uuid.uuid4().hex for _ in range(3)]
        assert [scan(http, headers, EAN13, sid).status_code for sid in acked] == [200] * 3
        filler = fill(server.db_path.parent)
        refused = []
        for _ in range(20):  # whatever still fits is acknowledged; the rest is refused
            sid = uuid.uuid4().hex
            resp = scan(http, headers, EAN13, sid)
            if resp.status_code == 200:
                acked.append(sid)
            else:
                refused.append((sid, resp))

        problem = refused[-1][1]
        full = http.get("/readyz")
        reads = [
            http.get("/healthz").status_code,
            http.get("/api/v1/stock/SKU-1", headers=headers).status_code,
            http.get("/api/v1/locations/A-01", headers=headers).status_code,
            http.get("/ui/").status_code,
        ]
        full_metrics = (metric(http, "edge_storage_full"), metric(http, "edge_writer_up"))
        time.sleep(PROBE_S + 1)  # the writer's probe is refused too: still not ready
        still_full = http.get("/readyz").status_code
        filler.unlink()
        ready = ready_again(http)
        freed_metrics = metric(http, "edge_storage_full")
        retried = scan(http, headers, EAN13, refused[0][0])
        again = scan(http, headers, EAN13, refused[0][0])
    exit_code = server.stop()

    assert len(refused) >= 10, "the disk never filled"
    assert {resp.status_code for _, resp in refused} == {507}
    assert problem.headers["content-type"] == "application/problem+json"
    body = problem.json()
    assert (body["code"], body["status"]) == ("storage_full", 507)
    assert body["messages"]["en"] == messages.render("storage_full", "en", {})
    assert body["messages"]["zh"] == messages.render("storage_full", "zh", {})
    assert "Traceback" not in problem.text
    assert (full.status_code, full.json()["status"]) == (503, "storage_full")
    assert "Free space on the disk holding" in full.json()["reason"]
    assert reads == [200, 200, 200, 200]
    assert (full_metrics, still_full) == ((1.0, 1.0), 503)
    assert (ready.status_code, ready.json()["status"], freed_metrics) == (200, "ready", 0.0)
    assert (retried.status_code, again.json()) == (200, retried.json())
    assert exit_code == 0
    log = server.log()
    assert log.count("is full: scans and every other write are refused") == 1, log
    assert log.count("writes succeed again") == 1, log
    assert "Traceback" not in log, log
    assert_scans_in_ledger(server.db_path, [*acked, refused[0][0]], [sid for sid, _ in refused[1:]])
    verified = run_cli("verify", "--db", str(server.db_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def assert_scans_in_ledger(db: Path, moved: list[str], refused: list[str]) -> None:
    """Each of `moved` made exactly one movement; none of `refused` left a trace."""
    with closing(sqlite3.connect(db)) as conn:
        counts = dict(
            conn.execute(
                "SELECT scan_id, COUNT(*) FROM movements WHERE scan_id IS NOT NULL GROUP BY 1"
            )
        )
        answered = {k for (k,) in conn.execute("SELECT key FROM answers WHERE kind = 'scan'")}
    assert {sid: counts.get(sid) for sid in moved} == dict.fromkeys(moved, 1)
    assert not set(refused) & (counts.keys() | answered)


def test_the_hourly_forgetting_of_old_scan_answers_outlives_a_full_disk(tmp_path: Path) -> None:
    old = "2000-01-01T00:00:00.000000Z"

    async def forget_through_a_full_disk(store: Store, disk: Path) -> tuple[bool, int]:
        task = asyncio.create_task(_housekeeping(store, load_settings(env={}), every_s=0.05))
        filler = fill(disk)
        await asyncio.sleep(1.0)  # rounds refused for want of space
        survived = not task.done()
        filler.unlink()
        deadline = time.monotonic() + 30
        while answers(store) and time.monotonic() < deadline and not task.done():
            await asyncio.sleep(0.05)
        task.cancel()
        return survived, answers(store)

    def answers(store: Store) -> int:
        return int(store.read().execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    with small_disk(tmp_path / "disk", 2048) as disk:
        store = Store(disk / "edge.db")
        try:
            store.writer.call(
                lambda tx: tx.conn.executemany(
                    "INSERT INTO answers (key, kind, request_hash, body, at)"
                    " VALUES (?, 'scan', '', ?, ?)",
                    [(f"old-{n}", "x" * 500, old) for n in range(200)],
                )
            )
            survived, left = asyncio.run(forget_through_a_full_disk(store, disk))
        finally:
            store.close()

    assert (survived, left) == (True, 0)


def test_central_on_sqlite_refuses_writes_on_a_full_disk_with_507_serves_reads_and_recovers(
    tmp_path: Path,
) -> None:
    def order(n: int) -> dict[str, Any]:
        return channel_order(f"FULL-{n}", ("SKU-1", 1))

    with small_disk(tmp_path / "disk", DISK_KB) as disk:
        with running_central(str(disk / "central.db"), tmp_path) as central:
            admin = {"Authorization": f"Bearer {central.admin_token}"}
            with httpx.Client(base_url=central.url, headers=admin, timeout=30) as http:
                http.put("/api/v1/products/SKU-1", json=product("SKU-1")).raise_for_status()
                assert http.post("/api/v1/orders", json=order(0)).status_code == 201
                filler = fill(disk)
                tried = {n: http.post("/api/v1/orders", json=order(n)) for n in range(1, 21)}
                listed = http.get("/api/v1/orders")
                full = http.get("/readyz")
                filler.unlink()
                ready = http.get("/readyz")
                refused = [n for n, resp in tried.items() if resp.status_code != 201]
                again = [http.post("/api/v1/orders", json=order(n)).status_code for n in refused]
                held = http.get("/api/v1/orders").json()["orders"]
            exit_code = central.stop()

    assert len(refused) >= 10, "the disk never filled"
    problem = tried[refused[-1]]
    assert {tried[n].status_code for n in refused} == {507}
    assert problem.headers["content-type"] == "application/problem+json"
    assert (problem.json()["code"], problem.json()["status"]) == ("storage_full", 507)
    assert problem.json()["messages"] == {
        lang: central_messages.render("storage_full", lang, {}) for lang in ("en", "zh")
    }
    assert listed.status_code == 200
    assert (full.status_code, full.json()["ok"]) == (503, False)
    assert "full since" in full.json()["reason"]
    assert (ready.status_code, ready.json()["ok"]) == (200, True)
    assert again == [201] * len(refused)
    assert sorted(o["channel_order_id"] for o in held) == sorted(f"FULL-{n}" for n in range(21))
    assert exit_code == 0
    log = central.log()
    assert log.count("is full: writes are refused") == 1, log
    assert log.count("writes succeed again") == 1, log
    assert "Traceback" not in log, log
