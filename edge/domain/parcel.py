"""Closing a parcel and shipping an order (pure).

Closing a parcel moves the units verified for it from the order's tote into the parcel (still
`picked`: they are in the building), records its package, weight and tracking number, and, with
the last parcel, makes the order `packed`. Shipping moves every parcel's contents to the external
`shipped` account and makes the order `shipped`; it happens at the dock on the dispatch scan of
the last parcel, or at once where `ship_on_pack` says so. The tracking number comes in with the
command: it was obtained before the write, so this function never waits on a carrier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from edge.domain.classify import Classified
from edge.domain.decision import Decision, Event, Feedback
from edge.domain.errors import EdgeError
from edge.domain.kit import KitRef, shipped_lines
from edge.domain.ledger import Account, Bucket, Movement, Place
from edge.domain.order import OrderStatus, StatusChange, change_status
from edge.domain.pack import PackOrder, PackSession, step_of
from edge.domain.weight import compare_weight, expected_weight_g, likely_cause, tolerance_g
from edge.domain.workflow import transition


@dataclass(frozen=True)
class Source:
    """Picked units of the order waiting in a tote: where the parcel's units come from."""

    container: str
    sku: str
    lot: str
    qty: int


@dataclass(frozen=True)
class Content:
    line_id: str
    sku: str
    lot: str
    qty: int
    source: str = ""  # the tote it came from (closing only)
    kit: KitRef | None = None  # a kit's component: shipped as the kit (edge.domain.kit)


@dataclass(frozen=True)
class ParcelInfo:
    """A closed parcel of an order, as shipping needs it."""

    parcel_id: str
    parcel_no: int
    pieces: int
    tracking_no: str
    weight_g: int
    contents: tuple[Content, ...]
    dispatched: bool = False


@dataclass(frozen=True)
class CloseParcel:
    """The packer's close: the box, the weight (scale or typed) and the tracking number."""

    package: str
    tare_g: int
    weight_g: int
    pieces: int
    tracking_no: str
    carrier: str
    service: str
    weight_source: str = "scale"  # scale | typed | scanned
    approved_by: str = ""  # the supervisor who confirmed a weight not from the scale ("badge name")
    approval_reason: str = ""


@dataclass(frozen=True)
class Tolerance:
    grams: int = 30
    percent: Decimal = Decimal("5")


@dataclass(frozen=True)
class ParcelClosed:
    """Record: the parcel's row, its contents and its container, written with the movements."""

    order_id: str
    parcel_id: str
    parcel_no: int
    pieces: int
    tracking_no: str
    carrier: str
    service: str
    package: str
    weight_g: int
    contents: tuple[Content, ...]


@dataclass(frozen=True)
class ParcelDispatched:
    parcel_id: str


@dataclass(frozen=True)
class OrderShipped:
    """Record: the order's shipment is on its way (shipped_at set, lines counted)."""

    order_id: str


def parcel_id_of(order_id: str, parcel_no: int) -> str:
    return f"{order_id}-P{parcel_no}"


