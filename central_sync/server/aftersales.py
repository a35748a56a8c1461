"""After-sales at central, from the edge's returns desk (RETURNS_CONTRACT.md, docs/sync.md):
`return_received` moves the order to return_received and the RMA to received; `return_graded`
(the clerk closed the parcel) makes the refund-due record and closes the RMA, and the order once
none of its RMAs is open. Applied in the batch's transaction (apply.py), so an event applied
once makes its record once; the record is keyed by the event id as well.

What is refunded, per graded line: resellable and damaged units; destroyed units when the policy
says so (`destroy_refunds`, default yes: a unit destroyed for hygiene was still returned); a wrong
item and a parcel of an unknown sender nothing. Never more units per order and SKU than the order
shipped, counting every refund before (a second parcel of the same units refunds nothing more)."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from central_sync.server import channel_status
from central_sync.server.attention import raise_exception, resolve_for_order
from central_sync.server.batch import EdgeEvent
from central_sync.server.errors import CentralError
from central_sync.server.return_policy import load_policy
from central_sync.store import orders, returns
from central_sync.store.db import Tx, utc_now

log = logging.getLogger("central.returns")

RETURN_EVENTS = ("return_received", "return_graded")
GRADES = ("resellable", "damaged", "destroy")
# The order's after-sales states, in order; an event never moves an order back along them.
AFTER = ("shipped", "completed", "return_expected", "return_received", "return_graded", "closed")


def apply_returns(tx: Tx, edge_id: str, new: Sequence[EdgeEvent]) -> None:
    """The batch's return events, in order."""
    for ev in new:
        if ev.type not in RETURN_EVENTS:
            continue
        order_id = ev.order_id or _text(ev.payload.get("order_id"))
        rma = _text(ev.payload.get("rma"))
        if order_id is None or not orders.order_exists(tx, order_id):
            if ev.type == "return_graded" and order_id is not None:
                _unreadable(tx, edge_id, ev, f"order {order_id} is not known at central")
            continue  # an unknown sender's parcel: nothing to refund, nothing to move
        source = f"{edge_id} epoch {ev.epoch} seq {ev.seq}"
        if ev.type == "return_received":
            _received(tx, order_id, rma, ev, source)
        else:
            _graded(tx, edge_id, order_id, rma, ev, source)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value and len(value) <= 100 else None


def _unreadable(tx: Tx, edge_id: str, ev: EdgeEvent, why: str) -> None:
    detail = (
        f"{ev.type} from edge {edge_id} (epoch {ev.epoch} seq {ev.seq}, event {ev.event_id}) "
        f"made no refund due: {why}. Settle the parcel {ev.payload.get('parcel_id')} by hand."
    )
    raise_exception(tx, "return_unreadable", edge_id, detail, order_id=ev.order_id)


def _move_order(tx: Tx, order_id: str, target: str, source: str, note: str) -> None:
    current = orders.status_of(tx, order_id)
    assert current is not None  # checked by the caller in this transaction
    if current == target or current not in AFTER or AFTER.index(current) > AFTER.index(target):
        return
    orders.set_status(tx, order_id, target, utc_now())
    orders.insert_history(tx, order_id, utc_now(), current, target, source, note)


def _received(tx: Tx, order_id: str, rma: str | None, ev: EdgeEvent, source: str) -> None:
    if rma is not None:
        returns.mark_received(tx, rma, order_id, ev.occurred_at, utc_now())
    if not returns.authorised_count(tx, order_id):
        resolve_for_order(tx, order_id, "return_not_arrived")
    parcel = ev.payload.get("parcel_id")
    _move_order(tx, order_id, "return_received", source, f"parcel {parcel} received ({rma or '-'})")
    channel_status.returned(tx, order_id, rma, str(parcel or ""))


