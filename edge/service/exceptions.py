"""Exceptions a supervisor owns: the list (with owner, age, the action and where it is done),
acknowledging, assigning and resolving one (each audited and queued for the webhooks in the same
transaction), and the sweep that opens one per overdue cause and closes those whose cause is gone."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from edge.config import Settings
from edge.domain.errors import EdgeError
from edge.domain.exceptions import (
    Condition,
    DeviceReport,
    device_conditions,
    kind_of,
    link_of,
    next_state,
    sweep,
    watch_devices,
)
from edge.service import handovers, replenish, waves
from edge.service.counts import schedule_counts
from edge.store import exceptions as exc_store
from edge.store import print_jobs, return_desk
from edge.store.database import Store
from edge.store.ledger import utc
from edge.store.operators import parse_utc
from edge.store.writer import Tx

_STATES = {
    "active": ("open", "acked"),
    "open": ("open",),
    "acked": ("acked",),
    "resolved": ("resolved",),
    "all": ("open", "acked", "resolved"),
}
_DONE = {"ack": "acked", "assign": "assigned", "resolve": "resolved"}


def present(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An exception as the API and the webhooks show it."""
    kind = kind_of(row["kind"])
    created = parse_utc(row["created_at"]) or now
    end = parse_utc(row.get("resolved_at")) or now
    return row | {
        "state": row["status"],
        "owner": row.get("assigned_name") or kind.owner,
        "age_s": max(0, int((end - created).total_seconds())),
        "action": kind.action,
        "action_zh": kind.action_zh,
        "screen": kind.screen,
        "link": link_of(row["kind"], row.get("order_id")),
    }


def list_exceptions(
    conn: sqlite3.Connection,
    now: datetime,
    *,
    state: str = "active",
    kind: str | None = None,
    owner: str | None = None,
) -> list[dict[str, Any]]:
    """Exceptions in `state` (active: open or acked), newest first; `owner` is a role (the
    owner of the unassigned) or an assignee's operator id."""
    assigned = int(owner) if owner is not None and owner.isdigit() else None
    rows = exc_store.listing(conn, states=_STATES[state], kind=kind, assigned_to=assigned)
    out = [present(r, now) for r in rows]
    if owner is not None and assigned is None:
        out = [e for e in out if e["owner"] == owner]
    return out


def exception_detail(conn: sqlite3.Connection, exception_id: int, now: datetime) -> dict[str, Any]:
    row = exc_store.get(conn, exception_id)
    if row is None:
        raise EdgeError("not_found", what="exception", key=str(exception_id))
    return present(row, now) | {"history": exc_store.history(conn, exception_id)}


def change_exception(
    tx: Tx,
    exception_id: int,
    action: str,
    operator_id: int | None,
    *,
    reason: str = "",
    assignee: int | None = None,
) -> dict[str, Any]:
    """Acknowledge, assign or resolve one exception; its audit row queues its pushes."""
    row = exc_store.get(tx, exception_id)
    if row is None:
        raise EdgeError("not_found", what="exception", key=str(exception_id))
    state = next_state(exception_id, row["status"], action)
    if action == "assign":
        assert assignee is not None
        name = exc_store.active_operator(tx, assignee)
        if name is None:
            raise EdgeError("not_found", what="operator", key=str(assignee))
        reason = reason or name
    if not (action == "ack" and row["status"] == "acked"):  # acknowledging twice is one change
        exc_store.change(
            tx, exception_id, _DONE[action], state, operator_id, note=reason, assign=assignee
        )
    return exception_detail(tx.conn, exception_id, tx.now)


async def act(
    store: Store,
    exception_id: int,
    action: str,
    operator_id: int | None,
    *,
    reason: str = "",
    assignee: int | None = None,
) -> dict[str, Any]:
    """One command on one exception, in one transaction."""
    return await store.writer.run(
        lambda tx: change_exception(
            tx, exception_id, action, operator_id, reason=reason, assignee=assignee
        )
    )


