"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from edge.api.deps import StoreDep, public
from edge.store.schema import MIGRATIONS

router = APIRouter(tags=["health"])


@router.get("/healthz", dependencies=[public("liveness probe")])
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[public("readiness probe")])
async def readyz(store: StoreDep) -> Response:
    """The store is open and every migration has run."""
    from sqlite_utils import Database

    pending = [m.name for m in MIGRATIONS.pending(Database(store.read()))]
    ready = not pending
    body = {
        "status": "ready" if ready else "migrating",
        "edge_id": store.edge_id,
        "pending": pending,
    }
    import json

    return Response(
        json.dumps(body), status_code=200 if ready else 503, media_type="application/json"
    )


@router.get("/metrics", dependencies=[public("Prometheus scrape on the LAN")])
async def metrics(request: Request) -> Response:
    """Prometheus text exposition."""
    data = generate_latest(request.app.state.metrics.registry)
    return Response(data, media_type=CONTENT_TYPE_LATEST)
