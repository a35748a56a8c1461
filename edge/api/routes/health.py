"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlite_utils import Database

from edge.api.deps import StoreDep, public
from edge.store.schema import MIGRATIONS

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[public("liveness probe")])
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[public("readiness probe")])
async def readyz(store: StoreDep) -> JSONResponse:
    """The store takes writes: it is open, every migration has run, its writer is running and
    the disk is not full. 503 names what is wrong."""
    pending = [m.name for m in MIGRATIONS.pending(Database(store.read()))]
    writer = store.writer
    status, reason = "ready", ""
    if pending:
        status, reason = "migrating", f"migrations pending: {', '.join(pending)}"
    elif not writer.alive:
        status, reason = "writer_down", "the store's writer has stopped; restart the edge"
    elif writer.storage_full_since:
        status = "storage_full"
        reason = (
            f"the disk is full since {writer.storage_full_since}; writes are refused, reads"
            f" served. Free space on the disk holding {store.path}; ready again by itself"
        )
    body = {"status": status, "edge_id": store.edge_id, "pending": pending, "reason": reason}
    return JSONResponse(body, status_code=200 if status == "ready" else 503)


@router.get(
    "/metrics",
    dependencies=[public("Prometheus scrape on the LAN")],
    response_class=PlainTextResponse,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
async def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    data = generate_latest(request.app.state.metrics.registry)
    return Response(data, media_type=CONTENT_TYPE_LATEST)
