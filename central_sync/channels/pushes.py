"""Writing back to a channel in its own shape: the adapter interface and the four platforms.

A push (central_sync/server/outbound.py) carries a neutral payload; at sending time the channel's
`Adapter` turns it into one HTTP call in the platform's shape (`render`) and reads the platform's
answer (`judge`). Pure: no I/O, no clock (the call's time stamp is passed in).

The interface, for a new channel or a new kind of push (the stock figures of issue 19 item 1):

- `render(kind, payload, settings, at)` → a `Call` (method, path under the channel's configured
  URL, headers, a JSON body or form fields), or None when the platform has no write-back for it
  (the push is then `skipped`, with the reason, and nothing is sent);
- `judge(status, body)` → `sent`, `retry` (the platform may take it later: 408, 425, 429, 5xx,
  a platform's "busy" error) or `refused` (it said no: a person must look).

Every call carries `Idempotency-Key` (the same on every retry of one push): a platform, or a
gateway in front of it, that honours it applies a write-back once however often it arrives.

Stock payload (kind "stock", channel_stock.py): `status` "stock", `sku`, `listing` (the
platform's id for it, set with the SKU's stock rule; "" when none is set), `available`, `seq`.
Each platform's call sets the figure (never adds to it), so a figure sent twice is harmless and
the latest one sent wins; a platform needing an id the SKU has no listing for is skipped.

Status payload (kind "status"): `channel_order_id`, `status` (shipped, cancelled, returned,
refunded), and for shipped `tracking_number`, `carrier`, `parcel_no`, `shipped_at`, `lines`
[{sku, qty}]; for cancelled `reason`; for refunded `refund_id`, `units`, `lines`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

Verdict = Literal["sent", "retry", "refused"]
SHOPIFY_VERSION = "2024-10"
# HTTP answers worth trying again: the platform may take the same call later.
TRANSIENT = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Settings:
    """A channel's push settings (docs/central.md, "Status back to the channels")."""

    url: str = ""  # the platform's API base (or a gateway in front of it)
    token: str = ""  # access token (Shopify's, Amazon's LWA token, Taobao's session, JD's)
    secret: str = ""  # the app secret that signs Taobao's and JD's calls
    app_key: str = ""  # Taobao's and JD's app key
    marketplace_id: str = ""  # Amazon's marketplace
    location_id: str = ""  # Shopify's location the stock figures are set at
    seller_id: str = ""  # Amazon's selling partner id (the listings API's path)
    enabled: bool = False


@dataclass(frozen=True)
class Call:
    """One HTTP call to the platform: `path` is relative to the channel's URL."""

    method: str
    path: str
    api: str  # the platform's name for it (logged, shown on the board)
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Adapter:
    render: Callable[[str, Mapping[str, Any], Settings, str], Call | None]
    judge: Callable[[int, str], Verdict]
    # why a status has no write-back on this platform (shown on the skipped push)
    unsupported: Mapping[str, str] = field(default_factory=dict)


def by_status(status: int) -> Verdict:
    """2xx sent; 408/425/429/5xx retry; any other answer refused."""
    if 200 <= status < 300:
        return "sent"
    return "retry" if status in TRANSIENT or status >= 500 else "refused"


# --- Shopify (Admin REST API)


def _shopify(kind: str, p: Mapping[str, Any], s: Settings, _at: str) -> Call | None:
    headers = {"X-Shopify-Access-Token": s.token}
    base = f"/admin/api/{SHOPIFY_VERSION}"
    if kind == "stock":
        if not p["listing"] or not s.location_id:
            return None
        # "Set the inventory level" (POST /inventory_levels/set.json): the inventory item's
        # available units at the location, set absolutely
        body = {
            "location_id": _number(s.location_id),
            "inventory_item_id": _number(p["listing"]),
            "available": p["available"],
        }
        return Call(
            "POST", f"{base}/inventory_levels/set.json", "inventoryLevelSet", body, None, headers
        )
    order = p["channel_order_id"]
    if kind != "status":
        return None
    if p["status"] == "shipped":
        # "Create a fulfillment" (POST /fulfillments.json): the order's fulfillment order and
        # the parcel's tracking_info; the buyer is told.
        body = {
            "fulfillment": {
                "line_items_by_fulfillment_order": [{"fulfillment_order_id": order}],
                "tracking_info": {"company": p["carrier"], "number": p["tracking_number"]},
                "notify_customer": True,
                "message": f"parcel {p['parcel_no']}",
            }
        }
        return Call("POST", f"{base}/fulfillments.json", "fulfillmentCreate", body, None, headers)
    if p["status"] == "cancelled":
        # "Cancel an order" (POST /orders/{id}/cancel.json)
        why = {"reason": "other", "email": True, "note": p.get("reason", "")}
        return Call("POST", f"{base}/orders/{order}/cancel.json", "orderCancel", why, None, headers)
    if p["status"] == "refunded":
        # "Create a refund" (POST /orders/{id}/refunds.json): the returned units, restocked
        # by the warehouse already; the amounts are settled on Shopify by a person
        refund = {
            "refund": {"note": f"refund {p['refund_id']}: {p['units']} units", "notify": True}
        }
        return Call(
            "POST", f"{base}/orders/{order}/refunds.json", "refundCreate", refund, None, headers
        )
    return None


