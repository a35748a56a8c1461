"""The pick workflow (pure): scan a tote for each order of the list, then for each task in
walking order scan its location and its items. Every good item scan moves stock
on_hand → picked into the order's tote and uses up the reservation, in one decision.

The session state is only the list id and where the picker stands; the step follows from the
list itself (which slots have totes, which task is next), so it can never drift from the tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field, replace
from datetime import date
from typing import Literal

from edge.domain.allocation import Candidate, LineRequest, allocate
from edge.domain.classify import Classified
from edge.domain.decision import CountTaskOpened, Decision, Event, ExceptionRaised, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import Bucket, Movement, Place, Reservation, Stock
from edge.domain.messages import hold
from edge.domain.order import OrderStatus, StatusChange, change_status
from edge.domain.shelf_life import as_date, is_expired
from edge.domain.workflow import transition

Step = Literal["tote", "location", "item", "done"]


@dataclass(frozen=True)
class PickTask:
    id: int
    order_id: str
    line_id: str
    sku: str
    location: str
    qty: int
    picked: int = 0
    lot: str = ""
    status: str = "open"  # open | done | short | held
    expiry: str | None = None  # ISO date of the lot, when it has one

    @property
    def remaining(self) -> int:
        return self.qty - self.picked


@dataclass(frozen=True)
class PickSlot:
    slot: int
    order_id: str
    tote: str | None = None


@dataclass(frozen=True)
class PickList:
    """The list as the store holds it now; tasks in walking order."""

    id: str
    slots: tuple[PickSlot, ...]
    tasks: tuple[PickTask, ...]
    order_status: Mapping[str, OrderStatus] = field(default_factory=dict)
    # A cart list (a wave's single-item orders picked as a batch): one cart or bin for all its
    # orders, scanned once; each order has its own slot in it.
    cart: bool = False
    # A zone's list (picking.zones; None: a list of whole orders) takes only its zone's units of
    # each order; `elsewhere`: per order, its units still to pick outside this list, so the
    # order is picked only when its last zone's list is.
    zone: str | None = None
    elsewhere: Mapping[str, int] = field(default_factory=dict)

    def slot_of(self, order_id: str) -> PickSlot:
        return next(s for s in self.slots if s.order_id == order_id)

    @property
    def current(self) -> PickTask | None:
        return next((t for t in self.tasks if t.status == "open"), None)


@dataclass(frozen=True)
class PickSession:
    list_id: str
    at_location: str = ""
    # What this session lets the picker do (from the settings when it started): the handheld
    # shows a quantity pad and a "complete line" button only where they are accepted.
    quantity_prompt: bool = False
    complete_line: bool = False


@dataclass(frozen=True)
class PickContext:
    """What the store looked up for this scan."""

    pick_list: PickList
    stock: Stock = field(default_factory=Stock)
    candidates: Sequence[Candidate] = ()  # free stock elsewhere, for a short pick
    tote_owner: str | None = None  # the order a scanned tote is bound to, if any
    allow_unscanned_completion: bool = False
    _: KW_ONLY
    today: date  # the warehouse's date: nothing expired on it is picked or re-allocated
    min_shelf_days: int = 0  # the current task's line: its minimum remaining shelf life


# Records for the store to apply alongside the ledger.
@dataclass(frozen=True)
class ToteBound:
    list_id: str
    order_id: str
    tote: str
    slot: str = ""  # the order's slot in a cart ("" for a tote of its own)


@dataclass(frozen=True)
class TaskProgress:
    task_id: int
    picked: int
    status: str


@dataclass(frozen=True)
class TaskAdded:
    list_id: str
    order_id: str
    line_id: str
    sku: str
    location: str
    qty: int
    lot: str = ""


@dataclass(frozen=True)
class PickListFinished:
    list_id: str


# Orders that no longer need a tote: cancelled or held before their tote was scanned.
_NO_TOTE = (OrderStatus.CANCELLED, OrderStatus.ON_HOLD)


def slot_to_fill(pl: PickList) -> PickSlot | None:
    """The first slot still waiting for its tote, skipping orders that left the list."""
    return next(
        (x for x in pl.slots if x.tote is None and pl.order_status.get(x.order_id) not in _NO_TOTE),
        None,
    )


def step_of(session: PickSession, pl: PickList) -> Step:
    if slot_to_fill(pl) is not None:
        return "tote"
    task = pl.current
    if task is None:
        return "done"
    return "item" if task.location == session.at_location else "location"


PROMPT: dict[Step, str] = {
    "tote": "scan_tote",
    "location": "scan_pick_location",
    "item": "scan_pick_item",
    "done": "pick_done",
}

Handler = Callable[[PickSession, Classified, PickContext], Decision[PickSession]]


def decide_pick(s: PickSession, scan: Classified, ctx: PickContext) -> Decision[PickSession]:
    """Apply one classified scan to a pick session, or refuse it with nothing changed."""
    _refuse_over_pick(scan, ctx.pick_list)
    step = step_of(s, ctx.pick_list)
    params = prompt_params(s, ctx.pick_list)
    return transition(TRANSITIONS, step, scan, prompt=PROMPT[step], params=params)(s, scan, ctx)


def _refuse_over_pick(scan: Classified, pl: PickList) -> None:
    """An item of this list whose every unit is already picked is one too many, wherever the
    picker is: say so by name (not "wrong item" or "not expected now")."""
    if scan.kind != "product" or pl.current is None:
        return
    mine = [t for t in pl.tasks if t.sku == scan.key]
    if mine and not any(t.status == "open" for t in mine) and any(t.picked for t in mine):
        raise EdgeError("over_pick", sku=scan.key, qty=scan.quantity or 1, remaining=0)


def prompt_params(s: PickSession, pl: PickList) -> dict[str, object]:
    """Values the step's prompt names: the slot to fill, the location, the item and quantity."""
    step = step_of(s, pl)
    slot = slot_to_fill(pl)
    if step == "tote" and slot is not None:
        return {"slot": slot.slot, "slots": len(pl.slots)}
    task = pl.current
    if task is None:
        return {}
    slot = pl.slot_of(task.order_id)
    return {
        "location": task.location,
        "sku": task.sku,
        "remaining": task.remaining,
        "tote": slot.tote,
        "slot": slot.slot,
    }


