"""Writing the non-ledger records a decision carries (status changes, task progress, tote
bindings, follow-ups). Called only from `ledger.apply_decision`, inside the same transaction."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from edge.domain.count import CountTaskClosed
from edge.domain.decision import CountTaskOpened, ExceptionRaised
from edge.domain.order import StatusChange
from edge.domain.parcel import OrderShipped, ParcelClosed, ParcelDispatched
from edge.domain.pick import PickListFinished, TaskAdded, TaskProgress, ToteBound
from edge.domain.putaway import PutawayDone
from edge.domain.receipt import AsnClosed, DiscrepancyRecorded, UnitReceived
from edge.domain.return_record import ReturnItemGraded, ReturnParcelClosed, ReturnParcelOpened
from edge.store import packing, receiving, returns
from edge.store.writer import Tx


def _status(
    tx: Tx, c: StatusChange, operator_id: int | None, device_id: str | None, scan_id: str | None
) -> None:
    held = c.to_status.value == "on_hold"
    tx.execute(
        "UPDATE orders SET status = ?, hold_reason = ?, hold_code = ?, hold_params = ?,"
        " updated_at = ? WHERE id = ?",
        (
            c.to_status.value,
            c.reason if held else "",
            c.hold_code if held else "",
            c.hold_params if held else "{}",
            tx.at,
            c.order_id,
        ),
    )
    tx.execute(
        "INSERT INTO order_status_history (order_id, from_status, to_status, reason, operator_id,"
        " device_id, scan_id, at) VALUES (?,?,?,?,?,?,?,?)",
        (
            c.order_id,
            c.from_status.value,
            c.to_status.value,
            c.reason,
            operator_id,
            device_id,
            scan_id,
            tx.at,
        ),
    )


def _tote(tx: Tx, c: ToteBound, operator_id: int | None, *_: Any) -> None:
    tx.execute(
        "INSERT INTO container_bindings (container, order_id, slot, opened_at, opened_by,"
        " list_id) VALUES (?,?,?,?,?,?)",
        (c.tote, c.order_id, c.slot, tx.at, operator_id, c.list_id),
    )


def _progress(tx: Tx, c: TaskProgress, *_: Any) -> None:
    tx.execute(
        "UPDATE pick_tasks SET picked = ?, status = ? WHERE id = ?", (c.picked, c.status, c.task_id)
    )


def _added(tx: Tx, c: TaskAdded, *_: Any) -> None:
    tx.execute(
        "INSERT INTO pick_tasks (list_id, order_id, order_line_id, sku, location, lot, qty, seq)"
        " VALUES (?,?,?,?,?,?,?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM pick_tasks WHERE list_id = ?))",
        (c.list_id, c.order_id, c.line_id, c.sku, c.location, c.lot, c.qty, c.list_id),
    )


def _finished(tx: Tx, c: PickListFinished, *_: Any) -> None:
    tx.execute(
        "UPDATE pick_lists SET status = 'done', finished_at = ? WHERE id = ? AND status = 'open'",
        (tx.at, c.list_id),
    )


def _count(tx: Tx, c: CountTaskOpened, *_: Any) -> None:
    """One open count per bin, SKU and lot: a second short there adds its units to the hold."""
    open_already = tx.one(
        "SELECT id FROM count_tasks WHERE location = ? AND sku = ? AND lot = ? AND status = 'open'",
        (c.location, c.sku, c.lot),
    )
    if open_already is None:
        tx.execute(
            "INSERT INTO count_tasks (location, sku, lot, held, reason, created_at)"
            " VALUES (?,?,?,?,?,?)",
            (c.location, c.sku, c.lot, c.held, c.reason, tx.at),
        )
    else:
        tx.execute(
            "UPDATE count_tasks SET held = held + ? WHERE id = ?", (c.held, open_already["id"])
        )


def _count_closed(tx: Tx, c: CountTaskClosed, operator_id: int | None, *_: Any) -> None:
    tx.execute(
        "UPDATE count_tasks SET status = 'done', found = ?, closed_at = ?, closed_by = ?"
        " WHERE id = ? AND status IN ('open','review')",
        (c.found, tx.at, operator_id, c.task_id),
    )


def _exception(tx: Tx, c: ExceptionRaised, operator_id: int | None, *_: Any) -> None:
    tx.execute(
        "INSERT INTO exceptions (kind, detail, order_id, location, sku, raised_by, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (
            c.kind,
            json.dumps(dict(c.params), default=str),
            c.order_id,
            c.location,
            c.sku,
            operator_id,
            tx.at,
        ),
    )


def _packing() -> dict[type, Callable[..., None]]:
    return {
        ParcelClosed: packing.apply_parcel_closed,
        ParcelDispatched: packing.apply_parcel_dispatched,
        OrderShipped: packing.apply_order_shipped,
    }


APPLIERS: dict[type, Callable[..., None]] = {
    StatusChange: _status,
    ToteBound: _tote,
    TaskProgress: _progress,
    TaskAdded: _added,
    PickListFinished: _finished,
    CountTaskOpened: _count,
    CountTaskClosed: _count_closed,
    ExceptionRaised: _exception,
    **_packing(),
    ReturnParcelOpened: returns.apply_parcel_opened,
    ReturnItemGraded: returns.apply_item_graded,
    ReturnParcelClosed: returns.apply_parcel_closed,
    UnitReceived: receiving.apply_unit_received,
    DiscrepancyRecorded: receiving.apply_discrepancy,
    AsnClosed: receiving.apply_asn_closed,
    PutawayDone: receiving.apply_putaway_done,
}


def apply_record(
    tx: Tx, record: object, operator_id: int | None, device_id: str | None, scan_id: str | None
) -> None:
    APPLIERS[type(record)](tx, record, operator_id, device_id, scan_id)
