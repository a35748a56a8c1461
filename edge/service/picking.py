"""The pick workflow's shell: which list a picker gets, what each scan needs loaded, what the
handheld shows."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from edge.domain.classify import Classified
from edge.domain.decision import Decision
from edge.domain.errors import EdgeError
from edge.domain.ledger import Stock
from edge.domain.operator import Role, check_assignee
from edge.domain.pick import PROMPT, PickContext, PickSession, decide_pick, prompt_params, step_of
from edge.domain.wave import WaveRules
from edge.service import waves as wave_service
from edge.service.floor import FloorSettings
from edge.store import orders as order_store
from edge.store import picking as store
from edge.store.database import Store
from edge.store.ledger import load_stock_rows
from edge.store.operators import LoginSession, operator_by_badge
from edge.store.writer import Tx


def next_list(
    tx: Tx,
    operator_id: int,
    batch_size: int,
    waves: WaveRules | None = None,
    *,
    zones: bool = False,
    zone: str | None = None,
) -> str:
    """The picker's open list, or a new one of the most urgent released orders (with waves on:
    of the most urgent released wave's). With zones on, a list of one zone: the picker's
    (`zone`) or the most urgent order's, taking only the orders' units in that zone."""
    mine = store.open_list_of(tx, operator_id, zone if zones else None)
    if mine is not None:
        return mine
    cart = False
    if zones:
        orders, cart, zone = wave_service.next_zone_orders(tx, waves, batch_size, zone)
    elif waves is not None:
        orders, cart = wave_service.next_orders(tx, waves, batch_size)
    else:
        orders = store.pickable_orders(tx, batch_size)
    if not orders:
        raise EdgeError("no_pick_list")
    return store.create_pick_list(
        tx,
        orders,
        assignee=operator_id,
        created_by=operator_id,
        cart=cart,
        zone=zone if zones else None,
    )


def create_list_for(tx: Tx, order_ids: list[str], *, assignee: int | None, created_by: int) -> str:
    """A supervisor's list: every order must exist, be released and be on no open list."""
    for order_id in order_ids:
        row = order_store.order_row(tx, order_id)
        if row is None:
            raise EdgeError("not_found", what="order", key=order_id)
        if row["status"] != "released" or store.in_open_list(tx, order_id):
            raise EdgeError("order_not_pickable", order_id=order_id, status=row["status"])
    return store.create_pick_list(tx, order_ids, assignee=assignee, created_by=created_by)


def start_pick(
    tx: Tx, session: LoginSession, params: dict[str, Any], f: FloorSettings
) -> dict[str, Any]:
    list_id = params.get("pick_list_id") or next_list(
        tx, session.operator_id, f.batch_size, f.waves, zones=f.zones, zone=params.get("zone")
    )
    exists, assignee = store.list_assignee(tx, list_id)
    if exists:
        check_assignee(session.role, session.operator_id, assignee, what="pick_list", key=list_id)
        if assignee is None and Role(session.role) is Role.PICKER:
            store.assign_list(tx, list_id, session.operator_id)  # taken: now it is theirs
    pick_list = store.load_pick_list(tx, list_id)
    if pick_list is None:
        raise EdgeError("not_found", what="pick_list", key=list_id)
    pick = PickSession(
        list_id, quantity_prompt=f.quantity_prompt, complete_line=f.allow_unscanned_completion
    )
    return asdict(pick)


def run_pick(tx: Tx, state: dict[str, Any], scan: Classified, f: FloorSettings) -> Decision[Any]:
    session = PickSession(**state)
    pick_list = store.load_pick_list(tx, session.list_id)
    assert pick_list is not None
    task = pick_list.current
    today = f.shelf.today(tx.now)
    allow = f.allow_unscanned_completion
    ctx = PickContext(pick_list, allow_unscanned_completion=allow, today=today)
    if task is not None and (scan.kind == "product" or scan.kind == "command"):
        short = scan.key == "SHORT"  # only a short pick re-allocates: the rest needs no candidates
        candidates = order_store.candidates(tx, [task.sku])[task.sku] if short else []
        stock = Stock(*load_stock_rows(tx, task.sku, [task.location]))
        min_days = (
            order_store.line_min_shelf_days(tx, task.order_id, [task.sku], f.shelf)[task.sku]
            if short
            else 0
        )
        ctx = PickContext(
            pick_list, stock, candidates, None, allow, today=today, min_shelf_days=min_days
        )
    elif scan.kind == "container":
        ctx = PickContext(
            pick_list,
            tote_owner=store.tote_owner(tx, scan.key),
            allow_unscanned_completion=allow,
            today=today,
        )
    return decide_pick(session, scan, ctx)


def view_pick(conn: Any, state: dict[str, Any]) -> dict[str, Any]:
    """The pick screen: step, progress, totes per slot and the task at hand."""
    session = PickSession(**state)
    found = store.read_pick_list(conn, session.list_id)
    if found is None:
        raise EdgeError("not_found", what="pick_list", key=session.list_id)
    pl, channel_ids = found.pick_list, found.channel_ids
    step = step_of(session, pl)
    totes = [
        {
            "slot": s.slot,
            "order_id": s.order_id,
            "channel_order_id": channel_ids.get(s.order_id),
            "tote": s.tote,
        }
        for s in pl.slots
    ]
    done = [t for t in pl.tasks if t.status != "open"]
    progress = {
        "tasks_done": len(done),
        "tasks_total": len(pl.tasks),
        "units_picked": sum(t.picked for t in pl.tasks),
        "units_total": sum(t.qty for t in pl.tasks),
    }
    task = pl.current if step in ("location", "item") else None
    shown = None
    if task is not None:
        name, name_zh = found.names.get(task.sku, ("", ""))
        slot = pl.slot_of(task.order_id)
        shown = {
            "id": task.id,
            "location": task.location,
            "sku": task.sku,
            "name": name,
            "name_zh": name_zh,
            "lot": task.lot,
            "qty": task.qty,
            "picked": task.picked,
            "remaining": task.remaining,
            "slot": slot.slot,
            "tote": slot.tote,
            "order_id": task.order_id,
        } | found.marks.get(task.line_id, {"kit": None, "gift": False})
    # Units of orders cancelled while on this list, in its totes: which go back to which bin.
    put_back = order_store.open_putbacks(conn, list_id=pl.id)
    return {
        "workflow": "pick",
        "list_id": pl.id,
        "zone": pl.zone,
        "step": step,
        "progress": progress,
        "totes": totes,
        "put_back": put_back,
        "task": shown,
        "prompt": PROMPT[step],
        "prompt_params": prompt_params(session, pl),
        "quantity_prompt": session.quantity_prompt,
        "complete_line": session.complete_line,
    }


async def create_list(
    store: Store, order_ids: list[str], *, assignee_badge: str | None, created_by: int
) -> tuple[str, int | None]:
    """Build a (batch) pick list from released orders, assigned to a picker by badge if given;
    (list id, the assignee's operator id)."""
    assignee = None
    if assignee_badge:
        row = operator_by_badge(store.read(), assignee_badge)
        if row is None:
            raise EdgeError("not_found", what="badge", key=assignee_badge)
        assignee = int(row["id"])
    list_id = await store.writer.run(
        lambda tx: create_list_for(tx, order_ids, assignee=assignee, created_by=created_by)
    )
    return list_id, assignee
