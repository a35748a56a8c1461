"""Read-only views: the order board, one order in full, the edges' sync state."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from central_sync.server.access import list_edges
from central_sync.server.assign import QUIET_AFTER_S, last_heard
from central_sync.server.consign import consignments_of
from central_sync.store import edges, handovers, orders, returns, review, shipments
from central_sync.store.db import Tx

MAX_LIST = 1000
# The board calls an edge "catching up" when its newest event arrived this long after it happened.
BEHIND_S = 60.0


def _seconds_between(earlier: str | None, later: str | None) -> float | None:
    if not earlier or not later:
        return None
    try:
        a = datetime.fromisoformat(earlier.replace("Z", "+00:00"))
        b = datetime.fromisoformat(later.replace("Z", "+00:00"))
    except ValueError:
        return None
    return round((b - a).total_seconds(), 3)


def list_orders(
    tx: Tx,
    *,
    status: str | None = None,
    warehouse: str | None = None,
    channel: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Orders, the most recently changed first, each with its tracking numbers."""
    rows = orders.list_orders(
        tx, status=status, warehouse=warehouse, channel=channel, limit=min(max(limit, 1), MAX_LIST)
    )
    ids = [r["id"] for r in rows]
    tracking = shipments.tracking_numbers(tx, ids)
    handed = handovers.handed_over(tx, ids)
    return [
        dict(r) | {"tracking_numbers": tracking.get(r["id"], []), "handover": handed.get(r["id"])}
        for r in rows
    ]


def order_detail(tx: Tx, order_id: str) -> dict[str, Any] | None:
    """One order with its lines, picked units, history, shipment and returns."""
    row = orders.order(tx, order_id)
    if row is None:
        return None
    picks = orders.picks_of(tx, order_id)
    parcels = shipments.parcels_of(tx, order_id)
    rmas = returns.returns_of_order(tx, order_id)
    return dict(row) | {
        "ship_to": json.loads(row["ship_to"]),
        "lines": orders.lines_of(tx, order_id),
        "picked": {p["sku"]: int(p["qty"]) for p in picks},
        "history": orders.history_of(tx, order_id),
        "shipment": [p | {"contents": json.loads(p["contents"])} for p in parcels],
        "handovers": handovers.of_order(tx, order_id),  # to the carrier: when, which handover
        "returns": [r | {"lines": json.loads(r["lines"])} for r in rmas],
        "consignments": consignments_of(tx, order_id),  # merged or split (consign.py)
        "review": review.review_of(tx, order_id),  # held for review, and the decision (review.py)
    }


def edges_overview(
    tx: Tx, last_seen: dict[str, str], now: str, quiet_after_s: float = QUIET_AFTER_S
) -> list[dict[str, Any]]:
    """Each edge's high water, its last event, how far behind its stream runs (`behind_s`:
    newest event's arrival minus its occurrence), when last heard from and its state."""
    heard_at = edges.heard(tx)
    out = []
    for edge in list_edges(tx):
        behind = _seconds_between(edge["last_occurred_at"], edge["last_event_at"])
        row = heard_at.get(edge["edge_id"], {})
        seen = max(
            (t for t in (last_seen.get(edge["edge_id"]), row.get("last_seen_at")) if t),
            default=None,
        )
        heard = last_heard({"last_seen_at": seen, "last_event_at": edge["last_event_at"]})
        silent = _seconds_between(heard, now)
        if silent is None or silent > quiet_after_s:
            state = "quiet"
        elif behind is not None and behind > BEHIND_S:
            state = "catching_up"
        else:
            state = "in_step"
        out.append(
            edge
            | {
                "behind_s": behind,
                "last_seen_at": seen,
                "last_heard_at": heard,
                "silent_s": None if silent is None else round(silent, 1),
                "state": state,
                "feed_cursor": int(row.get("feed_cursor") or 0),
            }
        )
    return out


def status_counts(tx: Tx) -> dict[str, int]:
    return orders.status_counts(tx)
