"""Orders arriving at the edge: stored once per (channel, channel order id), allocated at once;
cancelled with their reservations given back and picked units sent back to bins."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from edge.domain.allocation import LineRequest, allocate, release_all, release_some
from edge.domain.decision import Decision, Event
from edge.domain.errors import EdgeError
from edge.domain.kit import explode
from edge.domain.ledger import MAX_QUANTITY, Reservation, Stock
from edge.domain.line_cut import Line, plan_cut, units_to_return
from edge.domain.messages import hold
from edge.domain.order import OrderStatus, change_status
from edge.domain.shelf_life import ShelfRules
from edge.domain.stock import PutBack, put_back
from edge.store import kits as kit_store
from edge.store import orders as store
from edge.store import orders as store_orders
from edge.store.catalog import require_location, require_sku
from edge.store.database import Store
from edge.store.ledger import Actor, apply_decision, load_stock_rows
from edge.store.orders import NewOrder
from edge.store.writer import Tx


def receive_order(
    tx: Tx, order: store.NewOrder, actor: Actor, *, shelf: ShelfRules
) -> dict[str, Any]:
    """Store a released order and allocate it; the same channel order again changes nothing."""
    existing = store.find_order(tx, order.channel, order.channel_order_id)
    if existing is not None:
        row = store.order_row(tx, existing)
        assert row is not None
        return {"order_id": existing, "status": row["status"], "duplicate": True}
    if not order.lines:
        raise EdgeError("invalid_request", reason="an order needs at least one line")
    for line in order.lines:
        if line.qty <= 0:
            raise EdgeError("invalid_quantity", quantity=line.qty, reason="it must be 1 or more")
    placed = replace(order, lines=_kits_as_components(tx, order.lines))
    for line in placed.lines:
        require_sku(tx, line.sku)
        if line.qty <= 0:
            raise EdgeError("invalid_quantity", quantity=line.qty, reason="it must be 1 or more")
        if line.qty > MAX_QUANTITY:
            raise EdgeError("quantity_too_large", quantity=line.qty, limit=MAX_QUANTITY)
    order_id = order.id or f"O-{uuid.uuid4().hex[:12].upper()}"
    if store.order_row(tx, order_id) is not None:
        raise EdgeError("duplicate", what="order", key=order_id)
    store.insert_order(
        tx, placed, order_id, operator_id=actor.operator_id, device_id=actor.device_id
    )
    payload = {
        "channel": order.channel,
        "channel_order_id": order.channel_order_id,
        "lines": [{"sku": ln.sku, "qty": ln.qty} for ln in order.lines],
    }
    apply_decision(
        tx, Decision(None, (Event("order_received", payload, order_id=order_id),)), actor
    )
    status = allocate_order(tx, order_id, actor, shelf=shelf)
    return {"order_id": order_id, "status": status, "duplicate": False}


def _kits_as_components(tx: Tx, lines: Sequence[store.NewLine]) -> tuple[store.NewLine, ...]:
    """Each kit line as its components' lines: the components central sent with it, else the
    kit as this edge's catalogue defines it (an order posted here); other lines as they are."""
    known = kit_store.components_of(tx, [ln.sku for ln in lines if not ln.components])
    out: list[store.NewLine] = []
    for n, line in enumerate(lines, start=1):
        components = line.components or tuple(known.get(line.sku, ()))
        if not components:
            out.append(line)
            continue
        for part in explode(line.sku, line.qty, n, components):
            out.append(store.NewLine(part.sku, part.qty, line.lot, kit=part.kit, gift=line.gift))
    return tuple(out)


