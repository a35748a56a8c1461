"""Available to sell for the channels: each channel's reservation rules (admin) and the figures
published for it since a cursor (docs/central.md, "Available to sell for the channels")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, Strict

from central_sync.server.catalogue import SKU_PATTERN
from central_sync.server.channel_stock import MAX_RULES, StockRule
from central_sync.server.deps import Admin, AdminOrCookie, CentralDep
from central_sync.server.errors import CentralError
from kernel.fields import PAGE_MAX, Code, Seq

router = APIRouter(prefix="/api/v1", tags=["channels"], dependencies=[Admin])
reader = APIRouter(prefix="/api/v1", tags=["channels"], dependencies=[AdminOrCookie])

CapPct = Annotated[int, Strict(), Field(ge=0, le=100, description="Percent of the free stock.")]
Safety = Annotated[int, Strict(), Field(ge=0, le=1_000_000, description="Units held back.")]


class SkuRuleIn(BaseModel):
    sku: str = Field(pattern=SKU_PATTERN)
    cap_pct: CapPct = 100
    safety_stock: Safety = 0
    listing: str = Field(
        default="",
        pattern=r"^[^\s]{0,64}$",
        description="The channel's id of the SKU the pushes name (Shopify inventory_item_id, "
        "Taobao num_iid or num_iid:sku_id, JD skuId, Amazon seller SKU).",
    )


class StockRulesIn(BaseModel):
    """The channel's rule, and SKUs with their own (replacing every rule the channel had)."""

    cap_pct: CapPct = 100
    safety_stock: Safety = 0
    skus: list[SkuRuleIn] = Field(default_factory=list, max_length=MAX_RULES)


@reader.get("/channels")
def get_channels(central: CentralDep) -> dict[str, Any]:
    """Each channel's rule, the SKUs and units it is offered and its cursor."""
    return {"channels": central.channel_overview()}


@reader.get("/channels/{channel}/stock-rules")
def get_stock_rules(channel: Code, central: CentralDep) -> dict[str, Any]:
    """The channel's reservation rules: its cap and safety stock, and each SKU's own."""
    return central.stock_rules(channel)


@router.put("/channels/{channel}/stock-rules")
def put_stock_rules(channel: Code, body: StockRulesIn, central: CentralDep) -> dict[str, Any]:
    """Replace the channel's reservation rules; the figures they change are published at once."""
    seen: set[str] = set()
    for r in body.skus:
        if r.sku in seen:
            raise CentralError("invalid_request", reason=f"SKU {r.sku} has two rules")
        seen.add(r.sku)
    skus = {r.sku: StockRule(r.cap_pct, r.safety_stock) for r in body.skus}
    listings = {r.sku: r.listing for r in body.skus if r.listing}
    rule = StockRule(body.cap_pct, body.safety_stock)
    return central.set_stock_rules(channel, rule, skus, listings)


@reader.get("/channels/{channel}/available")
def get_available(
    channel: Code,
    central: CentralDep,
    since: Seq = 0,
    limit: int = Query(PAGE_MAX, ge=1, le=PAGE_MAX),
) -> dict[str, Any]:
    """The channel's figures published after cursor `since`, oldest first, each SKU once at its
    latest figure; ask again from the answer's `cursor` (while `more`, at once)."""
    return central.available(channel, since, limit)
