"""The floor workflows a work session can run. Each says who may run it, how it starts, how one
classified scan is decided (loading just what the decision needs) and what the screen shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import Any

from edge.domain.classify import Classified
from edge.domain.decision import Decision
from edge.domain.ledger import Stock
from edge.domain.move import PROMPT, MoveContext, MoveSession, decide_move
from edge.domain.operator import MANAGERS, Role
from edge.service import packing, picking, receiving, returns
from edge.service.floor import FloorSettings
from edge.store.ledger import load_stock_and_lots
from edge.store.operators import LoginSession
from edge.store.writer import Tx

Start = Callable[[Tx, LoginSession, dict[str, Any], FloorSettings], dict[str, Any]]
Run = Callable[[Tx, dict[str, Any], Classified, FloorSettings], Decision[Any]]
View = Callable[[Any, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Workflow:
    name: str
    roles: frozenset[Role]
    start: Start
    run: Run
    view: View  # on a connection or a Tx: the screen, with "prompt" and "prompt_params"
    # Whether, in this state, a code nothing here knows goes to the workflow (a returns parcel's
    # number) instead of being refused as unknown_barcode.
    takes_any_code: Callable[[dict[str, Any]], bool] = lambda _state: False


def _start_move(
    _tx: Tx, _s: LoginSession, _params: dict[str, Any], _f: FloorSettings
) -> dict[str, Any]:
    return asdict(MoveSession())


def _run_move(tx: Tx, state: dict[str, Any], scan: Classified, _f: FloorSettings) -> Decision[Any]:
    session = MoveSession(**state)
    stock = Stock()
    lots: tuple[str, ...] = ()
    if session.step == "items" and scan.kind == "product":
        *rows, lots = load_stock_and_lots(tx, scan.key, [session.source, session.target])
        stock = Stock(*rows)
    return decide_move(session, scan, MoveContext(stock, lots))


def _view_move(_conn: Any, state: dict[str, Any]) -> dict[str, Any]:
    s = MoveSession(**state)
    where = {"source": s.source, "target": s.target, "moved": s.moved}
    return {
        "workflow": "move",
        "step": s.step,
        **where,
        "prompt": PROMPT[s.step],
        "prompt_params": where,
    }


FLOOR = MANAGERS | {Role.PICKER, Role.PACKER, Role.RETURNS}


def _registry() -> dict[str, Workflow]:
    return {
        "move": Workflow(
            "move",
            MANAGERS | {Role.PICKER, Role.PACKER, Role.RETURNS},
            _start_move,
            _run_move,
            _view_move,
        ),
        "pick": Workflow(
            "pick",
            MANAGERS | {Role.PICKER},
            picking.start_pick,
            picking.run_pick,
            picking.view_pick,
        ),
        "pack": Workflow(
            "pack",
            MANAGERS | {Role.PACKER},
            packing.start_pack,
            packing.run_pack,
            packing.view_pack,
        ),
        "dispatch": Workflow(
            "dispatch",
            MANAGERS | {Role.PACKER},
            packing.start_dispatch,
            packing.run_dispatch,
            packing.view_dispatch,
        ),
        "returns": Workflow(
            "returns",
            MANAGERS | {Role.RETURNS},
            returns.start_returns,
            returns.run_returns,
            returns.view_returns,
            returns.takes_any_code,
        ),
        # the dock: anyone on the floor may receive and put away; accepting a discrepancy
        # needs a supervisor (edge.domain.receipt.allowed_choices)
        "receive": Workflow(
            "receive",
            FLOOR,
            receiving.start_receive,
            receiving.run_receive,
            receiving.view_receive,
            receiving.takes_any_code,
        ),
        "putaway": Workflow(
            "putaway",
            FLOOR,
            receiving.start_putaway,
            receiving.run_putaway,
            receiving.view_putaway,
            receiving.putaway_takes_any_code,
        ),
    }


WORKFLOWS: dict[str, Workflow] = _registry()


# The types a state's field may hold for `state_json` to skip `asdict`: asdict copies each value
# (copy.deepcopy) and recurses, which for these returns the value itself.
_PLAIN = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def state_json(state: Any) -> dict[str, Any]:
    """`asdict(state)`; a state of plain fields only (the move's, on every move scan) without
    asdict's recursion and deepcopy of each value: the same dict, a third of the time."""
    names = _FIELD_NAMES.get(type(state))
    if names is None:
        names = _FIELD_NAMES[type(state)] = tuple(f.name for f in fields(state))
    out = {name: getattr(state, name) for name in names}
    if all(type(v) in _PLAIN for v in out.values()):
        return out
    return asdict(state)
