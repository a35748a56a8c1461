"""Commands that change stock outside a floor workflow: receive (opening stock), adjust, move."""

from __future__ import annotations

from dataclasses import dataclass

from edge.domain.decision import Decision, Event, Feedback, Tone
from edge.domain.errors import EdgeError
from edge.domain.ledger import Account, Bucket, Movement, Place, Stock, take_free


@dataclass(frozen=True)
class ReceiveStock:
    sku: str
    location: str
    qty: int
    lot: str = ""
    reason: str = "opening_stock"


@dataclass(frozen=True)
class AdjustStock:
    """Set a bin's on_hand by a signed delta, with a reason (count result, damage, found)."""

    sku: str
    location: str
    delta: int
    reason: str
    lot: str = ""


@dataclass(frozen=True)
class MoveStock:
    sku: str
    source: str
    target: str
    qty: int
    lot: str | None = None


def _record(
    stock: Stock,
    event_type: str,
    movements: tuple[Movement, ...],
    payload: dict[str, object],
    *,
    prompt: str,
    tone: Tone = "good",
    extra: dict[str, object] | None = None,
    order_id: str | None = None,
) -> Decision[Stock]:
    """One event carrying `movements`, the stock after them, and the operator's confirmation."""
    sku = movements[0].sku
    event = Event(event_type, payload | (extra or {}), movements, order_id=order_id, sku=sku)
    return Decision(stock.apply(movements), (event,), feedback=Feedback(tone, prompt, payload))


def _positive(qty: int) -> None:
    if qty <= 0:
        raise EdgeError("invalid_quantity", quantity=qty, reason="it must be 1 or more")


def receive_stock(stock: Stock, cmd: ReceiveStock) -> Decision[Stock]:
    """Units enter the building from the `received` account into a bin's on_hand."""
    _positive(cmd.qty)
    m = Movement(
        "receive",
        cmd.sku,
        cmd.qty,
        Account.RECEIVED,
        Place(cmd.location, Bucket.ON_HAND),
        lot=cmd.lot,
        reason=cmd.reason,
    )
    payload = {"sku": cmd.sku, "location": cmd.location, "qty": cmd.qty, "lot": cmd.lot}
    return _record(
        stock,
        "stock_received",
        (m,),
        payload,
        prompt="stock_received",
        extra={"reason": cmd.reason},
    )


def adjust_stock(stock: Stock, cmd: AdjustStock) -> Decision[Stock]:
    """A positive delta comes from `adjusted`, a negative one goes there (never below reserved)."""
    if cmd.delta == 0:
        raise EdgeError("invalid_quantity", quantity=0, reason="an adjustment changes something")
    if not cmd.reason.strip():
        raise EdgeError("invalid_request", reason="an adjustment needs a reason")
    bin_ = Place(cmd.location, Bucket.ON_HAND)
    if cmd.delta > 0:
        m = Movement(
            "adjust", cmd.sku, cmd.delta, Account.ADJUSTED, bin_, lot=cmd.lot, reason=cmd.reason
        )
    else:
        take_free(stock, cmd.sku, cmd.location, -cmd.delta, lots=[cmd.lot])
        m = Movement(
            "adjust", cmd.sku, -cmd.delta, bin_, Account.ADJUSTED, lot=cmd.lot, reason=cmd.reason
        )
    payload = {"sku": cmd.sku, "location": cmd.location, "delta": cmd.delta, "lot": cmd.lot}
    return _record(
        stock,
        "stock_adjusted",
        (m,),
        payload,
        prompt="stock_adjusted",
        extra={"reason": cmd.reason},
    )


def move_stock(
    stock: Stock, cmd: MoveStock, *, lot_order: list[str] | None = None
) -> Decision[Stock]:
    """Free on_hand units go from one bin to another, lot by lot (`lot_order`, e.g. FEFO)."""
    _positive(cmd.qty)
    if cmd.source == cmd.target:
        raise EdgeError("same_location", location=cmd.source)
    lots = [cmd.lot] if cmd.lot is not None else _preferred(stock, cmd, lot_order or [])
    movements = tuple(
        Movement(
            "move",
            cmd.sku,
            n,
            Place(cmd.source, Bucket.ON_HAND),
            Place(cmd.target, Bucket.ON_HAND),
            lot=lot,
            reason="relocate",
        )
        for lot, n in take_free(stock, cmd.sku, cmd.source, cmd.qty, lots=lots)
    )
    payload = {"sku": cmd.sku, "source": cmd.source, "target": cmd.target, "qty": cmd.qty}
    return _record(stock, "stock_moved", movements, payload, prompt="stock_moved")


