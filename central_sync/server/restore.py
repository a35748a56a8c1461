"""An edge restored from an older backup: central gives back the edge's own events past the
backup's high water (they are facts of the floor the edge re-applies), and records the gap as an
exception for a person (docs/sync.md, "Restoring an edge from a backup")."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BaseModel, Field

from central_sync.server.attention import raise_exception
from central_sync.store.db import Tx
from central_sync.store.events import events_after
from kernel.fields import INT64_MAX, TEXT, Code

MAX_EVENTS = 500


def stored_events(
    tx: Tx, edge_id: str, *, epoch: int, after: int, limit: int
) -> list[dict[str, Any]]:
    """The edge's events of `epoch` with seq > `after`, in order, as the edge sent them."""
    rows = events_after(tx, edge_id, epoch, after, min(max(limit, 1), MAX_EVENTS))
    return [
        dict(r)
        | {
            "edge_id": edge_id,
            "epoch": int(r["epoch"]),
            "seq": int(r["seq"]),
            "payload": json.loads(r["payload"]),
        }
        for r in rows
    ]


class Span(BaseModel):
    epoch: int = Field(ge=1, le=INT64_MAX)
    from_seq: int = Field(ge=1, le=INT64_MAX)
    to_seq: int = Field(ge=1, le=INT64_MAX)


class RestoreReport(BaseModel):
    """What a restored edge did (central_sync/agent/restore.py)."""

    backup: Annotated[str, TEXT] = Field(default="?", max_length=500)
    epoch: int = Field(ge=1, le=INT64_MAX)
    gap: list[Span] = Field(default_factory=list, max_length=1000)
    reapplied: int = Field(default=0, ge=0, le=INT64_MAX)
    orders_held: list[Code] = Field(default_factory=list, max_length=10_000)


def restore_reported(tx: Tx, edge_id: str, report: RestoreReport) -> dict[str, Any]:
    """An exception naming the gap, the events re-applied and the orders held at the edge."""
    if not report.gap:
        return {"exception": False}
    spans = ", ".join(f"epoch {g.epoch} seq {g.from_seq}-{g.to_seq}" for g in report.gap)
    held = report.orders_held
    detail = (
        f"edge {edge_id} was restored from a backup ({report.backup}) that lacked "
        f"{report.reapplied} events central holds ({spans}). The edge took them back "
        f"from central and re-applied them before serving (new epoch {report.epoch})"
        + (f"; orders held there for a supervisor: {', '.join(held)}" if held else "")
        + ". Check the held orders' totes at the edge and release or cancel them, then resolve."
    )
    new = raise_exception(tx, "restore_gap", edge_id, detail)
    return {"exception": new}
