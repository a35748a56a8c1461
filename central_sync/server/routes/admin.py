"""Admin paths: channel orders in, decisions on orders, the catalogue, stock, edges."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.types import Receive, Scope, Send

from central_sync.server.amend import AddressIn, CancelIn, ReassignIn
from central_sync.server.catalogue import SKU_PATTERN, ProductIn, ProductWithSku
from central_sync.server.central import Central
from central_sync.server.deps import Admin, AdminOrCookie, CentralDep, admin
from central_sync.server.errors import CentralError
from central_sync.server.gifts import GiftRuleIn
from central_sync.server.kits import KitIn, KitWithSku
from central_sync.server.orders import reason_of, summary
from kernel.fields import Code, Int64Id, Word
from kernel.lean_route import LeanRoute, json_object

router = APIRouter(prefix="/api/v1", tags=["admin"], dependencies=[Admin])
reader = APIRouter(prefix="/api/v1", tags=["admin"], dependencies=[AdminOrCookie])


class ProductsIn(BaseModel):
    products: list[ProductWithSku] = Field(min_length=1, max_length=10_000)


class KitsIn(BaseModel):
    kits: list[KitWithSku] = Field(min_length=1, max_length=10_000)


class EdgeIn(BaseModel):
    edge_id: str = Field(min_length=1, max_length=64)
    name: str = Field(default="", max_length=200)


@router.post("/orders")
async def post_orders(central: CentralDep, body: Any = Body(...)) -> JSONResponse:
    """One channel order (201 new, 200 duplicate, 422 rejected) or `{"orders": [...]}` (200).

    A single order joins the others arriving at the same moment in one transaction (intake.py)."""
    if isinstance(body, dict) and isinstance(body.get("orders"), list):
        if len(body["orders"]) > 10_000:
            raise CentralError("invalid_request", reason="at most 10,000 orders per request")
        return JSONResponse(summary(await run_in_threadpool(central.ingest, body["orders"])))
    return await take_in_one(central, body)


async def take_in_one(central: Central, body: Any) -> JSONResponse:
    """One order through the intake (joined with those arriving at the same moment): 201 new,
    200 duplicate, 422 `order_rejected` naming the field."""
    only = await central.intake.submit(body)
    if only.status == "rejected":
        raise CentralError(
            "order_rejected",
            channel_order_id=only.channel_order_id or "?",
            field=only.field,
            reason=reason_of(only),
        )
    return JSONResponse(only.as_dict(), status_code=201 if only.status == "imported" else 200)


@router.post("/orders/assign")
def post_assign(central: CentralDep) -> dict[str, Any]:
    """Try to assign every unassigned order again (also done after each stock change)."""
    done = central.assign_pending()
    return {"assigned": done, "count": len(done)}


@reader.get("/orders")
def get_orders(
    central: CentralDep,
    status: Word | None = None,
    warehouse: Code | None = None,
    channel: Word | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> dict[str, Any]:
    """The order board as JSON: orders across warehouses (of a status, a warehouse, a channel),
    the most recently changed first."""
    orders = central.orders(status=status, warehouse=warehouse, channel=channel, limit=limit)
    return {"orders": orders}


@reader.get("/orders/{order_id}")
def get_order(order_id: Code, central: CentralDep) -> dict[str, Any]:
    """One order with its lines, history, shipment and returns."""
    return central.order(order_id)


@router.post("/orders/{order_id}/cancel")
def post_cancel(order_id: Code, body: CancelIn, central: CentralDep) -> dict[str, Any]:
    """Cancel the order; its edge gets `order_cancelled`."""
    return central.cancel(order_id, body.reason)


@router.post("/orders/{order_id}/reassign")
def post_reassign(order_id: Code, body: ReassignIn, central: CentralDep) -> dict[str, Any]:
    """Take a released order back from its edge (`order_recalled`, honoured once when the edge
    comes back) and assign it among the other edges."""
    return central.reassign(order_id, body.reason)


@router.post("/orders/{order_id}/address")
def post_address(order_id: Code, body: AddressIn, central: CentralDep) -> dict[str, Any]:
    """Give the order a new ship-to address; its edge gets `address_changed`."""
    return central.change_address(order_id, body.ship_to)


def _sku(sku: str) -> str:
    """The SKU of a path, refused (`invalid_request`) unless 1-64 characters with no spaces."""
    if not re.fullmatch(SKU_PATTERN, sku):
        raise CentralError(
            "invalid_request", reason=f"SKU {sku!r} must be 1-64 characters, no spaces"
        )
    return sku


@router.put("/products/{sku}")
def put_product(sku: Code, body: ProductIn, central: CentralDep) -> dict[str, Any]:
    """Create or change one product; every edge gets `product_upserted` when it changed."""
    return central.upsert_products([(_sku(sku), body)])


@router.post("/products")
def post_products(body: ProductsIn, central: CentralDep) -> dict[str, Any]:
    """Create or change many products at once."""
    return central.upsert_products([(p.sku, p) for p in body.products])


@reader.get("/products")
def get_products(central: CentralDep) -> dict[str, Any]:
    """The catalogue."""
    return {"products": central.products()}


@router.put("/kits/{sku}")
def put_kit(sku: Code, body: KitIn, central: CentralDep) -> dict[str, Any]:
    """Create or replace one kit (组合装); every edge gets `kit_upserted` when it changed."""
    return central.upsert_kits([(_sku(sku), body)])


@router.post("/kits")
def post_kits(body: KitsIn, central: CentralDep) -> dict[str, Any]:
    """Create or replace many kits at once (a JSON import): all of them, or none."""
    return central.upsert_kits([(k.sku, k) for k in body.kits])


@reader.get("/kits")
def get_kits(central: CentralDep) -> dict[str, Any]:
    """The kits and their components."""
    return {"kits": central.list_kits()}


@router.post("/gift-rules", status_code=201)
def post_gift_rule(body: GiftRuleIn, central: CentralDep) -> dict[str, Any]:
    """Add a gift rule (赠品): matching orders taken in from now get the gift while stock lasts."""
    return central.add_gift_rule(body)


@reader.get("/gift-rules")
def get_gift_rules(central: CentralDep) -> dict[str, Any]:
    """Every gift rule, ended ones too (orders name the rule that gave their gift)."""
    return {"rules": central.gift_rules()}


@router.delete("/gift-rules/{rule_id}", status_code=204)
def delete_gift_rule(rule_id: Int64Id, central: CentralDep) -> None:
    """End a gift rule: orders taken in from now get no gift from it."""
    central.end_gift_rule(rule_id)


@reader.get("/stock")
def get_stock(
    central: CentralDep, sku: Code | None = None, warehouse: Code | None = None
) -> dict[str, Any]:
    """Per (warehouse, SKU): the edge's buckets, open demand and available-to-sell."""
    return {"stock": central.stock(sku=sku, warehouse=warehouse)}


