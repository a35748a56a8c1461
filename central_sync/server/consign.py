"""Consignments: what central releases to one edge as one order when that is not exactly one
channel order (issue 19 item 4; docs/central.md, "Merged and split orders").

- merged: the orders of one merge window (merge.py) that one warehouse can cover together go
  there as ONE order (one pick, one parcel, one waybill) whose lines each name the order line they
  ship (`order_id`, `order_line_no`: the edge keeps only sku, qty and lot);
- split: an order no single warehouse can fill, when the site allows it
  (`WAREHOUSE_CENTRAL_SPLIT_ORDERS=1`), goes in parts to several warehouses, each part an order at
  its edge.

The edge's events for a consignment are applied here to the orders it carries (`apply_events`):
its status (a split order moves on as its least advanced part does: shipped when every part is),
its picked units line by line, and each parcel recorded for each order in it and written back to
that order's channel on its own. A cancel of one merged order cuts its lines at the edge
(`order_lines_cancelled`); of the last order left in it, or of a split order, cancels the
consignment(s) there.

Its SQL is in central_sync/store/merge.py."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from central_sync.server.assign import EdgePool, figures
from central_sync.server.batch import SHIPPED, STATUS_BY_EVENT, EdgeEvent, Parcel, picked_delta
from central_sync.server.feed import add_change
from central_sync.server.orders import _edge_body, assign_order, history
from central_sync.store import merge as store
from central_sync.store.db import Tx, stamp, utc_now

log = logging.getLogger("central.orders")

# How far along an order is; a split order is as far as its least advanced part.
PROGRESS = ("on_hold", "released", "picking", "picked", "packed", *SHIPPED)
_GONE = ("cancelled", *SHIPPED)
KINDS = ("merged-", "split-")  # how a consignment's id starts
# Parcel numbers of a split order's part n start at PART_PARCELS * (n - 1) + 1 at central.
PART_PARCELS = 100


# --- merge


def release_due(tx: Tx, now: datetime, pool: EdgePool) -> list[dict[str, Any]]:
    """Close every merge window that has ended: a group of two or more orders one warehouse can
    cover goes there as one merged consignment; else they are assigned one by one, as any new
    order. A group none of whose orders any warehouse can cover yet stays together, tried
    again at the next pass (its stock may be on its way). Returns what was released.

    The groups, their lines and the figures are read once (a statement each), and each release
    takes its units off the figures: a pass over a thousand windows reads no more than one."""
    tx.lock_feed()
    at = stamp(now)
    groups = store.window_groups(tx, store.due_keys(tx, at))
    lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ln in store.lines_to_ship(tx, [o for live in groups.values() for o in live]):
        lines[ln["order_id"]].append(ln)
    every = {ln["sku"] for each in lines.values() for ln in each}
    available = (
        {(f.warehouse, f.sku): f.available for f in figures(tx, skus=every)} if every else {}
    )
    done = []
    for key, live in groups.items():
        if len(live) > 1:
            group = [ln for o in live for ln in lines[o]]
            choice = pool.choose(_need(group), available)
            if choice.warehouse is not None:
                store.close_window(tx, key)
                done.append(_merge(tx, live, group, choice.warehouse, available))
                continue
            alone = [pool.choose(_need(lines[o]), available) for o in live]
            if all(c.warehouse is None for c in alone):
                reason = f"merge window ended; waits to ship its {len(live)} orders together:"
                store.keep_window(tx, key, at, f"{reason} {alone[0].reason}")
                continue
        store.close_window(tx, key)
        for order_id in live:
            choice = pool.choose(_need(lines[order_id]), available)
            if choice.warehouse is not None:
                _take(available, choice.warehouse, lines[order_id])
            warehouse = assign_order(tx, order_id, choice)
            done.append({"orders": [order_id], "warehouse": warehouse})
    return done


def _need(lines: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    need: dict[str, int] = defaultdict(int)
    for ln in lines:
        need[ln["sku"]] += int(ln["qty"])
    return need


def _take(
    available: dict[tuple[str, str], int], warehouse: str, lines: Sequence[Mapping[str, Any]]
) -> None:
    for ln in lines:
        key = (warehouse, ln["sku"])
        available[key] = available.get(key, 0) - int(ln["qty"])


def _merge(
    tx: Tx,
    order_ids: Sequence[str],
    lines: Sequence[Mapping[str, Any]],
    warehouse: str,
    available: dict[tuple[str, str], int],
) -> dict[str, Any]:
    """Release the orders as one consignment to `warehouse`, taking their units off `available`."""
    cid = "merged-" + _digest("\x1f".join(order_ids))
    _release(tx, cid, "merged", warehouse, order_ids, lines)
    _take(available, warehouse, lines)
    log.info("orders %s merged into %s for %s", list(order_ids), cid, warehouse)
    return {"consignment": cid, "orders": list(order_ids), "warehouse": warehouse}


# --- split


def plan_split(
    lines: Sequence[Mapping[str, Any]],
    available: Mapping[tuple[str, str], int],
    edges: Sequence[str],
) -> list[tuple[str, list[dict[str, Any]]]] | None:
    """Parts (warehouse, lines with their share of qty) that fill every line, fewest warehouses
    first (each time the one that covers most of what is left); None when they cannot (pure)."""
    left = [dict(ln) for ln in lines if int(ln["qty"]) > 0]
    stock = dict(available)
    parts: list[tuple[str, list[dict[str, Any]]]] = []
    while any(int(ln["qty"]) > 0 for ln in left):

        def covers(edge: str) -> int:
            have: dict[str, int] = defaultdict(int)
            units = 0
            for ln in left:
                free = max(stock.get((edge, ln["sku"]), 0) - have[ln["sku"]], 0)
                take = min(free, int(ln["qty"]))
                have[ln["sku"]] += take
                units += take
            return units

        best = min(sorted(edges), key=lambda e: -covers(e), default=None)
        if best is None or covers(best) == 0:
            return None
        part = []
        for ln in left:
            take = min(max(stock.get((best, ln["sku"]), 0), 0), int(ln["qty"]))
            if take > 0:
                part.append(ln | {"qty": take})
                ln["qty"] = int(ln["qty"]) - take
                stock[(best, ln["sku"])] = stock.get((best, ln["sku"]), 0) - take
        parts.append((best, part))
    return parts


def split_waiting(
    tx: Tx, order_ids: Sequence[str] | None, pool: EdgePool, *, skus: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """Release in parts, to several warehouses, those of `order_ids` (None: every order with a
    line of `skus`) that wait `unassigned` while stock across warehouses fills them; the figures
    are read once and each split takes its units off them. An order stock cannot fill even
    across warehouses keeps waiting with its reason."""
    tx.lock_feed()
    rows = store.waiting_orders(tx, order_ids, skus)
    if not rows:
        return []
    lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ln in store.lines_to_ship(tx, rows):
        lines[ln["order_id"]].append(ln)
    every = {ln["sku"] for each in lines.values() for ln in each}
    available = {(f.warehouse, f.sku): f.available for f in figures(tx, skus=every)}
    done = []
    for order_id in rows:
        plan = plan_split(lines[order_id], available, pool.heard or pool.edges)
        if plan is None or len(plan) < 2:
            continue
        base = "split-" + _digest(order_id)
        for n, (warehouse, part) in enumerate(plan, start=1):
            _release(tx, f"{base}-{n}", "split", warehouse, [order_id], part, part_no=n)
            for ln in part:
                available[(warehouse, ln["sku"])] -= int(ln["qty"])
        warehouses = [w for w, _ in plan]
        log.info("order %s split across %s", order_id, warehouses)
        done.append({"id": order_id, "warehouses": warehouses})
    return done


# --- the consignment released


def _release(
    tx: Tx,
    cid: str,
    kind: str,
    warehouse: str,
    order_ids: Sequence[str],
    lines: Sequence[Mapping[str, Any]],
    *,
    part_no: int = 0,
) -> None:
    rows = store.orders_by_id(tx, order_ids)
    body = _edge_body(rows[0], lines, {}) | {
        "id": cid,
        "channel": kind,
        "channel_order_id": cid,
        "priority": max(int(r["priority"]) for r in rows),
        "ship_by": min((r["ship_by"] for r in rows if r["ship_by"]), default=None),
        "buyer_note": _notes(rows, "buyer_note"),
        "seller_note": _notes(rows, "seller_note"),
    }
    for out, ln in zip(body["lines"], lines, strict=True):
        out |= {"order_id": ln["order_id"], "order_line_no": int(ln["line_no"])}
    store.insert_consignment(tx, cid, kind, warehouse, lines)
    now = utc_now()
    where = f"part {part_no} to {warehouse}" if kind == "split" else f"assigned to {warehouse}"
    for r in rows:
        store.release_order(tx, r["id"], None if kind == "split" else warehouse, now)
        old = r["status"]
        note = f"{kind} into {cid}, {where}"
        history(tx, r["id"], old, "released", note=note)
    add_change(tx, warehouse, "order_released", body, order_id=cid)


def _notes(rows: Sequence[Mapping[str, Any]], column: str) -> str:
    if len(rows) == 1:
        return str(rows[0][column])
    return "; ".join(f"{r['channel_order_id']}: {r[column]}" for r in rows if r[column])[:1000]


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


# --- the edge's events for a consignment


@dataclass
class Consigned:
    """What a batch's consignment events did to the orders they carry, for apply.py to record
    and write back: each order's parcels (order id, parcel, event), picked units by (order id,
    SKU), and the orders whose status moved (before, after)."""

    parcels: list[tuple[str, Parcel, EdgeEvent]] = field(default_factory=list)
    picks: dict[tuple[str, str], int] = field(default_factory=dict)
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)


def apply_events(tx: Tx, edge_id: str, new: Sequence[EdgeEvent]) -> Consigned:
    """Apply the batch's events for consignments this edge holds to the orders they carry."""
    ids = sorted({ev.order_id for ev in new if ev.order_id})
    held = {c["id"]: c for c in store.consignments(tx, ids) if c["warehouse"] == edge_id}
    if not held:
        return Consigned()
    lines = store.consignment_lines(tx, list(held))
    status = {cid: c["status"] for cid, c in held.items()}
    picks: defaultdict[tuple[str, str], int] = defaultdict(int)
    parcels: list[tuple[str, Parcel, EdgeEvent]] = []
    for ev in new:
        cid = ev.order_id
        if cid is None or cid not in held:
            continue
        for m in ev.moves:
            _share_picks(lines[cid], m.sku, picked_delta(m.source, m.target, m.qty), picks)
        if ev.type == "order_shipped":
            parcels += _parcels_of(held[cid], lines[cid], ev)
        target = STATUS_BY_EVENT.get(ev.type)
        if target is None or target == status[cid]:
            continue
        if status[cid] in ("cancelled", *SHIPPED) and target not in SHIPPED:
            continue  # late: central keeps it as it is
        if status[cid] in SHIPPED and SHIPPED.index(target) < SHIPPED.index(status[cid]):
            continue
        status[cid] = target
    store.set_consignment_state(tx, status, lines)
    done = Consigned(parcels, dict(picks))
    for order_id in sorted({ln["order_id"] for cid in held for ln in lines[cid]}):
        if moved := _follow_parts(tx, order_id, edge_id):
            done.before[order_id], done.after[order_id] = moved
    return done


