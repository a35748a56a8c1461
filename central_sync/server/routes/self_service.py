"""The customer's self-service return page and its API (public: the order number and the phone's
last digits open an order, slowed down per client and order number; self_service.py)."""

from __future__ import annotations

from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import HTMLResponse, Response

from central_sync.server.deps import CentralDep
from central_sync.server.errors import CentralError
from central_sync.server.self_service import MAX_PHOTO_BYTES, LookupIn, SelfReturnIn
from kernel.fields import Code

router = APIRouter(tags=["self-service"])
api = APIRouter(prefix="/api/v1/self-service", tags=["self-service"])

PassHeader = Annotated[str, Header(alias="X-Return-Pass", max_length=400)]
# The page works offline once opened: this worker keeps it (and nothing else) in the cache.
WORKER = """const PAGE = "/returns/self";
self.addEventListener("install", (e) => e.waitUntil(caches.open("returns").then((c) => c.add(PAGE))));
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.pathname !== PAGE) return;
  e.respondWith(fetch(e.request).then((r) => {
    const copy = r.clone(); caches.open("returns").then((c) => c.put(PAGE, copy)); return r;
  }).catch(() => caches.match(PAGE)));
});
"""


def _page() -> str:
    return resources.files("central_sync.server").joinpath("self_service.html").read_text("utf-8")


@router.get("/returns/self", response_class=HTMLResponse)
def self_service_page() -> HTMLResponse:
    """The customer's return page (English and Chinese; `?order=` prefills the order number,
    as the packing slip's QR code does)."""
    return HTMLResponse(_page(), headers={"Cache-Control": "no-cache"})


@router.get("/returns/self/sw.js", response_class=Response)
def self_service_worker() -> Response:
    """The page's service worker (keeps the page for offline use)."""
    return Response(WORKER, media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@api.post("/lookup")
def post_lookup(body: LookupIn, request: Request, central: CentralDep) -> dict[str, Any]:
    """Open a shipped order by its number and the phone's last 4+ digits: its returnable lines
    and a pass (X-Return-Pass) for 30 minutes. No match: 404, and the client is slowed down."""
    client = request.client.host if request.client else "?"
    return central.returns.self_lookup(body, client)


@api.get("/order")
def get_self_order(central: CentralDep, token: PassHeader = "") -> dict[str, Any]:
    """The order the pass opens, again."""
    return central.returns.self_order(token)


@api.post("/returns", status_code=201)
def post_self_return(
    body: SelfReturnIn, central: CentralDep, token: PassHeader = ""
) -> dict[str, Any]:
    """Ask for a return of the pass's order within the policy: the RMA and its tracking number."""
    return central.returns.self_authorise(token, body)


@api.post("/returns/{rma}/photos", status_code=201)
async def post_self_photo(
    rma: Code, request: Request, central: CentralDep, token: PassHeader = ""
) -> dict[str, Any]:
    """One photo (body image/jpeg or image/png, at most 2 MiB; 3 per return)."""
    data = b""
    async for chunk in request.stream():
        data += chunk
        if len(data) > MAX_PHOTO_BYTES:
            raise CentralError("photo_refused", reason="larger than 2 MiB", limit=3)
    kind = request.headers.get("content-type", "")
    return central.returns.self_photo(token, rma, kind, data)


@api.get("/returns/{rma}/label.pdf", response_class=Response)
def get_self_label(rma: Code, central: CentralDep, token: PassHeader = "") -> Response:
    """The return label of the pass's RMA, as PDF."""
    body = central.returns.self_label(token, rma)
    headers = {"Content-Disposition": f'attachment; filename="{rma}.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)
