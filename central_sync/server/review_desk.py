"""A supervisor's decision on an order held for review (review.py): release it — it then goes
through assignment as any new order — or cancel it, written back to its channel. Each is one
transaction, audited in the order's history, idempotent, and refused (changing nothing) when the
order was decided the other way."""

from __future__ import annotations

import logging
from typing import Any

from central_sync.server.amend import cancel_order, locked_order
from central_sync.server.attention import resolve_for_order
from central_sync.server.errors import CentralError
from central_sync.server.merge import Window
from central_sync.server.orders import history, recheck_held
from central_sync.server.review import OVERDUE
from central_sync.store import orders
from central_sync.store import review as review_store
from central_sync.store.db import Tx, utc_now

log = logging.getLogger("central.review")


def _pending(tx: Tx, order_id: str, decision: str) -> bool:
    """Lock the order for `decision`: True while its review waits, False when it was so decided
    already (nothing to do); refused when never held, decided the other way, or gone from hold."""
    row = locked_order(tx, order_id)
    review = review_store.review_of(tx, order_id)
    if review is None:
        raise CentralError("not_in_review", order_id=order_id)
    if review["state"] == decision:
        return False
    if review["state"] != "pending" or row["status"] != "on_hold":
        raise _decided(order_id, row["status"], decision)
    return True


def release(
    tx: Tx,
    order_id: str,
    by: str,
    note: str,
    *,
    quiet_after_s: float,
    window: Window | None = None,
) -> dict[str, Any]:
    """A person looked and lets the order go: assigned and released as any new order (or still
    held for another reason, or unassigned with the reason). Releasing it again changes nothing;
    releasing a cancelled one is refused."""
    if not _pending(tx, order_id, "released"):
        return _answer(tx, order_id, changed=False)
    review_store.decide(tx, order_id, "released", by, note, utc_now())
    history(tx, order_id, "on_hold", "on_hold", note=_audit("released", by, note))
    resolve_for_order(tx, order_id, OVERDUE)
    warehouse = recheck_held(tx, order_id, quiet_after_s=quiet_after_s, window=window)
    log.info("order %s released after review by %s: %s", order_id, by, warehouse or "waiting")
    return _answer(tx, order_id, changed=True)


def cancel(tx: Tx, order_id: str, by: str, reason: str) -> dict[str, Any]:
    """A person looked and cancels the order: cancelled at central and written back to its
    channel (the outbound queue). Cancelling it again changes nothing; cancelling a released
    one is refused (cancel it as any order: POST /api/v1/orders/{id}/cancel)."""
    if not _pending(tx, order_id, "cancelled"):
        return _answer(tx, order_id, changed=False)
    review_store.decide(tx, order_id, "cancelled", by, reason, utc_now())
    cancel_order(tx, order_id, f"cancelled in review: {reason}", tell_channel=True)
    history(tx, order_id, "cancelled", "cancelled", note=_audit("cancelled", by, reason))
    resolve_for_order(tx, order_id, OVERDUE)
    log.info("order %s cancelled in review by %s (%s)", order_id, by, reason)
    return _answer(tx, order_id, changed=True)


ZH = {"released": "放行", "cancelled": "取消"}


def _decided(order_id: str, state: str, asked: str) -> CentralError:
    """The refusal of a decision the other one came before (or the order left review another
    way: cancelled by its channel, say)."""
    decided = "cancelled" if asked == "released" else "released"
    return CentralError(
        "review_decided",
        order_id=order_id,
        state=state,
        decided=decided,
        decided_zh=ZH[decided],
        asked=asked,
        asked_zh=ZH[asked],
    )


def _audit(what: str, by: str, note: str) -> str:
    return f"review {what} by {by or 'admin'}" + (f": {note}" if note else "")


def _answer(tx: Tx, order_id: str, *, changed: bool) -> dict[str, Any]:
    row = orders.order(tx, order_id)
    review = review_store.review_of(tx, order_id)
    assert row is not None and review is not None  # both read above in this transaction
    return {
        "order_id": order_id,
        "review": review["state"],
        "status": row["status"],
        "warehouse": row["warehouse"],
        "hold_reason": row["hold_reason"],
        "changed": changed,
    }
