"""Returns and refunds for the admin (and the board's cookie where it only reads): RMAs, their
labels, the return policy."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from central_sync.server.deps import Admin, AdminOrBoard, AdminOrCookie, CentralDep
from central_sync.server.return_policy import Policy
from central_sync.server.returns import ReturnCancelIn, ReturnIn
from kernel.fields import Code, Int64Id

router = APIRouter(prefix="/api/v1", tags=["returns"], dependencies=[Admin])
reader = APIRouter(prefix="/api/v1", tags=["returns"], dependencies=[AdminOrCookie])
# The returns screen's buttons (authorise, cancel, settle): admin, or the board with its header.
board = APIRouter(prefix="/api/v1", tags=["returns"], dependencies=[AdminOrBoard])

ReturnStatus = Literal["authorised", "received", "closed", "cancelled", "expired"]
RefundStatus = Literal["due", "nothing", "settled", "all"]
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"description": "JSON, or CSV with format=csv", "content": {"text/csv": {}}}
}
CSV_COLUMNS = (
    "refund_id", "channel", "channel_order_id", "order_id", "rma", "parcel_id", "sku", "qty",
    "grade", "wrong_item", "refund_qty", "reason", "note", "created_at",
)  # fmt: skip


def refunds_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        for ln in r["lines"]:
            row = r | ln | {"refund_id": r["id"], "wrong_item": int(ln["wrong_item"])}
            writer.writerow([_cell(row.get(c)) for c in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell starting with = + - @ (or a tab or CR before one) as a formula:
    # keep it text (OWASP, "CSV Injection").
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@board.post("/orders/{order_id}/returns", status_code=201)
def post_return(order_id: Code, body: ReturnIn, central: CentralDep) -> dict[str, Any]:
    """Authorise a return (RMA) within the return policy; its edge gets `return_authorised`."""
    return central.returns.authorise(order_id, body)


@board.post("/returns/{rma}/cancel")
def post_return_cancel(rma: Code, body: ReturnCancelIn, central: CentralDep) -> dict[str, Any]:
    """Cancel an RMA whose parcel has not arrived; its edge gets `return_cancelled`."""
    return central.returns.cancel(rma, body.reason)


@reader.get("/returns")
def get_returns(
    central: CentralDep,
    status: ReturnStatus | None = None,
    order_id: Code | None = None,
    limit: int = Query(200, ge=1, le=1000),
) -> dict[str, Any]:
    """RMAs, newest first."""
    return {"returns": central.returns.rmas(status=status, order_id=order_id, limit=limit)}


@reader.get("/returns/policy")
def get_policy(central: CentralDep) -> dict[str, Any]:
    """The return policy: windows per channel and category, expiry, escalation, refunds."""
    return central.returns.policy()


@router.put("/returns/policy")
def put_policy(body: Policy, central: CentralDep) -> dict[str, Any]:
    """Replace the return policy (the whole document)."""
    return central.returns.set_policy(body)


@reader.get("/returns/rates")
def get_rates(central: CentralDep, days: int = Query(30, ge=1, le=366)) -> dict[str, Any]:
    """Units returned over units shipped, per product, channel and reason (warn above 8%)."""
    return central.returns.rates(days)


@reader.get("/refunds-due", responses=CSV_ANSWER)
def get_refunds_due(
    central: CentralDep,
    status: RefundStatus = "due",
    order_id: Code | None = None,
    format: Literal["json", "csv"] = "json",
    limit: int = Query(500, ge=1, le=10_000),
) -> Any:
    """Refunds due from graded returns, with their lines and grades; `format=csv` for the
    channel (one row per line)."""
    chosen = None if status == "all" else status
    rows = central.returns.refunds_due(status=chosen, order_id=order_id, limit=limit)
    if format == "json":
        return {"refunds_due": rows}
    headers = {"Content-Disposition": 'attachment; filename="refunds-due.csv"'}
    return Response(refunds_csv(rows), media_type="text/csv; charset=utf-8", headers=headers)


@board.post("/refunds-due/{refund_id}/settle")
def post_settle(refund_id: Int64Id, central: CentralDep) -> dict[str, Any]:
    """The channel refunded it: it leaves the list of refunds due."""
    return central.returns.settle_refund(refund_id)


@reader.get("/returns/{rma}")
def get_return(rma: Code, central: CentralDep) -> dict[str, Any]:
    """One RMA with its lines, photos and refunds due."""
    return central.returns.detail(rma)


LABEL_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"description": "The return label", "content": {"application/pdf": {}, "text/plain": {}}}
}


@reader.get("/returns/{rma}/label.pdf", response_class=Response, responses=LABEL_ANSWERS)
def get_label_pdf(rma: Code, central: CentralDep) -> Response:
    """The RMA's return label (4×6 in waybill) as PDF, for the customer to stick on the parcel."""
    body = central.returns.label(rma, "pdf")
    headers = {"Content-Disposition": f'inline; filename="{rma}.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)


@reader.get("/returns/{rma}/label.zpl", response_class=Response, responses=LABEL_ANSWERS)
def get_label_zpl(rma: Code, central: CentralDep) -> Response:
    """The RMA's return label as ZPL II, for a thermal printer at customer service."""
    body = central.returns.label(rma, "zpl")
    return Response(body, media_type="text/plain; charset=utf-8")
