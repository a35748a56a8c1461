"""Central's decisions on an existing order — cancel it, give it a new address, take it back
from its edge — each written with its change for the order's edge in one transaction (returns:
returns.py)."""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import BaseModel, Field

from central_sync.server import channel_status, consign
from central_sync.server.assign import QUIET_AFTER_S, choose_for_order, edge_pool
from central_sync.server.attention import resolve_for_order
from central_sync.server.batch import SHIPPED
from central_sync.server.errors import CentralError
from central_sync.server.feed import add_change
from central_sync.server.messages import PHRASES
from central_sync.server.orders import (
    RECALLED,
    ShipTo,
    assign_order,
    history,
    recalled_from,
    recheck_held,
)
from central_sync.store import orders, review, shipments
from central_sync.store.db import Tx, utc_now

log = logging.getLogger("central.orders")


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class AddressIn(BaseModel):
    ship_to: ShipTo


def locked_order(tx: Tx, order_id: str) -> dict[str, Any]:
    """The order, locked for a decision (the feed lock first, as every assignment takes it)."""
    tx.lock_feed()
    row = orders.order_for_update(tx, order_id)
    if row is None:
        raise CentralError("not_found", what="order", key=order_id)
    return row


def _tracking(tx: Tx, order_id: str) -> str:
    return ", ".join(shipments.tracking_numbers(tx, [order_id]).get(order_id, [])) or "-"


def _refuse_if_gone(tx: Tx, row: dict[str, Any], action: str) -> None:
    if row["status"] in SHIPPED:
        tracking = _tracking(tx, row["id"])
        raise CentralError(
            "order_shipped", order_id=row["id"], tracking=tracking, action=PHRASES[action]
        )
    if row["status"] == "cancelled":
        raise CentralError("order_cancelled", order_id=row["id"], action=PHRASES[action])


def cancel_order(
    tx: Tx, order_id: str, reason: str, *, tell_channel: bool = True
) -> dict[str, Any]:
    """Cancel; the edge holding it is told, and its channel unless the channel cancelled it.
    Cancelling a cancelled order changes nothing."""
    row = locked_order(tx, order_id)
    if row["status"] == "cancelled":
        return {"order_id": order_id, "status": "cancelled", "changed": False}
    if row["status"] in SHIPPED:
        _refuse_if_gone(tx, row, "cancelled")
    orders.cancel(tx, order_id, reason, utc_now())
    history(tx, order_id, row["status"], "cancelled", note=reason)
    review.cancel_pending(tx, order_id, reason, utc_now())  # a held order leaves review with it
    resolve_for_order(tx, order_id, "review_overdue")
    if tell_channel:
        channel_status.cancelled(tx, order_id, reason)
    if consign.cancel_parts(tx, order_id, reason):
        pass  # merged or split: its lines cut, or its consignments cancelled, at their edges
    elif row["warehouse"]:
        data = {"order_id": order_id, "reason": reason}
        add_change(tx, row["warehouse"], "order_cancelled", data, order_id=order_id)
    log.info("order %s cancelled at central (%s)", order_id, reason)
    return {"order_id": order_id, "status": "cancelled", "changed": True}


def change_address(
    tx: Tx, order_id: str, ship_to: ShipTo, *, source: str = "central"
) -> dict[str, Any]:
    """Store the new address and send it to the order's edge (which reprints a printed label);
    `source` is who gave it, in the order's history (a channel's update: readdress.py)."""
    row = locked_order(tx, order_id)
    _refuse_if_gone(tx, row, "readdressed")
    new = ship_to.model_dump()
    if json.loads(row["ship_to"]) == new:
        return {"order_id": order_id, "ship_to": new, "changed": False}
    orders.set_ship_to(tx, order_id, json.dumps(new, ensure_ascii=False), utc_now())
    note = "address changed" if source == "central" else f"address changed by {source}"
    history(tx, order_id, row["status"], row["status"], note=note, source=source)
    if copies := consign.edge_copy(tx, order_id):
        for warehouse, cid in copies:  # merged or split: its consignments at their edges
            data = {"order_id": cid, "ship_to": new}
            add_change(tx, warehouse, "address_changed", data, order_id=cid)
    elif row["warehouse"]:
        data = {"order_id": order_id, "ship_to": new}
        add_change(tx, row["warehouse"], "address_changed", data, order_id=order_id)
    else:
        recheck_held(tx, order_id)  # held for its address: released now if nothing else holds it
    return {"order_id": order_id, "ship_to": new, "changed": True}


class ReassignIn(BaseModel):
    reason: str = Field(default="its warehouse has not taken it", min_length=1, max_length=200)


def reassign_order(
    tx: Tx, order_id: str, reason: str, *, quiet_after_s: float = QUIET_AFTER_S
) -> dict[str, Any]:
    """Take a released order back from its edge (which gets `order_recalled`: it cancels its
    copy, once, putting back anything it picked) and assign it by the rule among the other edges;
    unassigned with the reason when none can cover it. Only an order central holds `released`
    (not yet picking, as far as central knows) can move."""
    row = locked_order(tx, order_id)
    _refuse_if_gone(tx, row, "reassigned")
    if consign.edge_copy(tx, order_id):
        raise CentralError(
            "invalid_request",
            reason=f"order {order_id} ships merged or split with other lines (GET"
            f" /api/v1/orders/{order_id}, consignments): it cannot move alone; cancel it if it"
            " must not ship from there",
        )
    if row["status"] != "released" or not row["warehouse"]:
        raise CentralError(
            "invalid_request",
            reason=f"order {order_id} is {row['status']}: only a released order can be reassigned",
        )
    old = row["warehouse"]
    add_change(
        tx, old, "order_recalled", {"order_id": order_id, "reason": reason}, order_id=order_id
    )
    orders.take_back(tx, order_id, utc_now())
    history(tx, order_id, "released", "unassigned", note=f"{RECALLED}{old}: {reason}")
    gone = recalled_from(tx, [order_id]).get(order_id, set())
    others = edge_pool(tx, quiet_after_s).without(gone)
    choice = choose_for_order(tx, order_id, pool=others)
    warehouse = assign_order(tx, order_id, choice)
    resolved = resolve_for_order(tx, order_id, "not_acknowledged")
    log.warning(
        "order %s recalled from %s (%s); now %s", order_id, old, reason, warehouse or "unassigned"
    )
    return {
        "order_id": order_id,
        "recalled_from": old,
        "warehouse": warehouse,
        "status": "released" if warehouse else "unassigned",
        "exceptions_resolved": resolved,
    }
