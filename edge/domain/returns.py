"""The returns desk (return receipt): scan the parcel → identify it when nothing matched → scan
each item → grade it → … → close the parcel. A pure state machine with one transition table.

Ledger (docs/returns.md): a graded unit leaves `returns_in_transit` (what central announced for
the RMA) or, beyond the announcement, the `customer` account, and goes to `on_hand` at the returns
location (resellable), `frozen` there (damaged, a wrong item, an unknown sender's) or to the
`adjusted` account (destroyed, with the reason). A lot or serial the announcement could not name
is settled in two movements: the announced unit back to `customer`, the real one in with its lot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from edge.domain.classify import Classified
from edge.domain.decision import Decision, Event, Feedback, Tone
from edge.domain.errors import EdgeError
from edge.domain.order import TRANSITIONS as ORDER_TRANSITIONS
from edge.domain.order import OrderStatus, StatusChange, change_status
from edge.domain.return_record import (
    Grade,
    ItemInHand,
    MatchedBy,
    ReturnItemGraded,
    ReturnParcelClosed,
    ReturnParcelOpened,
    grade_movements,
)
from edge.domain.workflow import transition

Step = Literal["parcel", "identify", "items", "grade"]
GRADES: dict[str, Grade] = {
    "RESELLABLE": "resellable",
    "DAMAGED": "damaged",
    "DESTROY": "destroy",
}
DEFAULT_DESTROY_REASON = "destroyed at the returns desk"

# What each step asks for, as a prompt key of the catalogue.
PROMPT: dict[Step, str] = {
    "parcel": "scan_return_parcel",
    "identify": "identify_return",
    "items": "scan_return_item",
    "grade": "grade_return_item",
}


@dataclass(frozen=True)
class ReturnsSession:
    step: Step = "parcel"
    parcel_id: str = ""
    rma: str | None = None
    order_id: str | None = None
    unexpected: bool = False
    unknown_sender: bool = False
    scanned: str = ""  # an unmatched parcel's code, kept until the clerk identifies it
    item: ItemInHand | None = None
    # who runs this desk session and on which device: a parcel they opened there and left
    # open is taken up again when they scan it again (a new task), not opened a second time
    clerk: int | None = None
    device: str = ""

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ReturnsSession:
        """The session from its stored JSON (the item in hand as a mapping)."""
        item = state.get("item")
        fields = dict(state) | {"item": ItemInHand(**item) if item else None}
        return cls(**fields)


@dataclass(frozen=True)
class ReturnMatch:
    """What a scanned code found: the RMA and/or the order, and by which number."""

    matched_by: MatchedBy
    rma: str | None = None
    order_id: str | None = None


@dataclass(frozen=True)
class ReturnLine:
    """One SKU of the parcel's return: units expected (on the RMA, or shipped for an order
    without one), shipped on the order, and already returned on the order (every parcel,
    wrong items left out), with the lots and serials that shipped."""

    sku: str
    expected: int = 0
    shipped: int = 0
    returned: int = 0
    lots: frozenset[str] = frozenset()
    serials: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GradedLine:
    """What this parcel's items came to, per SKU, grade and reason (for `return_graded`)."""

    sku: str
    qty: int
    grade: Grade
    wrong_item: bool = False
    reason: str = ""


@dataclass(frozen=True)
class ReturnsContext:
    """What the store looked up for this scan (each step reads only its part)."""

    location: str = "RETURNS"
    now: str = ""  # ISO-8601 UTC, for the events' times
    match: ReturnMatch | None = None  # steps parcel/identify: what the code found
    new_parcel_id: str = ""
    order_status: OrderStatus | None = None
    lines: Mapping[str, ReturnLine] = field(default_factory=dict)
    announced_left: int = 0  # units of this RMA and SKU still announced (returns_in_transit)
    reason: str = ""  # a destroy's reason, typed or sent with the scan
    graded: tuple[GradedLine, ...] = ()  # this parcel's items so far (for the close)
    # units of the same RMA that came in its other parcels, per SKU (for the close's missing)
    earlier: Mapping[str, int] = field(default_factory=dict)
    # step parcel: the parcel of this code the same clerk opened and has not closed
    still_open: OpenParcel | None = None