@router.post("/edges", status_code=201)
def post_edge(body: EdgeIn, central: CentralDep) -> dict[str, Any]:
    """Register an edge; the answer holds its token, shown this once."""
    token = central.add_edge(body.edge_id, body.name)
    return {"edge_id": body.edge_id, "name": body.name, "token": token}


@reader.get("/edges")
def get_edges(central: CentralDep) -> dict[str, Any]:
    """Every edge with its high water and last event."""
    return {"edges": central.edges()}


@reader.get("/exceptions")
def get_exceptions(central: CentralDep, edge_id: Code | None = None) -> list[dict[str, Any]]:
    """Open exceptions for a person: late events, gaps between a restored edge and central."""
    return central.exceptions(edge_id=edge_id or None)


@router.post("/exceptions/{exception_id}/resolve")
def resolve_exception(exception_id: Int64Id, central: CentralDep) -> dict[str, Any]:
    """A person dealt with it: the exception leaves the board."""
    return central.resolve_exception(exception_id)


class OneOrder(LeanRoute):
    """`POST /api/v1/orders` with one order, answered ahead of `post_orders` (which documents
    the path, and answers everything else: a batch, a body that is not a JSON object).

    Under a flash sale the event loop's time per order is what limits one process, and FastAPI's
    route machinery (dependencies solved, the body validated as `Any`, the route found among a
    hundred) was half of it (bench/flash_sale_bench.py, py-spy). This route takes the same
    steps itself: the body read as FastAPI reads it, the same admin check (`deps.admin`), then
    `take_in_one`; what it raises is answered by the app's handlers, as the route's would be."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":  # 405, as Route answers
            await super().handle(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        raw = json_object(request.headers.get("content-type"), body)
        if raw is None or isinstance(raw.get("orders"), list):  # the documented route answers
            await self.hand_on(scope, body, receive, send)
            return
        central = request.app.state.central
        await admin(request, central)
        response = await take_in_one(central, raw)
        await response(scope, receive, send)


def one_order_route() -> OneOrder:
    """The fast route of one order, in front of `post_orders` (app.py puts it first)."""
    (documented,) = [
        r
        for r in router.routes
        if isinstance(r, APIRoute) and r.endpoint is post_orders and "POST" in (r.methods or ())
    ]
    return OneOrder(documented)