# --- Amazon (Selling Partner API, Orders v0)


def _number(text: str) -> int | str:
    """A platform's numeric id as a JSON number (as its API documents it), else as given."""
    return int(text) if text.isdigit() else text


def _amazon(kind: str, p: Mapping[str, Any], s: Settings, _at: str) -> Call | None:
    if kind == "stock":
        # Listings Items API patchListingsItem (PATCH /listings/2021-08-01/items/{sellerId}/
        # {sku}): the merchant-fulfilled (FBA-less, "DEFAULT" channel) quantity of the seller's
        # SKU, which is central's SKU unless the rule names another
        sku = quote(p["listing"] or p["sku"], safe="")
        path = (
            f"/listings/2021-08-01/items/{quote(s.seller_id, safe='')}/{sku}"
            f"?marketplaceIds={quote(s.marketplace_id, safe='')}"
        )
        quantity = [{"fulfillment_channel_code": "DEFAULT", "quantity": p["available"]}]
        patch = {"op": "replace", "path": "/attributes/fulfillment_availability", "value": quantity}
        listing: dict[str, Any] = {"productType": "PRODUCT", "patches": [patch]}
        headers = {"x-amz-access-token": s.token}
        return Call("PATCH", path, "patchListingsItem", listing, None, headers)
    if kind != "status" or p["status"] != "shipped":
        return None
    # confirmShipment: POST /orders/v0/orders/{orderId}/shipmentConfirmation (204 when taken)
    body = {
        "packageDetail": {
            "packageReferenceId": str(p["parcel_no"]),
            "carrierCode": p["carrier"] or "Others",
            "carrierName": p["carrier"],
            "trackingNumber": p["tracking_number"],
            "shipDate": p["shipped_at"],
        },
        "marketplaceId": s.marketplace_id,
    }
    path = f"/orders/v0/orders/{p['channel_order_id']}/shipmentConfirmation"
    return Call("POST", path, "confirmShipment", body, None, {"x-amz-access-token": s.token})


# --- Taobao (TOP) and JD (JOS): one signed router call, errors inside a 200


def md5_sign(secret: str, params: Mapping[str, str]) -> str:
    """TOP's and JOS's md5 signature: MD5(secret + k1v1k2v2… in key order + secret), upper hex."""
    text = secret + "".join(f"{k}{params[k]}" for k in sorted(params)) + secret
    return hashlib.md5(text.encode()).hexdigest().upper()