def _share_picks(
    lines: list[dict[str, Any]], sku: str, delta: int, picks: defaultdict[tuple[str, str], int]
) -> None:
    """Picked units of a SKU shared over its lines in order (each up to what it still ships);
    put back units come off the lines picked beyond that first, then the last lines."""
    same = [ln for ln in lines if ln["sku"] == sku]
    if delta > 0:
        for i, ln in enumerate(same):
            room = int(ln["qty"]) - int(ln["cut"]) - int(ln["picked"])
            take = delta if i == len(same) - 1 else min(max(room, 0), delta)
            ln["picked"] += take
            picks[(ln["order_id"], sku)] += take
            delta -= take
    elif delta < 0:  # first from lines picked beyond what they ship (cut), then the last
        over = [ln for ln in same if int(ln["picked"]) > int(ln["qty"]) - int(ln["cut"])]
        for ln in over + [ln for ln in reversed(same) if ln not in over]:
            give = min(int(ln["picked"]), -delta)
            ln["picked"] -= give
            picks[(ln["order_id"], sku)] -= give
            delta += give


def _parcels_of(
    consignment: Mapping[str, Any], lines: Sequence[Mapping[str, Any]], ev: EdgeEvent
) -> list[tuple[str, Parcel, EdgeEvent]]:
    """Each parcel of the event once for each order it carries units of (not for a cancelled
    one), with that order's units as its contents."""
    shipped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ln in lines:
        units = int(ln["qty"]) - int(ln["cut"])
        if units > 0:
            shipped[ln["order_id"]].append({"sku": ln["sku"], "qty": units})
    offset = 0
    if consignment["kind"] == "split":
        offset = PART_PARCELS * (int(str(consignment["id"]).rsplit("-", 1)[1]) - 1)
    out = []
    for order_id, contents in sorted(shipped.items()):
        for p in ev.parcels:
            out.append(
                (order_id, replace(p, parcel_no=p.parcel_no + offset, contents=contents), ev)
            )
    return out


