"""An order a supervisor moved away from a quiet edge that shipped it before the recall reached
it (docs/central.md, "Quiet warehouses"): the goods left, so central takes that edge's
`order_shipped` as the truth and the order is that edge's again. The edge it was moved to holds
a duplicate: recalled from there when it has picked nothing of it, else a person is asked to
stop it and put its units back. Either way a `duplicate_assignment` exception names both edges,
on the board with the others."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from central_sync.server.attention import raise_exception
from central_sync.server.batch import EdgeEvent
from central_sync.server.feed import add_change
from central_sync.server.orders import history, recalled_from
from central_sync.store import orders as stored
from central_sync.store.db import Tx, utc_now

log = logging.getLogger("central.orders")
# Central statuses that say the second edge has started work on its copy.
STARTED = ("picking", "picked", "packed")


def adopt_shipped(
    tx: Tx, edge_id: str, events: Sequence[EdgeEvent], rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`rows` (id, status, warehouse of the batch's orders) with every order this edge shipped
    after it was recalled from it given back to this edge, the duplicate settled."""
    shipped = {ev.order_id for ev in events if ev.type == "order_shipped" and ev.order_id}
    foreign = [r for r in rows if r["id"] in shipped and r["warehouse"] != edge_id]
    if not foreign:
        return rows
    recalled = recalled_from(tx, [r["id"] for r in foreign])
    adopted = {r["id"] for r in foreign if edge_id in recalled.get(r["id"], set())}
    if not adopted:
        return rows
    tx.lock_feed()  # before the order rows, as central's own decisions take them
    for row in foreign:
        if row["id"] in adopted:
            _settle(tx, edge_id, row)
    return [r | {"warehouse": edge_id} if r["id"] in adopted else r for r in rows]


def _settle(tx: Tx, edge_id: str, row: dict[str, Any]) -> None:
    order_id, other, status = row["id"], row["warehouse"], row["status"]
    picked = stored.picked_units(tx, order_id)
    shipped = f"{edge_id} shipped order {order_id} before its recall reached it"
    if not other:
        done = "it was waiting unassigned: nothing else to do"
    elif picked > 0 or status in STARTED:
        done = (
            f"{other} holds it too and has picked {picked} unit(s) of it ({status}): stop it there "
            "(cancel its copy at the edge) and put the units back, then resolve this"
        )
    else:
        reason = f"shipped by {edge_id} before its recall arrived"
        add_change(
            tx, other, "order_recalled", {"order_id": order_id, "reason": reason}, order_id=order_id
        )
        done = f"{other}, which held it too, has picked nothing of it: its copy is recalled"
    stored.give_to_edge(tx, order_id, edge_id, utc_now())
    history(tx, order_id, status, status, note=f"{shipped}; {done}")
    raise_exception(tx, "duplicate_assignment", edge_id, f"{shipped}; {done}", order_id=order_id)
    log.warning("%s; %s", shipped, done)
