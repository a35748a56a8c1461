"""Files with data or secrets are owner-only whatever the umask: 0600 files in 0700 directories,
on the edge (database, WAL/SHM, backups, printed labels) and at central (database)."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from central_sync.server.central import Central
from edge.files import private_database
from edge.service import local_ca as tls
from edge.store.backup import backup, restore
from edge.store.database import Store


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    """The usual 022: without care, files would come out 0644 and directories 0755."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_the_edge_database_and_its_wal_and_shm_are_owner_only_in_an_owner_only_directory(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var" / "edge"

    store = Store(data_dir / "edge.db")
    store.writer.call(lambda tx: tx.execute("INSERT INTO edge_meta VALUES ('probe', '1')"))
    files = {p.name: mode(p) for p in data_dir.iterdir()}
    store.close()

    assert {n: m for n, m in files.items() if n.startswith("edge.db")} == {
        "edge.db": 0o600,
        "edge.db-wal": 0o600,
        "edge.db-shm": 0o600,
    }
    assert (mode(data_dir), mode(data_dir.parent)) == (0o700, 0o700)


def test_a_database_left_world_readable_by_an_older_version_is_tightened_when_opened(
    tmp_path: Path,
) -> None:
    db = tmp_path / "edge.db"
    Store(db).close()
    os.chmod(db, 0o644)

    Store(db).close()

    assert mode(db) == 0o600


def test_a_backup_and_a_restored_database_are_owner_only(tmp_path: Path) -> None:
    source = tmp_path / "edge.db"
    Store(source).close()
    target = tmp_path / "backups" / "edge-1.db"

    backup(source, target)
    os.chmod(source, 0o644)
    restore(target, source, edge_id="edge-1")

    assert (mode(target), mode(target.parent), mode(source)) == (0o600, 0o700, 0o600)


def test_centrals_sqlite_database_is_owner_only_in_an_owner_only_directory(
    tmp_path: Path,
) -> None:
    home = tmp_path / "central"
    central = Central(f"sqlite:///{home / 'central.db'}")
    central.open()
    central.close()

    assert (mode(home), mode(home / "central.db")) == (0o700, 0o600)


def test_tls_keys_are_owner_only_in_an_owner_only_directory(tmp_path: Path) -> None:
    directory = tmp_path / "etc" / "tls"

    files = tls.init(directory, ["edge.local"], label="edge-1", now=datetime.now(UTC))

    assert (mode(directory), mode(files.ca_key), mode(files.server_key)) == (0o700, 0o600, 0o600)


def test_an_existing_directory_is_left_as_its_installer_made_it(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o750)

    private_database(shared / "edge.db")

    assert (mode(shared), mode(shared / "edge.db")) == (0o750, 0o600)


def test_making_the_database_private_again_keeps_the_locks_of_its_open_connections(
    tmp_path: Path,
) -> None:
    """Every new pooled connection makes the file private first. Opening and closing a
    descriptor of the database would drop every POSIX lock this process holds on it
    (sqlite.org/howtocorrupt.html, 2.2): another process closing its connection then takes
    itself for the last one, checkpoints and deletes the WAL under ours, and what we write next
    goes into a deleted file (central answered 201 for an order no one could read after)."""
    db = tmp_path / "central.db"
    private_database(db)
    ours = sqlite3.connect(db, isolation_level=None)
    ours.execute("PRAGMA journal_mode=WAL")
    ours.execute("CREATE TABLE orders (id TEXT)")
    ours.execute("BEGIN")
    ours.execute("SELECT count(*) FROM orders").fetchall()  # a read transaction holds its locks

    private_database(db)  # as the pool does before it opens a second connection
    other = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('SELECT 1'); c.close()"
    )
    subprocess.run([sys.executable, "-c", other, str(db)], check=True, timeout=60)
    ours.execute("COMMIT")
    ours.execute("INSERT INTO orders VALUES ('shopify:1')")

    seen = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM orders').fetchone()[0])"
    out = subprocess.run(
        [sys.executable, "-c", seen, str(db)],
        check=True,
        timeout=60,
        capture_output=True,
        text=True,
    )
    assert out.stdout.strip() == "1"
    assert Path(f"{db}-wal").exists()
