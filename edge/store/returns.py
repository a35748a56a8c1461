"""Returns the edge expects and receives: the return authorisations (RMAs) central sends, the
parcels opened at the returns desk, the items graded from them and their photos."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx


@dataclass(frozen=True)
class NewAuthorisation:
    """An RMA as the feed's `return_authorised` carries it (the optional keys may be empty)."""

    rma: str
    order_id: str | None
    lines: tuple[tuple[str, int, str], ...]  # (sku, qty, reason)
    reason: str = ""
    return_tracking: str | None = None
    expires_at: str | None = None
    channel: str = ""


def record_authorisation(
    tx: Tx, auth: NewAuthorisation, *, feed_cursor: int, location: str
) -> bool:
    """Keep an RMA with its lines; True when it is new (the same RMA again changes nothing)."""
    lines = [{"sku": s, "qty": q} | ({"reason": r} if r else {}) for s, q, r in auth.lines]
    cur = tx.execute(
        "INSERT INTO return_authorisations (rma, order_id, lines, feed_cursor, received_at, reason,"
        " return_tracking, expires_at, channel, location) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (rma) DO NOTHING",
        (
            auth.rma,
            auth.order_id,
            json.dumps(lines, ensure_ascii=False),
            feed_cursor,
            tx.at,
            auth.reason,
            auth.return_tracking,
            auth.expires_at,
            auth.channel,
            location,
        ),
    )
    return cur.rowcount == 1


def ensure_returns_location(tx: Tx, code: str) -> None:
    """The returns location exists (a `returns` location, created the first time it is needed)."""
    tx.execute(
        "INSERT INTO locations (code, type) VALUES (?, 'returns') ON CONFLICT (code) DO NOTHING",
        (code,),
    )


def authorisation(conn: Conn, rma: str) -> dict[str, Any] | None:
    """One RMA with its lines decoded, or None."""
    row = conn.execute("SELECT * FROM return_authorisations WHERE rma = ?", (rma,)).fetchone()
    return _authorisation(row) if row is not None else None


def _authorisation(row: sqlite3.Row) -> dict[str, Any]:
    return dict(row) | {"lines": json.loads(row["lines"])}


def announced_received(conn: Conn, rma: str) -> dict[str, int]:
    """Per SKU, the units of this RMA's announcement already taken out of returns_in_transit."""
    rows = conn.execute(
        "SELECT sku, SUM(announced) FROM return_items WHERE rma = ? GROUP BY sku", (rma,)
    )
    return {r[0]: int(r[1]) for r in rows}


def cancel_authorisation(tx: Tx, rma: str, reason: str) -> None:
    tx.execute(
        "UPDATE return_authorisations SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?"
        " WHERE rma = ?",
        (tx.at, reason, rma),
    )
