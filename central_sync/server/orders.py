"""Channel orders into central: checked, deduplicated on (channel, channel_order_id), then assigned
to a warehouse and released to it through the change feed (or left `unassigned` with a reason)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, field_validator

from central_sync.channels.pii import Decrypter, NoDecrypter, decrypt_ship_to, protected_fields
from central_sync.server import order_text, review
from central_sync.server.assign import (
    QUIET_AFTER_S,
    Choice,
    EdgePool,
    choose_for_order,
    edge_pool,
    figures,
)
from central_sync.server.feed import add_change, add_changes
from central_sync.server.gifts import Rule, active_rules, gifts_for, with_gifts
from central_sync.server.kits import units
from central_sync.server.merge import Window, waiting_reason
from central_sync.store import catalogue, demand
from central_sync.store import gifts as gift_store
from central_sync.store import kits as kit_store
from central_sync.store import merge as merge_store
from central_sync.store import orders as stored
from central_sync.store.db import Tx, utc_now
from kernel.fields import Lot, Priority, ZonedTime
from kernel.messages import Message

log = logging.getLogger("central.orders")

ORDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SHIP_TO_KEYS = ("name", "phone", "country", "province", "city", "district", "address", "postcode")


class LineIn(BaseModel):
    sku: str = Field(min_length=1, max_length=64)
    qty: Annotated[int, Strict()] = Field(gt=0, le=100_000)  # what is still to ship
    lot: Lot = ""
    refunded: Annotated[int, Strict()] = Field(default=0, ge=0, le=100_000)  # never allocated
    # "open", or "cancel_requested" (the buyer asked the channel to cancel: the order is held)
    status: Literal["open", "cancel_requested"] = "open"


class ShipTo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=64)
    country: str = Field(default="", max_length=64)
    province: str = Field(default="", max_length=100)
    city: str = Field(default="", max_length=100)
    district: str = Field(default="", max_length=100)
    address: str = Field(default="", max_length=500)
    postcode: str = Field(default="", max_length=32)


class OrderIn(BaseModel):
    """One order in the channels' common shape (central_sync.channels.ChannelOrder.to_json())."""

    channel: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    channel_order_id: str = Field(min_length=1, max_length=64)
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    ordered_at: ZonedTime | None = None
    priority: Priority = 0
    ship_by: ZonedTime | None = None
    customer_ref: str = Field(default="", max_length=200)
    ship_to: ShipTo = Field(default_factory=ShipTo)
    carrier: str = Field(default="", max_length=64)
    service: str = Field(default="", max_length=64)
    currency: str = Field(default="", max_length=8)
    total: str | None = Field(default=None, max_length=32)
    buyer_note: str = Field(default="", max_length=1000)
    seller_note: str = Field(default="", max_length=1000)

    @field_validator("total", mode="before")
    @classmethod
    def _total_as_text(cls, value: Any) -> Any:
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )


@dataclass(frozen=True)
class Outcome:
    """What became of one order of a request or file: imported, updated (an order central had,
    its channel's new ship-to taken: readdress.py), duplicate or rejected."""

    index: int
    status: str
    channel_order_id: str
    id: str | None = None
    warehouse: str | None = None
    order_status: str | None = None
    field: str | None = None
    reason: str | None = None
    reason_zh: str | None = None  # a refusal of the order's text, said in Chinese too

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set (every one is a plain value: no deep copy, as asdict makes)."""
        return {k: v for k in OUTCOME_FIELDS if (v := getattr(self, k)) is not None}


OUTCOME_FIELDS = tuple(f.name for f in fields(Outcome))


def find_order(tx: Tx, channel: str, channel_order_id: str) -> str | None:
    """Central's id of the order (channel, channel_order_id), if it has it."""
    return stored.order_id_of(tx, channel, channel_order_id)


def order_id_for(channel: str, channel_order_id: str) -> str:
    """Central's id: `channel:channel_order_id`, made safe for the edge's id pattern if needed."""
    safe = re.sub(r"[^A-Za-z0-9_.:-]", "_", channel_order_id)
    digest = hashlib.sha256(f"{channel}\x1f{channel_order_id}".encode()).hexdigest()
    if safe != channel_order_id:
        safe = f"{safe}.{digest[:8]}"
    candidate = f"{channel}:{safe}"
    return candidate if ORDER_ID.match(candidate) else f"{channel[:32]}:{digest[:24]}"