def allocate_order(tx: Tx, order_id: str, actor: Actor, *, shelf: ShelfRules) -> str:
    """Reserve stock for every line (nothing expired or too short-dated on the warehouse's
    date; FEFO, then pick sequence), or hold the order saying why."""
    row = store.order_row(tx, order_id)
    if row is None:
        raise EdgeError("not_found", what="order", key=order_id)
    current = OrderStatus(row["status"])
    lines = [ln for ln in store.order_lines(tx, order_id) if ln["qty_allocated"] < _open_qty(ln)]
    skus = sorted({ln["sku"] for ln in lines})
    min_days = store.line_min_shelf_days(tx, order_id, skus, shelf) if skus else {}
    requests = [
        LineRequest(
            ln["id"], ln["sku"], _open_qty(ln) - ln["qty_allocated"], ln["lot"], min_days[ln["sku"]]
        )
        for ln in lines
    ]
    result = allocate(
        requests, store.candidates(tx, skus) if skus else {}, today=shelf.today(tx.now)
    )
    events: list[Event] = []
    changes: list[object] = []
    if result.complete:
        payload = {
            "allocations": [
                {
                    "line_id": r.line_id,
                    "sku": r.sku,
                    "location": r.location,
                    "lot": r.lot,
                    "qty": r.delta,
                }
                for r in result.reservations
            ]
        }
        events.append(Event("order_allocated", payload, order_id=order_id))
        if current is OrderStatus.ON_HOLD:
            changes.append(change_status(order_id, current, OrderStatus.RELEASED))
            events.append(Event("order_released", {"from": current.value}, order_id=order_id))
        apply_decision(
            tx, Decision(None, tuple(events), result.reservations, changes=tuple(changes)), actor
        )
        return OrderStatus.RELEASED.value if current is OrderStatus.ON_HOLD else current.value
    reason = "; ".join(
        f"{s.sku}: need {s.needed}, {s.free} free"
        + (f" ({s.too_short_dated} more expired or too short-dated)" if s.too_short_dated else "")
        for s in result.shortages
    )
    if current is not OrderStatus.ON_HOLD:
        short = [
            {"sku": s.sku, "needed": s.needed, "free": s.free, "dated": s.too_short_dated}
            for s in result.shortages
        ]
        change = change_status(
            order_id,
            current,
            OrderStatus.ON_HOLD,
            reason=f"insufficient stock ({reason})",
            hold=hold("insufficient_stock", lines=short),
        )
        event = Event(
            change.event, {"from": current.value, "reason": change.reason}, order_id=order_id
        )
        apply_decision(tx, Decision(None, (event,), changes=(change,)), actor)
    return OrderStatus.ON_HOLD.value


