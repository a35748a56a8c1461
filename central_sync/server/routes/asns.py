"""Advance shipping notices (docs/central.md, "Advance shipping notices"): create (JSON or a CSV
file), list, read, cancel; and the ASN screen. Writes: the admin token, or the board's cookie
with the board's header (the screen's buttons); reads also the board's cookie."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from central_sync.server.asns import MAX_CSV_BYTES, AsnCancelIn
from central_sync.server.deps import AdminOrBoard, AdminOrCookie, CentralDep
from central_sync.server.errors import CentralError
from central_sync.server.routes.board import screen_page
from kernel.asn import CSV_COLUMNS, AsnIn
from kernel.fields import Code

board = APIRouter(prefix="/api/v1", tags=["asns"], dependencies=[AdminOrBoard])
reader = APIRouter(prefix="/api/v1", tags=["asns"], dependencies=[AdminOrCookie])
page = APIRouter(tags=["board"])

AsnStatus = Literal["open", "closed", "cancelled"]
CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "A header row, then one row per expected line: " + ",".join(CSV_COLUMNS),
    }
}


@board.post("/asns", status_code=201, responses={200: {"description": "The same ASN again"}})
def post_asn(body: AsnIn, central: CentralDep) -> JSONResponse:
    """An ASN for one warehouse (its edge gets `asn_upserted`): 201 new, 200 the same again."""
    made = central.asns.create(body)
    return JSONResponse(made, status_code=201 if made["created"] else 200)


@board.post("/asns/csv", openapi_extra=CSV_BODY)
async def post_asn_csv(request: Request, central: CentralDep) -> dict[str, Any]:
    """ASNs from a CSV file (UTF-8; columns in docs/central.md): all of them or, if any row is
    bad, none (`asn_csv_refused` names the row)."""
    raw = await request.body()
    if len(raw) > MAX_CSV_BYTES:
        raise CentralError("request_too_large", limit=MAX_CSV_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CentralError("invalid_request", reason="the file is not UTF-8 text") from None
    return await run_in_threadpool(central.asns.upload, text)


@reader.get("/asns")
def get_asns(
    central: CentralDep,
    status: AsnStatus | None = None,
    warehouse: Code | None = None,
    limit: int = Query(200, ge=1, le=500),
) -> dict[str, Any]:
    """ASNs with their lines, containers and discrepancies, the most recently changed first."""
    return {"asns": central.asns.list(status=status, warehouse=warehouse, limit=limit)}


@reader.get("/asns/{asn_id}")
def get_asn(asn_id: Code, central: CentralDep) -> dict[str, Any]:
    """One ASN with its lines (and what its close reported), containers and discrepancies."""
    return central.asns.get(asn_id)


@board.post("/asns/{asn_id}/cancel")
def post_asn_cancel(asn_id: Code, body: AsnCancelIn, central: CentralDep) -> dict[str, Any]:
    """Cancel an open ASN; its edge gets `asn_cancelled` (the same again changes nothing)."""
    return central.asns.cancel(asn_id, body.reason)


@page.get("/board/asns", response_class=HTMLResponse)
def asns_page(request: Request, central: CentralDep) -> HTMLResponse:
    """The ASN screen: create (form or CSV file), list, cancel, and closed ASNs' discrepancies;
    the login form until the admin cookie is set."""
    return screen_page(request, central, "asns_board.html")
