"""The returns desk's commands: an RMA announced or withdrawn by central (from the change feed),
and the returns workflow's scans (see `edge.domain.returns`). Each owns its transaction's effects."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from edge.domain.classify import Classified
from edge.domain.decision import Decision
from edge.domain.ledger import Bucket, Place, Stock
from edge.domain.order import TRANSITIONS, OrderStatus, StatusChange, change_status
from edge.domain.returns import (
    GRADES,
    PROMPT,
    GradedLine,
    OpenParcel,
    ReturnLine,
    ReturnMatch,
    ReturnsContext,
    ReturnsSession,
    decide_returns,
    scan_column,
)
from edge.domain.stock import AnnounceReturn, WithdrawReturn, withdraw_return
from edge.service.floor import FloorSettings
from edge.service.stock import expect_return
from edge.store import orders as order_store
from edge.store import returns as store
from edge.store.catalog import require_sku
from edge.store.ledger import Actor, apply_decision, load_stock_rows
from edge.store.operators import LoginSession
from edge.store.returns import NewAuthorisation
from edge.store.writer import Tx


def authorise_return(
    tx: Tx, auth: NewAuthorisation, actor: Actor, *, location: str, feed_cursor: int = 0
) -> bool:
    """Record the RMA and announce its units (customer → returns_in_transit at `location`); the
    order, if here, becomes return_expected. The same RMA again changes nothing (False)."""
    for sku, _qty, _reason in auth.lines:
        require_sku(tx, sku)
    if not store.record_authorisation(tx, auth, feed_cursor=feed_cursor, location=location):
        return False
    store.ensure_returns_location(tx, location)
    for sku, qty, _reason in auth.lines:
        cmd = AnnounceReturn(sku, qty, auth.rma, location=location, order_id=auth.order_id)
        expect_return(tx, cmd, actor)
    if auth.order_id is not None:
        follow_order(tx, auth.order_id, OrderStatus.RETURN_EXPECTED, actor, reason=auth.rma)
    return True


def cancel_return(tx: Tx, rma: str, actor: Actor, *, reason: str) -> int:
    """Take the units of `rma` not yet received back out of returns_in_transit; the RMA is
    cancelled. Units already received stay as graded. Returns the units withdrawn (0 again)."""
    auth = store.authorisation(tx, rma)
    if auth is None or auth["status"] == "cancelled":
        return 0
    received = store.announced_received(tx, rma)
    withdrawn = 0
    for line in auth["lines"]:
        sku, location = str(line["sku"]), str(auth["location"])
        stock = Stock(*load_stock_rows(tx, sku, [location]))
        in_transit = stock.qty(sku, Place(location, Bucket.RETURNS_IN_TRANSIT))
        left = min(int(line["qty"]) - received.get(sku, 0), in_transit)
        if left > 0:
            cmd = WithdrawReturn(
                sku, left, rma, location=location, order_id=auth["order_id"], reason=reason
            )
            apply_decision(tx, withdraw_return(stock, cmd), actor)
            withdrawn += left
    store.cancel_authorisation(tx, rma, reason)
    return withdrawn


def follow_order(
    tx: Tx, order_id: str, target: OrderStatus, actor: Actor, *, reason: str = ""
) -> StatusChange | None:
    """Move the order to `target` where its after-sales transitions allow it; an order not
    here, or already past that state (a second return of it), stays as it is."""
    row = order_store.order_row(tx, order_id)
    if row is None:
        return None
    current = OrderStatus(row["status"])
    if (current, target) not in TRANSITIONS:
        return None
    change = change_status(order_id, current, target, reason=reason)
    apply_decision(tx, Decision(None, changes=(change,)), actor)
    return change


# --- the returns workflow (registered in edge.service.workflows) ---


def start_returns(
    _tx: Tx, s: LoginSession, _params: dict[str, Any], _f: FloorSettings
) -> dict[str, Any]:
    return asdict(ReturnsSession(clerk=s.operator_id, device=s.device_id))


def takes_any_code(state: dict[str, Any]) -> bool:
    """At steps parcel and identify a code nothing here knows is still a parcel's number: an
    unexpected return, looked up by the workflow."""
    return state.get("step") in ("parcel", "identify")


def run_returns(
    tx: Tx, state: dict[str, Any], scan: Classified, floor: FloorSettings
) -> Decision[Any]:
    """Load what the returns decision needs for this step and scan, then decide."""
    s = ReturnsSession.from_state(state)
    location = floor.returns_location
    ctx = ReturnsContext(location=location, now=tx.at)
    column = scan_column(s, scan)
    if column == "code":
        codes = [c for c in dict.fromkeys((scan.scan.sscc or "", scan.scan.code)) if c]
        found = store.find_return(tx, codes)
        match = ReturnMatch(*found) if found else None  # type: ignore[arg-type]
        store.ensure_returns_location(tx, location)
        still_open = None
        if s.step == "parcel" and s.clerk is not None:
            row = store.open_parcel(
                tx, (s.clerk, s.device), codes, rma=match.rma if match else None
            )
            still_open = OpenParcel(*row) if row else None
        ctx = replace(
            ctx,
            match=match,
            still_open=still_open,
            new_parcel_id=store.next_parcel_id(tx),
            order_status=_order_status(tx, match.order_id if match else None),
        )
    elif column == "command:UNKNOWN":
        store.ensure_returns_location(tx, location)
        ctx = replace(ctx, new_parcel_id=store.next_parcel_id(tx))
    elif s.step == "items" and column in ("product", "command:DONE"):
        ctx = replace(ctx, lines=_lines(tx, s))
        if column == "command:DONE":
            graded = tuple(
                GradedLine(r["sku"], int(r["qty"]), r["grade"], bool(r["wrong_item"]), r["reason"])
                for r in store.graded_lines(tx, s.parcel_id)
            )
            earlier = store.earlier_units(tx, s.parcel_id, s.rma, s.order_id)
            ctx = replace(
                ctx, graded=graded, order_status=_order_status(tx, s.order_id), earlier=earlier
            )
    elif s.step == "grade" and s.item is not None and scan.key in GRADES:
        sku = s.item.sku
        left = min(store.announced_left(tx, s.rma, sku), store.in_transit(tx, sku, location))
        ctx = replace(ctx, lines=_lines(tx, s), announced_left=left, reason=scan.param or "")
    return decide_returns(s, scan, ctx)


def _lines(tx: Tx, s: ReturnsSession) -> dict[str, ReturnLine]:
    if s.unknown_sender:
        return {}
    return {
        sku: ReturnLine(
            sku,
            ln["expected"],
            ln["shipped"],
            ln["returned"],
            frozenset(ln["lots"]),
            frozenset(ln["serials"]),
        )
        for sku, ln in store.return_lines(tx, s.rma, s.order_id).items()
    }


def _order_status(tx: Tx, order_id: str | None) -> OrderStatus | None:
    row = order_store.order_row(tx, order_id) if order_id else None
    return OrderStatus(row["status"]) if row is not None else None


def _item_view(conn: Any, s: ReturnsSession) -> dict[str, Any] | None:
    if s.item is None:
        return None
    names = store.product_names(conn, [s.item.sku]).get(s.item.sku, {})
    return asdict(s.item) | {"name": names.get("name", ""), "name_zh": names.get("name_zh", "")}


def view_returns(conn: Any, state: dict[str, Any]) -> dict[str, Any]:
    """The returns screen: the parcel, its lines as received and graded, the item in hand."""
    s = ReturnsSession.from_state(state)
    lines = store.parcel_lines(conn, s.parcel_id, s.rma, s.order_id) if s.parcel_id else []
    params = {
        "parcel_id": s.parcel_id or "-",
        "rma": s.rma or "-",
        "order_id": s.order_id or "-",
        "sku": s.item.sku if s.item else "-",
        "code": s.scanned,
    }
    return {
        "workflow": "returns",
        "step": s.step,
        "parcel_id": s.parcel_id or None,
        "rma": s.rma,
        "order_id": s.order_id,
        "unexpected": s.unexpected,
        "unknown_sender": s.unknown_sender,
        "scanned": s.scanned or None,
        "lines": lines,
        "item": _item_view(conn, s),
        "prompt": PROMPT[s.step],
        "prompt_params": params,
    }
