"""Expired and soon-expiring stock for the supervisor, and moving the expired into quarantine.

"today" is the warehouse's date in `edge.timezone` at the command's instant; the domain
(`edge.domain.shelf_life`) is given that date and decides.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from edge.config.sections import EdgeSettings, StockSettings
from edge.domain.decision import Decision, Event
from edge.domain.ledger import Reservation, Stock
from edge.domain.shelf_life import ShelfRules, as_date, remaining_days
from edge.domain.stock import FreezeStock, freeze_stock
from edge.service.orders import allocate_order
from edge.store import expiry as store
from edge.store.catalog import require_location
from edge.store.database import Store
from edge.store.ledger import Actor, apply_decision, load_stock_rows
from edge.store.picking import in_open_list
from edge.store.writer import Tx


def shelf_rules(edge: EdgeSettings, stock: StockSettings) -> ShelfRules:
    """The shelf-life rules of the settings: `edge.timezone` and the `[stock]` minimums."""
    return ShelfRules(edge.zone, stock.channel_min_days, stock.expiring_soon_days)


def expiring_stock(
    conn: Any, rules: ShelfRules, now: datetime, *, days: int | None = None
) -> dict[str, Any]:
    """On-hand and picked stock whose lot has expired, or has `days` (default: the setting) or
    fewer days left, on the warehouse's date at `now`."""
    today = rules.today(now)
    window = rules.soon_days if days is None else days
    rows = store.dated_stock(conn, until=today + timedelta(days=window))
    for row in rows:
        expiry = as_date(row["expiry"])
        assert expiry is not None
        row["days_left"] = remaining_days(expiry, today)
    return {
        "today": today.isoformat(),
        "timezone": str(rules.zone),
        "soon_days": window,
        "expired": [r for r in rows if r["days_left"] <= 0],
        "expiring_soon": [r for r in rows if r["days_left"] > 0],
    }


def quarantine_expired(
    tx: Tx, rules: ShelfRules, actor: Actor, *, target: str | None = None
) -> dict[str, Any]:
    """Every on-hand unit of an expired lot → frozen (at `target`, a quarantine location, or where
    it is), in this one transaction. Reservations on them are given back and their orders
    allocated again from eligible stock (or held) — except orders on an open pick list, whose
    picker is refused the expired units at the scan and reports the bin short."""
    if target:
        require_location(tx, target)
    today = rules.today(tx.now)
    grains = store.expired_on_hand(tx, today=today)
    reallocate: set[str] = set()
    left_allocated = 0
    frozen: list[dict[str, Any]] = []
    for g in grains:
        released: list[tuple[str, Reservation]] = []
        kept = 0  # units still reserved by an order on an open pick list
        for r in store.reservations_on(tx, g["sku"], g["location"], g["lot"]):
            if in_open_list(tx, r["order_id"]):
                kept += r["qty"]
                continue
            line = Reservation(r["order_line_id"], g["sku"], g["location"], -r["qty"], lot=g["lot"])
            released.append((r["order_id"], line))
            reallocate.add(r["order_id"])
        if released:
            _release(tx, released, g, actor)
        left_allocated += kept
        if g["qty"] - kept > 0:
            frozen.append(_freeze(tx, g, g["qty"] - kept, target, actor))
    for order_id in sorted(reallocate):
        allocate_order(tx, order_id, actor, shelf=rules)
    params = {
        "units": sum(f["qty"] for f in frozen),
        "grains": len(frozen),
        "target": target or "",
        "target_text": f" → {target}" if target else "",
        "orders": len(reallocate),
        "left": left_allocated,
        "today": today.isoformat(),
    }
    return {
        "ok": True,
        "tone": "good",
        "prompt": "expired_quarantined",
        "params": params,
        "frozen": frozen,
        "reallocated": sorted(reallocate),
    }


def _release(tx: Tx, released: list[tuple[str, Reservation]], grain: Any, actor: Actor) -> None:
    """Give back the expired units' reservations, one `order_deallocated` event per order."""
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for order_id, r in released:
        by_order[order_id].append({"line_id": r.line_id, "qty": -r.delta})
    where = {
        "reason": "lot_expired",
        "sku": grain["sku"],
        "location": grain["location"],
        "lot": grain["lot"],
    }
    events = tuple(
        Event("order_deallocated", where | {"lines": lines}, order_id=order_id)
        for order_id, lines in by_order.items()
    )
    apply_decision(tx, Decision(None, events, tuple(r for _, r in released)), actor)


def _freeze(tx: Tx, grain: Any, qty: int, target: str | None, actor: Actor) -> dict[str, Any]:
    cmd = FreezeStock(grain["sku"], grain["location"], qty, "expired", target, grain["lot"])
    stock = Stock(*load_stock_rows(tx, cmd.sku, [cmd.location, *([target] if target else [])]))
    apply_decision(tx, freeze_stock(stock, cmd), actor)
    return {
        "sku": cmd.sku,
        "location": cmd.location,
        "lot": cmd.lot,
        "qty": qty,
        "expiry": grain["expiry"],
        "target": target or cmd.location,
    }


async def quarantine(
    store: Store, rules: ShelfRules, actor: Actor, *, target: str | None
) -> dict[str, Any]:
    """Move every on-hand unit of an expired lot to frozen, in one commit."""
    return await store.writer.run(lambda tx: quarantine_expired(tx, rules, actor, target=target))
