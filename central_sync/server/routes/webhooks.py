"""Channel webhooks: `POST /api/v1/channels/{channel}/webhook` takes the platform's own body,
signed with the platform's own signature (webhooks.py); no token, the signature is the proof."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from central_sync.channels import Rejected, load_mapping, map_document
from central_sync.server import webhooks
from central_sync.server.deps import CentralDep
from central_sync.server.errors import CentralError
from central_sync.server.messages import PHRASES
from central_sync.server.orders import reason_of
from kernel import json_body
from kernel.fields import Word

router = APIRouter(prefix="/api/v1/channels", tags=["webhooks"])
log = logging.getLogger(__name__)


@router.post("/{channel}/webhook")
async def post_webhook(channel: Word, request: Request, central: CentralDep) -> JSONResponse:
    """A platform's order webhook (Shopify: orders/create, orders/updated), signature checked
    on the raw body first: 401 and nothing changes when it does not match; a topic that is no
    order (refunds/create) is answered 200 "ignored"; an order the mapping does not take (not
    ready to ship, not the warehouse's, no SKU) 200 "not_taken" with the field and reason,
    logged; then the order as `POST /api/v1/orders` takes one (201 imported, 200 duplicate, 422
    rejected: central's catalogue or rules may take it when sent again); an order central has
    that the channel cancelled or refunded whole is cancelled (200)."""
    if channel not in webhooks.WEBHOOKS:
        raise CentralError("not_found", what="channel webhook", key=channel[:40])
    setting = webhooks.secret_setting(channel)
    secret = central.webhook_secrets.get(channel)
    if secret is None:
        raise CentralError("webhook_not_configured", channel=channel, setting=setting)
    body = await request.body()
    if (why := webhooks.check(channel, secret, body, request.headers)) is not None:
        raise CentralError(
            "webhook_signature_invalid", channel=channel, reason=PHRASES[why], setting=setting
        )
    if (ignored := webhooks.not_an_order(channel, request.headers)) is not None:
        return JSONResponse(ignored)  # 2xx: a 4xx would have the platform send it again
    try:
        document = json_body.loads(body)
    except ValueError:
        raise CentralError("invalid_request", reason=PHRASES["not_json"]) from None
    if not isinstance(document, dict):
        raise CentralError("invalid_request", reason=PHRASES["not_json"])
    hook = webhooks.WEBHOOKS[channel]
    if (why := hook.cancelled(document)) and (
        known := await run_in_threadpool(central.known_order, channel, str(document.get("id", "")))
    ):
        done = await run_in_threadpool(central.cancel, known, why, tell_channel=False)
        return JSONResponse(done)
    [item] = map_document({hook.wrap: document}, load_mapping(channel))
    if isinstance(item, Rejected):
        # The mapping's answer to this body never changes, so it is no failure to deliver: a
        # 4xx would have the platform send the same body for hours, then drop the subscription.
        log.warning(
            "%s webhook: order %s not taken: %s: %s",
            channel,
            item.channel_order_id or "?",
            item.field,
            item.reason,
        )
        return JSONResponse(
            {
                "status": "not_taken",
                "channel_order_id": item.channel_order_id,
                "field": item.field,
                "reason": item.reason,
            }
        )
    [outcome] = await run_in_threadpool(central.ingest, [item.to_json()])
    if outcome.status == "rejected":
        raise CentralError(
            "order_rejected",
            channel_order_id=outcome.channel_order_id or "?",
            field=outcome.field,
            reason=reason_of(outcome),
        )
    status: Any = 201 if outcome.status == "imported" else 200
    return JSONResponse(outcome.as_dict(), status_code=status)
