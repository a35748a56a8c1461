"""Return authorisations (RMAs) at central: authorised for shipped units within the site's policy,
each with a return label's tracking number and a date it lapses; cancelled by a person or expired
by the sweep. Every change reaches the order's edge through the feed in the same transaction
(`return_authorised`, `return_cancelled`: docs/sync.md)."""

from __future__ import annotations

import json
import logging
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, Strict

from central_sync.server.attention import raise_exception, resolve_for_order
from central_sync.server.batch import SHIPPED
from central_sync.server.errors import CentralError
from central_sync.server.feed import add_change
from central_sync.server.orders import history
from central_sync.server.return_policy import Line, Policy, check_lines, load_policy
from central_sync.store import catalogue, orders
from central_sync.store import returns as stored
from central_sync.store.db import Tx, stamp, utc_now
from kernel.fields import PRINTABLE, TEXT

log = logging.getLogger("central.returns")

OPEN = ("authorised", "received")
FINAL = ("closed", "cancelled", "expired")
STATUSES = (*OPEN, *FINAL)
RMA_PATTERN = r"^[A-Za-z0-9_.:-]+$"
SOURCES = ("admin", "self_service", "channel")


class ReturnLine(BaseModel):
    sku: Annotated[str, PRINTABLE] = Field(min_length=1, max_length=64)
    qty: Annotated[int, Strict()] = Field(gt=0, le=100_000)
    reason: Annotated[str, TEXT] | None = Field(default=None, min_length=1, max_length=200)


class ReturnIn(BaseModel):
    rma: str | None = Field(default=None, min_length=1, max_length=64, pattern=RMA_PATTERN)
    lines: list[ReturnLine] = Field(min_length=1, max_length=500)
    reason: Annotated[str, TEXT] | None = Field(default=None, min_length=1, max_length=500)
    # "channel": the channel accepted the buyer's return request (an integration relaying it);
    # central does not check its own policy windows then, only the units.
    source: Literal["admin", "channel"] = "admin"


class ReturnCancelIn(BaseModel):
    reason: Annotated[str, TEXT] = Field(min_length=1, max_length=200)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def shipped_at(tx: Tx, order_id: str) -> str | None:
    """When the order shipped, as its edge said (the first `shipped` in its history)."""
    return orders.first_shipped_at(tx, order_id)


def authorise_return(
    tx: Tx, order_id: str, body: ReturnIn, *, now: datetime, source: str = "admin"
) -> dict[str, Any]:
    """An RMA for shipped units of the order within the policy, sent to its edge; the same RMA
    number with the same lines again changes nothing."""
    tx.lock_feed()
    row = orders.order_for_update(tx, order_id)
    if row is None:
        raise CentralError("not_found", what="order", key=order_id)
    if row["status"] not in SHIPPED:
        raise CentralError("not_shipped", order_id=order_id, status=row["status"])
    lines = [ln.model_dump(exclude_none=True) for ln in body.lines]
    source = body.source if source == "admin" else source
    if body.rma is not None:
        same = stored.rma(tx, body.rma)
        if same is not None:
            if same["order_id"] == order_id and json.loads(same["lines"]) == lines:
                return feed_data(same) | {"created": False}
            raise CentralError("rma_exists", rma=body.rma)
    _check_returnable(tx, order_id, lines)
    policy = load_policy(tx)
    if source != "channel":
        _check_policy(tx, policy, row, body, now=now)
    rma = body.rma or _next_rma(tx)
    new = {
        "rma": rma,
        "order_id": order_id,
        "lines": json.dumps(lines, ensure_ascii=False),
        "reason": body.reason or "",
        "channel": row["channel"],
        "source": source,
        "tracking_number": _new_tracking(tx),
        "expires_at": stamp(now + timedelta(days=policy.expire_after_days)),
        "created_at": stamp(now),
        "status": "authorised",
    }
    stored.insert_return(tx, new, new["created_at"])
    after = "return_expected" if row["status"] in ("shipped", "completed") else row["status"]
    if after != row["status"]:
        orders.set_status(tx, order_id, after, utc_now())
    history(tx, order_id, row["status"], after, note=f"return authorised: {rma} ({source})")
    data = feed_data(new)
    add_change(tx, row["warehouse"], "return_authorised", data, order_id=order_id)
    log.info("return %s authorised for order %s (%s)", rma, order_id, source)
    return data | {"created": True}


def feed_data(row: dict[str, Any]) -> dict[str, Any]:
    """The `return_authorised` change's data (RETURNS_CONTRACT.md, docs/sync.md)."""
    data = {
        "rma": row["rma"],
        "order_id": row["order_id"],
        "lines": json.loads(row["lines"]),
        "return_tracking_number": row["tracking_number"],
        "expires_at": row["expires_at"],
        "channel": row["channel"],
    }
    return data | ({"reason": row["reason"]} if row["reason"] else {})


def _check_policy(
    tx: Tx, policy: Policy, order: dict[str, Any], body: ReturnIn, *, now: datetime
) -> None:
    since = shipped_at(tx, order["id"]) or order["updated_at"]
    days = max((now - parse_time(since)).days, 0)
    skus = sorted({ln.sku for ln in body.lines})
    category = {s: p["category"] for s, p in catalogue.products_named(tx, skus).items()}
    lines = [
        Line(ln.sku, category.get(ln.sku, ""), ln.reason or body.reason or "") for ln in body.lines
    ]
    check_lines(policy, order_id=order["id"], channel=order["channel"], days=days, lines=lines)


