"""Refunds a channel reports for an order central already has (Shopify's orders/updated with new
`refunds[].refund_line_items`, a re-imported export): refunded units are never shipped.

The same order arriving again is a duplicate; its lines say how many units the channel has
refunded since (a line refunded whole is no longer in it). Those units are:
- taken off the order's lines while no warehouse holds it (unassigned or held at central);
- when every unit still to ship is refunded, the order is cancelled (the edge holding it gets
  `order_cancelled` through the feed, as for any cancel);
- when an edge holds it and only part is refunded, they come off its lines here and the edge is
  sent `order_lines_cancelled` naming them: it gives back their reservation, or puts back the
  units already picked, and packs only what is left (once per `cancel_id`);
- when the order is packed or gone, or the edge answers `order_lines_cancel_refused` (it packed
  before the cut arrived), an exception `refund_after_release` is opened for a person: the
  refunded units are in a parcel (docs/central.md, "Refunds after release")."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from central_sync.server import consign
from central_sync.server.amend import cancel_order
from central_sync.server.attention import raise_exception
from central_sync.server.batch import SHIPPED
from central_sync.server.errors import CentralError
from central_sync.server.feed import add_change
from central_sync.server.orders import LineIn, history
from central_sync.store import orders
from central_sync.store.db import Tx, utc_now

log = logging.getLogger("central.orders")
AT_CENTRAL = ("unassigned", "on_hold")
# The edge can no longer take units out: they are in parcels, or gone.
PACKED = frozenset({"packed", *SHIPPED})


def newly_refunded(stored: Sequence[Any], lines: Sequence[LineIn]) -> dict[int, int]:
    """Per stored line_no, the units refunded since it was stored: a line matched by SKU (in
    order) whose refunded count grew, or that is gone from the channel's order (refunded whole)."""
    incoming: dict[str, list[LineIn]] = {}
    for line in lines:
        incoming.setdefault(line.sku.upper(), []).append(line)
    out = {}
    for row in stored:
        same = incoming.get(str(row["sku"]).upper())
        now = same.pop(0).refunded if same else int(row["qty"]) + int(row["refunded"])
        if (more := min(now - int(row["refunded"]), int(row["qty"]))) > 0:
            out[int(row["line_no"])] = more
    return out


def apply_channel_refunds(tx: Tx, order_id: str, channel: str, lines: Sequence[LineIn]) -> str:
    """Apply what the channel refunded since; returns what was done ("" for nothing)."""
    row = orders.status_and_warehouse(tx, order_id)
    if row is None or row["status"] in ("cancelled", "completed"):
        return ""
    stored = orders.lines_with_refunds(tx, order_id)
    more = newly_refunded(stored, lines)
    if not more:
        return ""
    said = ", ".join(f"{n} × {r['sku']}" for r in stored if (n := more.get(int(r["line_no"]))))
    left = sum(int(r["qty"]) for r in stored) - sum(more.values())
    at_edge = bool(row["warehouse"]) or bool(consign.edge_copy(tx, order_id))  # split: parts
    cut_at_edge = at_edge and row["status"] not in PACKED and left > 0
    for line_no, units in more.items():
        at_central = (row["status"] in AT_CENTRAL and not row["warehouse"]) or cut_at_edge
        orders.refund_line(tx, order_id, line_no, units, units if at_central and left > 0 else 0)
    if left <= 0:
        try:
            cancel_order(tx, order_id, f"refunded on {channel}", tell_channel=False)
        except CentralError:  # shipped already: the goods left, a person settles the refund
            detail = f"{said} refunded on {channel} after order {order_id} shipped"
            raise_exception(
                tx, "refund_after_release", row["warehouse"] or "", detail, order_id=order_id
            )
            return detail
        return f"every unit refunded on {channel}: cancelled"
    if cut_at_edge:
        _send_cut(tx, order_id, row["warehouse"], stored, more, f"refunded on {channel}")
        history(tx, order_id, row["status"], row["status"], note=f"{said} refunded on {channel}")
        return f"{said} refunded on {channel}: {row['warehouse']} takes them off the order"
    if row["warehouse"]:
        detail = (
            f"{said} of order {order_id} refunded on {channel} after it was {row['status']} at "
            f"{row['warehouse']}: the units are in its parcels; settle the refund with the buyer"
        )
        raise_exception(tx, "refund_after_release", row["warehouse"], detail, order_id=order_id)
        return detail
    history(tx, order_id, row["status"], row["status"], note=f"{said} refunded on {channel}")
    orders.touch(tx, order_id, utc_now())
    return f"{said} refunded on {channel}: taken off the order"


def _send_cut(
    tx: Tx,
    order_id: str,
    edge_id: str,
    stored: Sequence[Any],
    more: dict[int, int],
    reason: str,
) -> None:
    """`order_lines_cancelled` to the edge holding the order: the units of each line to cut
    (to the edges of its consignments when it ships merged or split)."""
    if consign.cut_units(tx, order_id, more, reason):
        orders.touch(tx, order_id, utc_now())
        return
    lines = [
        {"line_no": int(r["line_no"]), "sku": r["sku"], "qty": more[int(r["line_no"])]}
        for r in stored
        if int(r["line_no"]) in more
    ]
    data = {
        "order_id": order_id,
        "cancel_id": uuid.uuid4().hex,
        "reason": reason,
        "lines": lines,
    }
    add_change(tx, edge_id, "order_lines_cancelled", data, order_id=order_id)
    orders.touch(tx, order_id, utc_now())
    log.info("order %s: %s cut at %s (%s)", order_id, lines, edge_id, reason)


def answer_cut_refusals(tx: Tx, edge_id: str, events: Sequence[Any]) -> None:
    """The edge could not cut units it had packed already (`order_lines_cancel_refused`): an
    exception for a person, naming the units; the refund is settled with the buyer."""
    for ev in events:
        if ev.type != "order_lines_cancel_refused" or not ev.order_id:
            continue
        units = ", ".join(
            f"{ln.get('qty')} × {ln.get('sku')}" for ln in ev.payload.get("lines") or []
        )
        detail = (
            f"{units} of order {ev.order_id} ({ev.payload.get('reason', 'refunded')}) could not "
            f"be taken off at {edge_id}: {ev.payload.get('refusal', 'packed')}; the units ship "
            "with the order: settle the refund with the buyer"
        )
        raise_exception(tx, "refund_after_release", edge_id, detail, order_id=ev.order_id)
