"""Closing the gap after a restore from an older backup: this edge's own events that central
holds past the backup are facts of the floor, re-applied here before the edge serves again.

Stock moves again exactly as it did (the same movements, the same outbox events, delivered).
An order those events touched ends as central holds it when they ended it (shipped, completed,
cancelled); otherwise it is put on hold for a supervisor (its reservations given back, its open
pick tasks held), so it is not offered to pickers a second time: the units picked for it are in
a tote the supervisor checks before releasing or cancelling it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from edge.domain.allocation import release_all
from edge.domain.decision import Decision, Event
from edge.domain.messages import hold
from edge.domain.order import TRANSITIONS, OrderStatus, change_status
from edge.store import orders as store
from edge.store import restored
from edge.store.ledger import Actor, apply_decision, replay_event
from edge.store.writer import Tx

CENTRAL = Actor(device_id="central")
TARGET_OF_EVENT = {event: target for (_, target), event in TRANSITIONS.items()}
ENDS = frozenset({OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.CANCELLED})


def take_back(
    tx: Tx, events: Sequence[dict[str, Any]], *, epoch: int, backup: str
) -> dict[str, Any]:
    """Re-apply `events` (in epoch, seq order), settle or hold the orders they touched, start
    `epoch`; returns what was done."""
    touched: dict[str, OrderStatus | None] = {}
    moved = (m["sku"] for e in events for m in e["payload"].get("movements") or [])
    added = restored.add_missing_products(tx, moved)
    for event in events:
        replay_event(tx, event)
        order_id = event.get("order_id")
        for m in event["payload"].get("movements") or []:
            location, container, bucket = m["to"]
            if order_id and container and bucket == "picked":
                restored.bind_tote_if_free(tx, container, order_id)
        if order_id:
            target = TARGET_OF_EVENT.get(event["type"])
            touched[order_id] = target or touched.get(order_id)
    restored.close_restore(tx, epoch)  # the holds below are events of the new epoch
    held, settled = [], []
    for order_id, target in sorted(touched.items()):
        row = store.order_row(tx, order_id)
        if row is None or OrderStatus(row["status"]) in ENDS:
            continue
        if target in ENDS:
            _give_back(tx, order_id)
            note = f"re-applied from central after a restore from {backup}"
            restored.settle_order(tx, order_id, target.value, note)
            if target is OrderStatus.CANCELLED:  # units still in its totes go back to bins
                for units in store.picked_in_totes(tx, order_id):
                    store.add_putback(tx, order_id, units)
            settled.append(order_id)
        else:
            _hold(tx, order_id, OrderStatus(row["status"]), target, backup)
            held.append(order_id)
    return {
        "reapplied": len(events),
        "orders_held": held,
        "orders_settled": settled,
        "products_added": added,
    }


def _give_back(tx: Tx, order_id: str) -> None:
    reservations = [
        r
        for ln in store.order_lines(tx, order_id)
        for r in release_all(store.line_reservations(tx, ln["id"]), ln["id"])
    ]
    apply_decision(tx, Decision(None, (), tuple(reservations)), CENTRAL)
    store.hold_open_tasks(tx, order_id)


def _hold(
    tx: Tx, order_id: str, current: OrderStatus, target: OrderStatus | None, backup: str
) -> None:
    was = target.value if target else current.value
    reason = (
        f"restored from backup {backup}: central holds this order {was} from this edge's own "
        "events; check its tote, then release or cancel it"
    )
    _give_back(tx, order_id)
    if current is not OrderStatus.ON_HOLD:
        why = hold("restored", backup=backup, was=was)
        change = change_status(order_id, current, OrderStatus.ON_HOLD, reason=reason, hold=why)
        event = Event(change.event, {"from": current.value, "reason": reason}, order_id=order_id)
        apply_decision(tx, Decision(None, (event,), (), changes=(change,)), CENTRAL)
    restored.raise_restore_exception(tx, reason, order_id=order_id)