def _bind_tote(s: PickSession, scan: Classified, ctx: PickContext) -> Decision[PickSession]:
    pl = ctx.pick_list
    if scan.container_type != "tote" and not (pl.cart and scan.container_type == "cart"):
        raise EdgeError("wrong_tote", tote=scan.key, reason="not_a_tote")
    used = next((x for x in pl.slots if x.tote == scan.key), None)
    if used is not None:
        raise EdgeError("wrong_tote", tote=scan.key, reason="already_in_list", slot=used.slot)
    if ctx.tote_owner is not None:
        raise EdgeError("wrong_tote", tote=scan.key, reason="in_use", order_id=ctx.tote_owner)
    slot = slot_to_fill(pl)
    assert slot is not None  # the tote step exists only while a slot waits
    if pl.cart:
        return _bind_cart(s, scan, pl)
    event = Event(
        "tote_bound",
        {"tote": scan.key, "slot": slot.slot, "list_id": pl.id},
        order_id=slot.order_id,
    )
    return Decision(
        s,
        (event,),
        feedback=Feedback("good", "tote_bound", {"tote": scan.key, "slot": slot.slot}),
        changes=(ToteBound(pl.id, slot.order_id, scan.key),),
    )


def _bind_cart(s: PickSession, scan: Classified, pl: PickList) -> Decision[PickSession]:
    """One cart (or bin) for every order of a cart list, each order in its own slot of it."""
    slots = [
        x for x in pl.slots if x.tote is None and pl.order_status.get(x.order_id) not in _NO_TOTE
    ]
    events = tuple(
        Event(
            "tote_bound",
            {"tote": scan.key, "slot": x.slot, "list_id": pl.id},
            order_id=x.order_id,
        )
        for x in slots
    )
    changes = tuple(ToteBound(pl.id, x.order_id, scan.key, str(x.slot)) for x in slots)
    params = {"tote": scan.key, "slot": f"1-{len(pl.slots)}"}
    return Decision(s, events, feedback=Feedback("good", "tote_bound", params), changes=changes)


def _at_location(s: PickSession, scan: Classified, ctx: PickContext) -> Decision[PickSession]:
    task = ctx.pick_list.current
    assert task is not None
    if scan.key != task.location:
        raise EdgeError("wrong_location", location=scan.key, expected=task.location)
    new = replace(s, at_location=scan.key)
    return Decision(
        new, feedback=Feedback("info", "scan_pick_item", prompt_params(new, ctx.pick_list))
    )