def _not_yet_promised(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """Units picked for the order still in its totes, less those open put-backs (of units cut
    off its lines earlier) already send back."""
    in_totes = store.picked_in_totes(tx, order_id)
    promised = store.promised_putbacks(tx, order_id)
    return [
        units for row in in_totes for units in units_to_return([row], promised, int(row["qty"]))
    ]


def _open_qty(line: Any) -> int:
    return int(line["qty_ordered"] - line["qty_cancelled"] - line["qty_picked"])


def cancel_order(tx: Tx, order_id: str, actor: Actor, *, reason: str) -> dict[str, Any]:
    """Give back every reservation; units already picked get put-back tasks."""
    row = store.order_row(tx, order_id)
    if row is None:
        raise EdgeError("not_found", what="order", key=order_id)
    current = OrderStatus(row["status"])
    change = change_status(order_id, current, OrderStatus.CANCELLED, reason=reason)
    reservations = [
        r
        for ln in store.order_lines(tx, order_id)
        for r in release_all(store.line_reservations(tx, ln["id"]), ln["id"])
    ]
    putbacks = _not_yet_promised(tx, order_id)
    payload = {"from": current.value, "reason": reason, "put_back": putbacks}
    decision = Decision(
        None,
        (Event(change.event, payload, order_id=order_id),),
        tuple(reservations),
        changes=(change,),
    )
    apply_decision(tx, decision, actor)
    store.hold_open_tasks(tx, order_id)
    for p in putbacks:
        store.add_putback(tx, order_id, p)
    for tote in store.bound_totes(tx, order_id):
        store.release_empty_tote(tx, tote)
    return {"order_id": order_id, "status": OrderStatus.CANCELLED.value, "put_back": putbacks}


def cut_lines(
    tx: Tx,
    order_id: str,
    asked: list[tuple[int, str, int]],
    actor: Actor,
    *,
    reason: str,
    cancel_id: str,
) -> dict[str, Any]:
    """Cancel units of the order's lines ((line_no, sku, qty) each), once per `cancel_id`:
    unpicked units give back their reservation and leave the pick tasks, picked ones get
    put-back tasks, and the pack bench then checks only what is left. Packed or gone: refused,
    and central is told (`order_lines_cancel_refused`)."""
    row = store.order_row(tx, order_id)
    if row is None:
        raise EdgeError("not_found", what="order", key=order_id)
    status = OrderStatus(row["status"])
    if status is OrderStatus.CANCELLED or store.cut_recorded(tx, order_id, cancel_id):
        return {"order_id": order_id, "applied": False}
    rows = store.order_lines(tx, order_id)
    lines = [
        Line(
            r["id"],
            r["line_no"],
            r["sku"],
            r["qty_ordered"],
            r["qty_cancelled"],
            r["qty_picked"],
            r["qty_packed"],
        )
        for r in rows
    ]
    plan = plan_cut(status, lines, asked)
    asked_json = [{"line_no": n, "sku": s, "qty": q} for n, s, q in asked]
    if plan.refused:
        payload = {
            "cancel_id": cancel_id,
            "reason": reason,
            "status": status.value,
            "lines": asked_json,
            "refusal": plan.refusal,
        }
        event = Event("order_lines_cancel_refused", payload, order_id=order_id)
        apply_decision(tx, Decision(None, (event,)), actor)
        return {"order_id": order_id, "applied": False, "refusal": plan.refusal}
    if plan.whole:
        return cancel_order(tx, order_id, actor, reason=reason) | {"applied": True}
    reservations: list[Reservation] = []
    putbacks: list[dict[str, Any]] = []
    in_totes = store.picked_in_totes(tx, order_id)
    promised = store.promised_putbacks(tx, order_id)
    for cut in plan.cuts:
        given = release_some(store.line_reservations(tx, cut.line_id), cut.line_id, cut.from_shelf)
        reservations += given
        for r in given:
            store.shrink_open_tasks(tx, cut.line_id, r.location, r.lot, -r.delta)
        mine = [t for t in in_totes if t["sku"] == cut.sku]
        for units in units_to_return(mine, promised, cut.from_tote):
            putbacks.append(units)
            key = (str(units["container"]), cut.sku, str(units["lot"]))
            promised[key] = promised.get(key, 0) + int(units["qty"])
        store.cut_line(tx, cut.line_id, cut.qty)
    payload = {
        "cancel_id": cancel_id,
        "reason": reason,
        "lines": [
            {
                "line_no": c.line_no,
                "sku": c.sku,
                "qty": c.qty,
                "from_shelf": c.from_shelf,
                "from_tote": c.from_tote,
            }
            for c in plan.cuts
        ],
        "put_back": putbacks,
    }
    events = [Event("order_lines_cancelled", payload, order_id=order_id)]
    changes: list[object] = []
    states = store.task_states(tx, order_id)
    if status is OrderStatus.PICKING and states and all(s in ("done", "short") for s in states):
        changes.append(change_status(order_id, status, OrderStatus.PICKED))
        events.append(Event("order_picked", {"from": status.value}, order_id=order_id))
    decision = Decision(None, tuple(events), tuple(reservations), changes=tuple(changes))
    apply_decision(tx, decision, actor)
    for units in putbacks:
        store.add_putback(tx, order_id, units)
    store.finish_emptied_lists(tx, order_id)
    return {"order_id": order_id, "applied": True, "put_back": putbacks}


def let_go_short(tx: Tx, order_id: str, actor: Actor) -> dict[str, Any]:
    """A supervisor lets an order still being picked (a zone not picked, or not started) go
    with what is picked: its units not picked are cut from its lines (their reservations go
    back, their open tasks shrink) and it is picked, to pack from the totes it has."""
    row = store.order_row(tx, order_id)
    if row is None:
        raise EdgeError("not_found", what="order", key=order_id)
    if row["status"] != OrderStatus.PICKING.value:
        raise EdgeError("order_not_packable", order_id=order_id, status=row["status"])
    missing = [
        (r["line_no"], r["sku"], r["qty_ordered"] - r["qty_cancelled"] - r["qty_picked"])
        for r in store.order_lines(tx, order_id)
        if r["qty_ordered"] - r["qty_cancelled"] - r["qty_picked"] > 0
    ]
    cut_id = f"short:{order_id}:{tx.at}"
    done = cut_lines(tx, order_id, missing, actor, reason="let go short", cancel_id=cut_id)
    status = store.order_row(tx, order_id)
    return done | {"status": status["status"] if status else None, "cut": len(missing)}


def putback_notices(conn: Any, order_ids: list[str]) -> list[tuple[int, dict[str, Any]]]:
    """For each picker whose list holds one of these (cancelled) orders with units in a tote:
    what to tell them live, which units to put back where."""
    notices = []
    for order_id in order_ids:
        units = store.open_putbacks(conn, order_id=order_id)
        if not units:
            continue
        for list_id, picker in store.pickers_of(conn, order_id):
            notices.append(
                (
                    picker,
                    {
                        "order_id": order_id,
                        "list_id": list_id,
                        "channel_order_id": units[0]["channel_order_id"],
                        "put_back": units,
                    },
                )
            )
    return notices


def complete_putback(tx: Tx, putback_id: int, location: str, actor: Actor) -> dict[str, Any]:
    """The clerk put a cancelled order's units from the tote into `location`."""
    task = store.putback(tx, putback_id)
    if task is None or task["status"] != "open":
        raise EdgeError("not_found", what="put_back", key=str(putback_id))
    require_location(tx, location)
    cmd = PutBack(
        task["sku"], task["qty"], task["container"], location, task["lot"], task["order_id"]
    )
    stock = Stock(*load_stock_rows(tx, cmd.sku, ["", location]))
    seqs = apply_decision(tx, put_back(stock, cmd), actor)
    store.close_putback(tx, putback_id, location)
    store.release_empty_tote(tx, cmd.tote)
    return {"put_back_id": putback_id, "status": "done", "events": seqs}


# --- the commands, each in one commit ---


async def release(
    store: Store, order: NewOrder, actor: Actor, *, shelf: ShelfRules
) -> dict[str, Any]:
    """Release an order to this warehouse and allocate it (the same channel order again: a no-op)."""
    return await store.writer.run(lambda tx: receive_order(tx, order, actor, shelf=shelf))


async def allocate_again(
    store: Store, ref: str, actor: Actor, *, shelf: ShelfRules
) -> tuple[str, str]:
    """Try again to allocate an order on hold; (order id, status)."""
    order_id = store_orders.resolve_order_id(store.read(), ref) or ref
    status = await store.writer.run(lambda tx: allocate_order(tx, order_id, actor, shelf=shelf))
    return order_id, status


@dataclass(frozen=True)
class Cancelled:
    """What a cancel did, and which pickers to tell which units to put back where."""

    body: dict[str, Any]
    notices: list[tuple[int, dict[str, Any]]]


async def cancel(store: Store, ref: str, actor: Actor, *, reason: str) -> Cancelled:
    """Cancel an order: reservations go back, picked units get put-back tasks."""
    order_id = store_orders.resolve_order_id(store.read(), ref) or ref
    done = await store.writer.run(lambda tx: cancel_order(tx, order_id, actor, reason=reason))
    return Cancelled(done, putback_notices(store.read(), [order_id]))


async def ship_short(store: Store, ref: str, actor: Actor) -> dict[str, Any]:
    """let_go_short in one commit."""
    order_id = store_orders.resolve_order_id(store.read(), ref) or ref
    return await store.writer.run(lambda tx: let_go_short(tx, order_id, actor))


async def finish_putback(
    store: Store, putback_id: int, location: str, actor: Actor
) -> dict[str, Any]:
    """A put-back's units went from the tote into a bin (picked → on_hand)."""
    return await store.writer.run(lambda tx: complete_putback(tx, putback_id, location, actor))
