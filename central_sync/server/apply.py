"""Applying an edge's checked batch in the caller's transaction: each event at most once and in
order, keyed by (edge_id, epoch, seq); movements change the stock figures, order events the
order's status, `order_shipped` records the parcels. A refusal raises and the caller rolls back.

Statements are batched (one `executemany` per table) so a 500-event batch is a handful of round
trips to PostgreSQL.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from central_sync.server import channel_status, consign
from central_sync.server.aftersales import apply_returns
from central_sync.server.asns import apply_asn_closes
from central_sync.server.attention import raise_exception
from central_sync.server.batch import SHIPPED, STATUS_BY_EVENT, EdgeEvent, picked_delta
from central_sync.server.errors import CentralError
from central_sync.server.feed import add_change
from central_sync.server.handovers import apply_handovers
from central_sync.server.reassigned import adopt_shipped
from central_sync.server.refunds import answer_cut_refusals
from central_sync.store import edges, events, orders, shipments, stock
from central_sync.store.db import Tx, utc_now

log = logging.getLogger("central.events")

# Central keeps a cancelled or shipped order in its state: from there an edge's event may only
# record that the goods left (shipped after a cancel) or move it on after shipping (completed);
# one that would move a shipped order back along SHIPPED changes nothing. Any other is a late
# event (queued while the edge was offline, or replayed after a restore).
FINAL = frozenset({"cancelled", *SHIPPED})
# The edge complying with central (cancelling its copy of the order) needs no person.
COMPLYING = frozenset({"order_cancelled"})


@dataclass
class BatchResult:
    applied: int = 0
    duplicates: int = 0
    changed_skus: set[str] = field(default_factory=set)  # SKUs whose stock figures moved
    # the SKUs of the orders the batch names and of those their consignments carry: the
    # orders' statuses may have moved, and with them their open demand
    order_skus: set[str] = field(default_factory=set)
    high_water: list[dict[str, int]] = field(default_factory=list)

    def answer(self) -> dict[str, Any]:
        return {
            "high_water": self.high_water,
            "applied": self.applied,
            "duplicates": self.duplicates,
        }


def high_water(tx: Tx, edge_id: str) -> list[dict[str, int]]:
    """Every epoch central holds for the edge, with its highest seq."""
    rows = events.epochs(tx, edge_id)
    return [{"epoch": int(r["epoch"]), "seq": int(r["high_seq"])} for r in rows]


def apply_batch(tx: Tx, edge_id: str, batch: Sequence[EdgeEvent]) -> BatchResult:
    """Apply the new events of the batch; duplicates are counted, a mismatch or gap refused."""
    ordered = {ev.order_id for ev in batch if ev.order_id}
    tx.read_ahead(  # with the BEGIN, one round trip when every event is new (the usual batch)
        lambda t: t.lock_edge(edge_id),
        lambda t: high_water(t, edge_id),
        lambda t: _order_skus(t, ordered),
        lambda t: batch and events.one_stored_of(t, [ev.event_id for ev in batch]),
    )
    tx.lock_edge(edge_id)
    tops = {w["epoch"]: w["seq"] for w in high_water(tx, edge_id)}
    # events change no order's lines and no consignment's: read before they apply
    result, new = BatchResult(order_skus=_order_skus(tx, ordered)), []
    stored = _stored_ids(tx, edge_id, batch, tops)
    for ev in batch:
        top = tops.get(ev.epoch, 0)
        if ev.seq <= top:
            if stored[(ev.epoch, ev.seq)] != ev.event_id:
                raise CentralError(
                    "event_mismatch",
                    epoch=ev.epoch,
                    seq=ev.seq,
                    event_id=ev.event_id,
                    stored=stored[(ev.epoch, ev.seq)],
                )
            result.duplicates += 1
        elif ev.seq != top + 1:
            raise CentralError("sequence_gap", epoch=ev.epoch, seq=ev.seq, expected=top + 1)
        else:
            tops[ev.epoch] = ev.seq
            new.append(ev)
    if new:
        _check_ids_unused(tx, new)
        with tx.pipelined():  # the writes ride with the next read (PostgreSQL)
            _store(tx, edge_id, new, tops)
            result.changed_skus = _count_stock(tx, edge_id, new)
            _apply_orders(tx, edge_id, new)
            _apply_consigned(tx, edge_id, new)
            apply_returns(tx, edge_id, new)
            apply_asn_closes(tx, edge_id, new)
            apply_handovers(tx, edge_id, new)
            answer_cut_refusals(tx, edge_id, new)
    result.applied = len(new)
    result.high_water = [{"epoch": e, "seq": s} for e, s in sorted(tops.items())]
    return result


def _order_skus(tx: Tx, ordered: set[str]) -> set[str]:
    """The SKUs of the units of the orders named and of those their consignments carry."""
    if not ordered:
        return set()
    return orders.skus_of_orders(tx, sorted(ordered | consign.carried(tx, ordered)))


def _stored_ids(
    tx: Tx, edge_id: str, batch: Sequence[EdgeEvent], tops: dict[int, int]
) -> dict[tuple[int, int], str]:
    """The stored event ids at the batch's keys at or below the high water (the re-sent part)."""
    stored: dict[tuple[int, int], str] = {}
    for epoch in sorted({ev.epoch for ev in batch}):
        seqs = [ev.seq for ev in batch if ev.epoch == epoch and ev.seq <= tops.get(epoch, 0)]
        if seqs:
            found = events.event_ids_between(tx, edge_id, epoch, min(seqs), max(seqs))
            stored.update({(epoch, seq): event_id for seq, event_id in found.items()})
    return stored