@dataclass(frozen=True)
class OpenParcel:
    """A parcel opened at the desk and not closed yet."""

    parcel_id: str
    rma: str | None
    order_id: str | None
    unexpected: bool
    unknown_sender: bool


Handler = Callable[[ReturnsSession, Classified, ReturnsContext], Decision[ReturnsSession]]


def _open(s: ReturnsSession, scan: Classified, ctx: ReturnsContext) -> Decision[ReturnsSession]:
    """A parcel scanned: one this clerk left open is taken up again; matched, it opens;
    unmatched, the clerk identifies it next."""
    if ctx.still_open is not None:
        return _resume(s, ctx.still_open)
    if ctx.match is None:
        new = replace(s, step="identify", unexpected=True, scanned=scan.scan.code)
        return Decision(new, feedback=Feedback("bad", "return_unexpected", {"code": new.scanned}))
    return _opened(s, ctx, ctx.match, scanned=scan.scan.code, unexpected=False)


def _with_parcel(s: ReturnsSession, p: OpenParcel) -> ReturnsSession:
    """The desk (its clerk and device kept) at step items with parcel `p` open."""
    return ReturnsSession(
        "items",
        parcel_id=p.parcel_id,
        rma=p.rma,
        order_id=p.order_id,
        unexpected=p.unexpected,
        unknown_sender=p.unknown_sender,
        clerk=s.clerk,
        device=s.device,
    )


def _resume(s: ReturnsSession, p: OpenParcel) -> Decision[ReturnsSession]:
    new = _with_parcel(s, p)
    params = {"parcel_id": p.parcel_id, "rma": p.rma or "-", "order_id": p.order_id or "-"}
    return Decision(new, feedback=Feedback("good", "return_resumed", params))


def _identify(s: ReturnsSession, scan: Classified, ctx: ReturnsContext) -> Decision[ReturnsSession]:
    if ctx.match is None or ctx.match.order_id is None:
        raise EdgeError("return_not_found", code=scan.scan.code)
    match = replace(ctx.match, matched_by="identified")
    return _opened(s, ctx, match, scanned=s.scanned, unexpected=True)


def _unknown_sender(
    s: ReturnsSession, _scan: Classified, ctx: ReturnsContext
) -> Decision[ReturnsSession]:
    match = ReturnMatch("unknown_sender")
    return _opened(s, ctx, match, scanned=s.scanned, unexpected=True)


def _opened(
    s: ReturnsSession, ctx: ReturnsContext, match: ReturnMatch, *, scanned: str, unexpected: bool
) -> Decision[ReturnsSession]:
    unknown = match.matched_by == "unknown_sender"
    parcel = OpenParcel(ctx.new_parcel_id, match.rma, match.order_id, unexpected, unknown)
    new = _with_parcel(s, parcel)
    payload = {
        "parcel_id": new.parcel_id,
        "rma": new.rma,
        "order_id": new.order_id,
        "scanned": scanned,
        "matched_by": match.matched_by,
        "received_at": ctx.now,
    }
    record = ReturnParcelOpened(
        new.parcel_id, new.rma, new.order_id, scanned, match.matched_by, unexpected, ctx.location
    )
    changes: tuple[Any, ...] = (record, *_follow(ctx, new, OrderStatus.RETURN_RECEIVED))
    event = Event("return_received", payload, order_id=new.order_id)
    prompt = "return_opened_unknown" if new.unknown_sender else "return_opened"
    params = {"parcel_id": new.parcel_id, "rma": new.rma or "-", "order_id": new.order_id or "-"}
    return Decision(new, (event,), changes=changes, feedback=Feedback("good", prompt, params))


def _follow(
    ctx: ReturnsContext, s: ReturnsSession, target: OrderStatus
) -> tuple[StatusChange, ...]:
    """The order's after-sales step, where its transitions allow it (a second return of an
    order already graded leaves its status as it is)."""
    current = ctx.order_status
    if s.order_id is None or current is None or (current, target) not in ORDER_TRANSITIONS:
        return ()
    return (change_status(s.order_id, current, target, reason=s.parcel_id),)


