"""The store facade: the database file, its single writer and its readers."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from pathlib import Path

from edge.store.db import Readers, open_database
from edge.store.writer import Tx, Writer
from edge.store.writer_process import ProcessWriter
from kernel.disk import has_room

log = logging.getLogger("edge.store")


class Store:
    """Opens (and migrates) the edge database; the only owner of its connections."""

    def __init__(
        self,
        path: Path | str,
        *,
        edge_id: str = "edge-1",
        busy_timeout_ms: int = 5000,
        max_batch: int = 256,
        writer: str = "thread",
    ) -> None:
        self.path = Path(path)
        applied = open_database(self.path, busy_timeout_ms=busy_timeout_ms)
        if applied:
            log.info("database %s: applied migrations %s", self.path, ", ".join(applied))
        kind = ProcessWriter if writer == "process" else Writer
        self.writer: Writer | ProcessWriter = kind(
            self.path, max_batch=max_batch, busy_timeout_ms=busy_timeout_ms, probe=probe_storage
        )
        self.readers = Readers(self.path, busy_timeout_ms=busy_timeout_ms)
        self.edge_id, self.epoch = self.writer.call(lambda tx: _identity(tx, edge_id))

    def read(self) -> sqlite3.Connection:
        """This thread's read connection."""
        return self.readers.get()

    def close(self) -> None:
        self.writer.close()
        self.readers.close()


def _identity(tx: Tx, edge_id: str) -> tuple[str, int]:
    """The edge id is fixed at first start; epoch 1 until a restore begins a new one."""
    tx.execute("INSERT OR IGNORE INTO edge_meta (key, value) VALUES ('edge_id', ?)", (edge_id,))
    tx.execute("INSERT OR IGNORE INTO edge_meta (key, value) VALUES ('epoch', '1')")
    tx.execute(
        "INSERT OR IGNORE INTO edge_meta (key, value) VALUES ('install_id', ?)",
        (str(uuid.uuid4()),),
    )
    rows = dict(tx.execute("SELECT key, value FROM edge_meta"))
    if rows["edge_id"] != edge_id:
        log.warning(
            "config says edge id %s but the database belongs to %s; keeping %s",
            edge_id,
            rows["edge_id"],
            rows["edge_id"],
        )
    return rows["edge_id"], int(rows["epoch"])


def probe_storage(tx: Tx) -> None:
    """One small write: while the disk is full the writer tries it now and then, and its
    commit says that space is back (refused while under MIN_FREE_BYTES are free there)."""
    path = tx.one("PRAGMA database_list")
    if path is not None and path["file"] and not has_room(path["file"]):
        raise sqlite3.OperationalError("database or disk is full: under 1 MiB free")
    tx.execute(
        "INSERT INTO edge_meta (key, value) VALUES ('storage_probed_at', ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (tx.at,),
    )


def meta_value(conn: sqlite3.Connection | Tx, key: str) -> str | None:
    """A value of the edge's own facts (edge_meta), None where it was never set."""
    row = conn.execute("SELECT value FROM edge_meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta_once(tx: Tx, key: str, value: str) -> None:
    """Set a fact of the edge's own once; a value set before stays."""
    tx.execute("INSERT OR IGNORE INTO edge_meta (key, value) VALUES (?, ?)", (key, value))


def row_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """How many products, barcodes, locations, containers, operators and movements the store
    holds, and how many kinds of movement (`movement_types`)."""
    tables = ("products", "barcodes", "locations", "containers", "operators", "movements")
    counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
    counts["movement_types"] = conn.execute(
        "SELECT COUNT(DISTINCT type) FROM movements"
    ).fetchone()[0]
    return counts