def close_parcel(
    s: PackSession,
    order: PackOrder,
    sources: Sequence[Source],
    unit_weights: Mapping[str, int],
    cmd: CloseParcel,
    *,
    tolerance: Tolerance,
    ship_on_pack: bool,
    earlier: Sequence[ParcelInfo] = (),
) -> Decision[PackSession]:
    """Close the parcel being packed, or refuse with nothing changed (not ready, weight off)."""
    if step_of(s, order) != "package":
        raise EdgeError("parcel_not_ready", order_id=order.order_id or s.order_id)
    lines = {ln.line_id: ln for ln in order.lines}
    verified = {lid: q for lid, q in s.verified.items() if q > 0}
    expected = expected_weight_g(
        [(unit_weights.get(lines[lid].sku, 0), q) for lid, q in verified.items()], cmd.tare_g
    )
    # A SKU with no catalogue weight (0) would make every parcel of it "off": not checked then.
    unweighed = sorted({lines[lid].sku for lid in verified if not unit_weights.get(lines[lid].sku)})
    check = compare_weight(
        cmd.weight_g, expected, tolerance_g=tolerance.grams, tolerance_pct=tolerance.percent
    )
    if not check.ok and not unweighed:
        raise weight_off(check.difference_g, expected, verified, lines, unit_weights, tolerance)
    parcel_id = parcel_id_of(order.order_id, s.parcel_no)
    contents = _take(order.order_id, verified, lines, sources)
    moves = tuple(
        Movement(
            "pack",
            c.sku,
            c.qty,
            Place("", Bucket.PICKED, c.source),
            Place("", Bucket.PICKED, parcel_id),
            lot=c.lot,
            order_id=order.order_id,
            line_id=c.line_id,
        )
        for c in contents
    )
    record = ParcelClosed(
        order.order_id,
        parcel_id,
        s.parcel_no,
        max(cmd.pieces, s.parcel_no),
        cmd.tracking_no,
        cmd.carrier,
        cmd.service,
        cmd.package,
        cmd.weight_g,
        contents,
    )
    payload = {
        "parcel_id": parcel_id,
        "parcel_no": s.parcel_no,
        "pieces": record.pieces,
        "tracking_number": cmd.tracking_no,
        "carrier": cmd.carrier,
        "package": cmd.package,
        "weight_g": cmd.weight_g,
        "expected_g": expected,
        "weight_checked": not unweighed,
        "no_catalogue_weight": unweighed,
        "weight_source": cmd.weight_source,
        **(
            {"weight_approved_by": cmd.approved_by, "weight_reason": cmd.approval_reason}
            if cmd.approved_by
            else {}
        ),
        "contents": [{"sku": c.sku, "lot": c.lot, "qty": c.qty} for c in contents],
    }
    events = [Event("parcel_closed", payload, moves, order_id=order.order_id)]
    changes: list[object] = [record]
    left = sum(ln.to_pack for ln in order.lines) - sum(verified.values())
    feedback = Feedback(
        "good",
        "parcel_closed",
        {
            "tracking_no": cmd.tracking_no,
            "parcel_no": s.parcel_no,
            "pieces": record.pieces,
            "left": left,
        },
    )
    if left > 0:
        return Decision(
            PackSession(order.order_id, {}, s.parcel_no + 1, s.station),
            tuple(events),
            feedback=feedback,
            changes=tuple(changes),
        )
    packed = change_status(order.order_id, OrderStatus(order.status), OrderStatus.PACKED)
    events.append(Event(packed.event, {"parcels": s.parcel_no}, order_id=order.order_id))
    changes.append(packed)
    if ship_on_pack:
        this = ParcelInfo(
            parcel_id, s.parcel_no, record.pieces, cmd.tracking_no, cmd.weight_g, contents
        )
        shipped = ship_order(order.order_id, OrderStatus.PACKED, [*earlier, this], cmd.carrier)
        events.extend(shipped.events)
        changes.extend(shipped.changes)
    return Decision(
        PackSession(station=s.station), tuple(events), feedback=feedback, changes=tuple(changes)
    )


def weight_off(
    difference_g: int,
    expected_g: int,
    verified: Mapping[str, int],
    lines: Mapping[str, Any],
    unit_weights: Mapping[str, int],
    tolerance: Tolerance,
) -> EdgeError:
    """The refusal of a parcel off its weight: which way, by how much, and the line whose unit
    weight explains it; never the expected total (a packer would type it instead of looking)."""
    in_parcel: dict[str, int] = {}
    for line_id, qty in verified.items():
        in_parcel[lines[line_id].sku] = in_parcel.get(lines[line_id].sku, 0) + qty
    cause = likely_cause(
        difference_g,
        [(sku, unit_weights.get(sku, 0), q) for sku, q in sorted(in_parcel.items())],
        tolerance_g=tolerance_g(
            expected_g, tolerance_g=tolerance.grams, tolerance_pct=tolerance.percent
        ),
    )
    light = difference_g < 0
    hint = "weight_check_contents"
    params: dict[str, Any] = {}
    if cause is not None:
        hint = "weight_likely_missing" if light else "weight_likely_extra"
        params = {"sku": cause.sku, "qty": cause.qty, "unit_g": cause.unit_weight_g}
    return EdgeError(
        "weight_off",
        grams=abs(difference_g),
        way="too_light" if light else "too_heavy",
        difference_g=difference_g,
        hint_prompt=hint,
        **params,
    )


def _take(
    order_id: str,
    verified: Mapping[str, int],
    lines: Mapping[str, object],
    sources: Sequence[Source],
) -> tuple[Content, ...]:
    """Which tote (and lot) each verified unit comes out of, first tote first."""
    left = {(s.container, s.sku, s.lot): s.qty for s in sources}
    out: list[Content] = []
    for line_id, qty in sorted(verified.items()):
        sku = lines[line_id].sku  # type: ignore[attr-defined]
        kit = getattr(lines[line_id], "kit", None)
        need = qty
        for (container, s_sku, lot), have in left.items():
            if s_sku != sku or have <= 0 or need == 0:
                continue
            take = min(have, need)
            left[(container, s_sku, lot)] -= take
            need -= take
            out.append(Content(line_id, sku, lot, take, container, kit))
        if need:
            # The units were verified but are not in the order's totes any more (moved away).
            raise EdgeError("parcel_not_ready", order_id=order_id)
    return tuple(out)