def _check_ids_unused(tx: Tx, new: Sequence[EdgeEvent]) -> None:
    row = events.one_stored_of(tx, [ev.event_id for ev in new])
    if row is not None:
        ev = next(e for e in new if e.event_id == row["event_id"])
        raise CentralError(
            "event_id_reused",
            event_id=ev.event_id,
            epoch=ev.epoch,
            seq=ev.seq,
            stored_epoch=int(row["epoch"]),
            stored_seq=int(row["seq"]),
        )


def _store(tx: Tx, edge_id: str, new: Sequence[EdgeEvent], tops: dict[int, int]) -> None:
    now = utc_now()
    events.insert_events(
        tx,
        (
            (
                edge_id,
                ev.epoch,
                ev.seq,
                ev.event_id,
                ev.type,
                ev.occurred_at,
                ev.order_id,
                ev.sku,
                json.dumps(ev.payload, ensure_ascii=False, separators=(",", ":")),
                now,
            )
            for ev in new
        ),
    )
    events.set_high_water(
        tx, ((edge_id, epoch, tops[epoch]) for epoch in sorted({ev.epoch for ev in new}))
    )
    edges.events_arrived(tx, edge_id, now, new[-1].occurred_at)


def _count_stock(tx: Tx, edge_id: str, new: Sequence[EdgeEvent]) -> set[str]:
    """−qty from the source bucket, +qty to the target; external accounts are not counted."""
    delta: dict[tuple[str, str], int] = defaultdict(int)
    for ev in new:
        for m in ev.moves:
            if m.source is not None:
                delta[(m.sku, m.source)] -= m.qty
            if m.target is not None:
                delta[(m.sku, m.target)] += m.qty
    changed = sorted((k, v) for k, v in delta.items() if v)
    stock.add_units(tx, ((edge_id, sku, bucket, qty) for (sku, bucket), qty in changed))
    return {sku for (sku, _), _ in changed}


def _apply_orders(tx: Tx, edge_id: str, new: Sequence[EdgeEvent]) -> None:
    """Status, picked units and parcels of central's orders that this edge holds."""
    ids = sorted({ev.order_id for ev in new if ev.order_id})
    if not ids:
        return
    rows = orders.orders_named(tx, ids)
    rows = adopt_shipped(tx, edge_id, new, rows)  # shipped here before a recall arrived
    status = {r["id"]: r["status"] for r in rows if r["warehouse"] == edge_id}
    foreign = {r["id"] for r in rows} - set(status)
    if foreign:
        log.warning("edge %s sent events for orders held elsewhere: %s", edge_id, sorted(foreign))
    before = dict(status)
    history, parcels, reasons = [], [], {}
    picks: defaultdict[tuple[str, str], int] = defaultdict(int)
    late: dict[str, tuple[EdgeEvent, str, bool]] = {}  # order: first late event, status, picked
    for ev in new:
        order_id = ev.order_id
        if order_id is None or order_id not in status:
            continue
        picked = 0
        for m in ev.moves:
            picked += (delta := picked_delta(m.source, m.target, m.qty))
            picks[(order_id, m.sku)] += delta
        if picked > 0 and status[order_id] in FINAL and ev.type != "order_shipped":
            late.setdefault(order_id, (ev, status[order_id], True))
        if ev.type == "order_shipped":
            parcels += [(order_id, p, ev) for p in ev.parcels]
        target = STATUS_BY_EVENT.get(ev.type)
        if target is None or target == status[order_id]:
            continue
        source = f"{edge_id} epoch {ev.epoch} seq {ev.seq}"
        current = status[order_id]
        if (
            current in SHIPPED
            and target in SHIPPED
            and SHIPPED.index(target) < SHIPPED.index(current)
        ):
            continue  # e.g. completed from the edge while central already expects a return
        if current in FINAL and target not in SHIPPED:
            note = f"late {ev.type} from the edge: central keeps the order {current}"
            history.append((order_id, ev.occurred_at, current, current, source, note))
            if ev.type not in COMPLYING:
                late.setdefault(order_id, (ev, current, False))
            continue
        note = _note(status[order_id], ev)
        history.append((order_id, ev.occurred_at, status[order_id], target, source, note))
        status[order_id] = target
        reasons[order_id] = str(ev.payload.get("reason", "")) if target == "on_hold" else ""
    if late:
        tx.lock_feed()  # before any order row: central's own decisions lock feed, then order
    _write_orders(tx, edge_id, before, status, reasons, history)
    _write_picks(tx, picks)
    _write_parcels(tx, edge_id, parcels)
    _write_back(tx, before, status, parcels)
    for order_id, (ev, current, _) in sorted(late.items()):
        picked_more = any(p for (o, _), p in picks.items() if o == order_id and p > 0)
        _answer_late(tx, edge_id, order_id, ev, current, picked_more=picked_more)