def _item(s: ReturnsSession, scan: Classified, ctx: ReturnsContext) -> Decision[ReturnsSession]:
    """An item scanned: matched to a line (or flagged), refused if it is one unit too many."""
    qty = scan.quantity or 1
    line = ctx.lines.get(scan.key)
    wrong = not s.unknown_sender and (line is None or line.expected == 0)
    lot, serial = scan.lot or "", scan.serial or ""
    not_shipped = (
        line is not None
        and not wrong
        and ((bool(lot) and lot not in line.lots) or (bool(serial) and serial not in line.serials))
    )
    if line is not None and not wrong:
        _check_over_return(s, line, qty)
    item = ItemInHand(scan.key, qty, lot, serial, wrong_item=wrong, not_shipped_lot=not_shipped)
    prompt = "return_wrong_item" if wrong else "return_lot_not_shipped" if not_shipped else None
    params = {"sku": scan.key, "qty": qty, "lot": lot or "-", "serial": serial or "-"}
    tone: Tone = "bad" if prompt else "info"
    return Decision(
        replace(s, step="grade", item=item),
        feedback=Feedback(tone, prompt or "grade_return_item", params),
    )


def _check_over_return(s: ReturnsSession, line: ReturnLine, qty: int) -> None:
    if line.returned + qty > line.shipped:
        raise EdgeError(
            "over_return",
            order_id=s.order_id or "-",
            sku=line.sku,
            shipped=line.shipped,
            returned=line.returned,
            qty=qty,
        )


def _grade(s: ReturnsSession, scan: Classified, ctx: ReturnsContext) -> Decision[ReturnsSession]:
    """The item in hand graded: its units move and the grading is recorded, in one event."""
    item = s.item
    assert item is not None  # step "grade" always has one
    grade = GRADES[scan.key]
    line = ctx.lines.get(item.sku)
    if line is not None and not item.wrong_item:
        _check_over_return(s, line, item.qty)  # again: another desk may have taken some
    reason = (ctx.reason.strip() or DEFAULT_DESTROY_REASON) if grade == "destroy" else ""
    quarantined = grade == "damaged" or item.wrong_item or s.unknown_sender
    bucket = "" if grade == "destroy" else "frozen" if quarantined else "on_hand"
    announced = 0 if item.wrong_item else min(item.qty, max(0, ctx.announced_left))
    movements = grade_movements(
        item,
        announced,
        location=ctx.location,
        bucket=bucket,
        reason=reason or grade,
        order_id=s.order_id,
    )
    payload = {
        "parcel_id": s.parcel_id,
        "rma": s.rma,
        "order_id": s.order_id,
        "sku": item.sku,
        "qty": item.qty,
        "grade": grade,
        "lot": item.lot or None,
        "serial": item.serial or None,
        "wrong_item": item.wrong_item,
        "not_shipped_lot": item.not_shipped_lot,
        "reason": reason or None,
        "location": ctx.location,
        "bucket": bucket or None,
    }
    event = Event("return_item_graded", payload, movements, order_id=s.order_id, sku=item.sku)
    record = ReturnItemGraded(
        s.parcel_id,
        s.rma,
        s.order_id,
        item.sku,
        item.qty,
        grade,
        item.lot,
        item.serial,
        item.wrong_item,
        item.not_shipped_lot,
        announced,
        reason,
        ctx.location,
        bucket,
    )
    params = {"sku": item.sku, "qty": item.qty, "grade": grade, "location": ctx.location}
    prompt = "return_quarantined" if bucket == "frozen" else f"return_{grade}"
    return Decision(
        replace(s, step="items", item=None),
        (event,),
        changes=(record,),
        feedback=Feedback("good", prompt, params | {"reason": reason}),
    )


def _drop_item(s: ReturnsSession, _scan: Classified, _: ReturnsContext) -> Decision[ReturnsSession]:
    feedback = Feedback("info", "scan_return_item", {"parcel_id": s.parcel_id})
    return Decision(replace(s, step="items", item=None), feedback=feedback)