def _graded(
    tx: Tx, edge_id: str, order_id: str, rma: str | None, ev: EdgeEvent, source: str
) -> None:
    lines = ev.payload.get("lines")
    if not isinstance(lines, list) or not all(_line_ok(ln) for ln in lines):
        _unreadable(tx, edge_id, ev, "its lines are not [{sku, qty, grade, wrong_item}]")
        return
    if returns.refund_of_event(tx, ev.event_id) is not None:
        return  # never twice for one event (apply_batch already takes each event once)
    refund = _refund_lines(tx, order_id, rma, lines)
    units = sum(r["refund_qty"] for r in refund)
    refund_id = returns.insert_refund_due(
        tx,
        event_id=ev.event_id,
        edge_id=edge_id,
        parcel_id=str(ev.payload.get("parcel_id") or "")[:100],
        order_id=order_id,
        rma=rma,
        channel=orders.channel_of(tx, order_id) or "",
        units=units,
        status="due" if units else "nothing",
        now=utc_now(),
        lines=refund,
    )
    if units:
        channel_status.refunded(tx, order_id, refund_id, units, refund)
    if rma is not None:
        returns.mark_graded(tx, rma, order_id, utc_now())
    parcel = ev.payload.get("parcel_id")
    note = f"parcel {parcel} graded ({rma or '-'}): {units} units to refund"
    _move_order(tx, order_id, "return_graded", source, note)
    if not returns.open_count(tx, order_id):
        _move_order(tx, order_id, "closed", source, "every return of the order is settled")
    log.info("refund due for order %s: %d units (event %s)", order_id, units, ev.event_id)


def _line_ok(line: Any) -> bool:
    return (
        isinstance(line, dict)
        and _text(line.get("sku")) is not None
        and isinstance(line.get("qty"), int)
        and not isinstance(line.get("qty"), bool)
        and 0 < line["qty"] <= 100_000
        and line.get("grade") in GRADES
    )


def _refund_lines(
    tx: Tx, order_id: str, rma: str | None, lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each graded line with the units refunded and why not all, within what the order shipped."""
    policy = load_policy(tx)
    left = orders.units_by_sku(tx, order_id)
    for sku, qty in returns.refunded_by_sku(tx, order_id).items():
        left[sku] = left.get(sku, 0) - qty
    reasons = _rma_reasons(tx, rma)
    out = []
    for ln in lines:
        sku, qty, grade = ln["sku"], int(ln["qty"]), ln["grade"]
        wrong = bool(ln.get("wrong_item"))
        reason = _text(ln.get("reason")) or reasons.get(sku) or reasons.get("") or ""
        if wrong:
            refund, note = 0, "wrong item: not refunded"
        elif grade == "destroy" and not policy.destroy_refunds:
            refund, note = 0, "destroyed: not refunded (policy destroy_refunds = false)"
        else:
            refund = min(qty, max(left.get(sku, 0), 0))
            note = "" if refund == qty else f"only {refund} of {qty} left to refund on the order"
            left[sku] = left.get(sku, 0) - refund
        out.append(
            {"sku": sku, "qty": qty, "grade": grade, "wrong_item": wrong, "reason": reason[:200],
             "refund_qty": refund, "note": note}
        )  # fmt: skip
    return out


def _rma_reasons(tx: Tx, rma: str | None) -> dict[str, str]:
    """The RMA's reason per SKU ("" for the RMA's own)."""
    if rma is None:
        return {}
    row = returns.rma(tx, rma)
    if row is None:
        return {}
    found = {ln["sku"]: ln["reason"] for ln in json.loads(row["lines"]) if ln.get("reason")}
    return found | ({"": row["reason"]} if row["reason"] else {})


def refunds_due(
    tx: Tx,
    *,
    status: str | None = "due",
    order_id: str | None = None,
    refund_id: int | None = None,
    limit: int = 500,
) -> list[dict[str, Any]]:
    """Refund-due records with their lines, oldest first."""
    rows = returns.refunds_due(
        tx, refund_id=refund_id, status=status, order_id=order_id, limit=limit
    )
    ids = [int(r["id"]) for r in rows]
    lines: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for ln in returns.refund_lines_of(tx, ids):
        lines[int(ln.pop("refund_id"))].append(ln | {"wrong_item": bool(ln["wrong_item"])})
    return [dict(r) | {"id": int(r["id"]), "lines": lines[int(r["id"])]} for r in rows]


def settle_refund(tx: Tx, refund_id: int) -> dict[str, Any]:
    """The channel refunded it: the record leaves the list of refunds due (again: no change)."""
    status = returns.refund_status(tx, refund_id)
    if status is None:
        raise CentralError("not_found", what="refund", key=str(refund_id))
    if status == "due":
        returns.settle(tx, refund_id, utc_now())
    return refunds_due(tx, status=None, refund_id=refund_id)[0]