def _preferred(stock: Stock, cmd: MoveStock, lot_order: list[str]) -> list[str]:
    """`lot_order` first (FEFO from the lots table), then any other lot on hand at the source:
    a lot missing from the table still counts, or its units could never be moved unnamed."""
    return list(dict.fromkeys([*lot_order, *stock.lots_at(cmd.sku, cmd.source)]))


@dataclass(frozen=True)
class FreezeStock:
    """Put free on_hand units on hold (damage, quarantine, count hold) at a quarantine place."""

    sku: str
    location: str
    qty: int
    reason: str
    target: str | None = None  # a quarantine location; None holds them where they are
    lot: str = ""


def freeze_stock(stock: Stock, cmd: FreezeStock) -> Decision[Stock]:
    """on_hand → frozen: the units stay counted but can be neither sold nor picked."""
    _positive(cmd.qty)
    take_free(stock, cmd.sku, cmd.location, cmd.qty, lots=[cmd.lot])
    target = Place(cmd.target or cmd.location, Bucket.FROZEN)
    m = Movement(
        "freeze",
        cmd.sku,
        cmd.qty,
        Place(cmd.location, Bucket.ON_HAND),
        target,
        lot=cmd.lot,
        reason=cmd.reason,
    )
    payload = {"sku": cmd.sku, "location": cmd.location, "qty": cmd.qty, "target": target.location}
    return _record(
        stock, "stock_frozen", (m,), payload, prompt="stock_frozen", extra={"reason": cmd.reason}
    )


@dataclass(frozen=True)
class AnnounceReturn:
    """Central announced a return: the units are on their way back (returns_in_transit)."""

    sku: str
    qty: int
    rma: str
    location: str = "RETURNS"
    order_id: str | None = None


def announce_return(stock: Stock, cmd: AnnounceReturn) -> Decision[Stock]:
    """customer → returns_in_transit at the returns area; sellable again only once graded."""
    return _in_transit(stock, cmd, "return_announced", withdraw=False)


@dataclass(frozen=True)
class WithdrawReturn(AnnounceReturn):
    """Central cancelled (or expired) a return: its units not yet received stay with the customer."""

    reason: str = "cancelled"


def withdraw_return(stock: Stock, cmd: WithdrawReturn) -> Decision[Stock]:
    """returns_in_transit → customer: the announcement undone for the units still on their way."""
    return _in_transit(stock, cmd, "return_withdrawn", withdraw=True, extra={"reason": cmd.reason})


def _in_transit(
    stock: Stock,
    cmd: AnnounceReturn,
    kind: str,
    *,
    withdraw: bool,
    extra: dict[str, object] | None = None,
) -> Decision[Stock]:
    """The RMA's units between the customer and returns_in_transit at the returns location,
    one way or the other, as one event named `kind` (also its prompt)."""
    _positive(cmd.qty)
    transit = Place(cmd.location, Bucket.RETURNS_IN_TRANSIT)
    source, target = (transit, Account.CUSTOMER) if withdraw else (Account.CUSTOMER, transit)
    m = Movement(kind, cmd.sku, cmd.qty, source, target, reason=cmd.rma, order_id=cmd.order_id)
    payload = {"sku": cmd.sku, "qty": cmd.qty, "rma": cmd.rma, "location": cmd.location}
    return _record(
        stock, kind, (m,), payload, prompt=kind, tone="info", extra=extra, order_id=cmd.order_id
    )


@dataclass(frozen=True)
class PutBack:
    """Units picked for an order that was cancelled go from its tote back into a bin."""

    sku: str
    qty: int
    tote: str
    location: str
    lot: str = ""
    order_id: str | None = None


def put_back(stock: Stock, cmd: PutBack) -> Decision[Stock]:
    """picked (in the tote) → on_hand (in the bin)."""
    _positive(cmd.qty)
    m = Movement(
        "put_back",
        cmd.sku,
        cmd.qty,
        Place("", Bucket.PICKED, cmd.tote),
        Place(cmd.location, Bucket.ON_HAND),
        lot=cmd.lot,
        reason="order_cancelled",
        order_id=cmd.order_id,
    )
    payload = {"sku": cmd.sku, "qty": cmd.qty, "tote": cmd.tote, "location": cmd.location}
    return _record(stock, "put_back", (m,), payload, prompt="put_back_done", order_id=cmd.order_id)