def beijing_time(at: str) -> str:
    """`at` (central's UTC stamp) as TOP and JOS want `timestamp`: yyyy-MM-dd HH:mm:ss, GMT+8
    (a call more than a few minutes off is refused)."""
    utc = datetime.fromisoformat(at.replace("Z", "+00:00"))
    return (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S")


def _router_call(params: dict[str, str], s: Settings, path: str) -> Call:
    signed = params | {"sign": md5_sign(s.secret, params)}
    return Call("POST", path, params["method"], None, signed)


def _top_params(method: str, s: Settings, at: str) -> dict[str, str]:
    """The common parameters of a TOP (Taobao) call."""
    return {
        "method": method,
        "app_key": s.app_key,
        "session": s.token,
        "timestamp": beijing_time(at),
        "format": "json",
        "v": "2.0",
        "sign_method": "md5",
    }


def _taobao(kind: str, p: Mapping[str, Any], s: Settings, at: str) -> Call | None:
    if kind == "stock":
        if not p["listing"]:
            return None
        # taobao.item.quantity.update (宝贝/SKU库存修改): the listing is the item's num_iid, or
        # num_iid:sku_id for one SKU of it; type 1 sets the quantity (全量更新)
        num_iid, _, sku_id = str(p["listing"]).partition(":")
        params = _top_params("taobao.item.quantity.update", s, at) | {
            "num_iid": num_iid,
            "quantity": str(p["available"]),
            "type": "1",
        }
        if sku_id:
            params["sku_id"] = sku_id
        return _router_call(params, s, "/router/rest")
    if kind != "status" or p["status"] != "shipped" or p.get("parcel_no", 1) != 1:
        return None
    params = _top_params("taobao.logistics.offline.send", s, at) | {  # 自己联系物流（线下物流）发货
        "tid": str(p["channel_order_id"]),
        "out_sid": str(p["tracking_number"]),
        "company_code": str(p["carrier"]).upper(),
    }
    return _router_call(params, s, "/router/rest")


def _jos_call(method: str, business: Mapping[str, Any], s: Settings, at: str) -> Call:
    """One JOS (JD) router call: the business parameters as 360buy_param_json."""
    params = {
        "method": method,
        "app_key": s.app_key,
        "access_token": s.token,
        "timestamp": beijing_time(at),
        "v": "2.0",
        "360buy_param_json": json.dumps(business, ensure_ascii=False, separators=(",", ":")),
    }
    return _router_call(params, s, "/routerjson")


def _jd(kind: str, p: Mapping[str, Any], s: Settings, at: str) -> Call | None:
    if kind == "stock":
        if not p["listing"]:
            return None
        # jingdong.stock.write.updateSkuStock (设置商品SKU库存): JD's skuId, the units to sell
        business = {"skuId": str(p["listing"]), "stockNum": p["available"]}
        return _jos_call("jingdong.stock.write.updateSkuStock", business, s, at)
    if kind != "status" or p["status"] != "shipped" or p.get("parcel_no", 1) != 1:
        return None
    business = {
        "orderId": str(p["channel_order_id"]),
        "logiCoprId": str(p["carrier"]),
        "logiNo": str(p["tracking_number"]),
    }
    return _jos_call("jingdong.pop.order.shipment", business, s, at)  # POP 订单出库（发货）


def _router_judge(status: int, body: str) -> Verdict:
    """A 200 with `error_response` is a refusal (a platform's limit or busy error: retry)."""
    verdict = by_status(status)
    if verdict != "sent":
        return verdict
    try:
        answer = json.loads(body)
    except ValueError:
        return "retry"  # a gateway's page, not the platform's answer
    error = answer.get("error_response") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return "sent"
    code = str(error.get("code", ""))
    busy = code in ("7", "15", "520") or str(error.get("sub_code", "")).startswith("isp.")
    return "retry" if busy else "refused"


def _json_judge(status: int, _body: str) -> Verdict:
    return by_status(status)


_NO_RETURNED = "the platform takes the buyer's return in its own after-sales flow"
# Taobao and JD ship an order once: a second parcel's call would be refused as already shipped.
_ONCE = "the platform ships an order once: its first parcel's tracking number was sent"
_NO_LISTING = (
    "the SKU has no listing id for this platform: set skus[].listing with"
    " PUT /api/v1/channels/CHANNEL/stock-rules"
)
ADAPTERS: dict[str, Adapter] = {
    "shopify": Adapter(
        _shopify,
        _json_judge,
        {
            "returned": _NO_RETURNED,
            "stock": _NO_LISTING + " (and WAREHOUSE_CENTRAL_SHOPIFY_PUSH_LOCATION_ID)",
        },
    ),
    "amazon": Adapter(
        _amazon,
        _json_judge,
        {
            "cancelled": "Amazon takes a seller's cancellation as a feed, not sent yet",
            "returned": _NO_RETURNED,
            "refunded": "Amazon takes refunds as a payment-adjustment feed, not sent yet",
        },
    ),
    "taobao": Adapter(
        _taobao,
        _router_judge,
        {
            "shipped": _ONCE,
            "cancelled": "a paid Taobao trade is cancelled by the buyer's refund, not the seller",
            "returned": _NO_RETURNED,
            "refunded": "Taobao refunds are agreed in the refund flow (taobao.rp.*), not sent yet",
            "stock": _NO_LISTING + " (the item's num_iid, or num_iid:sku_id)",
        },
    ),
    "jd": Adapter(
        _jd,
        _router_judge,
        {
            "shipped": _ONCE,
            "cancelled": "JD cancels through the buyer's cancel request, not the seller",
            "returned": _NO_RETURNED,
            "refunded": "JD refunds are approved in its after-sales flow, not sent yet",
            "stock": _NO_LISTING + " (JD's skuId)",
        },
    ),
}


def idempotency_key(dedupe_key: str) -> str:
    """The key a push sends on every try: a hash of what makes it one write-back."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:40]
