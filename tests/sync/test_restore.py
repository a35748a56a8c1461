"""Restoring an edge from an older backup, with real processes: central, `warehouse-edge serve`,
`backup` while it runs, `restore`, `sync status`, `sync reconcile`, `verify`.

What central holds of the edge past the backup is taken back and re-applied before the edge
serves again; orders those events touched are not offered to pickers a second time; the new
epoch is above every epoch central holds; another edge's backup is refused."""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import run_cli, running_server, seed, write_config
from tests.support import EAN13, Floor, seed_floor
from tests.sync.central import Central, assert_in_step, edge_stock
from tests.sync.onfloor import order_from_central, picker_and_supervisor, queued, synced
from tests.sync.running import eventually

pytestmark = pytest.mark.slow


@pytest.fixture
def edge_dir(tmp_path: Path) -> Path:
    path = tmp_path / "edge"
    path.mkdir()
    seed(path / "edge.db", seed_floor)
    return path


def read_only(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def one(path: Path, sql: str, params: Any = ()) -> Any:
    conn = read_only(path)
    try:
        row = conn.execute(sql, params).fetchone()
        return None if row is None else tuple(row)
    finally:
        conn.close()


def adjust(http: httpx.Client, headers: dict[str, str], delta: int) -> None:
    body = {
        "request_id": uuid.uuid4().hex,
        "sku": "SKU-2",
        "location": "A-01-02",
        "delta": delta,
        "reason": "count",
    }
    http.post("/api/v1/stock/adjustments", json=body, headers=headers).raise_for_status()


def test_a_restored_edge_takes_back_what_central_holds_past_its_backup_before_it_serves(
    central: Central, edge_dir: Path, tmp_path: Path
) -> None:
    config, backup_file = edge_dir / "edge.toml", tmp_path / "backup.db"
    with (
        running_server(edge_dir, config=synced(central.url, central.edge_token)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
        central.admin() as admin,
    ):
        floor, picker, sup = picker_and_supervisor(http)
        order_id = order_from_central(admin, http, sup, 2)
        eventually(lambda: queued(http, sup) == 0, what="everything at central")
        made = run_cli("backup", "--config", str(config), "--out", str(backup_file))
        # After the backup: 3 adjustments and the order picked, all of it reaching central.
        for delta in (-1, -1, 1):
            adjust(http, sup, delta)
        floor.start(picker, "pick")
        picks = [floor.scan(picker, raw).status_code for raw in ("T-0001", "A-01-01", EAN13, EAN13)]
        eventually(lambda: queued(http, sup) == 0, what="the later events at central")
        before = http.get(f"/api/v1/orders/{order_id}", headers=sup).json()["status"]
    restored = run_cli("restore", str(backup_file), "--yes", "--config", str(config))

    db = edge_dir / "edge.db"
    status = run_cli("sync", "status", "--config", str(config))
    verified = run_cli("verify", "--config", str(config))
    conn = read_only(db)
    try:  # the events central held are the edge's again, and so is the stock
        ours = conn.execute("SELECT epoch, seq, event_id FROM outbox WHERE epoch = 1").fetchall()
        assert central.events() == [tuple(r) for r in ours]
        assert central.stock() == edge_stock(conn)
    finally:
        conn.close()
    assert made.returncode == 0, made.stderr
    assert (picks, before) == ([200] * 4, "picked")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "central held 8 events of this edge past the backup" in restored.stdout, restored.stdout
    assert one(db, "SELECT status FROM orders WHERE id = ?", (order_id,)) == ("on_hold",)
    assert one(db, "SELECT COUNT(*) FROM allocations") == (0,)
    assert one(db, "SELECT value FROM edge_meta WHERE key = 'epoch'") == ("2",)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert status.returncode == 4 and "needs a person: 1 orders on hold" in status.stdout
    (gap,) = [x for x in admin_exceptions(central) if x["kind"] == "restore_gap"]
    assert "epoch 1 seq" in gap["detail"] and order_id in gap["detail"]

    # Serving again: the hold goes up in the new epoch, and both sides still agree; the
    # supervisor cancels the held order (its units go back) and the edge's status is clear.
    with running_server(edge_dir, config=synced(central.url, central.edge_token)) as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            sup = Floor.enrol(None, http).login("B-SUP")
            eventually(lambda: queued(http, sup) == 0, what="the hold at central")
            with central.admin() as admin:
                held_at_central = admin.get(f"/api/v1/orders/{order_id}").json()["status"]
            http.post(
                f"/api/v1/orders/{order_id}/cancel", json={"reason": "restored"}, headers=sup
            ).raise_for_status()
            tasks = http.get("/api/v1/putbacks", headers=sup).json()
            for task in tasks:
                http.post(
                    f"/api/v1/putbacks/{task['id']}/done", json={"location": "A-01-01"}, headers=sup
                ).raise_for_status()
            eventually(lambda: queued(http, sup) == 0, what="the cancel at central")
        server.stop()
    clear = run_cli("sync", "status", "--config", str(config))
    conn = read_only(db)
    try:
        assert_in_step(central, conn)
    finally:
        conn.close()
    assert held_at_central == "on_hold"
    assert [(t["container"], t["sku"], t["qty"]) for t in tasks] == [("T-0001", "SKU-1", 2)]
    assert clear.returncode == 0, clear.stdout
    assert {e for e, _, _ in central.events()} == {1, 2}


def admin_exceptions(central: Central) -> list[dict[str, Any]]:
    with central.admin() as admin:
        return admin.get("/api/v1/exceptions").json()


def test_restore_refuses_a_backup_of_another_edge_and_changes_nothing(
    edge_dir: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    seed(other / "edge.db", seed_floor, edge_id="edge-2")
    config = write_config(edge_dir)
    assert (
        run_cli(
            "backup",
            "--db",
            str(other / "edge.db"),
            "--out",
            str(tmp_path / "b.db"),
            "--config",
            str(config),
        ).returncode
        == 0
    )
    before = (edge_dir / "edge.db").read_bytes()

    refused = run_cli("restore", str(tmp_path / "b.db"), "--yes", "--config", str(config))

    assert refused.returncode == 1
    assert "backup_of_another_edge" in refused.stderr and "edge-2" in refused.stderr
    assert "not of this edge (edge-1)" in refused.stderr
    assert (edge_dir / "edge.db").read_bytes() == before


def test_a_restore_central_cannot_be_asked_about_holds_the_edge_until_it_is(
    central: Central, edge_dir: Path, tmp_path: Path
) -> None:
    config = write_config(edge_dir, synced(central.url, central.edge_token))
    backup_file = tmp_path / "backup.db"
    assert run_cli("backup", "--config", str(config), "--out", str(backup_file)).returncode == 0
    # Central already holds a later epoch of this edge (an earlier life, its clock ahead), with
    # an adjustment this database never saw.
    far = 1_900_000_000
    lost = {
        "event_id": uuid.uuid4().hex,
        "edge_id": "edge-1",
        "epoch": far,
        "seq": 1,
        "schema_version": 1,
        "type": "stock_adjusted",
        "occurred_at": "2026-11-25T09:00:00Z",
        "order_id": None,
        "sku": "SKU-2",
        "payload": {
            "operator_id": None,
            "movements": [
                {
                    "id": 3,
                    "type": "adjust",
                    "reason": "count",
                    "sku": "SKU-2",
                    "lot": "",
                    "serial": "",
                    "qty": 2,
                    "from": ["A-01-02", "", "on_hand"],
                    "to": ["", "", "adjusted"],
                }
            ],
        },
    }
    sent = httpx.post(
        f"{central.url}/api/v1/edges/edge-1/events",
        json={"events": [lost]},
        headers={"Authorization": f"Bearer {central.edge_token}"},
    )
    central.stop()

    restored = run_cli("restore", str(backup_file), "--yes", "--config", str(config))
    status = run_cli("sync", "status", "--config", str(config))
    started = time.monotonic()
    serve = run_cli("serve", "--config", str(config), "--port", "0", timeout=60)
    refused_in = time.monotonic() - started
    central.start()
    reconciled = run_cli("sync", "reconcile", "--config", str(config))
    verified = run_cli("verify", "--config", str(config))
    sent_up = run_cli("sync", "run-once", "--config", str(config))  # its never-sent epoch 1

    assert sent.status_code == 200, sent.text
    assert restored.returncode == 4 and "sync reconcile" in restored.stderr
    assert status.returncode == 4 and "needs a person: restored from a backup" in status.stdout
    assert serve.returncode == 4 and "will not serve" in serve.stderr and refused_in < 30
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
    assert f"new sync epoch {far + 1}" in reconciled.stdout
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert sent_up.returncode == 0, sent_up.stdout + sent_up.stderr
    assert one(edge_dir / "edge.db", "SELECT qty FROM balances WHERE sku = 'SKU-2'") == (3,)
    conn = read_only(edge_dir / "edge.db")
    try:
        assert_in_step(central, conn)
    finally:
        conn.close()