def conditions(tx: Tx, settings: Settings) -> list[Condition]:
    """What may need a person now: orders by how long they sat in their state, print jobs
    needing attention, return parcels still open, the oldest event central has not taken."""
    out: list[Condition] = []
    stuck = settings.notify.stuck
    for o in exc_store.orders_in_states(tx, tuple(stuck)):
        since = parse_utc(o["since"])
        if since is not None:
            out.append(
                Condition(
                    f"order_stuck:{o['id']}:{o['status']}:{o['since']}",
                    "order_stuck",
                    since,
                    stuck[o["status"]] * 60,
                    order_id=o["id"],
                    detail={"status": o["status"], "since": o["since"], "channel": o["channel"]},
                )
            )
    for job in print_jobs.jobs_needing_attention(tx, limit=500):
        out.append(
            Condition(
                f"print_attention:{job.id}",
                "print_attention",
                parse_utc(job.updated_at) or tx.now,
                0,
                order_id=job.order_id,
                location=job.station or None,
                detail={"job_id": job.id, "printer": job.printer, "error": job.last_error},
            )
        )
    grade_s = settings.returns.grade_within_hours * 3600
    for parcel in return_desk.recent_parcels(tx, limit=500, open_before=tx.at):
        out.append(
            Condition(
                f"returns_not_graded:{parcel['parcel_id']}",
                "returns_not_graded",
                parse_utc(parcel["opened_at"]) or tx.now,
                grade_s,
                order_id=parcel["order_id"],
                location=parcel["location"],
                detail={"parcel_id": parcel["parcel_id"], "rma": parcel["rma"]},
            )
        )
    oldest = exc_store.oldest_undelivered(tx) if settings.central.url else None
    if oldest is not None:
        out.append(
            Condition(
                f"sync_lag:{oldest['epoch']}:{oldest['seq']}",
                "sync_lag",
                parse_utc(oldest["occurred_at"]) or tx.now,
                settings.notify.sync_lag_minutes * 60,
                detail={
                    "oldest_event": f"{oldest['epoch']}:{oldest['seq']}",
                    "type": oldest["type"],
                },
            )
        )
    return out


def sweep_once(
    tx: Tx, settings: Settings, devices: Sequence[Condition] = ()
) -> dict[str, list[int]]:
    """Open an exception per overdue cause never opened, close those whose cause is gone
    (`devices`: the devices down and scales silent, as the watch of the devices sees them)."""
    low = replenish.plan(tx, settings)  # opens the replenishments the pick faces need
    schedule_counts(tx, settings)  # opens the counts the schedule says are due
    waves.release_due(tx, settings)  # the schedule's wave releases, when it has them
    late = waves.cutoff_conditions(tx, settings)
    left = handovers.not_handed_over(tx, settings)
    found = [*conditions(tx, settings), *devices, *low, *late, *left]
    plan = sweep(found, exc_store.known_causes(tx), tx.now)
    opened = [exc_store.open_caused(tx, c) for c in plan.opened]
    for exception_id in plan.cleared:
        exc_store.change(tx, exception_id, "resolved", "resolved", None, note="cleared")
    return {"opened": opened, "cleared": list(plan.cleared)}


async def sweep_exceptions(
    store: Store, settings: Settings, devices: Sequence[Condition] = ()
) -> dict[str, list[int]]:
    return await store.writer.run(lambda tx: sweep_once(tx, settings, devices))


class DeviceWatch:
    """Keeps which devices are down or silent and since when, between sweeps (in memory: an
    edge restarted starts the clocks again)."""

    def __init__(self, report: Callable[[], list[DeviceReport]]) -> None:
        self.report = report
        self.tracked: dict[tuple[str, str], tuple[str, datetime]] = {}

    def conditions(self, conn: sqlite3.Connection, settings: Settings) -> list[Condition]:
        packing = exc_store.benches_packing(conn)
        reports = [
            replace(r, needed=r.kind == "scale" and r.station in packing) for r in self.report()
        ]
        silent_s = settings.notify.scale_silent_minutes * 60
        self.tracked = watch_devices(self.tracked, reports, datetime.now(UTC), silent_s)
        down_s = settings.notify.device_down_minutes * 60
        return device_conditions(self.tracked, reports, down_s, silent_s)


def push_event(conn: sqlite3.Connection, row: dict[str, Any], edge_id: str) -> dict[str, Any]:
    """One queued change as the webhooks are told it: the change and the exception now."""
    exc = exc_store.get(conn, row["exception_id"]) or {}
    shown = present(exc, datetime.now(UTC)) if exc else {}
    detail = shown.get("detail", "")
    try:
        shown["detail"] = json.loads(detail)
    except (TypeError, ValueError):
        pass
    return {
        "edge_id": edge_id,
        "event_id": row["id"],
        "exception_id": row["exception_id"],
        "action": row["action"],
        "at": row["at"],
        "note": row["note"],
        "exception": {k: v for k, v in shown.items() if k != "history"},
    }


def now_text() -> str:
    return utc(datetime.now(UTC))
