"""Central's own settings kept in the database (`central_meta`: key → text), such as the return
policy and the self-service secret; the schema version is kept there too (schema.py)."""

from __future__ import annotations

from central_sync.store.db import Database, StorageFull, Tx, utc_now
from kernel.disk import has_room


def meta_value(tx: Tx, key: str) -> str | None:
    value = tx.value("SELECT value FROM central_meta WHERE key = ?", (key,))
    return None if value is None else str(value)


def set_meta_value(tx: Tx, key: str, value: str) -> None:
    tx.execute(
        "INSERT INTO central_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def probe_storage(db: Database) -> None:
    """One small write: while the disk is full /readyz tries it, and its commit says that
    space is back (StorageFull while it is not, or while a SQLite file's disk has under
    MIN_FREE_BYTES free)."""
    if db.url.backend == "sqlite" and not has_room(db.url.target):
        raise StorageFull("under 1 MiB free")
    with db.transaction(write=True) as tx:
        set_meta_value(tx, "storage_probed_at", utc_now())


def add_meta_value(tx: Tx, key: str, value: str) -> None:
    """Keep `value` under `key` unless a value is kept there already."""
    tx.execute(
        "INSERT INTO central_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        (key, value),
    )
