"""Central's own settings kept in the database (`central_meta`: key → text), such as the return
policy and the self-service secret; the schema version is kept there too (schema.py)."""

from __future__ import annotations

from central_sync.store.db import Tx


def meta_value(tx: Tx, key: str) -> str | None:
    value = tx.value("SELECT value FROM central_meta WHERE key = ?", (key,))
    return None if value is None else str(value)


def set_meta_value(tx: Tx, key: str, value: str) -> None:
    tx.execute(
        "INSERT INTO central_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def add_meta_value(tx: Tx, key: str, value: str) -> None:
    """Keep `value` under `key` unless a value is kept there already."""
    tx.execute(
        "INSERT INTO central_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
        (key, value),
    )
