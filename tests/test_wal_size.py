"""The edge's WAL file shrinks back after a long read made it grow (journal_size_limit)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edge.store import db


def _grow_wal_under_a_reader(path: Path, writer: sqlite3.Connection) -> None:
    """Writes about 4 MiB while a reader holds its snapshot, so no checkpoint can restart the
    WAL: the file grows past them. Then the reader ends and the writer checkpoints."""
    writer.execute("CREATE TABLE IF NOT EXISTS blob (id INTEGER PRIMARY KEY, data BLOB)")
    reader = sqlite3.connect(str(path))
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM blob").fetchone()  # the snapshot is held from here
    for _ in range(64):
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO blob (data) VALUES (zeroblob(65536))")
        writer.execute("COMMIT")
    reader.execute("COMMIT")
    reader.close()
    # the WAL can start over now: the first commit after a full checkpoint restarts it
    writer.execute("PRAGMA wal_checkpoint(RESTART)")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO blob (data) VALUES (x'00')")
    writer.execute("COMMIT")


def test_the_wal_is_cut_back_to_its_limit_once_a_long_read_has_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "WAL_SIZE_LIMIT", 512 * 1024)
    path = tmp_path / "edge.db"
    writer = db.connect(path)
    _grow_wal_under_a_reader(path, writer)
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size <= 512 * 1024
    writer.close()


def test_without_a_limit_the_same_reads_leave_the_wal_large(tmp_path: Path) -> None:
    """The check above can fail: the same steps on a connection with no limit keep the file."""
    path = tmp_path / "edge.db"
    writer = sqlite3.connect(str(path), isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    _grow_wal_under_a_reader(path, writer)
    assert Path(f"{path}-wal").stat().st_size > 4 * 1024 * 1024
    writer.close()


def test_every_edge_connection_sets_the_limit(tmp_path: Path) -> None:
    conn = db.connect(tmp_path / "edge.db")
    assert conn.execute("PRAGMA journal_size_limit").fetchone()[0] == db.WAL_SIZE_LIMIT
    conn.close()
