"""Platform webhooks into central: each channel's own body, taken only with its own signature.

Shopify signs every webhook with the app's secret: the `X-Shopify-Hmac-Sha256` header is the
base64 of the HMAC-SHA256 of the raw request body keyed by that secret (Shopify's docs: "Deliver
webhooks through HTTPS" → "Verify webhooks", shopify.dev/docs/apps/build/webhooks/subscribe/https).
It is checked on the raw bytes, before anything is parsed, with a constant-time compare.

The secret of a channel is read from the environment, WAREHOUSE_CENTRAL_<CHANNEL>_WEBHOOK_SECRET
(docs/central.md, "Channel webhooks"). Pure: no I/O but reading the environment once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Webhook:
    """How one channel's webhook is authenticated and where its order sits in the body."""

    header: str  # the signature header
    verify: Callable[[bytes, bytes, str], bool]  # (secret, raw body, header value) -> matches
    wrap: str  # the key the body's order is put under for the channel's mapping
    # why the body says the channel cancelled or refunded the whole order ("" when it does not)
    cancelled: Callable[[Mapping[str, object]], str]
    topic_header: str = ""  # the header naming what the body is (Shopify: X-Shopify-Topic)
    order_topics: tuple[str, ...] = ()  # the topics whose body is an order


def shopify_hmac(secret: bytes, body: bytes) -> str:
    """Shopify's signature of a body: base64(HMAC-SHA256(secret, body))."""
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


def _shopify_verify(secret: bytes, body: bytes, given: str) -> bool:
    return hmac.compare_digest(shopify_hmac(secret, body), given.strip())


def _shopify_cancelled(order: Mapping[str, object]) -> str:
    if order.get("cancelled_at"):
        return f"cancelled on shopify ({order.get('cancel_reason') or 'no reason given'})"
    if order.get("financial_status") in ("refunded", "voided"):
        return f"{order.get('financial_status')} on shopify"
    return ""


WEBHOOKS: dict[str, Webhook] = {
    # orders/create, orders/updated, orders/cancelled: the body is the order object itself
    "shopify": Webhook(
        "X-Shopify-Hmac-Sha256",
        _shopify_verify,
        "order",
        _shopify_cancelled,
        "X-Shopify-Topic",
        ("orders/create", "orders/updated", "orders/paid", "orders/cancelled"),
    ),
}


def not_an_order(channel: str, headers: Mapping[str, str]) -> dict[str, str] | None:
    """The answer to a body whose topic is not an order (Shopify's refunds/create: its refund
    reaches central in orders/updated), or None when it is one (or names no topic)."""
    hook = WEBHOOKS[channel]
    topic = headers.get(hook.topic_header, "").strip() if hook.topic_header else ""
    if not topic or topic in hook.order_topics:
        return None
    takes = ", ".join(hook.order_topics[:-1]) + f" and {hook.order_topics[-1]}"
    return {
        "status": "ignored",
        "topic": topic[:80],
        "reason": f"{topic[:80]} carries no order: central takes {takes}"
        " (a refund arrives in orders/updated's refunds)",
    }


def secret_setting(channel: str) -> str:
    """The environment variable holding a channel's webhook secret."""
    return f"WAREHOUSE_CENTRAL_{channel.upper()}_WEBHOOK_SECRET"


def secrets_from(environ: Mapping[str, str] = os.environ) -> dict[str, bytes]:
    """The configured webhook secrets, by channel (channels without one are left out)."""
    return {
        channel: value.encode()
        for channel in WEBHOOKS
        if (value := environ.get(secret_setting(channel), ""))
    }


def check(channel: str, secret: bytes, body: bytes, headers: Mapping[str, str]) -> str | None:
    """None when the body carries the channel's valid signature, else the phrase key of why not."""
    given = headers.get(WEBHOOKS[channel].header)
    if not given:
        return "no_signature"
    return None if WEBHOOKS[channel].verify(secret, body, given) else "bad_signature"
