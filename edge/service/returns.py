"""The returns desk's commands: an RMA announced or withdrawn by central (from the change feed),
and the returns workflow's scans (see `edge.domain.returns`). Each owns its transaction's effects."""

from __future__ import annotations

from edge.domain.decision import Decision
from edge.domain.ledger import Bucket, Place, Stock
from edge.domain.order import TRANSITIONS, OrderStatus, StatusChange, change_status
from edge.domain.stock import AnnounceReturn, WithdrawReturn, withdraw_return
from edge.service.stock import expect_return
from edge.store import orders as order_store
from edge.store import returns as store
from edge.store.catalog import require_sku
from edge.store.ledger import Actor, apply_decision, load_stock_rows
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
