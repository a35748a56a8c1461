"""Online backup while the writer keeps committing, and restore into a new sync epoch."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx

from edge.domain.stock import MoveStock, ReceiveStock
from edge.service.stock import move, receive
from edge.store import catalog
from edge.store.backup import backup, drop_old_backups, restore
from edge.store.database import Store
from edge.store.ledger import Actor
from tests.servers import running_server

CLI = str(Path(sys.executable).with_name("warehouse-edge"))


def _seed(store: Store) -> None:
    def seed(tx: object) -> None:
        catalog.upsert_product(tx, sku="S1", name="Tea")
        catalog.upsert_location(tx, code="A", type="bin")
        catalog.upsert_location(tx, code="B", type="bin")
        receive(tx, ReceiveStock("S1", "A", 1000), Actor())

    store.writer.call(seed)


def _counts(path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("SELECT COUNT(*) FROM movements").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0],
        )
    finally:
        conn.close()


def test_a_backup_taken_during_writes_is_a_consistent_ledger(store: Store, tmp_path: Path) -> None:
    _seed(store)
    stop = threading.Event()

    def keep_moving() -> None:
        while not stop.is_set():
            store.writer.call(lambda tx: move(tx, MoveStock("S1", "A", "B", 1), Actor()))

    mover = threading.Thread(target=keep_moving)
    mover.start()
    try:
        backup(store.path, tmp_path / "copy.db", pages=1)
    finally:
        stop.set()
        mover.join()

    result = subprocess.run(
        [CLI, "verify", "--db", str(tmp_path / "copy.db")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    movements, events = _counts(tmp_path / "copy.db")
    assert movements == events


def test_restore_starts_a_provisional_epoch_above_the_backup_and_the_replaced_file_not_the_clock(
    store: Store, tmp_path: Path
) -> None:
    _seed(store)
    backup(store.path, tmp_path / "copy.db")
    target = tmp_path / "restored.db"

    epoch = restore(tmp_path / "copy.db", target, edge_id="edge-1")
    again = restore(tmp_path / "copy.db", target, edge_id="edge-1")

    assert (epoch, again) == (2, 3)  # central's epochs decide the final one (tests/sync)
    pending = (
        sqlite3.connect(target)
        .execute("SELECT value FROM edge_meta WHERE key = 'restore_pending'")
        .fetchone()
    )
    assert json.loads(pending[0])["high_water"] == {"1": 1}


def test_events_after_a_restore_number_from_one_in_the_new_epoch(
    store: Store, tmp_path: Path
) -> None:
    _seed(store)
    backup(store.path, tmp_path / "copy.db")
    target = tmp_path / "restored.db"
    epoch = restore(tmp_path / "copy.db", target, edge_id="edge-1")

    restored = Store(target)
    try:
        restored.writer.call(lambda tx: move(tx, MoveStock("S1", "A", "B", 5), Actor()))
        rows = (
            restored.read().execute("SELECT epoch, seq FROM outbox ORDER BY epoch, seq").fetchall()
        )
    finally:
        restored.close()

    assert [tuple(r) for r in rows] == [(1, 1), (epoch, 1)]
    assert restored.epoch == epoch


def test_the_backup_and_restore_commands_round_trip(store: Store, tmp_path: Path) -> None:
    _seed(store)
    store.close()

    made = subprocess.run(
        [CLI, "backup", "--db", str(store.path), "--out", str(tmp_path / "b.db")],
        capture_output=True,
        text=True,
    )
    back = subprocess.run(
        [CLI, "restore", str(tmp_path / "b.db"), "--db", str(tmp_path / "r.db"), "--yes"],
        capture_output=True,
        text=True,
    )

    assert made.returncode == 0, made.stderr
    assert "integrity ok" in made.stdout
    assert back.returncode == 0, back.stderr
    assert "new sync epoch" in back.stdout
    assert _counts(tmp_path / "r.db") == _counts(store.path)


def test_restoring_a_missing_backup_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    result = subprocess.run(
        [CLI, "restore", str(tmp_path / "none.db"), "--db", str(tmp_path / "r.db"), "--yes"],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 1
    assert "not_found" in result.stderr
    assert not (tmp_path / "r.db").exists()


def test_backup_keep_deletes_all_but_the_newest_of_its_own_backups(
    store: Store, tmp_path: Path
) -> None:
    _seed(store)
    folder = tmp_path / "backups"
    folder.mkdir()
    old = [folder / f"edge-2026110{d}T023000Z.db" for d in range(1, 6)]
    for path in old:
        path.write_bytes(b"an older backup")
    mine = folder / "edge-notes.db"  # not named by `backup`: never touched
    mine.write_bytes(b"the site's own")
    config = tmp_path / "edge.toml"
    config.write_text(f'[edge]\ndata_dir = "{tmp_path}"\n[store]\nbackup_dir = "{folder}"\n')

    done = subprocess.run(
        [CLI, "backup", "--config", str(config), "--keep", "3"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == [f"deleted old backup {p}" for p in old[:3]]
    left = sorted(p.name for p in folder.iterdir())
    assert len(left) == 4 and left[:2] == [old[3].name, old[4].name] and mine.name in left


def test_backup_keep_days_deletes_backups_older_than_that_but_never_the_newest(
    tmp_path: Path,
) -> None:
    names = ["edge-20260101T000000Z.db", "edge-20261125T000000Z.db", "edge-20261202T000000Z.db"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    now = datetime(2026, 12, 3, tzinfo=UTC)

    dropped = drop_old_backups(tmp_path, now=now, keep_days=7)
    alone = drop_old_backups(tmp_path, now=datetime(2030, 1, 1, tzinfo=UTC), keep_days=1)

    assert [p.name for p in dropped] == names[:2]
    assert (alone, sorted(p.name for p in tmp_path.iterdir())) == ([], names[2:])


def test_restore_is_refused_while_the_edge_serves_the_database_and_changes_nothing(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "edge"
    data_dir.mkdir()
    with running_server(data_dir) as server:
        made = subprocess.run(
            [CLI, "backup", "--config", str(server.config_path), "--out", str(tmp_path / "b.db")],
            capture_output=True,
            text=True,
        )
        assert made.returncode == 0, made.stderr
        before = _counts(server.db_path)

        refused = subprocess.run(
            [CLI, "restore", str(tmp_path / "b.db"), "--config", str(server.config_path), "--yes"],
            capture_output=True,
            text=True,
        )

        assert refused.returncode == 1
        pid = server.process.pid
        assert refused.stderr.splitlines() == [
            f"error: database_in_use: The database {server.db_path} is in use by warehouse-edge"
            f" serve (pid {pid}); nothing was changed. Stop it first (systemctl stop"
            " warehouse-edge), then run this again.",
            f"  数据库 {server.db_path} 正被 warehouse-edge serve（进程 {pid}）使用；未做任何更改。"
            "请先停止它（systemctl stop warehouse-edge），再重新运行。",
        ]
        assert httpx.get(f"{server.url}/readyz").status_code == 200
        assert _counts(server.db_path) == before