def _apply_consigned(tx: Tx, edge_id: str, new: Sequence[EdgeEvent]) -> None:
    """Events for merged or split orders (consign.py): each order's parcels recorded and
    written back to its channel on its own."""
    done = consign.apply_events(tx, edge_id, new)
    _write_picks(tx, done.picks)
    _write_parcels(tx, edge_id, done.parcels)
    _write_back(tx, done.before, done.after, done.parcels)


def _write_back(
    tx: Tx,
    before: dict[str, str],
    status: dict[str, str],
    parcels: list[tuple[str, Any, EdgeEvent]],
) -> None:
    """Queue the channels' write-backs of this batch: each parcel shipped, each order the edge
    cancelled (docs/central.md, "Status back to the channels")."""
    for order_id, p, ev in parcels:
        channel_status.shipped(tx, order_id, [p], ev.occurred_at)
    for order_id in sorted(status):
        if status[order_id] == "cancelled" and before[order_id] != "cancelled":
            channel_status.cancelled(tx, order_id, "cancelled at the warehouse")


def _answer_late(
    tx: Tx, edge_id: str, order_id: str, ev: EdgeEvent, current: str, *, picked_more: bool
) -> None:
    """An exception for a person, and a put-back request to the edge for whatever it holds
    picked for the order (again whenever late picks add to it): it must stop working on the
    order and return the units to bins."""
    rows = orders.units_held_picked(tx, order_id)
    units = [{"sku": r["sku"], "qty": int(r["qty"])} for r in rows]
    held = ", ".join(f"{u['sku']} × {u['qty']}" for u in units) or "no units picked"
    detail = (
        f"order {order_id}: edge {edge_id} sent {ev.type} (epoch {ev.epoch} seq {ev.seq}, "
        f"at {ev.occurred_at}) after central holds it {current}; central keeps it {current} and "
        f"asked the edge to stop the order and put back what it picked ({held}). Check the "
        f"put-backs are done at the edge (GET /api/v1/putbacks there), then resolve this."
    )
    if (
        not raise_exception(tx, "late_event", edge_id, detail, order_id=order_id)
        and not picked_more
    ):
        return
    reason = f"central holds this order {current}; late {ev.type} from this edge"
    data = {"order_id": order_id, "status": current, "reason": reason, "units": units}
    add_change(tx, edge_id, "putback_requested", data, order_id=order_id)


def _note(current: str, ev: EdgeEvent) -> str:
    if ev.type == "order_shipped" and current == "cancelled":
        return "shipped after central cancelled it: the goods left the warehouse"
    return str(ev.payload.get("reason", ""))[:500]


def _write_orders(
    tx: Tx,
    edge_id: str,
    before: dict[str, str],
    status: dict[str, str],
    reasons: dict[str, str],
    history: list[tuple[Any, ...]],
) -> None:
    now = utc_now()
    orders.set_statuses(
        tx, ((status[o], reasons[o], now, o) for o in sorted(status) if status[o] != before[o])
    )
    orders.insert_histories(tx, history)
    for order_id, _, old, new, _, note in history:
        if note.startswith("shipped after central cancelled"):
            log.warning("order %s shipped at %s after central cancelled it", order_id, edge_id)
        log.info("order %s: %s -> %s (edge %s)", order_id, old, new, edge_id)


def _write_picks(tx: Tx, picks: dict[tuple[str, str], int]) -> None:
    orders.add_picks(tx, ((o, sku, qty) for (o, sku), qty in sorted(picks.items()) if qty))


def _write_parcels(tx: Tx, edge_id: str, parcels: list[tuple[str, Any, EdgeEvent]]) -> None:
    now = utc_now()
    shipments.upsert_parcels(
        tx,
        (
            (
                order_id,
                p.parcel_no,
                p.parcels,
                p.tracking_number,
                p.carrier,
                p.weight_g,
                json.dumps(p.contents, ensure_ascii=False),
                edge_id,
                now,
            )
            for order_id, p, _ in parcels
        ),
    )