def _check_returnable(tx: Tx, order_id: str, lines: list[dict[str, Any]]) -> None:
    """Never more units under RMAs (but cancelled or expired ones) than the order shipped."""
    left: dict[str, int] = defaultdict(int)
    for ln in orders.line_quantities(tx, order_id):
        left[ln["sku"]] += int(ln["qty"])
    for taken in stored.live_lines_of_order(tx, order_id):
        for ln in json.loads(taken):
            left[ln["sku"]] -= int(ln["qty"])
    asked: dict[str, int] = defaultdict(int)
    for n, ln in enumerate(lines):
        asked[ln["sku"]] += ln["qty"]
        if asked[ln["sku"]] > left.get(ln["sku"], 0):
            reason = (
                f"lines[{n}]: {ln['sku']} × {asked[ln['sku']]} is more than the order has left "
                f"to return ({max(left.get(ln['sku'], 0), 0)})"
            )
            raise CentralError("invalid_request", reason=reason)


def _next_rma(tx: Tx) -> str:
    # Under the feed lock, so two requests never draw the same number.
    count = stored.return_count(tx)
    while True:
        count += 1
        rma = f"RMA-{count:06d}"
        if not stored.rma_taken(tx, rma):
            return rma


def _new_tracking(tx: Tx) -> str:
    """The return label's own tracking number: RT and 10 random digits (Code 128 set C)."""
    while True:
        number = f"RT{secrets.randbelow(10**10):010d}"
        if not stored.tracking_taken(tx, number):
            return number


def cancel_return(tx: Tx, rma: str, reason: str, *, expired: bool = False) -> dict[str, Any]:
    """Cancel (or expire) an RMA whose parcel has not arrived; its edge gets `return_cancelled`
    and takes the announced units out of returns in transit. Cancelling it again changes nothing."""
    tx.lock_feed()
    row = stored.rma_for_update(tx, rma)
    if row is None:
        raise CentralError("not_found", what="RMA", key=rma)
    if row["status"] in ("cancelled", "expired"):
        return {"rma": rma, "order_id": row["order_id"], "status": row["status"], "changed": False}
    if row["status"] != "authorised":
        raise CentralError("rma_not_open", rma=rma, status=row["status"])
    status = "expired" if expired else "cancelled"
    stored.close_return(tx, rma, status, reason, utc_now())
    order = orders.status_and_warehouse(tx, row["order_id"])
    assert order is not None  # returns.order_id references orders
    still = stored.open_count(tx, row["order_id"])
    after = order["status"]
    if not still and order["status"] == "return_expected":
        after = "shipped"
        orders.set_status(tx, row["order_id"], after, utc_now())
    if not still:
        resolve_for_order(tx, row["order_id"], "return_not_arrived")
    history(tx, row["order_id"], order["status"], after, note=f"return {rma} {status}: {reason}")
    data = {"rma": rma, "order_id": row["order_id"], "reason": "expired" if expired else reason}
    if order["warehouse"]:
        add_change(tx, order["warehouse"], "return_cancelled", data, order_id=row["order_id"])
    log.info("return %s %s (%s)", rma, status, reason)
    return {"rma": rma, "order_id": row["order_id"], "status": status, "changed": True}


def sweep(tx: Tx, *, now: datetime) -> dict[str, list[str]]:
    """Expire the RMAs past `expires_at`, and open an exception for each whose parcel has not
    arrived within the policy's `arrive_within_days`. Run every WATCH_S by serve."""
    policy = load_policy(tx)
    expired = stored.expired_rmas(tx, stamp(now))
    for rma in expired:
        cancel_return(tx, rma, "expired", expired=True)
    cutoff = stamp(now - timedelta(days=policy.arrive_within_days))
    late = stored.authorised_before(tx, cutoff)
    raised = []
    for r in late:
        detail = not_arrived(r, policy.arrive_within_days)
        if raise_exception(
            tx, "return_not_arrived", r["warehouse"] or "", detail, order_id=r["order_id"]
        ):
            raised.append(r["rma"])
    return {"expired": expired, "escalated": raised}


def not_arrived(r: dict[str, Any], days: int) -> str:
    """The exception's text for an RMA whose parcel has not arrived (board_text.py has it in
    Chinese)."""
    return (
        f"the parcel of return {r['rma']} (order {r['order_id']}, return tracking "
        f"{r['tracking_number']}) has not arrived at {r['warehouse']} {days} days after it was "
        f"authorised ({r['created_at']}). Ask the customer or the carrier; cancel it "
        f"(POST /api/v1/returns/{r['rma']}/cancel) if it will not come."
    )


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return dict(row) | {"lines": json.loads(row["lines"])}


def list_returns(
    tx: Tx, *, status: str | None = None, order_id: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """RMAs, newest first."""
    rows = stored.list_returns(tx, status=status, order_id=order_id, limit=limit)
    return [_public(r) for r in rows]


def order_of(tx: Tx, rma: str) -> str | None:
    """The order of the RMA, if it exists."""
    return stored.order_of_rma(tx, rma)


def return_detail(tx: Tx, rma: str) -> dict[str, Any]:
    row = stored.rma(tx, rma)
    if row is None:
        raise CentralError("not_found", what="RMA", key=rma)
    photos = stored.photos_of(tx, rma)
    return _public(row) | {"photos": photos, "refunds": stored.refunds_of_rma(tx, rma)}
