"""A SQLite central whose write lock another process holds (an import, a backup, a `sqlite3`
shell) answers 503 `database_busy` with Retry-After once its busy timeout runs out, changes
nothing, and takes the same request once the lock is gone — a real `serve` and a real second
process holding `BEGIN IMMEDIATE`."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from central_sync.channels import sample_path
from tests.central.servers import CentralServer, run_central, running_central
from tests.central.support import channel_order, product

HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()  # until the test closes our stdin
conn.execute("ROLLBACK")
"""


@pytest.fixture
def central(tmp_path: Path) -> Iterator[CentralServer]:
    db = str(tmp_path / "central.db")
    env = {"WAREHOUSE_CENTRAL_BUSY_TIMEOUT_S": "0.5"}
    with running_central(db, tmp_path, env=env) as server:
        yield server


@pytest.fixture
def write_lock(central: CentralServer) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the database's write lock until the test ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, central.db],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    yield holder
    if holder.poll() is None:
        release(holder)


def release(holder: subprocess.Popen[str]) -> None:
    assert holder.stdin is not None
    holder.stdin.close()
    assert holder.wait(10) == 0


def test_a_write_while_another_process_holds_the_lock_is_answered_busy_then_taken(
    central: CentralServer, write_lock: subprocess.Popen[str]
) -> None:
    admin = {"Authorization": f"Bearer {central.admin_token}"}
    order = channel_order("BUSY-1", ("SKU-1", 1))

    with httpx.Client(base_url=central.url, headers=admin, timeout=20) as http:
        busy = http.post("/api/v1/orders", json=order, headers={"Accept-Language": "zh"})
        listed = http.get("/api/v1/orders")  # readers are not blocked (WAL)
        release(write_lock)
        http.put("/api/v1/products/SKU-1", json=product("SKU-1"))
        again = http.post("/api/v1/orders", json=order)

    assert busy.status_code == 503
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.headers["retry-after"] == "2"
    problem = busy.json()
    assert (problem["code"], problem["status"]) == ("database_busy", 503)
    assert problem["detail"].startswith("中心数据库正被另一个程序写入")
    assert problem["messages"]["en"] == (
        "Central's database is busy with another program's write (an import or a backup); "
        "nothing was changed. Send the same request again in 2 s."
    )
    assert (listed.status_code, listed.json()) == (200, {"orders": []})
    assert again.status_code == 201, again.text


@pytest.mark.usefixtures("write_lock")
def test_registering_an_edge_while_the_lock_is_held_is_answered_busy_and_logged_in_one_line(
    central: CentralServer,
) -> None:
    admin = {"Authorization": f"Bearer {central.admin_token}"}
    with httpx.Client(base_url=central.url, timeout=20) as http:
        busy = http.post("/api/v1/edges", json={"edge_id": "edge-9"}, headers=admin)

    assert (busy.status_code, busy.json()["code"]) == (503, "database_busy")
    assert "database is locked" in central.log_path.read_text()
    assert "Traceback" not in central.log_path.read_text()


def test_an_import_while_another_process_holds_the_lock_stops_with_the_reason_not_a_traceback(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "central.db")
    assert run_central("catalog", "sample", "--db", db).returncode == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, db],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    try:
        done = run_central(
            "import-orders",
            str(sample_path("taobao")),
            "--channel",
            "taobao",
            "--db",
            db,
            "--busy-timeout",
            "0.5",
        )
    finally:
        release(holder)
    again = run_central(
        "import-orders", str(sample_path("taobao")), "--channel", "taobao", "--db", db
    )

    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "stayed locked by another process past --busy-timeout" in done.stderr
    assert "taobao.json: 10 imported" in again.stdout  # nothing went in while it was locked