def _back_to_parcel(
    s: ReturnsSession, _scan: Classified, _: ReturnsContext
) -> Decision[ReturnsSession]:
    return Decision(
        ReturnsSession(clerk=s.clerk, device=s.device),
        feedback=Feedback("info", "scan_return_parcel"),
    )


def _close(s: ReturnsSession, _scan: Classified, ctx: ReturnsContext) -> Decision[ReturnsSession]:
    """The parcel closed: what came is summed up, what the RMA named and did not come is
    recorded as missing, and the order is graded."""
    missing = missing_lines(s, ctx)
    payload = {
        "parcel_id": s.parcel_id,
        "rma": s.rma,
        "order_id": s.order_id,
        "lines": [
            {
                "sku": g.sku,
                "qty": g.qty,
                "grade": g.grade,
                "wrong_item": g.wrong_item,
                "reason": g.reason or None,
            }
            for g in ctx.graded
        ],
        "missing": [{"sku": sku, "qty": qty} for sku, qty in missing],
        "closed_at": ctx.now,
    }
    changes = (
        ReturnParcelClosed(s.parcel_id, s.rma, missing),
        *_follow(ctx, s, OrderStatus.RETURN_GRADED),
    )
    event = Event("return_graded", payload, order_id=s.order_id)
    units = sum(g.qty for g in ctx.graded)
    params = {"parcel_id": s.parcel_id, "units": units, "missing": sum(q for _, q in missing)}
    return Decision(
        ReturnsSession(clerk=s.clerk, device=s.device),
        (event,),
        changes=changes,
        feedback=Feedback("good", "return_closed", params),
    )


def missing_lines(s: ReturnsSession, ctx: ReturnsContext) -> tuple[tuple[str, int], ...]:
    """Per SKU the RMA named, the units neither this parcel nor the RMA's other parcels brought
    (an RMA's parcel only)."""
    if s.rma is None:
        return ()
    came: dict[str, int] = dict(ctx.earlier)
    for g in ctx.graded:
        if not g.wrong_item:
            came[g.sku] = came.get(g.sku, 0) + g.qty
    return tuple(
        (sku, line.expected - came.get(sku, 0))
        for sku, line in sorted(ctx.lines.items())
        if line.expected > came.get(sku, 0)
    )


TRANSITIONS: dict[tuple[Step, str], Handler] = {
    ("parcel", "code"): _open,
    ("identify", "code"): _identify,
    ("identify", "command:UNKNOWN"): _unknown_sender,
    ("identify", "command:CANCEL"): _back_to_parcel,
    ("items", "product"): _item,
    ("items", "command:DONE"): _close,
    ("grade", "command:RESELLABLE"): _grade,
    ("grade", "command:DAMAGED"): _grade,
    ("grade", "command:DESTROY"): _grade,
    ("grade", "command:CANCEL"): _drop_item,
}


# What may be a parcel's number at steps parcel and identify: a tracking number, an SSCC, an
# RMA, an order, or a code nothing here knows (an unexpected parcel). An item, a bin or a badge
# is not: scanning one there is refused, naming what to scan.
PARCEL_KINDS = frozenset({"parcel", "container", "rma", "order"})


def scan_column(s: ReturnsSession, scan: Classified) -> str:
    """The column a scan falls in: a parcel's number at steps parcel and identify is a `code`
    the store looked up."""
    if s.step in ("parcel", "identify") and scan.kind in PARCEL_KINDS:
        return "code"
    return f"command:{scan.key}" if scan.kind == "command" else scan.kind


def decide_returns(
    s: ReturnsSession, scan: Classified, ctx: ReturnsContext
) -> Decision[ReturnsSession]:
    """Apply one classified scan to a returns session, or refuse it naming what is expected."""
    params = {"parcel_id": s.parcel_id or "-", "sku": s.item.sku if s.item else "-"}
    handler = transition(
        TRANSITIONS, s.step, scan, prompt=PROMPT[s.step], params=params, kind=scan_column(s, scan)
    )
    return handler(s, scan, ctx)
