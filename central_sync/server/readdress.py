"""A new ship-to a channel sends for an order central already has (Shopify's orders/updated, an
export imported again): the order gets that address through amend.py's decision, as if a
supervisor had changed it, its history naming the channel.

The ship-to is compared with the one the channel **last sent** (a digest kept in
`orders.channel_ship_to`), not with the order's address now: the same body sent again is a
duplicate, and a supervisor's own correction at central is not undone by a later update that
still carries the channel's old address. Then:
- before the order ships, it takes the new address (its edge gets `address_changed` through the
  feed and reprints a printed label; an order held for its address is released if nothing else
  holds it);
- once it has shipped, nothing changes: an exception `address_after_shipment` asks a person to
  settle it with the carrier or the buyer;
- a cancelled order is left as it is;
- a new ship-to still ciphertext or masked (the decrypter could not open it: JD, Taobao) is never
  given to the order: an exception `address_unreadable` asks a person, and the digest is not
  kept, so the channel's next update is tried again."""

from __future__ import annotations

import json
import logging

from central_sync.channels.pii import Decrypter, decrypt_ship_to, protected_fields
from central_sync.server.amend import change_address
from central_sync.server.attention import raise_exception
from central_sync.server.batch import SHIPPED
from central_sync.server.orders import ShipTo, ship_to_digest
from central_sync.store import orders
from central_sync.store.db import Tx

log = logging.getLogger("central.orders")


def apply_channel_address(
    tx: Tx, order_id: str, channel: str, sent: ShipTo, decrypter: Decrypter
) -> tuple[bool, str]:
    """(changed, what was done; "" for nothing) for the ship-to the channel sent now."""
    row = orders.channel_ship_to(tx, order_id)
    if row is None:
        return False, ""
    digest = ship_to_digest(sent)
    if row["channel_ship_to"] == digest:
        return False, ""  # the same as last time: a duplicate
    opened = ShipTo(**decrypt_ship_to(channel, sent.model_dump(), decrypter))
    if (unread := protected_fields(opened.model_dump())) and row["status"] != "cancelled":
        detail = (
            f"{channel} sent a new ship-to for order {order_id} that could not be read"
            f" ({', '.join(unread)}): the order keeps its address; check the decrypter"
            ' (docs/central.md, "Protected ship-to") or correct the address'
            f" (POST /api/v1/orders/{order_id}/address)"
        )
        raise_exception(tx, "address_unreadable", row["warehouse"] or "", detail, order_id=order_id)
        return False, detail
    orders.set_channel_ship_to(tx, order_id, digest)
    if not row["channel_ship_to"] and json.loads(row["ship_to"]) == opened.model_dump():
        return False, ""  # taken in before the digest was kept, and unchanged
    if row["status"] == "cancelled":
        return False, ""
    if row["status"] in SHIPPED:
        detail = (
            f"{channel} sent a new ship-to for order {order_id} after it was {row['status']}"
            f" ({_one_line(opened)}): the parcel went to the old address; settle it with the"
            " carrier or the buyer"
        )
        raise_exception(
            tx, "address_after_shipment", row["warehouse"] or "", detail, order_id=order_id
        )
        return False, detail
    done = change_address(tx, order_id, opened, source=channel)
    if not done["changed"]:
        return False, ""
    log.info("order %s: new ship-to from %s", order_id, channel)
    where = f": {row['warehouse']} gets it" if row["warehouse"] else ""
    return True, f"address updated from {channel} ({_one_line(opened)}){where}"


def _one_line(ship_to: ShipTo) -> str:
    parts = (ship_to.name, ship_to.address, ship_to.city, ship_to.postcode, ship_to.country)
    return ", ".join(p for p in parts if p)