def _item(s: PickSession, scan: Classified, ctx: PickContext) -> Decision[PickSession]:
    pl = ctx.pick_list
    task = pl.current
    assert task is not None
    if scan.key != task.sku:
        other = next((t for t in pl.tasks if t.status == "open" and t.sku == scan.key), None)
        if other is not None and other.order_id != task.order_id:
            raise EdgeError(
                "item_for_another_order", sku=scan.key, expected=task.sku, location=task.location
            )
        raise EdgeError("wrong_item", sku=scan.key, expected=task.sku, location=task.location)
    _refuse_expired(task, scan, ctx.today)
    if scan.lot and task.lot and scan.lot != task.lot:
        raise EdgeError("lot_mismatch", sku=task.sku, lot=scan.lot, expected=task.lot)
    if scan.expiry and task.expiry and scan.expiry.isoformat() != task.expiry:
        raise EdgeError(
            "lot_mismatch",
            sku=task.sku,
            lot=f"{task.lot or '?'} ({scan.expiry.isoformat()})",
            expected=f"{task.lot} ({task.expiry})",
        )
    qty = scan.quantity or 1
    if qty > task.remaining:
        raise EdgeError("over_pick", sku=task.sku, qty=qty, remaining=task.remaining)
    return _pick_units(s, ctx, task, qty, how="scanned")


def _refuse_expired(task: PickTask, scan: Classified | None, today: date) -> None:
    """The unit's own expiry (GS1 (17) on the scan) if it has one, else its lot's."""
    expiry = (scan.expiry if scan is not None else None) or as_date(task.expiry)
    if expiry is not None and is_expired(expiry, today):
        raise EdgeError(
            "expired_item",
            sku=task.sku,
            expiry=expiry.isoformat(),
            today=today.isoformat(),
            location=task.location,
        )


def _complete_line(s: PickSession, _scan: Classified, ctx: PickContext) -> Decision[PickSession]:
    task = ctx.pick_list.current
    assert task is not None
    _refuse_expired(task, None, ctx.today)
    if not ctx.allow_unscanned_completion:
        raise EdgeError("scan_each_item", sku=task.sku, remaining=task.remaining)
    return _pick_units(s, ctx, task, task.remaining, how="confirmed")


def _pick_units(
    s: PickSession, ctx: PickContext, task: PickTask, qty: int, *, how: str
) -> Decision[PickSession]:
    pl = ctx.pick_list
    tote = pl.slot_of(task.order_id).tote or ""
    move = Movement(
        "pick",
        task.sku,
        qty,
        Place(task.location, Bucket.ON_HAND),
        Place("", Bucket.PICKED, tote),
        lot=task.lot,
        reason=how,
        order_id=task.order_id,
        line_id=task.line_id,
    )
    used = Reservation(task.line_id, task.sku, task.location, -qty, lot=task.lot)
    ctx.stock.apply([move], [used])  # refuses if the ledger disagrees (e.g. a stale reservation)
    done = task.picked + qty == task.qty
    after = replace(task, picked=task.picked + qty, status="done" if done else "open")
    tasks = tuple(after if t.id == task.id else t for t in pl.tasks)
    payload = {
        "sku": task.sku,
        "qty": qty,
        "location": task.location,
        "tote": tote,
        "list_id": pl.id,
    }
    events = [
        Event(
            "item_picked",
            payload,
            (move,),
            order_id=task.order_id,
            line_id=task.line_id,
            sku=task.sku,
        )
    ]
    changes: list[object] = [TaskProgress(task.id, after.picked, after.status)]
    _order_progress(pl, task.order_id, tasks, events, changes)
    if all(t.status != "open" for t in tasks):
        changes.append(PickListFinished(pl.id))
    params = {"qty": qty, "sku": task.sku, "tote": tote, "slot": pl.slot_of(task.order_id).slot}
    return Decision(
        s, tuple(events), (used,), Feedback("good", "item_picked", params), tuple(changes)
    )


def _order_progress(
    pl: PickList,
    order_id: str,
    tasks: Sequence[PickTask],
    events: list[Event],
    changes: list[object],
) -> None:
    """released → picking on the order's first unit; picking → picked when its tasks are done."""
    status = pl.order_status.get(order_id, OrderStatus.RELEASED)
    if status in (OrderStatus.RELEASED, OrderStatus.ON_HOLD):
        _status(order_id, status, OrderStatus.PICKING, events, changes)
        status = OrderStatus.PICKING
    mine = [t for t in tasks if t.order_id == order_id]
    # A shorted task of an order still picking had its missing units re-allocated to a new task
    # (had they not been, the order would be on hold with no open task left to scan).
    if all(t.status in ("done", "short") for t in mine) and not pl.elsewhere.get(order_id):
        _status(order_id, status, OrderStatus.PICKED, events, changes)


