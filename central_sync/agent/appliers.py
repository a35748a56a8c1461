"""Central's changes applied at the edge, each idempotent: applying a page twice changes nothing.

A page is applied in one writer transaction together with its cursor. Each change runs in its own
savepoint: one that cannot be applied (an order naming an unknown SKU, a cancellation of an order
this edge never had, data of the wrong shape) is rolled back alone, recorded as an open exception
of kind `sync` for a supervisor, and the feed goes on; a stuck feed would stop every later order.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable
from typing import Any

from edge.domain.decision import Decision, Event
from edge.domain.errors import EdgeError
from edge.domain.ledger import MAX_QUANTITY
from edge.domain.order import OrderStatus
from edge.domain.shelf_life import ShelfRules
from edge.service.orders import cancel_order, cut_lines, receive_order
from edge.service.returns import authorise_return, cancel_return
from edge.store import orders as order_store
from edge.store import packing as packing_store
from edge.store import receiving as receiving_store
from edge.store import returns as return_store
from edge.store import sync_state
from edge.store.catalog import add_barcode, product_row, require_sku, upsert_product
from edge.store.kits import upsert_kit
from edge.store.ledger import Actor, apply_decision
from edge.store.orders import NewLine, NewOrder
from edge.store.returns import NewAuthorisation
from edge.store.writer import Tx

log = logging.getLogger("central_sync.agent")

DEFAULT_RETURNS_LOCATION = "RETURNS"  # [returns] location's default
UTC_RULES = ShelfRules()  # the warehouse's date in UTC, no channel minimums (tests, tools)
# Changes from central are recorded as made by this device in the ledger and status history.
CENTRAL = Actor(device_id="central")
# The goods have left the building: a cancellation cannot be honoured any more.
GONE = frozenset(
    {
        OrderStatus.SHIPPED,
        OrderStatus.COMPLETED,
        OrderStatus.RETURN_EXPECTED,
        OrderStatus.RETURN_RECEIVED,
        OrderStatus.RETURN_GRADED,
        OrderStatus.CLOSED,
    }
)


def apply_page(
    tx: Tx,
    changes: list[dict[str, Any]],
    next_cursor: int,
    *,
    shelf: ShelfRules = UTC_RULES,
    returns_location: str = DEFAULT_RETURNS_LOCATION,
) -> dict[str, int]:
    """Apply every change, each alone, then store `next_cursor`; counts applied and refused.
    Orders released are allocated under `shelf` (the warehouse's date, shelf-life minimums);
    returns are announced at `returns_location` ([returns] location)."""
    counts = {"applied": 0, "refused": 0}
    for change in changes:
        try:
            with tx.savepoint():
                apply_change(tx, change, shelf=shelf, returns_location=returns_location)
            counts["applied"] += 1
        except sqlite3.Error as exc:
            if not tx.conn.in_transaction:  # the disk is full or the database gone: stop here
                raise
            _refuse(tx, change, "storage", str(exc), counts)
        except EdgeError as err:
            _refuse(tx, change, err.code, err.message("en"), counts)
        except Exception as exc:  # noqa: BLE001 - a malformed change must not stop the feed
            _refuse(tx, change, "malformed_change", f"{type(exc).__name__}: {exc}", counts)
    sync_state.set_feed_cursor(tx, next_cursor)
    return counts


def _refuse(tx: Tx, change: dict[str, Any], code: str, reason: str, counts: dict[str, int]) -> None:
    counts["refused"] += 1
    if sync_state.record_sync_exception(tx, change, code, reason):
        log.error(
            "change %s (%s, order %s) from central not applied: %s: %s; recorded for a supervisor",
            change.get("cursor"),
            change.get("type"),
            change.get("order_id"),
            code,
            reason,
        )


def apply_change(
    tx: Tx,
    change: dict[str, Any],
    *,
    shelf: ShelfRules = UTC_RULES,
    returns_location: str = DEFAULT_RETURNS_LOCATION,
) -> None:
    kind = change.get("type")
    applier = APPLIERS.get(kind)  # type: ignore[arg-type]
    if applier is None:
        raise ValueError(f"unknown change type {kind!r}")
    data = change.get("data")
    if not isinstance(data, dict):
        raise TypeError("data is not an object")
    if applier is order_released:
        order_released(tx, data, change, shelf=shelf)
    elif applier is return_authorised:
        return_authorised(tx, data, change, location=returns_location)
    else:
        applier(tx, data, change)


def product_upserted(tx: Tx, data: dict[str, Any], _change: dict[str, Any]) -> None:
    """The catalogue entry and its barcodes; flags central does not send are kept as they are."""
    sku = _text(data, "sku")
    wanted = (_text(data, "name"), str(data.get("name_zh") or ""), int(data.get("weight_g") or 0))
    row = product_row(tx, sku)
    if row is None or (row["name"], row["name_zh"], row["weight_g"]) != wanted:
        flags = {
            f: bool(row[f]) if row else False
            for f in ("lot_tracked", "expiry_tracked", "serial_tracked")
        }
        shelf = int(row["min_shelf_life_days"]) if row else 0  # the edge's own setting, kept
        upsert_product(
            tx,
            sku=sku,
            name=wanted[0],
            name_zh=wanted[1],
            weight_g=wanted[2],
            min_shelf_life_days=shelf,
            **flags,
        )
    for barcode in data.get("barcodes") or []:
        add_barcode(
            tx, code=_text(barcode, "code"), sku=sku, pack_qty=int(barcode.get("pack_qty") or 1)
        )


def kit_upserted(tx: Tx, data: dict[str, Any], _change: dict[str, Any]) -> None:
    """A kit and its components (each a product this edge has), replaced whole."""
    components = [(_text(c, "sku"), _whole(c, "qty")) for c in data.get("components") or ()]
    if not components:
        raise ValueError("a kit needs at least one component")
    for sku, _ in components:
        require_sku(tx, sku)
    upsert_kit(
        tx,
        sku=_text(data, "sku"),
        name=_text(data, "name"),
        name_zh=str(data.get("name_zh") or ""),
        components=components,
    )


def order_released(
    tx: Tx, data: dict[str, Any], change: dict[str, Any], *, shelf: ShelfRules = UTC_RULES
) -> None:
    """The order as the edge's POST /api/v1/orders takes it; known (channel, id) changes nothing."""
    lines = tuple(
        NewLine(
            _text(ln, "sku"),
            _whole(ln, "qty"),
            str(ln.get("lot") or ""),
            components=tuple(
                (_text(c, "sku"), _whole(c, "qty")) for c in ln.get("components") or ()
            ),
            gift=bool(ln.get("gift")),
        )
        for ln in data["lines"]
    )
    order = NewOrder(
        channel=_text(data, "channel"),
        channel_order_id=_text(data, "channel_order_id"),
        lines=lines,
        id=str(data.get("id") or change.get("order_id") or ""),
        priority=int(data.get("priority") or 0),
        ship_by=data.get("ship_by") or None,
        customer_ref=str(data.get("customer_ref") or ""),
        ship_to=dict(data.get("ship_to") or {}),
        carrier=str(data.get("carrier") or ""),
        service=str(data.get("service") or ""),
        buyer_note=str(data.get("buyer_note") or ""),
        seller_note=str(data.get("seller_note") or ""),
    )
    receive_order(tx, order, CENTRAL, shelf=shelf)


def order_cancelled(tx: Tx, data: dict[str, Any], change: dict[str, Any]) -> None:
    """Cancel, giving back reservations and opening put-backs for picked units; once shipped,
    answer with `order_cancel_refused` naming the shipment instead (the goods have left)."""
    order_id = str(data.get("order_id") or change.get("order_id") or "")
    reason = str(data.get("reason") or "cancelled by central")
    row = order_store.order_row(tx, order_id)
    if row is None:
        raise EdgeError("not_found", what="order", key=order_id)
    status = OrderStatus(row["status"])
    if status is OrderStatus.CANCELLED:
        return
    if status in GONE:
        _refuse_cancel(tx, order_id, status, reason)
        return
    cancel_order(tx, order_id, CENTRAL, reason=reason)


def putback_requested(tx: Tx, data: dict[str, Any], change: dict[str, Any]) -> None:
    """Central holds the order cancelled or shipped and heard late of work on it here: stop the
    order (cancel it here, giving back reservations) and open put-backs for every unit picked.
    Nothing to do once it is cancelled here already, or gone from the building."""
    _stop_order(tx, data, change, f"central holds this order {data.get('status')}")


def order_recalled(tx: Tx, data: dict[str, Any], change: dict[str, Any]) -> None:
    """Central moved the order to another warehouse while this one was quiet: stop it here the
    same way, once (a recall of an order cancelled here already changes nothing), so its units
    are picked at the other warehouse only. Gone from the building already: central hears of the
    shipment from this edge's events."""
    _stop_order(tx, data, change, "moved to another warehouse by central")


def order_lines_cancelled(tx: Tx, data: dict[str, Any], change: dict[str, Any]) -> None:
    """Central cut units off the order's lines (a refund after release), applied once per
    `cancel_id`: see `cut_lines`. Already packed or gone: refused back to central, which keeps
    an exception for a person."""
    order_id = str(data.get("order_id") or change.get("order_id") or "")
    asked = [(int(ln["line_no"]), _text(ln, "sku"), _whole(ln, "qty")) for ln in data["lines"]]
    if not asked:
        raise ValueError("lines must name at least one line")
    cancel_id = str(data.get("cancel_id") or f"cursor-{change.get('cursor')}")
    reason = str(data.get("reason") or "cancelled by central")
    done = cut_lines(tx, order_id, asked, CENTRAL, reason=reason, cancel_id=cancel_id)
    if done.get("refusal"):
        log.warning("order %s: units not cancelled: %s; told central", order_id, done["refusal"])


def _stop_order(tx: Tx, data: dict[str, Any], change: dict[str, Any], default: str) -> None:
    order_id = str(data.get("order_id") or change.get("order_id") or "")
    row = order_store.order_row(tx, order_id)
    if row is None:
        raise EdgeError("not_found", what="order", key=order_id)
    status = OrderStatus(row["status"])
    if status is OrderStatus.CANCELLED or status in GONE:
        return
    reason = str(data.get("reason") or default)
    done = cancel_order(tx, order_id, CENTRAL, reason=reason)
    log.warning(
        "order %s stopped: %s; %d put-backs opened", order_id, reason, len(done["put_back"])
    )


def _refuse_cancel(tx: Tx, order_id: str, status: OrderStatus, reason: str) -> None:
    if sync_state.cancel_refusal_sent(tx, order_id):
        return
    shipments = packing_store.shipments_of(tx, order_id)
    payload = {"reason": reason, "status": status.value, "shipments": shipments}
    event = Event("order_cancel_refused", payload, order_id=order_id)
    apply_decision(tx, Decision(None, (event,)), CENTRAL)
    log.warning("order %s was cancelled by central after it shipped; told central", order_id)


def address_changed(tx: Tx, data: dict[str, Any], change: dict[str, Any]) -> None:
    """Store the new ship-to; parcels whose waybill shows the old one are flagged for reprint."""
    order_id = str(data.get("order_id") or change.get("order_id") or "")
    ship_to = data["ship_to"]
    if not isinstance(ship_to, dict):
        raise TypeError("ship_to is not an object")
    row = order_store.order_row(tx, order_id)
    if row is None:
        raise EdgeError("not_found", what="order", key=order_id)
    if json.loads(row["ship_to"] or "{}") == ship_to:
        return
    order_store.set_ship_to(tx, order_id, ship_to)
    flagged = packing_store.flag_labelled_for_reprint(tx, order_id, "address_changed")
    payload = {"ship_to": ship_to, "status": row["status"], "reprint_parcels": flagged}
    event = Event("order_address_changed", payload, order_id=order_id)
    apply_decision(tx, Decision(None, (event,)), CENTRAL)


def return_authorised(
    tx: Tx,
    data: dict[str, Any],
    change: dict[str, Any],
    *,
    location: str = DEFAULT_RETURNS_LOCATION,
) -> None:
    """Record the RMA and announce its units (customer → returns_in_transit at the returns
    location); the same RMA again changes nothing."""
    lines = tuple(
        (_text(ln, "sku"), _whole(ln, "qty"), str(ln.get("reason") or "")) for ln in data["lines"]
    )
    if not lines:
        raise ValueError("lines must name at least one SKU")
    auth = NewAuthorisation(
        rma=_text(data, "rma"),
        order_id=data.get("order_id") or change.get("order_id"),
        lines=lines,
        reason=str(data.get("reason") or ""),
        return_tracking=data.get("return_tracking_number") or None,
        expires_at=data.get("expires_at") or None,
        channel=str(data.get("channel") or ""),
    )
    authorise_return(tx, auth, CENTRAL, location=location, feed_cursor=int(change["cursor"]))


def return_cancelled(tx: Tx, data: dict[str, Any], _change: dict[str, Any]) -> None:
    """Central cancelled (or expired) the RMA: its units not yet received are taken out of
    returns_in_transit again, once; an RMA this edge never had is a sync exception."""
    rma = _text(data, "rma")
    if return_store.authorisation(tx, rma) is None:
        raise EdgeError("not_found", what="RMA", key=rma)
    cancel_return(tx, rma, CENTRAL, reason=str(data.get("reason") or "cancelled by central"))


def asn_upserted(tx: Tx, data: dict[str, Any], _change: dict[str, Any]) -> None:
    """The ASN central announced for this warehouse, kept for the dock; one already being
    received (or closed) here is left as it is."""
    asn_id = _text(data, "asn_id")
    _text(data, "supplier")
    if not data["lines"]:
        raise ValueError("lines must name at least one SKU")
    for line in data["lines"]:
        _text(line, "sku")
        _whole(line, "qty")
    for box in data.get("containers") or []:
        _text(box, "sscc")
    if not receiving_store.upsert_asn(tx, data, "central"):
        log.info("ASN %s from central: already being received here, kept as it is", asn_id)


def asn_cancelled(tx: Tx, data: dict[str, Any], _change: dict[str, Any]) -> None:
    """Central cancelled the ASN: cancelled here while nothing was received against it. Once the
    dock has received goods the receipt goes on; central hears what arrived from its close."""
    asn_id = _text(data, "asn_id")
    row = receiving_store.asn(tx, asn_id)
    if row is None:
        raise EdgeError("not_found", what="ASN", key=asn_id)
    if row["status"] != "cancelled" and not receiving_store.cancel_asn(tx, asn_id):
        log.warning(
            "ASN %s cancelled by central is %s here; receipt goes on", asn_id, row["status"]
        )


def _text(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{key} must be a non-empty string, got {value!r}")
    return value


def _whole(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUANTITY:
        raise ValueError(f"{key} must be a whole number from 1 to {MAX_QUANTITY}, got {value!r}")
    return value


APPLIERS: dict[str, Callable[[Tx, dict[str, Any], dict[str, Any]], None]] = {
    "product_upserted": product_upserted,
    "kit_upserted": kit_upserted,
    "order_released": order_released,
    "order_cancelled": order_cancelled,
    "putback_requested": putback_requested,
    "order_recalled": order_recalled,
    "order_lines_cancelled": order_lines_cancelled,
    "address_changed": address_changed,
    "return_authorised": return_authorised,
    "return_cancelled": return_cancelled,
    "asn_upserted": asn_upserted,
    "asn_cancelled": asn_cancelled,
}
