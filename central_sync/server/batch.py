"""An edge's event batch, checked whole before anything is applied (pure: no I/O).

The first fault found refuses the batch with `invalid_batch`, naming the event's index in the
batch and the field. See docs/sync.md, "Up: the outbox".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from central_sync.server.errors import CentralError
from central_sync.server.messages import PHRASES
from edge.domain.ledger import MAX_QUANTITY
from kernel.fields import INT64_MAX

MAX_EVENTS = 500
MAX_ID = 100
# Order events that move central's order status (docs/sync.md, "What central does with an event").
STATUS_BY_EVENT = {
    "order_picking_started": "picking",
    "order_picked": "picked",
    "order_packed": "packed",
    "order_shipped": "shipped",
    "order_held": "on_hold",
    "order_released": "released",
    "order_cancelled": "cancelled",
    "order_completed": "completed",
}
# An order's statuses once its goods have left the warehouse, in order.
SHIPPED = ("shipped", "completed", "return_expected", "return_received", "return_graded", "closed")


def picked_delta(source: str | None, target: str | None, qty: int) -> int:
    """The units a movement adds to (a pick) or takes from (a put-back) the picked bucket."""
    if target == "picked" and source != "picked":
        return qty
    if source == "picked" and target == "on_hand":  # a put-back
        return -qty
    return 0


@dataclass(frozen=True)
class Move:
    """One movement as central counts it: None is an external account (not counted)."""

    sku: str
    qty: int
    source: str | None
    target: str | None


@dataclass(frozen=True)
class Parcel:
    parcel_no: int
    parcels: int
    tracking_number: str
    carrier: str
    weight_g: int | None
    contents: list[Any]


@dataclass(frozen=True)
class EdgeEvent:
    event_id: str
    epoch: int
    seq: int
    type: str
    occurred_at: str
    order_id: str | None
    sku: str | None
    payload: dict[str, Any]
    moves: tuple[Move, ...]
    parcels: tuple[Parcel, ...]


class _Bad(Exception):
    def __init__(self, field: str, phrase: str) -> None:
        super().__init__(field)
        self.field = field
        self.phrase = phrase


def parse_batch(body: Any, edge_id: str) -> list[EdgeEvent]:
    """The batch's events, or `invalid_batch` naming the first bad event and field."""
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        problem = "missing" if isinstance(body, dict) else "not_json"
        raise _refusal(None, "events", problem)
    raw = body["events"]
    if len(raw) > MAX_EVENTS:
        raise _refusal(None, "events", "too_many")
    events: list[EdgeEvent] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        try:
            event = _event(item, edge_id)
            if events and (event.epoch, event.seq) <= (events[-1].epoch, events[-1].seq):
                raise _Bad("seq", "out_of_order")
            if event.event_id in seen:
                raise _Bad("event_id", "repeated")
        except _Bad as bad:
            raise _refusal(index, bad.field, bad.phrase) from None
        seen.add(event.event_id)
        events.append(event)
    return events


def _refusal(index: int | None, field: str, phrase: str) -> CentralError:
    return CentralError(
        "invalid_batch", index="?" if index is None else index, field=field, problem=PHRASES[phrase]
    )


def _event(item: Any, edge_id: str) -> EdgeEvent:
    if not isinstance(item, dict):
        raise _Bad("event", "not_object")
    if _text(item, "edge_id") != edge_id:
        raise _Bad("edge_id", "not_this_edge")
    _positive(item, "schema_version")
    kind = _text(item, "type")
    order_id = _optional_text(item, "order_id")
    if kind in STATUS_BY_EVENT and order_id is None:
        raise _Bad("order_id", "missing")
    payload = item.get("payload")
    if not isinstance(payload, dict):
        raise _Bad("payload", "missing" if payload is None else "not_object")
    _optional_text(item, "scan_id")
    return EdgeEvent(
        event_id=_text(item, "event_id"),
        epoch=_positive(item, "epoch"),
        seq=_positive(item, "seq"),
        type=kind,
        occurred_at=_timestamp(item, "occurred_at"),
        order_id=order_id,
        sku=_optional_text(item, "sku"),
        payload=payload,
        moves=_moves(payload),
        parcels=_parcels(payload) if kind == "order_shipped" else (),
    )


def _text(obj: dict[str, Any], key: str, *, where: str = "") -> str:
    value = obj.get(key)
    if value is None:
        raise _Bad(where + key, "missing")
    if not isinstance(value, str) or not value:
        raise _Bad(where + key, "not_text")
    if len(value) > MAX_ID and key in ("event_id", "order_id", "sku", "edge_id"):
        raise _Bad(where + key, "too_long")
    return value


def _optional_text(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Bad(key, "not_text_or_null")
    if len(value) > MAX_ID:
        raise _Bad(key, "too_long")
    return value or None


def _positive(obj: dict[str, Any], key: str, *, where: str = "", top: int = INT64_MAX) -> int:
    value = obj.get(key)
    if value is None:
        raise _Bad(where + key, "missing")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _Bad(where + key, "not_positive_int")
    if value > top:
        raise _Bad(where + key, "too_large")
    return value


def _timestamp(obj: dict[str, Any], key: str) -> str:
    value = _text(obj, key)
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(key, "not_timestamp") from None
    return value


def _list(payload: dict[str, Any], key: str) -> list[Any]:
    value = payload.get(key, [])
    if not isinstance(value, list):
        raise _Bad(f"payload.{key}", "not_list")
    return value


def _moves(payload: dict[str, Any]) -> tuple[Move, ...]:
    moves = []
    for i, m in enumerate(_list(payload, "movements")):
        where = f"payload.movements[{i}]."
        if not isinstance(m, dict):
            raise _Bad(where.rstrip("."), "not_object")
        sku, qty = _text(m, "sku", where=where), _positive(m, "qty", where=where, top=MAX_QUANTITY)
        moves.append(Move(sku, qty, _bucket(m, "from", where), _bucket(m, "to", where)))
    return tuple(moves)


def _bucket(m: dict[str, Any], key: str, where: str) -> str | None:
    """The bucket of a side, or None for an external account (no location, no container)."""
    side = m.get(key)
    if side is None:
        raise _Bad(where + key, "missing")
    ok = isinstance(side, list) and len(side) == 3 and all(isinstance(s, str) for s in side)
    if not ok or not side[2]:
        raise _Bad(where + key, "not_place")
    location, container, bucket = side
    return None if not location and not container else bucket


def _parcels(payload: dict[str, Any]) -> tuple[Parcel, ...]:
    parcels = []
    for i, p in enumerate(_list(payload, "parcels")):
        where = f"payload.parcels[{i}]."
        if not isinstance(p, dict):
            raise _Bad(where.rstrip("."), "not_object")
        carrier, weight, contents = p.get("carrier", ""), p.get("weight_g"), p.get("contents", [])
        if not isinstance(carrier, str):
            raise _Bad(where + "carrier", "not_text")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int)):
            raise _Bad(where + "weight_g", "not_positive_int")
        if weight is not None and not 0 <= weight <= MAX_QUANTITY:
            raise _Bad(where + "weight_g", "too_large")
        if not isinstance(contents, list):
            raise _Bad(where + "contents", "not_list")
        number = _positive(p, "parcel_no", where=where)
        count = _positive(p, "parcels", where=where) if "parcels" in p else 1
        tracking = _text(p, "tracking_number", where=where)
        parcels.append(Parcel(number, count, tracking, carrier, weight, contents))
    return tuple(parcels)
