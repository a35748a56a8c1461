"""The running open demand per (warehouse, SKU): `open_demand`, kept in the same transaction by
every write that changes what an order or a split part still asks of its warehouse, so the
assignment reads stock and demand with one indexed statement (stock.py) instead of adding up
every open order's lines and picks.

Open demand is, for each order at a warehouse in an open status, its ordered units of a SKU less
those in its picked bucket (never below 0), and for each part of a split order (consignments of
kind 'split') in an open status, its lines' units less those cut and picked. `demand_parts` keeps
what each order and part adds to `open_demand`, so a change is applied as the difference.

Every store function that writes orders' status or warehouse, order lines, order picks,
consignments or consignment lines calls `touch` with what it changed (kits and any new path do
the same); the parts touched are settled before the transaction reads the figures or commits:
each recomputed from its rows (its order or part row locked first on PostgreSQL, so two
transactions changing one order settle one after the other), and the difference added to the
totals in (warehouse, SKU) order. `differences` recomputes everything and names where the running
total is wrong (`warehouse-central verify-demand`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from central_sync.store.db import Tx

# Statuses in which an order (or a split part) still asks its warehouse for its unpicked units.
OPEN_STATUSES = ("released", "picking", "on_hold")
ORDER, SPLIT = "order", "split"  # the kinds of part
_DIRTY = "demand.dirty"
_NEW = "new"  # (kind, id) inserted by this transaction
_KNOWN = "demand.known"  # new orders' demand as their writer counted it (counted_new)
CHUNK = 500

_OPEN = ",".join(f"'{s}'" for s in OPEN_STATUSES)
# what each order adds: (kind, id, warehouse, sku, qty) of its open lines not yet picked
_ORDER_PARTS = (
    "SELECT 'order' AS kind, id, warehouse, sku,"
    " CASE WHEN ordered > picked THEN ordered - picked ELSE 0 END AS qty FROM ("
    " SELECT o.id, o.warehouse, l.sku, SUM(l.qty) AS ordered, MAX(COALESCE(p.qty, 0)) AS picked"
    " FROM orders o JOIN order_units l ON l.order_id = o.id"  # a kit line as its components
    " LEFT JOIN order_picks p ON p.order_id = o.id AND p.sku = l.sku"
    f" WHERE o.status IN ({_OPEN}) AND o.warehouse IS NOT NULL{{where}}"
    " GROUP BY o.id, o.warehouse, l.sku) open_lines"
)
# what each part of a split order adds
_SPLIT_PARTS = (
    "SELECT 'split' AS kind, c.id, c.warehouse, l.sku,"
    " SUM(CASE WHEN l.qty - l.cut > l.picked THEN l.qty - l.cut - l.picked ELSE 0 END) AS qty"
    " FROM consignments c JOIN consignment_lines l ON l.consignment_id = c.id"
    f" WHERE c.kind = 'split' AND c.status IN ({_OPEN}){{where}}"
    " GROUP BY c.id, c.warehouse, l.sku"
)


def touch(tx: Tx, kind: str, ids: Iterable[str], *, new: bool = False) -> None:
    """The orders (kind ORDER) or consignments (kind SPLIT; other kinds are ignored by the
    recount) named changed in a way that may change their open demand; `new` when this
    transaction inserted them (nothing of theirs is counted yet: nothing to lock or read)."""
    dirty: dict[str, set[Any]] = tx.memo.setdefault(
        _DIRTY, {ORDER: set(), SPLIT: set(), _NEW: set()}
    )
    listed = set(ids)
    dirty[kind].update(listed)
    if new:
        dirty[_NEW].update((kind, i) for i in listed)
    tx.before_commit.setdefault(_DIRTY, settle)


def touch_orders(tx: Tx, ids: Iterable[str], *, new: bool = False) -> None:
    touch(tx, ORDER, ids, new=new)


def counted_new(tx: Tx, asks: Mapping[str, Mapping[tuple[str, str], int]]) -> None:
    """Orders this transaction inserted, each with what it asks of its warehouse ((warehouse,
    SKU) → units), as the recount would find it in the rows just written (the intake's batch
    knows it): taken as counted, so settling writes them without reading them back. One touched
    again afterwards is recounted from its rows after all."""
    dirty = tx.memo[_DIRTY]
    known: dict[str, Mapping[tuple[str, str], int]] = tx.memo.setdefault(_KNOWN, {})
    for order_id, parts in asks.items():
        if (ORDER, order_id) not in dirty[_NEW]:  # something of it may be counted: recount it
            continue
        dirty[ORDER].discard(order_id)
        known[order_id] = parts


def settle(tx: Tx) -> None:
    """The touched orders' and parts' demand recounted and the totals moved by the difference:
    a lock on those counted before (PostgreSQL), then one statement reading what they add now
    and what they added, then one writing the parts that changed and one the totals."""
    dirty = tx.memo.get(_DIRTY)
    known: dict[str, Mapping[tuple[str, str], int]] = tx.memo.pop(_KNOWN, {})
    if not dirty or not (dirty[ORDER] or dirty[SPLIT] or known):
        return
    fresh = dirty[_NEW]
    touched = {ORDER: sorted(dirty[ORDER]), SPLIT: sorted(dirty[SPLIT])}
    dirty_orders = set(dirty[ORDER])  # touched again after they were counted: recounted
    dirty[ORDER], dirty[SPLIT], dirty[_NEW] = set(), set(), set()
    counted = {k: [i for i in ids if (k, i) not in fresh] for k, ids in touched.items()}
    if tx.dialect.for_update:  # one transaction at a time recounts an order or a part
        for table, ids in (("orders", counted[ORDER]), ("consignments", counted[SPLIT])):
            for part in _chunks(ids):  # not fetched: in a pipeline, sent with the recount
                tx.execute(
                    f"SELECT id FROM {table} WHERE id IN ({_marks(part)}) ORDER BY id"
                    f"{tx.dialect.for_update}",
                    part,
                )
    new: dict[tuple[str, str, str], tuple[str, int]] = {
        (ORDER, order_id, sku): (warehouse, qty)
        for order_id, parts in known.items()
        if order_id not in dirty_orders
        for (warehouse, sku), qty in parts.items()
        if qty > 0
    }
    old: dict[tuple[str, str, str], tuple[str, int]] = {}
    for kind, sql in ((ORDER, _ORDER_PARTS), (SPLIT, _SPLIT_PARTS)):
        column = "o.id" if kind == ORDER else "c.id"
        for part in _chunks(touched[kind]):
            before = [i for i in part if (kind, i) not in fresh]
            statement = f"SELECT 'new' AS side, p.* FROM ({sql}) p".format(
                where=f" AND {column} IN ({_marks(part)})"
            )
            if before:
                statement += (
                    " UNION ALL SELECT 'old' AS side, kind, id, warehouse, sku, qty"
                    f" FROM demand_parts WHERE kind = ? AND id IN ({_marks(before)})"
                )
            for r in tx.all(statement, [*part, *([kind, *before] if before else [])]):
                if int(r["qty"]) > 0:
                    side = new if r["side"] == "new" else old
                    side[(r["kind"], r["id"], r["sku"])] = (r["warehouse"], int(r["qty"]))
    if new == old:
        return
    delta: dict[tuple[str, str], int] = defaultdict(int)
    for (_, _, sku), (warehouse, qty) in old.items():
        delta[(warehouse, sku)] -= qty
    for (_, _, sku), (warehouse, qty) in new.items():
        delta[(warehouse, sku)] += qty
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    changed |= {k: (w, 0) for k, (w, _) in old.items() if k not in new}
    tx.many(  # a part that asks nothing any more is kept at 0 (one statement, no delete)
        "INSERT INTO demand_parts (kind, id, sku, warehouse, qty) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (kind, id, sku) DO UPDATE SET warehouse = excluded.warehouse,"
        " qty = excluded.qty",
        [(*k, *v) for k, v in sorted(changed.items())],
    )
    tx.many(
        "INSERT INTO open_demand (warehouse, sku, qty) VALUES (?, ?, ?)"
        " ON CONFLICT (warehouse, sku) DO UPDATE SET qty = open_demand.qty + excluded.qty",
        [(w, s, q) for (w, s), q in sorted(delta.items()) if q],
    )


def recounted(tx: Tx) -> dict[tuple[str, str], int]:
    """The open demand per (warehouse, SKU) added up from every open order and part."""
    total: dict[tuple[str, str], int] = defaultdict(int)
    for sql in (_ORDER_PARTS, _SPLIT_PARTS):
        for r in tx.all(sql.format(where="")):
            total[(r["warehouse"], r["sku"])] += int(r["qty"])
    return {k: v for k, v in total.items() if v}


def running(tx: Tx) -> dict[tuple[str, str], int]:
    """The running totals (those not 0)."""
    rows = tx.all("SELECT warehouse, sku, qty FROM open_demand WHERE qty <> 0")
    return {(r["warehouse"], r["sku"]): int(r["qty"]) for r in rows}


def differences(tx: Tx) -> list[dict[str, Any]]:
    """Each (warehouse, SKU) whose running total is not the recounted demand, in order."""
    settle(tx)
    kept, counted = running(tx), recounted(tx)
    return [
        {
            "warehouse": w,
            "sku": s,
            "running": kept.get((w, s), 0),
            "recounted": counted.get((w, s), 0),
        }
        for w, s in sorted(set(kept) | set(counted))
        if kept.get((w, s), 0) != counted.get((w, s), 0)
    ]


# the parts and totals recounted from the orders (the migration that adds them; a repair)
REBUILD = tuple(
    "INSERT INTO demand_parts (kind, id, warehouse, sku, qty)"
    f" SELECT * FROM ({sql.format(where='')}) parts WHERE qty > 0"
    for sql in (_ORDER_PARTS, _SPLIT_PARTS)
) + (
    "INSERT INTO open_demand (warehouse, sku, qty)"
    " SELECT warehouse, sku, SUM(qty) FROM demand_parts GROUP BY warehouse, sku",
)


def rebuild(tx: Tx) -> None:
    """The parts and totals recounted from the orders (a repair after `differences`)."""
    settle(tx)
    tx.execute("DELETE FROM demand_parts")
    tx.execute("DELETE FROM open_demand")
    for sql in REBUILD:
        tx.execute(sql)


def _chunks(ids: Sequence[str]) -> Iterable[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _marks(ids: Sequence[str]) -> str:
    return ",".join("?" * len(ids))
