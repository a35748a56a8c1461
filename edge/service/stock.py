"""Supervisor stock commands (receive, adjust) through the same writer, ledger and outbox."""

from __future__ import annotations

from typing import Any

from edge.domain.cycle_count import Threshold
from edge.domain.ledger import Stock
from edge.domain.stock import (
    AdjustStock,
    AnnounceReturn,
    FreezeStock,
    MoveStock,
    ReceiveStock,
    adjust_stock,
    announce_return,
    freeze_stock,
    move_stock,
    receive_stock,
)
from edge.service.commands import refusal_body, run_once
from edge.service.counts import adjustment_waits, request_adjustment
from edge.store.catalog import require_location, require_sku
from edge.store.database import Store
from edge.store.ledger import Actor, apply_decision, load_stock_and_lots, load_stock_rows
from edge.store.scan_answers import Answer
from edge.store.writer import Tx


def receive(tx: Tx, cmd: ReceiveStock, actor: Actor) -> list[int]:
    """Opening stock and receipts: from the `received` account into a bin."""
    require_sku(tx, cmd.sku)
    require_location(tx, cmd.location)
    stock = Stock(*load_stock_rows(tx, cmd.sku, [cmd.location]))
    return apply_decision(tx, receive_stock(stock, cmd), actor)


def move(tx: Tx, cmd: MoveStock, actor: Actor) -> list[int]:
    """Free on_hand from one bin to another, FEFO by lot unless a lot is named."""
    require_sku(tx, cmd.sku)
    require_location(tx, cmd.source)
    require_location(tx, cmd.target)
    *rows, lots = load_stock_and_lots(tx, cmd.sku, [cmd.source, cmd.target])
    decision = move_stock(Stock(*rows), cmd, lot_order=list(lots))
    return apply_decision(tx, decision, actor)


def freeze(tx: Tx, cmd: FreezeStock, actor: Actor) -> list[int]:
    """Free on_hand → frozen (quarantine, damage, count hold)."""
    require_sku(tx, cmd.sku)
    places = [cmd.location] + ([cmd.target] if cmd.target else [])
    for place in places:
        require_location(tx, place)
    stock = Stock(*load_stock_rows(tx, cmd.sku, places))
    return apply_decision(tx, freeze_stock(stock, cmd), actor)


def expect_return(tx: Tx, cmd: AnnounceReturn, actor: Actor) -> list[int]:
    """customer → returns_in_transit, as central announces a return."""
    require_sku(tx, cmd.sku)
    require_location(tx, cmd.location)
    stock = Stock(*load_stock_rows(tx, cmd.sku, [cmd.location]))
    return apply_decision(tx, announce_return(stock, cmd), actor)


def adjust(
    tx: Tx,
    cmd: AdjustStock,
    actor: Actor,
    *,
    request_id: str,
    threshold: Threshold | None = None,
) -> Answer:
    """An adjustment with a reason, idempotent by `request_id`; one over `threshold` (units or
    value) is not booked but waits for a second person's approval, as a count does."""

    def decide() -> dict[str, Any]:
        require_sku(tx, cmd.sku)
        require_location(tx, cmd.location)
        stock = Stock(*load_stock_rows(tx, cmd.sku, [cmd.location]))
        decision = adjust_stock(stock, cmd)  # refuses what could never be booked
        if threshold is not None and adjustment_waits(tx, cmd, threshold):
            return {"scan_id": request_id} | request_adjustment(tx, cmd, actor)
        seqs = apply_decision(tx, decision, actor)
        fb = decision.feedback
        assert fb is not None
        return {
            "scan_id": request_id,
            "ok": True,
            "tone": fb.tone,
            "prompt": fb.prompt,
            "params": dict(fb.params),
            "events": seqs,
        }

    return run_once(
        tx,
        request_id,
        kind="adjustment",
        request={
            "sku": cmd.sku,
            "location": cmd.location,
            "delta": cmd.delta,
            "lot": cmd.lot,
            "reason": cmd.reason,
        },
        actor=(actor.operator_id, actor.device_id),
        decide=decide,
        refusal=lambda err: refusal_body(request_id, err),
    )


async def make_adjustment(
    store: Store,
    cmd: AdjustStock,
    actor: Actor,
    *,
    request_id: str,
    threshold: Threshold | None = None,
) -> Answer:
    """Adjust a bin's on_hand with a reason, once per request_id (over `threshold`: it waits
    for a second person's approval)."""
    return await store.writer.run(
        lambda tx: adjust(tx, cmd, actor, request_id=request_id, threshold=threshold)
    )
