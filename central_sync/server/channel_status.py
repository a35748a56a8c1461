"""Status back to the channels: the write-backs an order's change queues, in the change's own
transaction (central_sync/server/outbound.py sends them). One per order + status + parcel:

- shipped: one per parcel, with its carrier and tracking number (edge event `order_shipped`);
- cancelled: central cancelled it (not when the channel did: it knows);
- returned: the buyer's parcel arrived at a warehouse (`return_received`);
- refunded: a refund is due for a graded return parcel (one per refund-due record).

Only orders of a channel with an adapter (central_sync/channels/pushes.py) queue anything."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from central_sync.channels.pushes import ADAPTERS
from central_sync.server.outbound import enqueue
from central_sync.store.db import Tx, utc_now
from central_sync.store.orders import channel_order

KIND = "status"


def _order(tx: Tx, order_id: str) -> dict[str, Any] | None:
    row = channel_order(tx, order_id)
    return row if row is not None and row["channel"] in ADAPTERS else None


def _queue(tx: Tx, order_id: str, status: str, ref: str, extra: Mapping[str, Any]) -> bool:
    row = _order(tx, order_id)
    if row is None:
        return False
    channel, coid = row["channel"], row["channel_order_id"]
    payload = {"channel_order_id": coid, "status": status, **extra}
    key = f"{channel}|{coid}|{status}|{ref}"
    return enqueue(tx, channel, KIND, key, payload, order_id=order_id, now=utc_now())


def shipped(tx: Tx, order_id: str, parcels: Iterable[Any], shipped_at: str) -> None:
    """A write-back per parcel of an `order_shipped` event (carrier, tracking number, contents)."""
    for p in parcels:
        if not p.tracking_number:
            continue
        lines = [
            {"sku": str(c.get("sku", "")), "qty": int(c.get("qty", 0))}
            for c in (p.contents if isinstance(p.contents, list) else [])
            if isinstance(c, dict)
        ]
        extra = {
            "tracking_number": p.tracking_number,
            "carrier": p.carrier,
            "parcel_no": p.parcel_no,
            "parcels": p.parcels,
            "shipped_at": shipped_at,
            "lines": lines,
        }
        _queue(tx, order_id, "shipped", p.tracking_number, extra)


def cancelled(tx: Tx, order_id: str, reason: str) -> None:
    _queue(tx, order_id, "cancelled", "", {"reason": reason[:500]})


def returned(tx: Tx, order_id: str, rma: str | None, parcel: str) -> None:
    _queue(tx, order_id, "returned", rma or parcel, {"rma": rma, "parcel_id": parcel})


def refunded(tx: Tx, order_id: str, refund_id: int, units: int, lines: Iterable[Any]) -> None:
    listed = [{"sku": str(r["sku"]), "qty": int(r["refund_qty"])} for r in lines]
    extra = {"refund_id": refund_id, "units": units, "lines": listed}
    _queue(tx, order_id, "refunded", f"refund {refund_id}", extra)
