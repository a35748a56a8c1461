"""Receiving at the dock (pure): a dock session against one advance shipping notice (ASN).

Scan the ASN (or a pallet's SSCC: a known SSCC receives its whole content at once), then each
carton or item. A unit is what one carton or item says: its GTIN (a case GTIN counts its pack
quantity), lot and expiry, read from one GS1-128 scan or from separate barcodes on the same
carton; the session keeps what it has read until the unit is complete. A complete unit is
compared with the ASN; a discrepancy (over, unexpected, wrong lot, expired, short shelf life,
damaged) stops the session until the clerk chooses what the role allows: accept, reject or
quarantine. Accepted units go `received → on_hand` at the dock in a putaway container,
quarantined ones `received → frozen` at the quarantine location; a rejected unit moves nothing.
DONE closes the ASN: the lines still short are recorded and `asn_closed` goes to central.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Literal

from edge.domain.classify import Classified
from edge.domain.decision import Decision, Event, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import Account, Bucket, Movement, Place
from edge.domain.shelf_life import remaining_days
from edge.domain.workflow import transition

Step = Literal["asn", "items", "decide"]
KINDS = ("over", "short", "unexpected", "wrong_lot", "expired", "short_shelf_life", "damaged")
CHOICES = ("accept", "reject", "quarantine")
# The confirmation each choice gets, as a prompt key of the catalogue.
DONE = {"accept": "dock_accepted", "reject": "dock_rejected", "quarantine": "dock_quarantined"}
# What each step asks for, as a prompt key of the catalogue.
PROMPT: dict[Step, str] = {"asn": "scan_asn", "items": "scan_receipt_item", "decide": "dock_stop"}


@dataclass(frozen=True)
class ExpectedLine:
    """An ASN line as the dock sees it now: what is expected and what was taken in so far."""

    line_no: int
    sku: str
    qty: int
    lot: str | None = None
    received: int = 0

    @property
    def open(self) -> int:
        return max(0, self.qty - self.received)


@dataclass(frozen=True)
class Product:
    """What the catalogue says of the SKU a unit is of."""

    sku: str
    needs_lot: bool = False
    needs_expiry: bool = False
    min_shelf_life_days: int = 0


@dataclass(frozen=True)
class DockContext:
    """What the store looked up for one scan (the warehouse's date is passed in, never read)."""

    today: date
    lines: tuple[ExpectedLine, ...] = ()
    product: Product | None = None
    quarantine: str = "QUARANTINE"
    # for DONE: each line's tallies and the discrepancies recorded so far (as `asn_closed`
    # carries them), and when (UTC text)
    tallies: tuple[LineTally, ...] = ()
    found: tuple[Mapping[str, object], ...] = ()
    at: str = ""


@dataclass(frozen=True)
class LineTally:
    line_no: int
    sku: str
    expected: int
    received: int
    accepted: int
    quarantined: int
    rejected: int


@dataclass(frozen=True)
class DockSession:
    """One clerk's receipt of one ASN, with the unit read so far and any stop waiting."""

    step: Step = "asn"
    asn_id: str = ""
    dock: str = ""
    # the unit being read (sku empty: nothing read yet)
    sku: str = ""
    qty: int = 0
    lot: str | None = None
    expiry: str | None = None  # YYYY-MM-DD
    damaged: bool = False
    sscc: str = ""  # the unit is a container received whole
    # the stop waiting for a choice: its kind, the ASN line (0: none) and the units concerned
    stop: str = ""
    line_no: int = 0
    stop_qty: int = 0
    units: int = 0  # units taken in by this session
    # who receives (set at the start, kept throughout): their name, and whether their role may
    # accept a discrepancy
    clerk: str = ""
    may_accept: bool = False

    def ready(self, units: int) -> DockSession:
        """The session after a unit: nothing read, no stop, `units` taken in so far."""
        return DockSession(
            "items",
            self.asn_id,
            self.dock,
            units=units,
            clerk=self.clerk,
            may_accept=self.may_accept,
        )


@dataclass(frozen=True)
class UnitReceived:
    """Units taken in (or rejected) against an ASN line (0: no line) into a place; recorded."""

    asn_id: str
    line_no: int
    sku: str
    qty: int
    lot: str
    decision: str  # received | accept | reject | quarantine
    container: str = ""
    sscc: str = ""
    dock: str = ""
    expiry: str | None = None


@dataclass(frozen=True)
class DiscrepancyRecorded:
    asn_id: str
    kind: str
    sku: str
    lot: str | None
    qty: int
    decision: str
    line_no: int = 0


@dataclass(frozen=True)
class AsnClosed:
    asn_id: str


Handler = Callable[[DockSession, Classified, DockContext], Decision[DockSession]]


def container_code(asn_id: str, line_no: int, sku: str) -> str:
    """The putaway container of units received loose: one per ASN line (or unexpected SKU)."""
    return f"{asn_id}-{line_no}" if line_no else f"{asn_id}-{sku}"


def open_session(s: DockSession, asn_id: str, dock: str) -> Decision[DockSession]:
    """The ASN (found by its id or by one of its SSCCs) is being received at `dock`."""
    new = replace(s, asn_id=asn_id, dock=dock).ready(0)
    return Decision(new, feedback=Feedback("info", "scan_receipt_item", {"asn_id": asn_id}))


def _read_product(s: DockSession, scan: Classified, ctx: DockContext) -> Decision[DockSession]:
    if s.sku and s.sku != scan.key:
        raise EdgeError("unit_incomplete", sku=s.sku, missing=_missing(s, ctx))
    lot = scan.lot or s.lot
    expiry = scan.expiry.isoformat() if scan.expiry else s.expiry
    qty = scan.quantity or 1
    return _complete_or_wait(replace(s, sku=scan.key, qty=qty, lot=lot, expiry=expiry), ctx)


def _read_part(s: DockSession, scan: Classified, ctx: DockContext) -> Decision[DockSession]:
    """A lot or expiry barcode on its own: it completes the unit being read."""
    part = scan.scan
    if not s.sku or (part.batch is None and part.expiry is None):
        raise EdgeError("unknown_barcode", code=part.display)
    lot = part.batch or s.lot
    expiry = part.expiry.isoformat() if part.expiry else s.expiry
    return _complete_or_wait(replace(s, lot=lot, expiry=expiry), ctx)


def _flag_damaged(s: DockSession, _scan: Classified, ctx: DockContext) -> Decision[DockSession]:
    new = replace(s, damaged=True)
    if s.sku:
        return _complete_or_wait(new, ctx)
    return Decision(new, feedback=Feedback("info", "scan_damaged_unit", {}))


def _missing(s: DockSession, ctx: DockContext) -> str:
    p = ctx.product or Product(s.sku)
    expected = [ln for ln in ctx.lines if ln.sku == s.sku]
    if s.lot is None and (p.needs_lot or any(ln.lot for ln in expected)):
        return "lot"
    if s.expiry is None and p.needs_expiry:
        return "expiry"
    return ""


def _complete_or_wait(s: DockSession, ctx: DockContext) -> Decision[DockSession]:
    missing = _missing(s, ctx)
    if missing:
        prompt = "scan_lot" if missing == "lot" else "scan_expiry"
        return Decision(s, feedback=Feedback("info", prompt, {"sku": s.sku}))
    return check_unit(s, ctx)


def check_unit(s: DockSession, ctx: DockContext) -> Decision[DockSession]:
    """A complete unit against the ASN: taken in at once, or a stop naming the discrepancy."""
    kind, line, qty = _discrepancy(s, ctx)
    if not kind:
        return _take_in(s, ctx, line, s.qty, decision="received")
    new = replace(s, step="decide", stop=kind, line_no=line.line_no if line else 0, stop_qty=qty)
    return Decision(new, feedback=Feedback("bad", f"dock_{kind}", stop_params(new, ctx)))


def _discrepancy(s: DockSession, ctx: DockContext) -> tuple[str, ExpectedLine | None, int]:
    lines = [ln for ln in ctx.lines if ln.sku == s.sku]
    same_lot = [ln for ln in lines if ln.lot in (None, s.lot)]
    line = next((ln for ln in same_lot if ln.open), same_lot[0] if same_lot else None)
    expiry = date.fromisoformat(s.expiry) if s.expiry else None
    min_days = ctx.product.min_shelf_life_days if ctx.product else 0
    first = line or (lines[0] if lines else None)
    # spoiled goods first: whatever else is wrong, an expired unit must never be accepted
    if expiry is not None and remaining_days(expiry, ctx.today) <= 0:
        return "expired", first, s.qty
    if expiry is not None and remaining_days(expiry, ctx.today) < min_days:
        return "short_shelf_life", first, s.qty
    if not lines:
        return "unexpected", None, s.qty
    if s.damaged:
        return "damaged", line or lines[0], s.qty
    if line is None:
        return "wrong_lot", next((ln for ln in lines if ln.open), lines[0]), s.qty
    open_units = sum(ln.open for ln in same_lot)
    if s.qty > open_units:
        return "over", line, s.qty - open_units
    return "", line, 0


def allowed_choices(kind: str, *, may_accept: bool) -> tuple[str, ...]:
    """What a clerk may do at a stop: never accept expired goods; accepting needs a supervisor."""
    if kind == "expired" or not may_accept:
        return ("reject", "quarantine")
    return CHOICES


def stop_params(s: DockSession, ctx: DockContext) -> dict[str, object]:
    line = next((ln for ln in ctx.lines if ln.line_no == s.line_no), None)
    return {
        "kind": s.stop,
        "sku": s.sku,
        "qty": s.stop_qty,
        "lot": s.lot or "",
        "expected_lot": (line.lot or "") if line else "",
        "expiry": s.expiry or "",
        "choices": list(allowed_choices(s.stop, may_accept=s.may_accept)),
    }


def _choose(choice: str) -> Handler:
    def handle(s: DockSession, _scan: Classified, ctx: DockContext) -> Decision[DockSession]:
        if choice not in allowed_choices(s.stop, may_accept=s.may_accept):
            raise EdgeError("choice_not_allowed", choice=choice, kind=s.stop, sku=s.sku)
        line = next((ln for ln in ctx.lines if ln.line_no == s.line_no), None)
        fits = s.qty - s.stop_qty  # an over: the units the ASN still expected go in as usual
        d = Decision(s)
        if fits:
            d = _take_in(s, ctx, line, fits, decision="received")
        rest = _take_in(s, ctx, line, s.stop_qty, decision=choice)
        found = DiscrepancyRecorded(
            s.asn_id, s.stop, s.sku, s.lot, s.stop_qty, choice, line.line_no if line else 0
        )
        taken = fits + (s.stop_qty if choice != "reject" else 0)
        done = replace(rest.state, units=s.units + taken)
        params = {"sku": s.sku, "qty": s.stop_qty, "kind": s.stop}
        return Decision(
            done,
            d.events + rest.events,
            feedback=Feedback("good" if choice == "accept" else "info", DONE[choice], params),
            changes=(*d.changes, *rest.changes, found),
        )

    return handle


def _take_in(
    s: DockSession, ctx: DockContext, line: ExpectedLine | None, qty: int, *, decision: str
) -> Decision[DockSession]:
    """`qty` of the unit into the dock (on_hand, in its putaway container) or into quarantine
    (frozen); a rejected unit moves nothing. The session is ready for the next unit."""
    line_no = line.line_no if line else 0
    lot = s.lot or ""
    container = s.sscc or container_code(s.asn_id, line_no, s.sku)
    new = s.ready(s.units + qty)
    received = UnitReceived(
        s.asn_id,
        line_no,
        s.sku,
        qty,
        lot,
        decision,
        container=container,
        sscc=s.sscc,
        dock=s.dock,
        expiry=s.expiry,
    )
    if decision == "reject" or qty == 0:
        return Decision(new, changes=(received,) if qty else ())
    if decision == "quarantine":
        target = Place(ctx.quarantine, Bucket.FROZEN)
        received = replace(received, container="")
    else:
        target = Place(s.dock, Bucket.ON_HAND, container)
    m = Movement("receive", s.sku, qty, Account.RECEIVED, target, lot=lot, reason=f"asn:{s.asn_id}")
    payload = {
        "sku": s.sku,
        "location": target.location,
        "qty": qty,
        "lot": lot,
        "reason": "quarantine" if decision == "quarantine" else "asn",
        "asn_id": s.asn_id,
        "line_no": line_no,
    }
    event = Event("stock_received", payload, (m,), sku=s.sku)
    params = {"sku": s.sku, "qty": qty, "location": target.location, "container": container}
    return Decision(
        new, (event,), feedback=Feedback("good", "unit_received", params), changes=(received,)
    )


@dataclass(frozen=True)
class ContainerItem:
    """One line of an announced pallet or carton's contents."""

    sku: str
    qty: int
    lot: str | None = None
    expiry: str | None = None


def receive_container(
    s: DockSession, sscc: str, contents: tuple[ContainerItem, ...], ctx: DockContext
) -> Decision[DockSession]:
    """A known SSCC takes in its whole content in one scan, each item against its ASN line (as
    the items before it left the line); an item already expired (or short of shelf life) goes to
    quarantine, recorded, never to a bin, and so does what is over its line or otherwise off the
    ASN (the part that fits its line is taken in)."""
    if s.sku:
        raise EdgeError("unit_incomplete", sku=s.sku, missing=_missing(s, ctx))
    events: tuple[Event, ...] = ()
    changes: tuple[object, ...] = ()
    units = s.units
    lines = ctx.lines
    for item in contents:
        unit = replace(s, sku=item.sku, qty=item.qty, lot=item.lot, expiry=item.expiry, sscc=sscc)
        kind, line, off = _discrepancy(unit, replace(ctx, lines=lines))
        takes = [_take_in(unit, ctx, line, item.qty - off, decision="received")]
        if kind:
            no = line.line_no if line else 0
            found = DiscrepancyRecorded(s.asn_id, kind, item.sku, item.lot, off, "quarantine", no)
            taken = _take_in(unit, ctx, line, off, decision="quarantine")
            takes.append(replace(taken, changes=(*taken.changes, found)))
        if line is not None:
            lines = tuple(
                replace(ln, received=ln.received + item.qty) if ln == line else ln for ln in lines
            )
        for taken in takes:
            events, changes = events + taken.events, changes + taken.changes
        units += item.qty
    new = s.ready(units)
    params = {"sscc": sscc, "qty": sum(i.qty for i in contents), "location": s.dock}
    return Decision(
        new, events, feedback=Feedback("good", "container_received", params), changes=changes
    )


def taken_in(ctx: DockContext) -> int:
    """The units the whole ASN took in (accepted or quarantined), whoever scanned them: its
    lines' tallies and what came that no line announced. Not only this session's: a delivery
    is often received on two handhelds, or over a break."""
    on_lines = sum(t.accepted + t.quarantined for t in ctx.tallies)
    unannounced = sum(
        int(str(d.get("qty", 0)))
        for d in ctx.found
        if d.get("kind") == "unexpected" and d.get("decision") != "reject"
    )
    return on_lines + unannounced


def _close(s: DockSession, _scan: Classified, ctx: DockContext) -> Decision[DockSession]:
    if s.sku:
        raise EdgeError("unit_incomplete", sku=s.sku, missing=_missing(s, ctx))
    shorts = tuple(
        DiscrepancyRecorded(s.asn_id, "short", ln.sku, ln.lot, ln.open, "accept", ln.line_no)
        for ln in ctx.lines
        if ln.open
    )
    params = {"asn_id": s.asn_id, "units": taken_in(ctx), "short": sum(d.qty for d in shorts)}
    found = [
        *ctx.found,
        *(
            {"kind": d.kind, "sku": d.sku, "lot": d.lot, "qty": d.qty, "decision": d.decision}
            | {"operator": s.clerk}
            for d in shorts
        ),
    ]
    payload = {
        "asn_id": s.asn_id,
        "closed_at": ctx.at,
        "lines": [asdict(t) for t in ctx.tallies],
        "discrepancies": found,
    }
    event = Event("asn_closed", payload)
    feedback = Feedback("info", "asn_received", params)
    return Decision(
        DockSession(dock=s.dock, clerk=s.clerk, may_accept=s.may_accept),
        (event,),
        feedback=feedback,
        changes=(*shorts, AsnClosed(s.asn_id)),
    )


def _forget(s: DockSession, _scan: Classified, _ctx: DockContext) -> Decision[DockSession]:
    """CANCEL drops the unit being read (and a stop's unit) and keeps the ASN open."""
    new = s.ready(s.units)
    return Decision(new, feedback=Feedback("info", "scan_receipt_item", {"asn_id": s.asn_id}))


TRANSITIONS: dict[tuple[Step, str], Handler] = {
    ("items", "product"): _read_product,
    ("items", "part"): _read_part,
    ("items", "command:DAMAGED"): _flag_damaged,
    ("items", "command:DONE"): _close,
    ("items", "command:CANCEL"): _forget,
    ("decide", "command:ACCEPT"): _choose("accept"),
    ("decide", "command:REJECT"): _choose("reject"),
    ("decide", "command:QUARANTINE"): _choose("quarantine"),
    ("decide", "command:CANCEL"): _forget,
}


def decide_receipt(s: DockSession, scan: Classified, ctx: DockContext) -> Decision[DockSession]:
    """Apply one classified scan to a dock session past the ASN step, or refuse it."""
    kind = "part" if scan.kind == "parcel" else None
    params: dict[str, object] = {"asn_id": s.asn_id, "sku": s.sku}
    prompt = PROMPT[s.step]
    if s.step == "decide":  # a stop's refusal repeats the stop and its choices
        params = {k: v for k, v in stop_params(s, ctx).items() if k != "kind"}
        prompt = f"dock_{s.stop}"
    elif s.sku:  # a unit half read: what it still lacks, as the screen asks
        prompt = "scan_lot" if s.lot is None else "scan_expiry"
    handler = transition(TRANSITIONS, s.step, scan, prompt=prompt, params=params, kind=kind)
    return handler(s, scan, ctx)
