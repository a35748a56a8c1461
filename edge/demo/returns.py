"""The demo's returns: a few orders picked, packed and dispatched through the floor's own
workflows, their shipments synced up to the demo's central, central authorising returns (RMAs) for
some of them with its own `authorise_return`, and the RMAs synced back down the change feed, so a
returns clerk has parcels to receive at once. One shipped order gets no RMA: its parcel is the
"unexpected" one, found by the customer's name or phone. What was seeded is kept in edge_meta
for the banner and the barcode sheet of a reused data dir."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from central_sync.server.returns import ReturnIn, ReturnLine
from edge.config import Settings
from edge.demo.data import OPERATORS
from edge.service import scripted
from edge.store import packing as pack_store
from edge.store.catalog import items_in_play, unit_barcode
from edge.store.database import Store, meta_value
from edge.store.orders import order_lines, released_orders
from labels.sheet import SheetItem, SheetSection

RETURNS_KEY = "demo_returns"  # in edge_meta: the RMAs and the unexpected parcel, as JSON
SHIPPED_ORDERS = 3  # the first ones get an RMA each, the last one none
UNKNOWN_PARCEL = "SF1234567890"  # a courier's number on no label of ours: an unexpected parcel
CLERK = "R001"


@dataclass(frozen=True)
class DemoReturns:
    """What the returns desk has in the demo: RMAs (rma, order_id, lines, tracking) and the
    shipped order whose parcel comes back unannounced."""

    rmas: list[dict[str, Any]]
    unexpected: dict[str, Any]

    def skus(self) -> list[str]:
        """Every SKU a returned parcel holds, RMA lines first."""
        seen = [ln["sku"] for r in self.rmas for ln in r["lines"]]
        seen += [ln["sku"] for ln in self.unexpected.get("lines", [])]
        return list(dict.fromkeys(seen))


def ship_orders(store: Store, settings: Settings, *, count: int = SHIPPED_ORDERS) -> list[str]:
    """Pick, pack (no waybill print: these left before today) and dispatch `count` released
    orders, each in one writer call; returns their ids, the first one of two units or more (a
    return to grade one unit resellable and one damaged)."""
    chosen = _to_ship(store, count)
    ship(store, settings, chosen)
    return chosen


def ship(store: Store, settings: Settings, chosen: Sequence[str], *, dispatch: bool = True) -> None:
    """Pick, pack and dispatch each order, each in one writer call (no waybill print);
    `dispatch` False: they wait packed for a carrier handover."""
    scripted.ship_orders(
        store, settings, chosen, picker="P001", packer="K001", tag="demo", dispatch=dispatch
    )


def _to_ship(store: Store, count: int) -> list[str]:
    conn = store.read()
    waiting = released_orders(conn, 40)
    units = {o: max(int(ln["qty_ordered"]) for ln in order_lines(conn, o)) for o in waiting}
    first = next((o for o in waiting if units[o] >= 2), waiting[0])
    return [first, *[o for o in waiting if o != first][: count - 1]]


def authorise_returns(
    central: Any, store: Store, shipped: Sequence[str], sync: Callable[[], Any]
) -> DemoReturns:
    """Sync the shipments up, have central authorise a return of every unit of each shipped
    order but the last, sync the RMAs down; keep what was made in edge_meta."""
    sync()
    rmas = []
    for order_id in shipped[:-1]:
        lines = _shipped_lines(store, order_id)
        body = ReturnIn(
            lines=[ReturnLine(sku=sku, qty=qty) for sku, qty in lines], reason="no longer needed"
        )
        made = central.returns.authorise(order_id, body)
        rmas.append(
            {
                "rma": made["rma"],
                "order_id": order_id,
                "lines": [{"sku": sku, "qty": qty} for sku, qty in lines],
                "tracking": made.get("return_tracking_number") or "",
            }
        )
    sync()
    last = shipped[-1]
    to = pack_store.ship_to(store.read(), last)
    phone = "".join(ch for ch in str(to.get("phone") or "") if ch.isdigit())
    unexpected = {
        "order_id": last,
        "customer": to.get("name", ""),
        "phone_tail": phone[-4:],
        "parcel": UNKNOWN_PARCEL,
        "lines": [{"sku": sku, "qty": qty} for sku, qty in _shipped_lines(store, last)],
    }
    seeded = DemoReturns(rmas, unexpected)
    value = json.dumps({"rmas": rmas, "unexpected": unexpected}, ensure_ascii=False)
    scripted.remember_once(store, RETURNS_KEY, value)
    return seeded


def _shipped_lines(store: Store, order_id: str) -> list[tuple[str, int]]:
    order = pack_store.pack_order(store.read(), order_id)
    assert order is not None
    per_sku: dict[str, int] = {}
    for ln in order.lines:
        per_sku[ln.sku] = per_sku.get(ln.sku, 0) + ln.packed
    return [(sku, qty) for sku, qty in per_sku.items() if qty > 0]


def seeded_returns(store: Store) -> DemoReturns | None:
    """The returns the demo seeded in this data dir, or None (seeded before returns existed)."""
    value = meta_value(store.read(), RETURNS_KEY)
    if value is None:
        return None
    found = json.loads(value)
    return DemoReturns(found["rmas"], found["unexpected"])


def returns_banner(seeded: DemoReturns | None) -> list[str]:
    """Banner lines telling the returns clerk what to scan."""
    if seeded is None:
        return []
    pin = next(op[3] for op in OPERATORS if op[0] == CLERK)
    lines = [
        f"Returns desk (log in as the returns clerk {CLERK} / {pin}, task Returns):"
        " scan an RMA or its return tracking number:"
    ]
    for r in seeded.rmas:
        units = ", ".join(f"{ln['qty']} × {ln['sku']}" for ln in r["lines"])
        tracking = f" (return tracking {r['tracking']})" if r["tracking"] else ""
        lines.append(f"  {r['rma']}{tracking}: order {r['order_id']}, {units}")
    u = seeded.unexpected
    lines.append(
        f"  Unexpected parcel (shipped, no RMA): scan {u['parcel']}, then search"
        f" {u['customer'] or u['phone_tail']!r} or the phone's last digits {u['phone_tail']}"
        f" (order {u['order_id']})"
    )
    return lines


def returns_sections(store: Store, seeded: DemoReturns | None) -> list[SheetSection]:
    """The barcode sheet's part for the returns desk: what is on each returned parcel (RMA,
    return tracking number, the unexpected one's courier number) and the items inside."""
    if seeded is None:
        return []
    parcels = [SheetItem(r["rma"], r["rma"], f"order {r['order_id']}") for r in seeded.rmas]
    parcels += [
        SheetItem(r["tracking"], r["tracking"], f"return label of {r['rma']}")
        for r in seeded.rmas
        if r["tracking"]
    ]
    u = seeded.unexpected
    parcels.append(SheetItem(u["parcel"], u["parcel"], f"unexpected: order {u['order_id']}"))
    conn = store.read()
    listed = {r["sku"] for r in items_in_play(conn)}  # on the sheet already, one label each
    items = [
        SheetItem(str(unit_barcode(conn, sku)), sku) for sku in seeded.skus() if sku not in listed
    ]
    return [SheetSection("Returned parcels", parcels), SheetSection("Items of the returns", items)]
