"""The floor workflows a work session can run, each as: initial state, who may run it, and how
one classified scan is decided (loading just the stock the decision needs)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from edge.domain.classify import Classified
from edge.domain.decision import Decision
from edge.domain.ledger import Stock
from edge.domain.move import PROMPT, MoveContext, MoveSession, decide_move
from edge.domain.operator import MANAGERS, Role
from edge.store.catalog import lot_order
from edge.store.effects import load_stock_rows
from edge.store.writer import Tx

Run = Callable[[Tx, dict[str, Any], Classified], Decision[Any]]


@dataclass(frozen=True)
class Workflow:
    name: str
    roles: frozenset[Role]
    initial: Callable[[], dict[str, Any]]
    run: Run
    prompt: Callable[[dict[str, Any]], str]


def _run_move(tx: Tx, state: dict[str, Any], scan: Classified) -> Decision[Any]:
    session = MoveSession(**state)
    stock = Stock()
    lots: tuple[str, ...] = ()
    if session.step == "items" and scan.kind == "product":
        stock = Stock(*load_stock_rows(tx, scan.key, [session.source, session.target]))
        lots = lot_order(tx, scan.key)
    return decide_move(session, scan, MoveContext(stock, lots))


WORKFLOWS: dict[str, Workflow] = {
    "move": Workflow(
        "move",
        MANAGERS | {Role.PICKER, Role.PACKER, Role.RETURNS},
        lambda: asdict(MoveSession()),
        _run_move,
        lambda state: PROMPT[MoveSession(**state).step],
    ),
}


def state_json(state: Any) -> dict[str, Any]:
    return asdict(state)
