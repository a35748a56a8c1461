"""Return rates at central (the return-rate KPI, warn above 8%, REQUIREMENTS.md): units returned
over units shipped, per product, per channel and per reason, over the last `days`.

Shipped units: the lines of orders whose first `shipped` falls in the window. Returned units:
the graded lines of refund-due records made in the window, wrong items left out (they are not
the order's goods). The reason is the edge's for the line, else the RMA's for the SKU, else the
RMA's, else "none"."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from central_sync.store import orders, returns
from central_sync.store.db import Tx, stamp

WARN_ABOVE = 0.08


def return_rates(tx: Tx, *, days: int, now: datetime) -> dict[str, Any]:
    since = stamp(now - timedelta(days=days))
    shipped = orders.units_first_shipped_since(tx, since)
    returned = returns.units_refunded_since(tx, since)
    out_by: dict[str, dict[str, dict[str, int]]] = {
        k: defaultdict(lambda: {"shipped": 0, "returned": 0}) for k in ("sku", "channel")
    }
    for r in shipped:
        out_by["sku"][r["sku"]]["shipped"] += int(r["qty"])
        out_by["channel"][r["channel"]]["shipped"] += int(r["qty"])
    reasons: dict[str, int] = defaultdict(int)
    for r in returned:
        out_by["sku"][r["sku"]]["returned"] += int(r["qty"])
        out_by["channel"][r["channel"]]["returned"] += int(r["qty"])
        reasons[r["reason"] or "none"] += int(r["qty"])
    total_shipped = sum(int(r["qty"]) for r in shipped)
    total_returned = sum(reasons.values())
    return {
        "days": days,
        "warn_above": WARN_ABOVE,
        "total": _rate({"shipped": total_shipped, "returned": total_returned}),
        "by_product": [{"sku": k} | _rate(v) for k, v in sorted(out_by["sku"].items())],
        "by_channel": [{"channel": k} | _rate(v) for k, v in sorted(out_by["channel"].items())],
        "by_reason": [
            {"reason": k} | _rate({"shipped": total_shipped, "returned": v})
            for k, v in sorted(reasons.items())
        ],
    }


def _rate(counts: dict[str, int]) -> dict[str, Any]:
    rate = counts["returned"] / counts["shipped"] if counts["shipped"] else None
    return dict(counts) | {
        "rate": None if rate is None else round(rate, 4),
        "warn": rate is not None and rate > WARN_ABOVE,
    }
