"""Carrier handovers the edges closed: the handover and its parcels, kept once per edge and id,
and what an order's page and the order list show of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from central_sync.store.db import Tx

CHUNK = 500  # order ids a statement names at most


def record(tx: Tx, edge_id: str, h: Mapping[str, Any], at: str) -> bool:
    """Keep a closed handover and its parcels; False (nothing written) when it is kept already."""
    row = tx.one(
        "INSERT INTO handovers (edge_id, handover_id, carrier, container, label, closed_at,"
        " closed_by, parcels, total_weight_g, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (edge_id, handover_id) DO NOTHING RETURNING handover_id",
        (
            edge_id,
            h["handover_id"],
            h["carrier"],
            h["container"],
            h.get("label") or "",
            h["closed_at"],
            h.get("closed_by") or "",
            int(h["count"]),
            int(h["total_weight_g"]),
            at,
        ),
    )
    if row is None:
        return False
    tx.many(
        "INSERT INTO handover_parcels (edge_id, tracking_number, handover_id, order_id, weight_g)"
        " VALUES (?,?,?,?,?) ON CONFLICT (edge_id, tracking_number) DO NOTHING",
        [
            (edge_id, p["tracking_number"], h["handover_id"], p["order_id"], int(p["weight_g"]))
            for p in h["parcels"]
        ],
    )
    return True


def of_order(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """The handovers the order's parcels left in: id, carrier, when, by whom, which parcel."""
    return tx.all(
        "SELECT h.handover_id, h.edge_id, h.carrier, h.container, h.closed_at AS handed_over_at,"
        " h.closed_by, p.tracking_number FROM handover_parcels p JOIN handovers h"
        " ON h.edge_id = p.edge_id AND h.handover_id = p.handover_id WHERE p.order_id = ?"
        " ORDER BY h.closed_at, p.tracking_number",
        (order_id,),
    )


def handed_over(tx: Tx, order_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """order id → its latest handover (id and when), for the order list."""
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(order_ids), CHUNK):
        chunk = order_ids[start : start + CHUNK]
        rows = tx.all(
            "SELECT p.order_id, h.handover_id, h.closed_at FROM handover_parcels p"
            " JOIN handovers h ON h.edge_id = p.edge_id AND h.handover_id = p.handover_id"
            f" WHERE p.order_id IN ({','.join('?' * len(chunk))}) ORDER BY h.closed_at",
            list(chunk),
        )
        for r in rows:
            found[r["order_id"]] = {"handover_id": r["handover_id"], "at": r["closed_at"]}
    return found
