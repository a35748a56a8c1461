"""Outbox retention: events central acknowledged, pruned past an age in small batches, and each
epoch's low-water mark (`outbox_pruned`) that says which seqs are gone on purpose.

An event is pruned only when it was delivered (central's high water covered it, so central
holds it), was delivered before `before`, and every seq below it in its epoch is pruned or
pruned with it: what is left of an epoch stays contiguous from the low-water mark up. The
newest event of each epoch is never pruned: the next event's seq (and a restore's high water)
is read from it.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from edge.store.ledger import utc
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx


def low_water(conn: Conn) -> dict[int, int]:
    """epoch -> the highest seq pruned (every seq up to it was delivered and deleted)."""
    rows = conn.execute("SELECT epoch, through_seq FROM outbox_pruned").fetchall()
    return {int(r[0]): int(r[1]) for r in rows}


def prune_outbox(tx: Tx, *, older_than: timedelta, limit: int) -> int:
    """Delete at most `limit` acknowledged events delivered more than `older_than` ago, oldest
    first, moving each epoch's low-water mark; returns how many were deleted."""
    before = utc(tx.now - older_than)  # as the writer stamps delivered_at: text compares
    marks = low_water(tx)
    pruned = 0
    epochs = tx.execute("SELECT epoch, MAX(seq) FROM outbox GROUP BY epoch ORDER BY epoch")
    for epoch, newest in epochs.fetchall():
        if pruned >= limit:
            break
        low = marks.get(epoch, 0)
        upto = low
        candidates = tx.execute(
            "SELECT seq, delivered_at FROM outbox WHERE epoch = ? AND seq > ? AND seq < ?"
            " ORDER BY seq LIMIT ?",
            (epoch, low, newest, limit - pruned),
        ).fetchall()
        for seq, delivered_at in candidates:
            if seq != upto + 1 or delivered_at is None or delivered_at >= before:
                break
            upto = seq
        if upto == low:
            continue
        tx.execute(
            "DELETE FROM outbox WHERE epoch = ? AND seq > ? AND seq <= ?", (epoch, low, upto)
        )
        tx.execute(
            "INSERT INTO outbox_pruned (epoch, through_seq, pruned_at) VALUES (?, ?, ?)"
            " ON CONFLICT (epoch) DO UPDATE SET through_seq = excluded.through_seq,"
            " pruned_at = excluded.pruned_at",
            (epoch, upto, tx.at),
        )
        pruned += upto - low
    return pruned
