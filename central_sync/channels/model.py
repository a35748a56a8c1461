"""The internal shape of a channel's order, whatever its export looked like."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SHIP_TO_KEYS = ("name", "phone", "country", "province", "city", "district", "address", "postcode")


@dataclass(frozen=True)
class ChannelLine:
    sku: str
    qty: int  # still to ship: ordered less refunded
    lot: str = ""
    refunded: int = 0  # refunded or cancelled on the channel: never allocated
    status: str = "open"  # or "cancel_requested": the buyer asked the channel to cancel


@dataclass(frozen=True)
class ChannelOrder:
    """One order as a channel sent it, mapped to the fields the edge's order intake knows."""

    channel: str
    channel_order_id: str
    lines: tuple[ChannelLine, ...]
    ordered_at: str | None = None  # ISO 8601 UTC, "2026-11-20T08:15:00Z"
    priority: int = 0
    ship_by: str | None = None  # ISO 8601 UTC
    customer_ref: str = ""
    ship_to: dict[str, str] = field(default_factory=dict)  # keys from SHIP_TO_KEYS
    carrier: str = ""
    service: str = ""
    currency: str = ""
    total: str = ""  # a decimal string, "128.00"
    buyer_note: str = ""  # the buyer's message to the seller (Taobao buyer_message, Shopify note)
    seller_note: str = ""  # the seller's own memo (Taobao seller_memo, JD venderRemark)

    def to_json(self) -> dict[str, Any]:
        """A plain dict for json.dumps: lines as a list of dicts, ship_to copied."""
        return {
            "channel": self.channel,
            "channel_order_id": self.channel_order_id,
            "lines": [
                {
                    "sku": x.sku,
                    "qty": x.qty,
                    "lot": x.lot,
                    "refunded": x.refunded,
                    "status": x.status,
                }
                for x in self.lines
            ],
            "ordered_at": self.ordered_at,
            "priority": self.priority,
            "ship_by": self.ship_by,
            "customer_ref": self.customer_ref,
            "ship_to": dict(self.ship_to),
            "carrier": self.carrier,
            "service": self.service,
            "currency": self.currency,
            "total": self.total,
            "buyer_note": self.buyer_note,
            "seller_note": self.seller_note,
        }


@dataclass(frozen=True)
class Rejected:
    """An order left out of an import: where in the export (the source path) and why.

    `index` is the order's position in the export's list (0-based); -1 means the document as a
    whole (its list of orders is missing or not a list)."""

    index: int
    channel_order_id: str | None
    field: str
    reason: str


class MappingError(Exception):
    """A broken mapping file; the message names the file and the key."""