def _follow_parts(tx: Tx, order_id: str, edge_id: str) -> tuple[str, str] | None:
    """The order's status from its consignments' (its least advanced live part); (before,
    after) when it moved."""
    current = store.order_status(tx, order_id)
    if current is None or current == "cancelled":
        return None
    parts = store.part_statuses(tx, order_id)
    live = [p for p in parts if p != "cancelled"]
    target = min(live, key=PROGRESS.index) if live else "cancelled"
    if target == current:
        return None
    store.set_order_status(tx, order_id, target, utc_now())
    history(tx, order_id, current, target, note=f"its consignment at {edge_id}")
    return current, target


# --- central's decisions on an order that rides in a consignment


def cancel_parts(tx: Tx, order_id: str, reason: str) -> bool:
    """Take a cancelled order out of the consignments it rides in: its lines cut at the edge
    (`order_lines_cancelled`), or the consignment cancelled there when nothing else is left in
    it. False when it rides in none (the caller tells its edge as for any order)."""
    lines = store.lines_of_order(tx, order_id)
    if not lines:
        return False
    for cid in sorted({ln["consignment_id"] for ln in lines}):
        con = store.consignments(tx, [cid])[0]
        if con["status"] in _GONE:
            continue
        every = store.consignment_lines(tx, [cid])[cid]
        others = [
            ln for ln in every if ln["order_id"] != order_id and int(ln["qty"]) > int(ln["cut"])
        ]
        mine = [
            ln for ln in every if ln["order_id"] == order_id and int(ln["qty"]) > int(ln["cut"])
        ]
        if others:
            cut = [(ln, int(ln["qty"]) - int(ln["cut"])) for ln in mine]
            _send_cut(tx, con, cut, f"order {order_id}: {reason}")
        else:
            data = {"order_id": cid, "reason": reason}
            add_change(tx, con["warehouse"], "order_cancelled", data, order_id=cid)
            store.set_consignment_state(tx, {cid: "cancelled"}, {})
    return True


