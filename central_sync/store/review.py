"""Order review (待审核, central_sync/server/review.py): the rules document, each held order's
review, the fingerprints duplicates are found by."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from central_sync.store.db import Tx

STATES = ("pending", "released", "cancelled")


def rules_json(tx: Tx) -> dict[str, Any] | None:
    """The stored rules document, None before one is set."""
    raw = tx.value("SELECT rules FROM review_rules WHERE id = 1")
    return None if raw is None else json.loads(raw)


def save_rules(tx: Tx, rules: dict[str, Any], now: str) -> None:
    tx.execute(
        "INSERT INTO review_rules (id, rules, updated_at) VALUES (1, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at",
        (json.dumps(rules, ensure_ascii=False), now),
    )


def recent_fingerprints(tx: Tx, prints: Iterable[str], since: str) -> dict[str, str]:
    """Among `prints`, those of an order taken at or after `since`: fingerprint → its order."""
    listed, found = sorted(set(prints)), dict[str, str]()
    for start in range(0, len(listed), 500):
        chunk = listed[start : start + 500]
        for r in tx.all(
            "SELECT fingerprint, order_id FROM order_fingerprints WHERE created_at >= ?"
            f" AND fingerprint IN ({','.join('?' * len(chunk))}) ORDER BY created_at",
            [since, *chunk],
        ):
            found.setdefault(r["fingerprint"], r["order_id"])
    return found


def add_fingerprints(tx: Tx, rows: Sequence[tuple[str, str, str]]) -> None:
    """(fingerprint, order_id, created_at) rows."""
    tx.many(
        "INSERT INTO order_fingerprints (fingerprint, order_id, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (fingerprint, order_id) DO NOTHING",
        rows,
    )


def forget_fingerprints(tx: Tx, before: str) -> None:
    tx.execute("DELETE FROM order_fingerprints WHERE created_at < ?", (before,))


def add_reviews(tx: Tx, rows: Sequence[tuple[str, list[dict[str, Any]], str]]) -> None:
    """(order_id, reasons, held_at) rows: orders now waiting for review."""
    tx.many(
        "INSERT INTO order_reviews (order_id, reasons, held_at) VALUES (?, ?, ?)",
        [(oid, json.dumps(found, ensure_ascii=False), at) for oid, found, at in rows],
    )


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row) | {"reasons": json.loads(row["reasons"])}


def review_of(tx: Tx, order_id: str) -> dict[str, Any] | None:
    row = tx.one("SELECT * FROM order_reviews WHERE order_id = ?", (order_id,))
    return None if row is None else _shown(row)


def pending_reasons(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """The reasons the order waits for review ([] when it does not)."""
    raw = tx.value(
        "SELECT reasons FROM order_reviews WHERE order_id = ? AND state = 'pending'", (order_id,)
    )
    return [] if raw is None else list(json.loads(raw))


def decide(tx: Tx, order_id: str, state: str, by: str, note: str, now: str) -> bool:
    """The pending review released or cancelled; False if it was not pending."""
    return bool(
        tx.execute(
            "UPDATE order_reviews SET state = ?, decided_by = ?, note = ?, decided_at = ?"
            " WHERE order_id = ? AND state = 'pending'",
            (state, by, note, now, order_id),
        ).rowcount
    )


def waiting(tx: Tx, *, limit: int = 200) -> list[dict[str, Any]]:
    """The orders waiting for review, the longest waiting first, with what the board shows."""
    rows = tx.all(
        "SELECT r.order_id, r.reasons, r.held_at, r.alerted_at, o.channel, o.channel_order_id,"
        " o.customer_ref, o.currency, o.total, o.ship_to, o.status FROM order_reviews r"
        " JOIN orders o ON o.id = r.order_id WHERE r.state = 'pending' AND o.status = 'on_hold'"
        " ORDER BY r.held_at, r.order_id LIMIT ?",
        (limit,),
    )
    return [_shown(r) | {"ship_to": json.loads(r["ship_to"])} for r in rows]


def overdue(tx: Tx, held_before: str) -> list[dict[str, Any]]:
    """Pending reviews held before `held_before` and not yet alerted."""
    rows = tx.all(
        "SELECT r.order_id, r.reasons, r.held_at, o.channel, o.channel_order_id"
        " FROM order_reviews r JOIN orders o ON o.id = r.order_id"
        " WHERE r.state = 'pending' AND o.status = 'on_hold' AND r.alerted_at IS NULL"
        " AND r.held_at < ? ORDER BY r.held_at",
        (held_before,),
    )
    return [_shown(r) for r in rows]


def mark_alerted(tx: Tx, order_id: str, now: str) -> None:
    tx.execute("UPDATE order_reviews SET alerted_at = ? WHERE order_id = ?", (now, order_id))


def cancel_pending(tx: Tx, order_id: str, note: str, now: str) -> None:
    """The order was cancelled another way (by its channel, by the admin): its review with it."""
    decide(tx, order_id, "cancelled", "", note, now)
