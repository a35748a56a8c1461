"""Recording a count of a short pick's hold: the found units back in stock, the rest written off."""

from __future__ import annotations

from typing import Any

from edge.domain.count import CountHeld, count_held
from edge.domain.errors import EdgeError
from edge.domain.ledger import Stock
from edge.store import counts
from edge.store.database import Store
from edge.store.ledger import Actor, apply_decision, load_stock_rows
from edge.store.writer import Tx


def record_count(tx: Tx, task_id: int, found: int, actor: Actor) -> dict[str, Any]:
    """Close an open count task with what was found (one transaction: balances, ledger, outbox)."""
    task = counts.count_task(tx, task_id)
    if task is None:
        raise EdgeError("not_found", what="count_task", key=str(task_id))
    if task["status"] != "open":
        raise EdgeError(
            "count_task_done", task_id=task_id, location=task["location"], found=task["found"]
        )
    held = (
        [(task["lot"], task["held"])]
        if task["held"] is not None
        else counts.frozen_lots(tx, task["sku"], task["location"])
    )
    cmd = CountHeld(task_id, task["sku"], task["location"], found, held)
    stock = Stock(*load_stock_rows(tx, cmd.sku, [cmd.location]))
    decision = count_held(stock, cmd)
    seqs = apply_decision(tx, decision, actor)
    assert decision.feedback is not None
    return {
        "ok": True,
        "tone": decision.feedback.tone,
        "prompt": decision.feedback.prompt,
        "params": dict(decision.feedback.params),
        "events": seqs,
    }


async def count_result(store: Store, task_id: int, found: int, actor: Actor) -> dict[str, Any]:
    """Record a count: `found` of the held units go back to on_hand, the rest are written off."""
    return await store.writer.run(lambda tx: record_count(tx, task_id, found, actor))