def cut_units(tx: Tx, order_id: str, units: Mapping[int, int], reason: str) -> bool:
    """Units of the order's lines (by its line_no) no longer to ship, cut at the edges of the
    consignments that carry them; False when it rides in none."""
    lines = [ln for ln in store.lines_of_order(tx, order_id) if ln["status"] not in _GONE]
    if not lines:
        return False
    left = dict(units)
    per: dict[str, list[tuple[dict[str, Any], int]]] = defaultdict(list)
    for ln in lines:
        take = min(left.get(int(ln["order_line_no"]), 0), int(ln["qty"]) - int(ln["cut"]))
        if take > 0:
            per[ln["consignment_id"]].append((ln, take))
            left[int(ln["order_line_no"])] -= take
    for con in store.consignments(tx, sorted(per)):
        _send_cut(tx, con, per[con["id"]], reason)
    return True


def _send_cut(
    tx: Tx, con: Mapping[str, Any], cut: Sequence[tuple[Mapping[str, Any], int]], reason: str
) -> None:
    """`order_lines_cancelled` for the consignment's lines at its edge (once per cancel_id)."""
    data = {
        "order_id": con["id"],
        "cancel_id": uuid.uuid4().hex,
        "reason": reason,
        "lines": [{"line_no": int(ln["line_no"]), "sku": ln["sku"], "qty": n} for ln, n in cut],
    }
    add_change(tx, con["warehouse"], "order_lines_cancelled", data, order_id=con["id"])
    store.add_cut(tx, con["id"], [(n, int(ln["line_no"])) for ln, n in cut])
    log.info(
        "consignment %s: %s cut at %s (%s)", con["id"], data["lines"], con["warehouse"], reason
    )


def carried(tx: Tx, ids: Iterable[str]) -> set[str]:
    """The orders the consignments among `ids` carry (none when no id is a consignment)."""
    lines = store.consignment_lines(tx, [i for i in sorted(set(ids)) if i.startswith(KINDS)])
    return {ln["order_id"] for each in lines.values() for ln in each}


def edge_copy(tx: Tx, order_id: str) -> list[tuple[str, str]]:
    """(warehouse, the edge's order id) of each open consignment the order rides in."""
    return [
        (c["warehouse"], c["id"]) for c in consignments_of(tx, order_id) if c["status"] not in _GONE
    ]


# --- views


def consignments_of(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """The consignments the order rides in, each with its lines (the order's own marked)."""
    ids = sorted({ln["consignment_id"] for ln in store.lines_of_order(tx, order_id)})
    lines = store.consignment_lines(tx, ids)
    return [
        dict(c) | {"lines": [dict(ln) for ln in lines[c["id"]]]}
        for c in store.consignments(tx, ids)
    ]


def recent_consignments(tx: Tx, limit: int = 100) -> list[dict[str, Any]]:
    """The latest merged and split consignments, newest first, with the units of each order."""
    rows = store.consignment_units(tx, limit)
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        c = out.setdefault(
            r["id"], {k: r[k] for k in ("id", "kind", "warehouse", "status", "created_at")}
        )
        c.setdefault("orders", []).append({"order_id": r["order_id"], "units": int(r["units"])})
    return list(out.values())
