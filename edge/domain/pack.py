"""The pack workflow's verification (pure): scan the tote or the order at a bench, then every
unit, checked against what was picked. Nothing ships unverified: a wrong or extra item is refused
with a clear stop, and nothing moves until the parcel is closed.

The step follows from the order and what has been verified, as in picking; the session state is
the order and the units verified for the parcel being packed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from edge.domain.classify import Classified
from edge.domain.decision import Decision, Feedback
from edge.domain.errors import EdgeError
from edge.domain.kit import KitRef
from edge.domain.workflow import transition

Step = Literal["order", "verify", "package"]


@dataclass(frozen=True)
class PackLine:
    line_id: str
    sku: str
    picked: int
    packed: int = 0  # in parcels closed before
    kit: KitRef | None = None  # a kit's component (edge.domain.kit)

    @property
    def to_pack(self) -> int:
        return self.picked - self.packed


@dataclass(frozen=True)
class PackOrder:
    order_id: str
    status: str
    lines: tuple[PackLine, ...]
    tote: str | None = None
    parcels: int = 0  # parcels of the order already closed


@dataclass(frozen=True)
class PackSession:
    order_id: str = ""
    verified: Mapping[str, int] = field(default_factory=dict)  # line id → units scanned
    parcel_no: int = 1  # the parcel being packed: 1, then 2 … for an order in several parcels
    station: str = ""  # the bench: its printer prints the waybill, its scale weighs
    closing: bool = False  # DONE scanned: this parcel closes with what is verified so far


@dataclass(frozen=True)
class PackContext:
    """What the store looked up: the session's order, or the order a scanned tote/order names."""

    order: PackOrder | None = None
    scanned_order: PackOrder | None = None
    # picking.zones: the scanned order's zones still being picked (or not started), each as
    # "zone [its tote]": its totes meet at the bench, and it packs when none is missing.
    missing_zones: tuple[str, ...] = ()


def taken_elsewhere(s: PackSession, order: PackOrder | None) -> bool:
    """The session's order was packed meanwhile on another bench or handheld (two devices on
    one order): the parcel this session checks is closed already, or the order is packed."""
    if not s.order_id or order is None:
        return False
    return order.status in ("packed", "shipped") or order.parcels >= s.parcel_no


def step_of(s: PackSession, order: PackOrder | None) -> Step:
    if not s.order_id or order is None or taken_elsewhere(s, order):
        return "order"
    left = sum(line.to_pack - s.verified.get(line.line_id, 0) for line in order.lines)
    return "verify" if left > 0 and not s.closing else "package"


PROMPT: dict[Step, str] = {
    "order": "scan_pack_order",
    "verify": "scan_pack_item",
    "package": "choose_package",
}

Handler = Callable[[PackSession, Classified, PackContext], Decision[PackSession]]


def decide_pack(s: PackSession, scan: Classified, ctx: PackContext) -> Decision[PackSession]:
    """Apply one classified scan at a pack bench, or refuse it with nothing changed."""
    if taken_elsewhere(s, ctx.order):
        if scan.kind == "product":  # a unit of it: its parcel is another's now
            raise EdgeError("order_packed_elsewhere", order_id=s.order_id)
        s = PackSession(station=s.station)  # anything else as at a free bench: the next tote
    step = step_of(s, ctx.order)
    return transition(TRANSITIONS, step, scan, prompt=PROMPT[step])(s, scan, ctx)


def _open_order(s: PackSession, scan: Classified, ctx: PackContext) -> Decision[PackSession]:
    order = ctx.scanned_order
    if order is None:
        raise EdgeError("nothing_to_pack", code=scan.scan.code)
    if order.status == "picking" and ctx.missing_zones:
        missing = ", ".join(ctx.missing_zones)
        raise EdgeError("order_zones_missing", order_id=order.order_id, missing=missing)
    if order.status != "picked" or all(line.to_pack == 0 for line in order.lines):
        raise EdgeError("order_not_packable", order_id=order.order_id, status=order.status)
    units = sum(line.to_pack for line in order.lines)
    return Decision(
        PackSession(order.order_id, parcel_no=order.parcels + 1, station=s.station),
        feedback=Feedback("info", "scan_pack_item", {"order_id": order.order_id, "units": units}),
    )


def _scan_to_pack(s: PackSession, scan: Classified, ctx: PackContext) -> Decision[PackSession]:
    """An item scanned with no order open (单品, scan-to-print): the next picked single-item
    order that wants it, which no other bench holds (the store's pick, inside the writer, so two
    benches never get the same order), is opened with this unit verified: its parcel closes
    next."""
    order = ctx.scanned_order
    if order is None:
        raise EdgeError("no_order_wants_item", sku=scan.key)
    opened = _open_order(s, scan, ctx)
    return _verify(opened.state, replace(scan, quantity=1), PackContext(order))


def _verify(s: PackSession, scan: Classified, ctx: PackContext) -> Decision[PackSession]:
    order = ctx.order
    assert order is not None
    mine = [line for line in order.lines if line.sku == scan.key]
    if not mine:
        # The bench's own words: the picker's 'put it back in its bin' means nothing here.
        expected = _expected_skus(s, order)
        raise EdgeError("pack_wrong_item", sku=scan.key, order_id=order.order_id, expected=expected)
    qty = scan.quantity or 1
    line = next((ln for ln in mine if ln.to_pack - s.verified.get(ln.line_id, 0) >= qty), None)
    if line is None:
        done = sum(s.verified.get(ln.line_id, 0) + ln.packed for ln in mine)
        raise EdgeError(
            "extra_item", sku=scan.key, qty=qty, expected=sum(ln.picked for ln in mine), done=done
        )
    verified = dict(s.verified) | {line.line_id: s.verified.get(line.line_id, 0) + qty}
    new = replace(s, verified=verified)
    left = sum(ln.to_pack - verified.get(ln.line_id, 0) for ln in order.lines)
    params = {"sku": scan.key, "qty": qty, "left": left}
    return Decision(new, feedback=Feedback("good", "pack_item_verified", params))


def _expected_skus(s: PackSession, order: PackOrder) -> str:
    return ", ".join(ln.sku for ln in order.lines if ln.to_pack - s.verified.get(ln.line_id, 0) > 0)


def _restart(s: PackSession, _scan: Classified, _ctx: PackContext) -> Decision[PackSession]:
    # Parcels already closed stay closed; the order is taken up again from its next parcel.
    return Decision(
        PackSession(station=s.station), feedback=Feedback("info", "scan_pack_order", {})
    )


def _close_early(s: PackSession, _scan: Classified, _ctx: PackContext) -> Decision[PackSession]:
    """DONE while verifying: this parcel is full; close it with the units verified so far."""
    if not any(s.verified.values()):
        raise EdgeError("parcel_empty", order_id=s.order_id)
    return Decision(replace(s, closing=True), feedback=Feedback("info", "choose_package", {}))


def _more(s: PackSession, scan: Classified, ctx: PackContext) -> Decision[PackSession]:
    """An item scanned after DONE: it goes in this parcel after all."""
    return _verify(replace(s, closing=False), scan, ctx)


TRANSITIONS: dict[tuple[Step, str], Handler] = {
    ("order", "container"): _open_order,
    ("order", "order"): _open_order,
    ("order", "product"): _scan_to_pack,
    ("verify", "product"): _verify,
    ("verify", "command:CANCEL"): _restart,
    ("verify", "command:DONE"): _close_early,
    ("package", "command:CANCEL"): _restart,
    ("package", "product"): _more,
}
