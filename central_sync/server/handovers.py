"""The edges' carrier handovers (交接单): each `handover_closed` kept once, with its parcels, so
an order's page says when and in which handover its parcels went to the carrier. A report
central cannot read is an exception for a person, never a refusal of the edge's batch."""

from __future__ import annotations

from collections.abc import Sequence

from central_sync.server.attention import raise_exception
from central_sync.server.batch import EdgeEvent
from central_sync.store import handovers as store
from central_sync.store.db import Tx


def apply_handovers(tx: Tx, edge_id: str, new: Sequence[EdgeEvent]) -> None:
    for ev in new:
        if ev.type != "handover_closed":
            continue
        try:
            store.record(tx, edge_id, ev.payload, ev.occurred_at)
        except (KeyError, TypeError, ValueError) as exc:
            detail = (
                f"handover_closed from {edge_id} (epoch {ev.epoch} seq {ev.seq}) unreadable: {exc}"
            )
            raise_exception(tx, "handover_unreadable", edge_id, detail)