def _field(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "order"


def parse_order(raw: Any, index: int) -> OrderIn | Outcome:
    """The order, or its rejection naming the first bad field (in English and Chinese); its
    notes cleaned of invisible characters and cut (order_text.py)."""
    coid = order_text.shown_id(raw.get("channel_order_id")) if isinstance(raw, dict) else ""
    if isinstance(raw, dict):
        if (bad := order_text.refusal(raw)) is not None:
            field, why = bad
            return Outcome(index, "rejected", coid, field=field, reason=why.en, reason_zh=why.zh)
        raw = order_text.cleaned(raw)
    try:
        return OrderIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        zh = order_text.in_chinese(dict(first))
        return Outcome(
            index, "rejected", coid, field=_field(first["loc"]), reason=first["msg"], reason_zh=zh
        )


def reason_of(outcome: Outcome) -> str | Message:
    """A rejection's reason as a problem's param: in both languages when it has them."""
    if outcome.reason_zh is None:
        return outcome.reason or ""
    return Message(outcome.reason or "", outcome.reason_zh)


ORDER_COLUMNS = (
    "id",
    "channel",
    "channel_order_id",
    "status",
    "warehouse",
    "hold_reason",
    "ship_to",
    "priority",
    "ship_by",
    "carrier",
    "service",
    "customer_ref",
    "currency",
    "total",
    "ordered_at",
    "buyer_note",
    "seller_note",
    "created_at",
    "updated_at",
    "merge_key",
    "merge_until",
    "channel_ship_to",
)


def ship_to_digest(ship_to: ShipTo) -> str:
    """A digest of a ship-to as a channel sent it (before decryption): what `channel_ship_to`
    keeps, so the channel's next update can be told apart from the same body sent again."""
    text = json.dumps(ship_to.model_dump(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def ingest(
    tx: Tx,
    raws: Sequence[Any],
    *,
    first_index: int = 0,
    quiet_after_s: float = QUIET_AFTER_S,
    decrypter: Decrypter | None = None,
    window: Window | None = None,
) -> list[Outcome]:
    """Check, dedup and insert each order; assign the new ones. Bad ones are rejected alone.

    The whole list is decided from one read of the figures (one statement: stock and open
    demand from one snapshot), each order taking its units off them in memory, and written with
    one statement per table: a batch of orders costs a handful of round trips in all. Orders are
    inserted only here, under the feed lock, so the duplicates read first are all there are."""
    parsed = [parse_order(raw, first_index + i) for i, raw in enumerate(raws)]  # before the lock
    valid = [p for p in parsed if isinstance(p, OrderIn)]
    named = {ln.sku for p in valid for ln in p.lines}
    _read_ahead(tx, valid, named)
    tx.lock_feed()  # assignments read ATS and write the feed: one at a time
    known = catalogue_spelling(tx, named)
    existing = _existing(tx, valid)
    kits = kit_store.components_of(tx, set(known.values()))
    rules = active_rules(tx)
    physical = units(((s, 1) for s in set(known.values()) | {r.gift_sku for r in rules}), kits)
    available = {(f.warehouse, f.sku): f.available for f in figures(tx, skus=set(physical))}
    opener = decrypter or NoDecrypter()
    edges = edge_pool(tx, quiet_after_s)
    batch = _Released(kits=kits, gift_rules=rules)
    reviewing = review.batch(tx, [_review_candidate(p, known)[1:] for p in valid])
    outcomes = []
    for i, p in enumerate(parsed):
        if isinstance(p, OrderIn):
            p = _decide(
                p,
                first_index + i,
                known,
                existing,
                available,
                edges,
                batch,
                opener,
                reviewing,
                window,
            )
        outcomes.append(p)
    tx.pipelined_to_commit()  # the batch's rows go with the COMMIT (PostgreSQL)
    batch.write(tx)
    reviewing.write(tx)
    return outcomes


def _read_ahead(tx: Tx, valid: Sequence[OrderIn], named: set[str]) -> None:
    """The feed lock and the reads `ingest` makes before it decides, sent in one round trip on
    PostgreSQL (in the order ingest makes them, each after the lock); the figures as they are
    when every SKU is written as the catalogue writes it, with no kit and no gift rule (the
    common case; otherwise ingest reads them again). SQLite: nothing (each read goes alone)."""
    tx.read_ahead(
        lambda t: t.lock_feed(),
        lambda t: catalogue.known_skus(t, named),
        lambda t: _existing(t, valid),
        lambda t: kit_store.components_of(t, named),
        lambda t: gift_store.rules(t, active_only=True),
        lambda t: figures(t, skus=named),
        lambda t: edge_pool(t),
        lambda t: review.rules(t),
    )


def _review_candidate(
    order: OrderIn, known: Mapping[str, str]
) -> tuple[review.Candidate, dict[str, str], list[tuple[str, int]]]:
    """What order review (review.py) looks at: the order, its ship-to and its (sku, qty) lines."""
    ship_to = order.ship_to.model_dump()
    lines = [(known.get(ln.sku, ln.sku), ln.qty) for ln in order.lines]
    candidate = review.Candidate(
        order.channel, ship_to, order.customer_ref, order.currency, order.total
    )
    return candidate, ship_to, lines


@dataclass
class _Released:
    """The rows a batch of new orders adds, written with one statement per table at the end."""

    orders: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    history: list[tuple[Any, ...]] = field(default_factory=list)
    changes: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # the kits among the batch's SKUs (kit → its components) and their lines' components
    kits: Mapping[str, Sequence[tuple[str, int]]] = field(default_factory=dict)
    components: list[tuple[str, int, str, int]] = field(default_factory=list)
    gift_rules: Sequence[Rule] = ()  # the gift rules in force
    gift_lines: list[tuple[int, str, int]] = field(default_factory=list)  # (rule, order, line)

    def write(self, tx: Tx) -> None:
        stored.insert_orders(tx, ORDER_COLUMNS, self.orders)
        stored.insert_lines(tx, self.lines)
        kit_store.insert_line_components(tx, self.components)
        gift_store.set_gift_lines(tx, self.gift_lines)
        stored.insert_histories(
            tx, ((o, at, old, new, "central", note) for o, at, old, new, note in self.history)
        )
        add_changes(tx, [(edge, "order_released", data, oid) for oid, edge, data in self.changes])
        demand.counted_new(tx, self.demand())
        stored.units_written(tx, self.unit_skus())

    def unit_skus(self) -> dict[str, set[str]]:
        """The SKUs of each new order's units as `order_units` has them (a kit line as its
        components), from the rows written."""
        components: dict[tuple[str, int], set[str]] = defaultdict(set)
        for order_id, line_no, part, _ in self.components:
            components[(order_id, line_no)].add(part)
        found: dict[str, set[str]] = {row[0]: set() for row in self.orders}
        for order_id, line_no, sku, *_ in self.lines:
            found[order_id] |= components.get((order_id, line_no)) or {sku}
        return found

    def demand(self) -> dict[str, dict[tuple[str, str], int]]:
        """What each new order asks of its warehouse, from the rows written, counted as
        demand.py counts it (a kit line as its components, as `order_units` has it; an order
        in an open status with a warehouse; nothing picked yet)."""
        components: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
        for order_id, line_no, part, per in self.components:
            components[(order_id, line_no)].append((part, per))
        status, warehouse = ORDER_COLUMNS.index("status"), ORDER_COLUMNS.index("warehouse")
        placed = {row[0]: (row[status], row[warehouse]) for row in self.orders}
        asks: dict[str, dict[tuple[str, str], int]] = {order_id: {} for order_id in placed}
        for order_id, line_no, sku, qty, *_ in self.lines:
            state, at = placed[order_id]
            if state not in demand.OPEN_STATUSES or at is None:
                continue
            for part, per in components.get((order_id, line_no)) or [(sku, 1)]:
                asks[order_id][(at, part)] = asks[order_id].get((at, part), 0) + qty * per
        return asks


def catalogue_spelling(tx: Tx, skus: set[str]) -> dict[str, str]:
    """Each SKU as the catalogue writes it: the same text, else the one SKU equal but for case
    (a channel's `nabetaasinb00551q3cs` is the catalogue's `NABetaASINB00551Q3CS`). SKUs not in
    the catalogue, or matching two that differ only in case, are left out."""
    found = {s: s for s in catalogue.known_skus(tx, skus)}
    found |= {s: s for s in kit_store.kit_skus(tx, skus - found.keys())}  # kits: exact SKU only
    rest = {s.upper(): s for s in skus - found.keys()}
    matches: dict[str, list[str]] = {}
    for sku in catalogue.skus_by_upper(tx, set(rest)):
        matches.setdefault(sku.upper(), []).append(sku)
    found |= {rest[k]: v[0] for k, v in matches.items() if len(v) == 1}
    return found


def hold_reason(channel: str, ship_to: dict[str, str], lines: Sequence[tuple[str, str]]) -> str:
    """Why the order may not go to a warehouse as it stands ("" when it may); `lines` are
    (sku, status) pairs."""
    protected = protected_fields(ship_to)
    if protected:
        return (
            f"ship-to still protected by {channel}: {', '.join(protected)}; decrypt it"
            " (docs/central.md, Protected ship-to) or correct the address"
        )
    missing = [k for k in ("name", "address") if not (ship_to.get(k) or "").strip()]
    if missing:
        amazon = channel.startswith("amazon")  # getOrders alone carries no name or street
        return f"ship-to incomplete (no {' or '.join(missing)}): " + (
            "merge getOrderAddress's ShippingAddress into the order (docs/central.md, Amazon),"
            " or correct the address (POST /api/v1/orders/{id}/address)"
            if amazon
            else "correct the address (POST /api/v1/orders/{id}/address) or cancel the order"
        )
    asked = [f"lines[{n}] {sku}" for n, (sku, status) in enumerate(lines) if status != "open"]
    if asked:
        return f"the buyer asked {channel} to cancel {', '.join(asked)}: cancel or refuse it there first"
    return ""


def recheck_held(
    tx: Tx, order_id: str, *, quiet_after_s: float = QUIET_AFTER_S, window: Window | None = None
) -> str | None:
    """A held order (never assigned) checked again after a change: assigned and released if it
    may go now — or, given the merge `window`, waiting in it as a new order would — else its
    reason brought up to date. Returns the warehouse it went to."""
    row = stored.order(tx, order_id)
    if row is None or row["status"] != "on_hold" or row["warehouse"]:
        return None
    lines = stored.line_statuses(tx, order_id)
    reason = review.pending_hold(tx, order_id) or hold_reason(
        row["channel"], json.loads(row["ship_to"]), [(r["sku"], r["status"]) for r in lines]
    )
    if reason:
        stored.set_hold_reason(tx, order_id, reason)
        return None
    stored.unhold(tx, order_id, utc_now())
    history(tx, order_id, "on_hold", "unassigned", note="nothing holds it any more")
    if _wait_for_merge(tx, order_id, row, window):
        return None
    return assign_order(tx, order_id, quiet_after_s=quiet_after_s)


def _wait_for_merge(tx: Tx, order_id: str, row: Mapping[str, Any], window: Window | None) -> bool:
    """The order let go joins its merge window (merge.py) when its channel merges; True if so."""
    joined = window and window.join(
        row["channel"],
        row["customer_ref"],
        json.loads(row["ship_to"]),
        row["carrier"],
        row["service"],
    )
    if not joined:
        return False
    key, until = joined
    merge_store.wait_in_window(tx, order_id, key, until, waiting_reason(until), utc_now())
    return True


def _existing(tx: Tx, orders: Sequence[OrderIn]) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored orders among these, by (channel, channel_order_id)."""
    listed = sorted({o.channel_order_id for o in orders})
    wanted = {(o.channel, o.channel_order_id) for o in orders}
    found = {}
    for r in stored.orders_by_channel_ids(tx, listed):
        if (key := (r["channel"], r["channel_order_id"])) in wanted:
            found[key] = r
    return found


def _decide(
    order: OrderIn,
    index: int,
    known: dict[str, str],
    existing: dict[tuple[str, str], dict[str, Any]],
    available: dict[tuple[str, str], int],
    edges: EdgePool,
    batch: _Released,
    decrypter: Decrypter,
    reviewing: review.Batch,
    window: Window | None = None,
) -> Outcome:
    coid = order.channel_order_id
    for n, line in enumerate(order.lines):
        if line.sku not in known:
            reason = (
                f"unknown SKU {line.sku}: not in central's catalogue (add the product first:"
                f" `warehouse-central catalog import FILE`, or PUT /api/v1/products/{line.sku})"
            )
            return Outcome(index, "rejected", coid, field=f"lines[{n}].sku", reason=reason)
    if (row := existing.get((order.channel, coid))) is not None:
        return Outcome(index, "duplicate", coid, row["id"], row["warehouse"], row["status"])
    sent = ship_to_digest(order.ship_to)
    opened = decrypt_ship_to(order.channel, order.ship_to.model_dump(), decrypter)
    order = order.model_copy(
        update={
            "ship_to": ShipTo(**opened),
            "lines": [ln.model_copy(update={"sku": known[ln.sku]}) for ln in order.lines],
        }
    )
    held = hold_reason(
        order.channel, order.ship_to.model_dump(), [(ln.sku, ln.status) for ln in order.lines]
    )
    held = _review_hold(order, reviewing) or held
    need = units(((ln.sku, ln.qty) for ln in order.lines), batch.kits)
    merging = None if held else _merge_window(order, window)
    gifts = gifts_for(
        batch.gift_rules,
        channel=order.channel,
        lines=[(ln.sku, ln.qty) for ln in order.lines],
        total=order.total,
        at=order.ordered_at or utc_now(),
    )
    if held or merging:
        choice = Choice(None, held or waiting_reason(merging[1]))  # type: ignore[index]
        gifts = [g for g in gifts if _spare(available, g.sku, need.get(g.sku, 0) + g.qty)]
    else:
        choice = edges.choose(with_gifts(need, gifts), available) if gifts else Choice(None)
        if choice.warehouse is None:  # while stock lasts: never held for a gift
            choice, gifts = edges.choose(need, available), []
    need = with_gifts(need, gifts)
    status = "on_hold" if held else "released" if choice.warehouse else "unassigned"
    order_id, now = order_id_for(order.channel, coid), utc_now()
    existing[(order.channel, coid)] = {
        "id": order_id,
        "warehouse": choice.warehouse,
        "status": status,
    }
    ship_to = json.dumps(order.ship_to.model_dump(), ensure_ascii=False)
    batch.orders.append(
        (
            order_id,
            order.channel,
            coid,
            status,
            choice.warehouse,
            choice.reason,
            ship_to,
            order.priority,
            order.ship_by,
            order.carrier,
            order.service,
            order.customer_ref,
            order.currency,
            order.total,
            order.ordered_at,
            order.buyer_note,
            order.seller_note,
            now,
            now,
            *(merging or ("", None)),
            sent,
        )
    )
    lines = [
        (order_id, n + 1, ln.sku, ln.qty, ln.lot, ln.refunded, ln.status)
        for n, ln in enumerate(order.lines)
    ]
    first_gift = len(lines) + 1
    lines += [(order_id, first_gift + n, g.sku, g.qty, "", 0, "open") for n, g in enumerate(gifts)]
    batch.gift_lines += [(g.rule_id, order_id, first_gift + n) for n, g in enumerate(gifts)]
    batch.lines += lines
    batch.components += [
        (order_id, n + 1, part, per)
        for n, ln in enumerate(order.lines)
        for part, per in batch.kits.get(ln.sku, ())
    ]
    batch.history.append(
        (order_id, now, None, "unassigned", f"received from channel {order.channel}")
    )
    for g in gifts:
        note = f"gift rule {g.rule_id}: {g.sku} × {g.qty} added (赠品)"
        batch.history.append((order_id, now, "unassigned", "unassigned", note))
    if held:
        batch.history.append((order_id, now, "unassigned", "on_hold", held))
        log.info("order %s held: %s", order_id, held)
        return Outcome(index, "imported", coid, order_id, None, "on_hold", reason=held)
    if merging:
        return Outcome(index, "imported", coid, order_id, None, status, reason=choice.reason)
    if choice.warehouse is not None:
        for sku, qty in need.items():
            key = (choice.warehouse, sku)
            available[key] = available.get(key, 0) - qty
        batch.history.append(
            (order_id, now, "unassigned", "released", f"assigned to {choice.warehouse}")
        )
        body = _edge_body(
            dict(zip(ORDER_COLUMNS, batch.orders[-1], strict=True)),
            [
                {"sku": ln[2], "qty": ln[3], "lot": ln[4], "gift": ln[1] >= first_gift}
                for ln in lines
            ],
            batch.kits,
        )
        batch.changes.append((order_id, choice.warehouse, body))
        log.info("order %s assigned to %s", order_id, choice.warehouse)
    return Outcome(index, "imported", coid, order_id, choice.warehouse, status)


def _spare(available: Mapping[tuple[str, str], int], sku: str, qty: int) -> bool:
    """Some warehouse has `qty` of `sku` to sell (a gift for an order not assigned yet)."""
    return any(left >= qty for (_, s), left in available.items() if s == sku)


def _review_hold(order: OrderIn, reviewing: review.Batch) -> str:
    """The hold reason order review gives the new order ("" when its rules find nothing);
    recorded in `reviewing` (its review waits for a person: review_desk.py)."""
    order_id = order_id_for(order.channel, order.channel_order_id)
    candidate, _, lines = _review_candidate(order, {})
    found = reviewing.hold(order_id, candidate, lines, utc_now())
    return review.hold_text(found, order_id) if found else ""


def _merge_window(order: OrderIn, window: Window | None) -> tuple[str, str] | None:
    """(merge key, until) when the order waits for others to merge with (merge.py)."""
    if window is None:
        return None
    ship_to = order.ship_to.model_dump()
    return window.join(order.channel, order.customer_ref, ship_to, order.carrier, order.service)


def history(
    tx: Tx, order_id: str, old: str | None, new: str, *, note: str = "", source: str = "central"
) -> None:
    stored.insert_history(tx, order_id, utc_now(), old, new, source, note)


def assign_order(
    tx: Tx, order_id: str, choice: Choice | None = None, *, quiet_after_s: float = QUIET_AFTER_S
) -> str | None:
    """Assign an unassigned order by the rule and release it to that edge; None if no edge can."""
    choice = choice or choose_for_order(tx, order_id, quiet_after_s)
    if choice.warehouse is None:
        stored.set_hold_reason(tx, order_id, choice.reason, now=utc_now())
        return None
    stored.release_to(tx, order_id, choice.warehouse, utc_now())
    history(tx, order_id, "unassigned", "released", note=f"assigned to {choice.warehouse}")
    add_change(tx, choice.warehouse, "order_released", edge_order(tx, order_id), order_id=order_id)
    log.info("order %s assigned to %s", order_id, choice.warehouse)
    return choice.warehouse


def assign_pending(
    tx: Tx, skus: Iterable[str] | None = None, *, quiet_after_s: float = QUIET_AFTER_S
) -> list[dict[str, Any]]:
    """Try the unassigned orders again (those with a line of `skus`, or all), most urgent first;
    returns those assigned now.

    The figures are read once (one statement) and each assignment takes its units off them, so a
    pass over thousands of waiting orders is one read and a write per order that changes; when
    no order waits for `skus`, or none of them is available anywhere, nothing else is read."""
    wanted = sorted(set(skus)) if skus is not None else None
    if wanted is not None:
        tx.read_ahead(lambda t: figures(t, skus=wanted))  # with the BEGIN: one round trip
    if wanted is not None and not _any_available(tx, wanted):
        # Read without the feed lock, after the change that named these SKUs committed: none
        # of them can be sold now, so no waiting order can be assigned, and a later change
        # that frees a unit names them again. A sold-out sale's picks and put-backs (which
        # leave nothing available) then never queue behind the intake for the lock.
        return []
    tx.read_ahead(  # the lock and both reads in one round trip: the lock is held that less
        lambda t: t.lock_feed(),
        lambda t: stored.any_unassigned(t, wanted),
        lambda t: figures(t, skus=wanted) if wanted is not None else None,
    )
    tx.lock_feed()
    # those in a merge window wait for it to end
    if not stored.any_unassigned(tx, wanted) or (
        wanted is not None and not _any_available(tx, wanted)
    ):
        return []  # two small reads, nothing else
    rows = stored.unassigned(tx, wanted)
    need: dict[str, dict[str, int]] = {r["id"]: defaultdict(int) for r in rows}
    for line in stored.lines_of_orders(tx, [r["id"] for r in rows]):
        need[line["order_id"]][line["sku"]] += int(line["qty"])
    edges = edge_pool(tx, quiet_after_s)
    recalled = recalled_from(tx, list(need))
    every_sku = {sku for lines in need.values() for sku in lines}
    available = {(f.warehouse, f.sku): f.available for f in figures(tx, skus=every_sku)}
    done = []
    for row in rows:
        choice = edges.without(recalled.get(row["id"], ())).choose(need[row["id"]], available)
        if choice.warehouse is None:
            if choice.reason != row["hold_reason"]:
                assign_order(tx, row["id"], choice)
            continue
        for sku, qty in need[row["id"]].items():
            available[(choice.warehouse, sku)] = available.get((choice.warehouse, sku), 0) - qty
        assign_order(tx, row["id"], choice)
        done.append({"id": row["id"], "warehouse": choice.warehouse})
    return done


def _any_available(tx: Tx, skus: Sequence[str]) -> bool:
    """Some warehouse can sell a unit of one of `skus`."""
    return any(f.available > 0 for f in figures(tx, skus=skus))


RECALLED = "recalled from "


def recalled_from(tx: Tx, order_ids: Sequence[str]) -> dict[str, set[str]]:
    """The edges each order was recalled from (their copy is cancelled: never sent there again),
    from the order's history (`recalled from EDGE: reason`)."""
    found: dict[str, set[str]] = defaultdict(set)
    for r in stored.take_backs_noted(tx, order_ids, RECALLED):
        found[r["order_id"]].add(r["note"][len(RECALLED) :].split(":", 1)[0])
    return dict(found)


def edge_order(tx: Tx, order_id: str) -> dict[str, Any]:
    """The order as the edge's `POST /api/v1/orders` body (docs/sync.md, order_released)."""
    row = stored.order(tx, order_id)
    assert row is not None
    # A line refunded whole before release has nothing to ship: the edge never sees it.
    parts = kit_store.line_components(tx, order_id)
    gift = gift_store.gift_lines(tx, order_id)
    lines = [
        dict(ln) | {"gift": int(ln["line_no"]) in gift} for ln in stored.lines_to_ship(tx, order_id)
    ]
    kits = {ln["sku"]: parts[int(ln["line_no"])] for ln in lines if int(ln["line_no"]) in parts}
    return _edge_body(row, lines, kits)


def _edge_body(
    row: Mapping[str, Any],
    lines: Sequence[Mapping[str, Any]],
    kits: Mapping[str, Sequence[tuple[str, int]]],
) -> dict[str, Any]:
    """A kit line carries its components (per kit): the edge picks and verifies those."""
    return {
        "id": row["id"],
        "channel": row["channel"],
        "channel_order_id": row["channel_order_id"],
        "lines": [
            {"sku": ln["sku"], "qty": int(ln["qty"]), "lot": ln["lot"]}
            | ({"gift": True} if ln.get("gift") else {})
            | (
                {"components": [{"sku": s, "qty": q} for s, q in kits[ln["sku"]]]}
                if ln["sku"] in kits
                else {}
            )
            for ln in lines
        ],
        "priority": int(row["priority"]),
        "ship_by": row["ship_by"],
        "customer_ref": row["customer_ref"],
        "ship_to": json.loads(row["ship_to"]),
        "carrier": row["carrier"],
        "service": row["service"],
        "buyer_note": row["buyer_note"],
        "seller_note": row["seller_note"],
    }


def summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    count = {
        s: sum(1 for o in outcomes if o.status == s)
        for s in ("imported", "updated", "duplicate", "rejected")
    }
    return {
        "imported": count["imported"],
        "updated": count["updated"],
        "duplicates": count["duplicate"],
        "rejected": count["rejected"],
        "orders": [o.as_dict() for o in outcomes],
    }
