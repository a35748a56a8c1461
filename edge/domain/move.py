"""The move workflow (relocation / replenishment): scan the source bin, the target bin, then each
item; every item scan moves its units at once. A pure state machine with one transition table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

from edge.domain.classify import Classified
from edge.domain.decision import Decision, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import Stock
from edge.domain.stock import MoveStock, move_stock
from edge.domain.workflow import transition, transition_kind  # noqa: F401 - re-exported

Step = Literal["source", "target", "items"]


@dataclass(frozen=True)
class MoveSession:
    step: Step = "source"
    source: str = ""
    target: str = ""
    moved: int = 0


@dataclass(frozen=True)
class MoveContext:
    """What the store looked up for this scan: the stock at the source and the FEFO lot order."""

    stock: Stock
    lot_order: tuple[str, ...] = ()


Handler = Callable[[MoveSession, Classified, MoveContext], Decision[MoveSession]]

# What each step asks for, as a prompt key of the catalogue.
PROMPT: dict[Step, str] = {"source": "scan_source", "target": "scan_target", "items": "scan_item"}


def _set_source(_s: MoveSession, scan: Classified, _: MoveContext) -> Decision[MoveSession]:
    new = MoveSession("target", source=scan.key)
    return Decision(new, feedback=Feedback("info", "scan_target", {"source": scan.key}))


def _set_target(s: MoveSession, scan: Classified, _: MoveContext) -> Decision[MoveSession]:
    if scan.key == s.source:
        raise EdgeError("same_location", location=scan.key)
    new = replace(s, step="items", target=scan.key)
    return Decision(new, feedback=Feedback("info", "scan_item", _where(new)))


def _move_item(s: MoveSession, scan: Classified, ctx: MoveContext) -> Decision[MoveSession]:
    qty = scan.quantity or 1
    cmd = MoveStock(scan.key, s.source, s.target, qty, lot=scan.lot or None)
    moved = move_stock(ctx.stock, cmd, lot_order=list(ctx.lot_order))
    new = MoveSession(s.step, s.source, s.target, s.moved + qty)  # replace(), without its cost
    params = _where(new) | {"sku": scan.key, "qty": qty}
    return Decision(new, moved.events, feedback=Feedback("good", "item_moved", params))


def _finish(s: MoveSession, _scan: Classified, _: MoveContext) -> Decision[MoveSession]:
    return Decision(MoveSession(), feedback=Feedback("info", "move_done", {"moved": s.moved}))


TRANSITIONS: dict[tuple[Step, str], Handler] = {
    ("source", "location"): _set_source,
    ("target", "location"): _set_target,
    ("items", "product"): _move_item,
    ("items", "location"): _set_source,
    ("source", "command:DONE"): _finish,
    ("target", "command:CANCEL"): _finish,
    ("items", "command:DONE"): _finish,
    ("items", "command:CANCEL"): _finish,
}


def decide_move(s: MoveSession, scan: Classified, ctx: MoveContext) -> Decision[MoveSession]:
    """Apply one classified scan to a move session, or refuse it naming what is expected."""
    # source/target fill the expected prompt ("taking from {source}").
    where = {"source": s.source, "target": s.target}
    return transition(TRANSITIONS, s.step, scan, prompt=PROMPT[s.step], params=where)(s, scan, ctx)


def _where(s: MoveSession) -> dict[str, object]:
    return {"source": s.source, "target": s.target, "moved": s.moved}
