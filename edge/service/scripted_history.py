"""Floor history done by script, each step as of the moment it happened: an order released, picked
(a wrong bin scanned first, an item shorted), packed and dispatched, a short pick's count done
and its exception resolved, a return announced, a pick list made for a picker. The same services
a person's scans and a supervisor's commands go through, on a transaction whose clock is set to
`at` (Tx.as_of). The demo seeds its weeks of history with these (edge/demo/history.py). Each
public function takes plain values and owns its transaction (one writer call)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from edge.domain.shelf_life import ShelfRules
from edge.service import packing
from edge.service.counts import record_count
from edge.service.exceptions import change_exception, list_exceptions
from edge.service.orders import receive_order
from edge.service.picking import create_list_for
from edge.service.returns import authorise_return
from edge.service.scripted import _pick_whole, pack_and_dispatch
from edge.store.counts import count_tasks
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.operators import operator_ids
from edge.store.orders import NewOrder, order_lines, order_row
from edge.store.returns import NewAuthorisation
from edge.store.writer import Tx

T = TypeVar("T")


def _as_of(store: Store, at: datetime, fn: Callable[[Tx], T]) -> T:
    return store.writer.call(lambda tx: fn(tx.as_of(at)))


def release_at(store: Store, order: NewOrder, at: datetime) -> str:
    """Release (and allocate) the order as of `at`; its id."""
    return _as_of(
        store, at, lambda tx: str(receive_order(tx, order, Actor(), shelf=ShelfRules())["order_id"])
    )


def pick_at(
    store: Store,
    order_id: str,
    at: datetime,
    *,
    badge: str,
    short: bool = False,
    wrong_first: bool = False,
    tag: str = "history",
) -> str:
    """Pick the order on a list of its own, scan by scan, as the picker `badge`: a wrong bin
    first when `wrong_first` (refused), its first item shorted when `short`. The order's status
    after: picked, or on_hold when the short left it without stock."""
    return _as_of(store, at, lambda tx: _pick(tx, order_id, badge, short, wrong_first, tag))


def ship_at(
    store: Store,
    order_id: str,
    at: datetime,
    *,
    carrier: Any,
    rules: packing.PackRules,
    box: Any,
    packer: str,
    tag: str = "history",
) -> None:
    """Pack the picked order and dispatch it as of `at` (as `packer`; no label printed)."""
    _as_of(
        store,
        at,
        lambda tx: pack_and_dispatch(
            tx, order_id=order_id, carrier=carrier, rules=rules, box=box, packer=packer, tag=tag
        ),
    )


def count_shorts_at(store: Store, at: datetime, *, supervisor: str) -> int:
    """The open short-pick count tasks done as of `at` — every other one found the units held, the others
    one fewer — and the short picks' exceptions resolved by `supervisor`; how many counted."""
    return _as_of(store, at, lambda tx: _count_shorts(tx, supervisor))


def announce_return_at(
    store: Store, order_id: str, rma: str, at: datetime, *, location: str, reason: str
) -> None:
    """Announce the return of every unit shipped for the order (customer → returns_in_transit),
    as central's RMA would, as of `at`."""
    _as_of(store, at, lambda tx: _announce(tx, order_id, rma, location, reason))


def list_for_at(store: Store, order_ids: Sequence[str], at: datetime, *, badge: str) -> str:
    """A pick list of the orders for the picker `badge`, not begun; its id."""

    def make(tx: Tx) -> str:
        picker = operator_ids(tx)[badge]
        return create_list_for(tx, list(order_ids), assignee=picker, created_by=picker)

    return _as_of(store, at, make)


# --- inside the transaction


def _pick(tx: Tx, order_id: str, badge: str, short: bool, wrong_first: bool, tag: str) -> str:
    _pick_whole(tx, order_id, badge, tag, short=short, wrong_first=wrong_first)
    row = order_row(tx, order_id)
    return str(row["status"]) if row else ""


def _count_shorts(tx: Tx, supervisor: str) -> int:
    tasks = [t for t in count_tasks(tx.conn) if t["reason"] == "short_pick"]
    for task in tasks:
        held = int(task["held"] or 0)
        found = held if task["id"] % 2 else max(held - 1, 0)
        record_count(tx, int(task["id"]), found, Actor())
    by = operator_ids(tx)[supervisor]
    for exc in list_exceptions(tx.conn, tx.now, state="active", kind="short_pick"):
        change_exception(tx, exc["id"], "resolve", by, reason="counted the bin")
    return len(tasks)


def _announce(tx: Tx, order_id: str, rma: str, location: str, reason: str) -> None:
    per_sku: dict[str, int] = {}
    for line in order_lines(tx, order_id):
        per_sku[line["sku"]] = per_sku.get(line["sku"], 0) + int(line["qty_shipped"])
    lines = tuple((sku, qty, reason) for sku, qty in per_sku.items() if qty > 0)
    auth = NewAuthorisation(rma=rma, order_id=order_id, lines=lines, reason=reason)
    authorise_return(tx, auth, Actor(), location=location)