def ship_order(
    order_id: str, status: OrderStatus, parcels: Sequence[ParcelInfo], carrier: str
) -> Decision[None]:
    """Every parcel's contents leave the building: picked → shipped, the order `shipped`."""
    change: StatusChange = change_status(order_id, status, OrderStatus.SHIPPED)
    moves = tuple(
        Movement(
            "ship",
            c.sku,
            c.qty,
            Place("", Bucket.PICKED, p.parcel_id),
            Account.SHIPPED,
            lot=c.lot,
            order_id=order_id,
            line_id=c.line_id,
        )
        for p in parcels
        for c in p.contents
    )
    payload = {
        "parcels": [
            {
                "parcel_no": p.parcel_no,
                "parcels": p.pieces,
                "tracking_number": p.tracking_no,
                "carrier": carrier,
                "weight_g": p.weight_g,
                "contents": _summed(p.contents),
            }
            for p in parcels
        ]
    }
    event = Event(change.event, payload, moves, order_id=order_id)
    return Decision(None, (event,), changes=(change, OrderShipped(order_id)))


def _summed(contents: Sequence[Content]) -> list[dict[str, object]]:
    """The parcel's units per SKU, a kit's components as the kit (as the channel sold it)."""
    return shipped_lines((c.sku, c.qty, c.kit) for c in contents)


def dispatch_parcel(
    order_id: str, status: str, parcel: ParcelInfo, parcels: Sequence[ParcelInfo], carrier: str
) -> Decision[None]:
    """The dispatch scan at the dock: the parcel leaves; with the order's last one, it ships."""
    if parcel.dispatched:
        raise EdgeError("already_dispatched", tracking_no=parcel.tracking_no, order_id=order_id)
    if status not in ("packed", "shipped"):
        raise EdgeError("order_not_packable", order_id=order_id, status=status)
    record = ParcelDispatched(parcel.parcel_id)
    waiting = [p for p in parcels if not p.dispatched and p.parcel_id != parcel.parcel_id]
    params = {"tracking_no": parcel.tracking_no, "order_id": order_id, "waiting": len(waiting)}
    event = Event(
        "parcel_dispatched",
        {"parcel_id": parcel.parcel_id, "tracking_number": parcel.tracking_no},
        order_id=order_id,
    )
    if waiting or status == "shipped":
        return Decision(
            None,
            (event,),
            feedback=Feedback("good", "parcel_dispatched", params),
            changes=(record,),
        )
    shipped = ship_order(order_id, OrderStatus.PACKED, parcels, carrier)
    return Decision(
        None,
        (event, *shipped.events),
        feedback=Feedback("good", "order_dispatched", params),
        changes=(record, *shipped.changes),
    )


@dataclass(frozen=True)
class DispatchSession:
    """A dock session: parcels scanned out so far, and the last one."""

    station: str = ""
    dispatched: int = 0
    last: str = ""


@dataclass(frozen=True)
class DispatchContext:
    """The scanned parcel's order, as the store found it (empty when it is no closed parcel)."""

    order_id: str = ""
    status: str = ""
    parcel: ParcelInfo | None = None
    parcels: tuple[ParcelInfo, ...] = ()
    carrier: str = ""


def decide_dispatch(
    s: DispatchSession, scan: Classified, ctx: DispatchContext
) -> Decision[DispatchSession]:
    """One scan at the dock: a closed parcel's waybill leaves; anything else is refused."""
    return transition(DISPATCH, "parcel", scan, prompt="scan_dispatch_parcel")(s, scan, ctx)


def _dispatch(
    s: DispatchSession, scan: Classified, ctx: DispatchContext
) -> Decision[DispatchSession]:
    if ctx.parcel is None:
        raise EdgeError("not_found", what="parcel", key=scan.scan.code)
    d = dispatch_parcel(ctx.order_id, ctx.status, ctx.parcel, ctx.parcels, ctx.carrier)
    new = DispatchSession(s.station, s.dispatched + 1, ctx.parcel.tracking_no)
    return Decision(new, d.events, d.reservations, d.feedback, changes=d.changes)


DISPATCH = {("parcel", "parcel"): _dispatch}
