"""The customer's self-service return: the order number and the phone's last digits open the
order (nothing about it is shown before both match), then a short-lived signed pass lets the
page ask for an RMA, add photos and fetch the return label.

Guessing is slowed per client address and per order number (the edge's login throttle rules,
edge/domain/throttle.py): a source past its free tries waits longer after each failure. The pass
is an HMAC over the order id and its expiry with a secret kept in `central_meta`, so every
central process over the database accepts it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, Field

from central_sync.server.batch import SHIPPED
from central_sync.server.errors import CentralError
from central_sync.server.return_policy import REASONS, load_policy, window
from central_sync.server.returns import ReturnLine, order_of, parse_time, shipped_at
from central_sync.store import catalogue, meta, orders, returns
from central_sync.store.db import Tx, stamp, utc_now
from edge.domain.errors import EdgeError
from edge.service.throttle import SourceThrottle
from kernel.fields import PRINTABLE, TEXT

SECRET_KEY = "self_service_secret"
PASS_MINUTES = 30
MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 2 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


class LookupIn(BaseModel):
    order: Annotated[str, PRINTABLE] = Field(min_length=1, max_length=64)
    phone: str = Field(min_length=4, max_length=32, pattern=r"^[0-9 +()-]+$")


class SelfReturnIn(BaseModel):
    lines: list[ReturnLine] = Field(min_length=1, max_length=50)
    reason: Annotated[str, TEXT] = Field(min_length=1, max_length=500)


class Guard:
    """Failed look-ups per client address and per order number (in memory, per process)."""

    def __init__(self) -> None:
        self.throttle = SourceThrottle(free=5, max_delay_s=900.0)

    def check(self, sources: list[str], now: datetime) -> None:
        try:
            self.throttle.check(sources, now)
        except EdgeError as exc:
            raise CentralError("too_many_attempts", **exc.params) from None

    def failed(self, sources: list[str], now: datetime) -> None:
        self.throttle.failed(sources, now)


def pass_key(tx: Tx) -> bytes:
    """The key passes are signed with, made once and kept in `central_meta` (write transaction)."""
    found = meta.meta_value(tx, SECRET_KEY)
    if found is None:
        meta.add_meta_value(tx, SECRET_KEY, secrets.token_hex(32))
        found = meta.meta_value(tx, SECRET_KEY)
    return bytes.fromhex(str(found))


def make_pass(key: bytes, order_id: str, *, now: datetime) -> str:
    body = json.dumps({"o": order_id, "e": stamp(now + timedelta(minutes=PASS_MINUTES))})
    raw = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    sig = hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()
    return f"{raw}.{sig}"


def read_pass(key: bytes, token: str, *, now: datetime) -> str:
    """The order id the pass opens, or `not_authenticated`."""
    raw, _, sig = token.partition(".")
    good = hmac.new(key, raw.encode(), hashlib.sha256).hexdigest()
    if not sig or not hmac.compare_digest(sig.encode(), good.encode()):
        raise CentralError("not_authenticated", reason="no valid return pass (X-Return-Pass)")
    body = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if parse_time(body["e"]) < now:
        raise CentralError("not_authenticated", reason="the return pass has expired; start again")
    return str(body["o"])


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def lookup(tx: Tx, body: LookupIn) -> str | None:
    """The order matching the number (central's id, or the channel's) and the phone's last
    digits (4 or more), else None. Only a shipped order can be returned."""
    rows = orders.orders_by_number(tx, body.order.strip())
    tail = _digits(body.phone)
    for r in rows:
        phone = _digits(json.loads(r["ship_to"]).get("phone", ""))
        if len(tail) >= 4 and phone.endswith(tail) and r["status"] in SHIPPED:
            return str(r["id"])
    return None


def order_view(tx: Tx, order_id: str, *, now: datetime) -> dict[str, Any]:
    """What the customer may see once order and phone matched: the lines left to return with the
    windows that apply, the RMAs made so far (no address, no phone)."""
    order = orders.channel_order(tx, order_id)
    assert order is not None  # the pass names an order that exists
    policy = load_policy(tx)
    since = shipped_at(tx, order_id)
    days = max((now - parse_time(since)).days - policy.transit_days, 0) if since else 0
    left: dict[str, int] = defaultdict(int)
    for r in orders.line_quantities(tx, order_id):
        left[r["sku"]] += int(r["qty"])
    rmas = returns.returns_of_order(tx, order_id, oldest_first=True)
    for r in rmas:
        if r["status"] not in ("cancelled", "expired"):
            for ln in json.loads(r["lines"]):
                left[ln["sku"]] -= int(ln["qty"])
    names = catalogue.products_named(tx, list(left))
    lines = []
    for sku, qty in sorted(left.items()):
        product = names.get(sku, {})
        w = window(policy, order["channel"], product.get("category", ""))
        lines.append(
            {
                "sku": sku,
                "name": product.get("name", sku),
                "name_zh": product.get("name_zh", ""),
                "returnable": max(qty, 0),
                "days_without_reason": w.days_without_reason,
                "days_with_reason": w.days_with_reason,
            }
        )
    return {
        "order_id": order_id,
        "channel_order_id": order["channel_order_id"],
        "days_since_shipped": days,
        "reasons": list(REASONS),
        "lines": lines,
        "returns": [
            {"rma": r["rma"], "status": r["status"], "return_tracking_number": r["tracking_number"]}
            for r in rmas
        ],
    }


def add_photo(tx: Tx, order_id: str, rma: str, content_type: str, data: bytes) -> dict[str, Any]:
    """Keep one photo of the customer's RMA: JPEG or PNG (checked by its first bytes), at most
    MAX_PHOTO_BYTES, at most MAX_PHOTOS per RMA."""
    if order_of(tx, rma) != order_id:
        raise CentralError("not_found", what="RMA", key=rma)
    magic = PHOTO_TYPES.get(content_type.split(";")[0].strip().lower())
    if magic is None or not data.startswith(magic):
        raise CentralError("photo_refused", reason="not a JPEG or PNG image", limit=MAX_PHOTOS)
    if len(data) > MAX_PHOTO_BYTES:
        raise CentralError("photo_refused", reason="larger than 2 MiB", limit=MAX_PHOTOS)
    count = returns.photo_count(tx, rma)
    if count >= MAX_PHOTOS:
        raise CentralError("photo_refused", reason="too many photos", limit=MAX_PHOTOS)
    photo = base64.b64encode(data).decode()
    returns.insert_photo(tx, rma, count + 1, content_type, photo, utc_now())
    return {"rma": rma, "photo_no": count + 1}
