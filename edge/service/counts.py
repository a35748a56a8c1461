"""Recording a count of a short pick's hold: the found units back in stock, the rest written off."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from edge.domain.count import CountHeld, count_held
from edge.domain.cycle_count import (
    CountLine,
    Threshold,
    abc_classes,
    check_approver,
    count_lines,
    due_bins,
    held_found,
    needs_approval,
    settle_count,
    variance_size,
)
from edge.domain.errors import EdgeError
from edge.domain.ledger import Stock
from edge.domain.stock import AdjustStock
from edge.store import counts
from edge.store import exceptions as exc_store
from edge.store import operators as ops
from edge.store.catalog import require_location, require_sku
from edge.store.database import Store
from edge.store.ledger import Actor, apply_decision, load_stock_rows, utc
from edge.store.operators import parse_utc
from edge.store.writer import Tx

if TYPE_CHECKING:  # not imported by the writer process (tests/test_writer_imports.py)
    from edge.config import Settings


def record_count(tx: Tx, task_id: int, found: int, actor: Actor) -> dict[str, Any]:
    """Close an open count task with what was found (one transaction: balances, ledger, outbox)."""
    task = _open_task(tx, task_id)
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


# --- blind cycle counts -------------------------------------------------------------------


def open_count(tx: Tx, location: str, sku: str | None, reason: str, actor: Actor) -> dict[str, Any]:
    """A count of a bin (one SKU, or everything in it); the open one if the bin has one."""
    require_location(tx, location)
    if sku is not None:
        require_sku(tx, sku)
    task_id = counts.open_task_at(tx, location, sku)
    opened = task_id is None
    if task_id is None:
        task_id = counts.add_task(tx, location, sku, reason, actor.operator_id)
    return {"task_id": task_id, "location": location, "sku": sku, "opened": opened}


def _open_task(tx: Tx, task_id: int) -> Any:
    """The count task, still open (else not_found or count_task_done)."""
    task = counts.count_task(tx, task_id)
    if task is None:
        raise EdgeError("not_found", what="count_task", key=str(task_id))
    if task["status"] != "open":
        raise EdgeError(
            "count_task_done", task_id=task_id, location=task["location"], found=task["found"]
        )
    return task


def _held(tx: Tx, task: Any) -> dict[tuple[str, str], int]:
    """The units the task itself froze (a short pick's hold), per (SKU, lot)."""
    if task["sku"] is None or task["reason"] != "short_pick":
        return {}
    if task["held"] is not None:
        return {(task["sku"], task["lot"]): task["held"]} if task["held"] else {}
    return {
        (task["sku"], lot): qty
        for lot, qty in counts.frozen_lots(tx, task["sku"], task["location"])
    }


def _settle(tx: Tx, task: Any, lines: list[CountLine], actor: Actor, approved_by: str = "") -> None:
    """Book the count through the ledger; a short pick's exception at the bin is resolved."""
    balances: dict[Any, int] = {}
    reserved: dict[Any, int] = {}
    for sku in sorted({x.sku for x in lines}):
        b, r = load_stock_rows(tx, sku, [task["location"]])
        balances |= b
        reserved |= r
    stock = Stock(balances, reserved)
    reason = (
        task["reason"].removeprefix(ADJUSTMENT) if task["reason"].startswith(ADJUSTMENT) else ""
    )
    decision = settle_count(
        stock, task["id"], task["location"], lines, approved_by=approved_by, reason=reason
    )
    apply_decision(tx, decision, actor)
    if task["reason"] == "short_pick":
        found = sum(held_found(x) for x in lines)
        for exception_id in exc_store.active_at(tx, "short_pick", task["location"], task["sku"]):
            exc_store.change(
                tx,
                exception_id,
                "resolved",
                "resolved",
                actor.operator_id,
                note=f"counted: {found} of the held units found",
            )


def submit_count(
    tx: Tx, task_id: int, counted: list[tuple[str, str, int]], actor: Actor, threshold: Threshold
) -> dict[str, Any]:
    """A blind count of an open task: settled at once, or (variance over the threshold) kept for
    a second person's approval. The answer never says what the records expected."""
    task = _open_task(tx, task_id)
    counted = [_resolved(tx, item, lot, qty) for item, lot, qty in counted]
    skus = sorted({s for s, _, _ in counted} | ({task["sku"]} if task["sku"] else set()))
    held = _held(tx, task)
    on_hand = counts.on_hand_in_bin(tx, task["location"], None if task["sku"] is None else skus)
    lines = list(count_lines(on_hand, held, counted))
    values = counts.unit_values(tx, sorted({x.sku for x in lines})) if lines else {}
    waits = needs_approval(lines, values, threshold)
    counts.save_count(
        tx, task_id, [_row(x) for x in lines], actor.operator_id, "review" if waits else "open"
    )
    if waits:
        units, value = variance_size(lines, values)
        counts.request_approval(tx, task_id, units, value, actor.operator_id)
    else:
        _settle(tx, counts.count_task(tx, task_id), lines, actor)
    if any(x.variance for x in lines):
        _variance_exception(tx, task, lines, waits)
    return {
        "ok": True,
        "tone": "good",
        "prompt": "count_submitted",
        "params": {"task_id": task_id, "location": task["location"]},
    }


def threshold(settings: Settings) -> Threshold:
    return Threshold(settings.stock.count_approval_units, settings.stock.count_approval_value)


def _resolved(tx: Tx, item: str, lot: str, qty: int) -> tuple[str, str, int]:
    """A counted line by SKU or barcode, as (SKU, lot, units)."""
    found = counts.item_of(tx, item.strip())
    if found is None:
        raise EdgeError("unknown_barcode", code=item)
    sku, per_scan = found
    return sku, lot.strip(), qty * per_scan


def _row(x: CountLine) -> dict[str, Any]:
    return {
        "sku": x.sku,
        "lot": x.lot,
        "expected": x.expected,
        "counted": x.counted,
        "held": x.held,
    }


def _line(r: Any) -> CountLine:
    return CountLine(r["sku"], r["lot"], r["expected"], r["counted"], r["held"])


def _variance_exception(tx: Tx, task: Any, lines: list[CountLine], waits: bool) -> None:
    off = [x for x in lines if x.variance]
    detail = {
        "task_id": task["id"],
        "variance": sum(x.variance for x in lines),
        "lines": [{"sku": x.sku, "lot": x.lot, "variance": x.variance} for x in off],
        "waits_for_approval": waits,
    }
    sku = off[0].sku if len(off) == 1 else task["sku"]
    exc_store.raise_exception(tx, "count_variance", detail, location=task["location"], sku=sku)


def _in_review(tx: Tx, task_id: int) -> tuple[Any, Any]:
    task = counts.count_task(tx, task_id)
    if task is None:
        raise EdgeError("not_found", what="count_task", key=str(task_id))
    approval = counts.pending_approval(tx, task_id)
    if task["status"] != "review" or approval is None:
        raise EdgeError("no_approval_pending", task_id=task_id, status=task["status"])
    return task, approval


def _close_variance(tx: Tx, task: Any, actor: Actor, note: str) -> None:
    for exception_id in exc_store.active_of_task(tx, "count_variance", task["id"]):
        exc_store.change(tx, exception_id, "resolved", "resolved", actor.operator_id, note=note)


def decide_count(
    tx: Tx, task_id: int, approve: bool, actor: Actor, who: str, note: str
) -> dict[str, Any]:
    """A second person approves the count (it is booked now) or rejects it (the bin is counted
    again); never the person who counted. Audited in count_approvals."""
    task, approval = _in_review(tx, task_id)
    check_approver(task_id, task["counted_by"], actor.operator_id)
    counts.decide_approval(
        tx, approval["id"], "approved" if approve else "rejected", actor.operator_id, note
    )
    if approve:
        lines = [_line(r) for r in counts.saved_lines(tx, task_id)]
        _settle(tx, task, lines, actor, approved_by=who)
    else:
        counts.reopen(tx, task_id)
    _close_variance(
        tx, task, actor, ("approved" if approve else "rejected") + (f": {note}" if note else "")
    )
    return {
        "ok": True,
        "tone": "good",
        "prompt": "count_approved" if approve else "count_rejected",
        "params": {"task_id": task_id, "location": task["location"]},
    }


async def open_by_hand(
    store: Store, location: str, sku: str | None, actor: Actor
) -> dict[str, Any]:
    """A supervisor's count of a bin, in one transaction."""
    return await store.writer.run(lambda tx: open_count(tx, location, sku, "manual", actor))


async def submit(
    store: Store, task_id: int, lines: list[tuple[str, str, int]], actor: Actor, t: Threshold
) -> dict[str, Any]:
    """A blind count, in one transaction."""
    return await store.writer.run(lambda tx: submit_count(tx, task_id, lines, actor, t))


async def decide(
    store: Store, task_id: int, approve: bool, actor: Actor, who: str, note: str
) -> dict[str, Any]:
    """Approve or reject a count waiting for a second person, in one transaction."""
    return await store.writer.run(lambda tx: decide_count(tx, task_id, approve, actor, who, note))


def count_by_script(
    store: Store,
    location: str,
    sku: str,
    delta: int,
    *,
    supervisor: str,
    counter: str,
    threshold: Threshold,
) -> int:
    """A supervisor (badge) opens a count of the bin's SKU and `counter` (badge) counts `delta`
    units off the records: booked or waiting for approval as any count. One transaction."""

    def _known(row: Any, badge: str) -> Any:
        if row is None:
            raise EdgeError("not_found", what="operator", key=badge)
        return row

    def work(tx: Tx) -> int:
        by = {b: _known(ops.operator_by_badge(tx.conn, b), b) for b in (supervisor, counter)}
        opened = open_count(tx, location, sku, "manual", Actor(by[supervisor]["id"]))
        held = counts.on_hand_in_bin(tx, location, [sku]).get((sku, ""), 0)
        lines = [(sku, "", max(0, held + delta))]
        submit_count(tx, opened["task_id"], lines, Actor(by[counter]["id"]), threshold)
        return int(opened["task_id"])

    return store.writer.call(work)


def schedule_counts(tx: Tx, settings: Settings) -> list[int]:
    """Open the scheduled counts now due (ABC by movement, `stock.count_schedule_days`): a
    count of each whole bin whose class's interval has passed since its last count."""
    every = settings.stock.count_every_days
    if not every:
        return []
    since = utc(tx.now - timedelta(days=settings.stock.count_abc_window_days))
    bins, moves, last, busy = counts.schedule_facts(tx, since)
    counted = {b: at for b, text in last.items() if (at := parse_utc(text)) is not None}
    due = due_bins(abc_classes(bins, moves), counted, every, tx.now, open_already=busy)
    return [counts.add_task(tx, b, None, "schedule", None) for b in due]


ADJUSTMENT = "adjustment: "  # a count task's reason prefix: a supervisor's adjustment waiting


def _adjustment_line(tx: Tx, cmd: AdjustStock) -> CountLine:
    on_hand = counts.on_hand_in_bin(tx, cmd.location, [cmd.sku]).get((cmd.sku, cmd.lot), 0)
    return CountLine(cmd.sku, cmd.lot, on_hand, max(0, on_hand + cmd.delta))


def adjustment_waits(tx: Tx, cmd: AdjustStock, t: Threshold) -> bool:
    """A supervisor's adjustment over the count threshold waits for a second person."""
    return needs_approval([_adjustment_line(tx, cmd)], counts.unit_values(tx, [cmd.sku]), t)


def request_adjustment(tx: Tx, cmd: AdjustStock, actor: Actor) -> dict[str, Any]:
    """Keep the adjustment as a count in review (its line: on_hand now, on_hand + delta) with a
    pending approval; approving it books it as any count, with the adjustment's reason."""
    line = _adjustment_line(tx, cmd)
    task_id = counts.add_task(
        tx, cmd.location, cmd.sku, ADJUSTMENT + cmd.reason.strip(), actor.operator_id
    )
    counts.save_count(tx, task_id, [_row(line)], actor.operator_id, "review")
    units, value = variance_size([line], counts.unit_values(tx, [cmd.sku]))
    counts.request_approval(tx, task_id, units, value, actor.operator_id)
    task = counts.count_task(tx, task_id)
    _variance_exception(tx, task, [line], True)
    params = {"task_id": task_id, "sku": cmd.sku, "location": cmd.location, "delta": cmd.delta}
    return {"ok": True, "tone": "info", "prompt": "adjustment_awaiting_approval", "params": params}