def _status(
    order_id: str,
    current: OrderStatus,
    target: OrderStatus,
    events: list[Event],
    changes: list[object],
    reason: str = "",
    why: tuple[str, str] = ("", "{}"),
) -> StatusChange:
    change = change_status(order_id, current, target, reason=reason, hold=why)
    payload = {"from": current.value, "to": target.value, "reason": reason}
    events.append(Event(change.event, payload, order_id=order_id))
    changes.append(change)
    return change


def _short(s: PickSession, _scan: Classified, ctx: PickContext) -> Decision[PickSession]:
    """The bin is short: freeze exactly the units not found (the rest of the bin stays free to
    pick) until a count says how many are there; re-allocate them elsewhere or hold the order."""
    pl = ctx.pick_list
    task = pl.current
    assert task is not None
    missing = task.remaining
    released = Reservation(task.line_id, task.sku, task.location, -missing, lot=task.lot)
    hold = Movement(
        "count_hold",
        task.sku,
        missing,
        Place(task.location, Bucket.ON_HAND),
        Place(task.location, Bucket.FROZEN),
        lot=task.lot,
        reason="short_pick",
        order_id=task.order_id,
        line_id=task.line_id,
    )
    ctx.stock.apply([hold], [released])
    payload = {"sku": task.sku, "location": task.location, "missing": missing, "held": missing}
    events = [
        Event(
            "pick_shorted",
            payload,
            (hold,),
            order_id=task.order_id,
            line_id=task.line_id,
            sku=task.sku,
        )
    ]
    changes: list[object] = [
        TaskProgress(task.id, task.picked, "short"),
        CountTaskOpened(task.location, task.sku, "short_pick", held=missing, lot=task.lot),
    ]
    others = [c for c in ctx.candidates if c.location != task.location]
    line = LineRequest(task.line_id, task.sku, missing, min_shelf_days=ctx.min_shelf_days)
    again = allocate([line], {task.sku: others}, today=ctx.today)
    reservations = [released, *again.reservations]
    if again.complete:
        changes += [
            TaskAdded(pl.id, task.order_id, task.line_id, task.sku, r.location, r.delta, r.lot)
            for r in again.reservations
        ]
        prompt = "short_reallocated"
    else:
        _hold_order(pl, task, events, changes)
        prompt = "short_order_held"
    changes.append(
        ExceptionRaised(
            "short_pick",
            payload | {"reallocated": again.complete},
            order_id=task.order_id,
            location=task.location,
            sku=task.sku,
        )
    )
    # The held order's other open tasks are held with it: they no longer keep the list open.
    remaining = [t for t in pl.tasks if t.status == "open" and t.order_id != task.order_id]
    if not remaining and again.complete is False:
        changes.append(PickListFinished(pl.id))
    return Decision(
        # accepted, not refused: "info", so the handheld does not show its error screen
        s,
        tuple(events),
        tuple(reservations),
        Feedback("info", prompt, payload),
        tuple(changes),
    )


def _hold_order(pl: PickList, task: PickTask, events: list[Event], changes: list[object]) -> None:
    status = pl.order_status.get(task.order_id, OrderStatus.RELEASED)
    reason = f"short pick: {task.sku} at {task.location}"
    why = hold("short_pick", sku=task.sku, location=task.location)
    _status(task.order_id, status, OrderStatus.ON_HOLD, events, changes, reason, why)
    for t in pl.tasks:
        if t.order_id == task.order_id and t.status == "open" and t.id != task.id:
            changes.append(TaskProgress(t.id, t.picked, "held"))


def _same_location(s: PickSession, scan: Classified, ctx: PickContext) -> Decision[PickSession]:
    task = ctx.pick_list.current
    assert task is not None
    if scan.key != task.location:
        raise EdgeError("wrong_location", location=scan.key, expected=task.location)
    return Decision(s, feedback=Feedback("info", "scan_pick_item", prompt_params(s, ctx.pick_list)))


def _check_tote(s: PickSession, scan: Classified, ctx: PickContext) -> Decision[PickSession]:
    task = ctx.pick_list.current
    assert task is not None
    tote = ctx.pick_list.slot_of(task.order_id).tote
    if scan.key != tote:
        raise EdgeError("wrong_tote", tote=scan.key, reason="not_this_order", expected=tote)
    return Decision(s, feedback=Feedback("info", "scan_pick_item", prompt_params(s, ctx.pick_list)))


TRANSITIONS: dict[tuple[Step, str], Handler] = {
    ("tote", "container"): _bind_tote,
    ("location", "location"): _at_location,
    ("location", "command:SHORT"): _short,
    ("item", "product"): _item,
    ("item", "location"): _same_location,
    ("item", "container"): _check_tote,
    ("item", "command:CONFIRM"): _complete_line,
    ("item", "command:SHORT"): _short,
}
