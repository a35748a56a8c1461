"""The return label: a waybill from the customer to the warehouse's returns desk, with the RMA's
own tracking number (which the edge's returns desk scans to find the parcel) and the RMA number
as the small barcode. Rendered by `labels` (PDF and ZPL) from what central stores."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from central_sync.server.errors import CentralError
from central_sync.server.return_policy import ReturnTo, load_policy
from central_sync.store import catalogue, returns
from central_sync.store.db import Tx
from labels.document import Address, Waybill
from labels.waybill import waybill_pdf, waybill_zpl

SERVICE = "RETURN 退货"


def return_waybill(tx: Tx, rma: str) -> Waybill:
    """The waybill of the RMA's parcel: from the order's ship-to, to its warehouse's returns desk
    (the policy's `return_to[warehouse]`, else `return_to["*"]`, else the warehouse's name)."""
    row = returns.rma_with_order(tx, rma)
    if row is None or not row["tracking_number"]:
        raise CentralError("not_found", what="RMA", key=rma)
    policy = load_policy(tx)
    warehouse = row["warehouse"] or ""
    to = policy.return_to.get(warehouse) or policy.return_to.get("*")
    if to is None:
        to = ReturnTo(name=f"Returns desk / 退货台 {warehouse}".strip())
    lines = json.loads(row["lines"])
    skus = sorted({ln["sku"] for ln in lines})
    weights = catalogue.weights(tx, skus)
    grams = sum(int(weights.get(ln["sku"]) or 0) * int(ln["qty"]) for ln in lines)
    return Waybill(
        order_number=row["rma"],
        carrier=policy.carrier,
        service=SERVICE,
        tracking_no=row["tracking_number"],
        sender=_customer(json.loads(row["ship_to"])),
        recipient=Address(**to.model_dump()),
        weight_g=max(grams, 1),
        piece_no=1,
        piece_count=1,
        ship_date=date.fromisoformat(row["created_at"][:10]),
        reference=row["order_id"],
    )


def _customer(ship_to: dict[str, Any]) -> Address:
    return Address(
        name=ship_to.get("name") or "-",
        line1=ship_to.get("address") or "",
        line2=ship_to.get("district") or "",
        city=ship_to.get("city") or "",
        region=ship_to.get("province") or "",
        postal_code=ship_to.get("postcode") or "",
        country=ship_to.get("country") or "",
        phone=ship_to.get("phone") or "",
    )


def label_pdf(tx: Tx, rma: str) -> bytes:
    return waybill_pdf(return_waybill(tx, rma))


def label_zpl(tx: Tx, rma: str) -> str:
    return waybill_zpl(return_waybill(tx, rma))
