"""Replenishment: each sweep opens a task for every pick face whose free units fell to the
site's minimum (from the reserve bin the site's rule picks) and says which faces have no reserve
left (a `no_reserve` exception); a task is done by scan — its units move reserve → face through
the same move path as any move, in one transaction."""

from __future__ import annotations

from typing import Any

from edge.config import Settings
from edge.domain.errors import EdgeError
from edge.domain.exceptions import Condition
from edge.domain.replenish import Face, NoReserve, Refill, ReserveBin, refill
from edge.domain.stock import MoveStock
from edge.service.stock import move
from edge.store import replenish as store
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.writer import Tx


def plan(tx: Tx, settings: Settings) -> list[Condition]:
    """Open the replenishments the pick faces need now; the faces with no reserve left, as
    conditions for the exception sweep."""
    minimum, rule = settings.stock.low_stock_threshold, settings.stock.replenish_rule
    out: list[Condition] = []
    for f in store.faces(tx) if minimum > 0 else []:
        if store.open_task(tx, f["sku"], f["location"]) is not None:
            continue
        reserves = [ReserveBin(**r) for r in store.reserves(tx, f["sku"])]
        need = refill(Face(**f), reserves, minimum, rule)
        if isinstance(need, Refill):
            store.add_task(tx, need.sku, need.location, need.source, need.lot, need.qty)
        elif isinstance(need, NoReserve):
            out.append(
                Condition(
                    f"no_reserve:{need.sku}:{need.location}",
                    "no_reserve",
                    tx.now,
                    0,
                    location=need.location,
                    sku=need.sku,
                    detail={"free": f["free"], "minimum": minimum},
                )
            )
    return out


def complete(tx: Tx, task_id: int, source: str, target: str, actor: Actor) -> dict[str, Any]:
    """The units taken from `source` (the suggested bin or another holding the SKU) are put
    into the pick face `target` (it must be the task's): up to the task's quantity, as much as
    the source has free; the task closes."""
    task = store.task(tx, task_id)
    if task is None:
        raise EdgeError("not_found", what="replenishment", key=str(task_id))
    if task["status"] != "open":
        raise EdgeError("replenish_task_done", task_id=task_id, location=task["location"])
    if target.strip() != task["location"]:
        raise EdgeError("replenish_wrong_face", scanned=target, location=task["location"])
    free = sum(r["free"] for r in store.reserves(tx, task["sku"]) if r["location"] == source)
    qty = min(task["qty"], free) or task["qty"]  # none free: the move refuses, naming it
    seqs = move(tx, MoveStock(task["sku"], source.strip(), task["location"], qty), actor)
    store.close_task(tx, task_id, qty, actor.operator_id)
    return {
        "ok": True,
        "tone": "good",
        "prompt": "replenished",
        "params": {"qty": qty, "sku": task["sku"], "source": source, "location": task["location"]},
        "events": seqs,
    }


async def replenished(
    store_: Store, task_id: int, source: str, target: str, actor: Actor
) -> dict[str, Any]:
    """A replenishment done by scan, in one transaction."""
    return await store_.writer.run(lambda tx: complete(tx, task_id, source, target, actor))
