"""Available-to-sell per (warehouse, SKU) and the choice of a warehouse for an order.

ATS = on_hand + returns_in_transit − open demand, where on_hand and returns_in_transit are the
edge's figures from its events and open demand is, for each order assigned there and still
released, picking or on hold, its ordered units minus those it has in the picked bucket
(`order_picks`, from its pick and put-back movements). Orders picked or further, and cancelled
ones, demand nothing: their units have left on_hand or been given back.

Rule: among edges whose ATS covers every line, the one with the most ATS over the order's SKUs;
ties go to the lowest edge_id. None covers it → the order stays `unassigned` with the reason.
An edge not heard from for longer than `quiet_after_s` gets an order only when no edge that is
heard from can cover it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from central_sync.store import demand, orders, stock
from central_sync.store import edges as edge_store
from central_sync.store.db import Tx

# An edge not heard from for longer than this (seconds) is quiet (serve --quiet-after).
QUIET_AFTER_S = 120.0
OPEN_STATUSES = demand.OPEN_STATUSES
BUCKETS = ("on_hand", "picked", "frozen", "returns_in_transit")


@dataclass(frozen=True)
class Figure:
    """One (warehouse, SKU): the edge's buckets, the open demand and what is left to sell."""

    warehouse: str
    sku: str
    buckets: Mapping[str, int]
    demand: int

    @property
    def available(self) -> int:
        return (
            self.buckets.get("on_hand", 0) + self.buckets.get("returns_in_transit", 0) - self.demand
        )

    def as_dict(self) -> dict[str, Any]:
        return (
            {"warehouse": self.warehouse, "sku": self.sku}
            | {b: self.buckets.get(b, 0) for b in BUCKETS}
            | {"demand": self.demand, "available": self.available}
        )


def figures(
    tx: Tx,
    *,
    skus: Iterable[str] | None = None,
    warehouse: str | None = None,
    waiting: bool = False,
) -> list[Figure]:
    """The figures of every (warehouse, SKU) with stock or demand, filtered as asked.

    Stock and open demand (its running total, central_sync/store/demand.py) are read by ONE
    statement, so they come from one snapshot: on
    PostgreSQL at read committed, two statements would let an edge's batch (a pick that moves
    on_hand to picked and takes the order's demand off) commit between them, and an order could be
    released beyond what exists. With `waiting`, the same statement also reads the units of the
    orders no warehouse holds yet (unassigned or held before assignment) as warehouse ''."""
    rows = stock.stock_and_demand(
        tx,
        skus=list(skus) if skus is not None else None,
        warehouse=warehouse,
        waiting=waiting,
    )
    buckets: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    demand: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (r["warehouse"], r["sku"])
        if r["bucket"] == "":  # the demand half of the statement (no bucket is named '')
            demand[key] = demand.get(key, 0) + int(r["qty"])
        else:
            buckets[key][r["bucket"]] = int(r["qty"])
    keys = sorted(set(buckets) | set(demand))
    return [Figure(w, s, buckets.get((w, s), {}), demand.get((w, s), 0)) for w, s in keys]


@dataclass(frozen=True)
class Choice:
    warehouse: str | None
    reason: str = ""


def choose_warehouse(
    need: Mapping[str, int], available: Mapping[tuple[str, str], int], edges: Iterable[str]
) -> Choice:
    """The edge that covers every line with the most ATS over the order's SKUs (pure)."""
    edges = sorted(edges)
    if not edges:
        return Choice(None, "no warehouse is registered")
    covering = [e for e in edges if all(available.get((e, s), 0) >= q for s, q in need.items())]
    if covering:
        best = min(covering, key=lambda e: (-sum(available.get((e, s), 0) for s in need), e))
        return Choice(best)
    short = []
    for sku, qty in sorted(need.items()):
        where = min(edges, key=lambda e: (-available.get((e, sku), 0), e))  # noqa: B023
        most = available.get((where, sku), 0)
        if most >= qty:
            continue
        short.append(
            f"{sku}: need {qty}, "
            + (f"most available {most} ({where})" if most > 0 else "none available")
        )
    if not short:  # each line is somewhere, but no one warehouse has them all (no split)
        return Choice(None, "no single warehouse has every line (orders are not split)")
    return Choice(None, "no warehouse can cover every line; " + "; ".join(short))


def choose_for_order(
    tx: Tx, order_id: str, quiet_after_s: float = QUIET_AFTER_S, *, pool: EdgePool | None = None
) -> Choice:
    lines = orders.unit_quantities(tx, order_id)
    need: dict[str, int] = defaultdict(int)
    for line in lines:
        need[line["sku"]] += int(line["qty"])
    available = {(f.warehouse, f.sku): f.available for f in figures(tx, skus=need)}
    return (pool or edge_pool(tx, quiet_after_s)).choose(need, available)


@dataclass(frozen=True)
class EdgePool:
    """Every registered edge, and those heard from within the quiet time."""

    edges: tuple[str, ...]
    heard: tuple[str, ...]
    recalled: tuple[str, ...] = ()  # left out: the order was recalled from them

    def without(self, gone: Iterable[str]) -> EdgePool:
        """The pool less the edges an order was recalled from (they cancelled their copy)."""
        out = set(gone)
        if not out:
            return self
        return EdgePool(
            tuple(e for e in self.edges if e not in out),
            tuple(e for e in self.heard if e not in out),
            tuple(sorted(out)),
        )

    def choose(self, need: Mapping[str, int], available: Mapping[tuple[str, str], int]) -> Choice:
        """The rule among the edges heard from; the quiet ones only when none of those can."""
        if not self.edges and self.recalled:
            return Choice(None, f"recalled from {', '.join(self.recalled)}; no other warehouse")
        if self.heard and len(self.heard) < len(self.edges):
            choice = choose_warehouse(need, available, self.heard)
            if choice.warehouse is not None:
                return choice
        return choose_warehouse(need, available, self.edges)


def seconds_since(at: str | None, now: datetime) -> float | None:
    if not at:
        return None
    return (now - datetime.fromisoformat(at.replace("Z", "+00:00"))).total_seconds()


def last_heard(row: Mapping[str, Any]) -> str | None:
    """The later of the edge's last request and its last event (ISO text sorts as time)."""
    return max((t for t in (row.get("last_seen_at"), row.get("last_event_at")) if t), default=None)


def edge_pool(tx: Tx, quiet_after_s: float = QUIET_AFTER_S) -> EdgePool:
    rows = edge_store.last_heard(tx)
    now = datetime.now(UTC)
    heard = [
        r["edge_id"]
        for r in rows
        if (quiet := seconds_since(last_heard(r), now)) is not None and quiet <= quiet_after_s
    ]
    return EdgePool(tuple(r["edge_id"] for r in rows), tuple(heard))
