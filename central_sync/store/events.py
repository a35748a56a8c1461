"""Every event of every edge, kept whole for audit (`events`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from central_sync.store.db import Tx


def events_after(tx: Tx, edge_id: str, epoch: int, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` of the edge's events of `epoch` with seq > `after`, in order."""
    return tx.all(
        "SELECT epoch, seq, event_id, type, occurred_at, order_id, sku, payload FROM events"
        " WHERE edge_id = ? AND epoch = ? AND seq > ? ORDER BY seq LIMIT ?",
        (edge_id, epoch, after, limit),
    )


def epochs(tx: Tx, edge_id: str) -> list[dict[str, Any]]:
    """(epoch, high_seq) of every epoch of the edge central holds: seq 1..high_seq are stored."""
    return tx.all(
        "SELECT epoch, high_seq FROM edge_epochs WHERE edge_id = ? ORDER BY epoch", (edge_id,)
    )


def event_ids_between(tx: Tx, edge_id: str, epoch: int, first: int, last: int) -> dict[int, str]:
    """seq → event id of the edge's stored events of `epoch` from seq `first` to `last`."""
    rows = tx.all(
        "SELECT seq, event_id FROM events WHERE edge_id = ? AND epoch = ? AND seq BETWEEN ? AND ?",
        (edge_id, epoch, first, last),
    )
    return {int(r["seq"]): r["event_id"] for r in rows}


def one_stored_of(tx: Tx, event_ids: Sequence[str]) -> dict[str, Any] | None:
    """(event_id, epoch, seq) of one stored event among the ids named, if any is stored."""
    marks = ",".join("?" * len(event_ids))
    return tx.one(
        f"SELECT event_id, epoch, seq FROM events WHERE event_id IN ({marks}) LIMIT 1",
        list(event_ids),
    )


def insert_events(tx: Tx, rows: Iterable[Sequence[Any]]) -> None:
    """Rows of (edge_id, epoch, seq, event_id, type, occurred_at, order_id, sku, payload as
    JSON text, received_at)."""
    tx.many(
        "INSERT INTO events (edge_id, epoch, seq, event_id, type, occurred_at, order_id, sku,"
        " payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def set_high_water(tx: Tx, rows: Iterable[tuple[str, int, int]]) -> None:
    """Rows of (edge_id, epoch, high_seq)."""
    tx.many(
        "INSERT INTO edge_epochs (edge_id, epoch, high_seq) VALUES (?, ?, ?)"
        " ON CONFLICT (edge_id, epoch) DO UPDATE SET high_seq = excluded.high_seq",
        rows,
    )
