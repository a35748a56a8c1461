"""The central order store's FastAPI app."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from central_sync.server import deps, errors
from central_sync.server.central import WATCH_S, Central
from central_sync.server.feed import Notifier
from central_sync.server.metrics import DatabaseCollector, ProcessCollector
from central_sync.server.routes import (
    admin,
    asns,
    board,
    channels,
    edges,
    pushes,
    returns,
    review,
    self_service,
    webhooks,
)
from central_sync.server.views import edges_overview
from central_sync.store.db import StorageFull, utc_now
from central_sync.store.listen import FeedListener
from central_sync.store.meta import probe_storage
from central_sync.store.schema import SCHEMA_VERSION, schema_version
from kernel.logs import RequestIds
from kernel.openapi import calls, document_problems

log = logging.getLogger("central")

# Central takes whole batches (500 events, 10,000 channel orders or products): a larger default.
MAX_BODY_BYTES = 16 * 1024 * 1024
SELF_SERVICE_LOOKUP = "/api/v1/self-service/lookup"


def full_reason(since: str) -> str:
    return (
        f"the disk holding the database is full since {since}; writes are refused, reads"
        " served. Free space there; ready again by itself"
    )


def route_statuses(route: APIRoute) -> set[int]:
    """401/403 behind an edge's or the admin's token; 503 readiness; the self-service's 401
    (its pass) and 429 (guessing slowed down)."""
    guarded = any(
        call in (deps.admin, deps.admin_or_cookie, deps.admin_or_board, deps.edge_caller)
        for call in calls(route.dependant)
    )
    statuses = ({503} if route.path == "/readyz" else set()) | ({401, 403} if guarded else set())
    if route.path.endswith("/available"):
        statuses.add(409)  # cursor_ahead: a cursor past the channel's last figure
    if route.path == SELF_SERVICE_LOOKUP:
        statuses.add(429)  # guessing is slowed down
    elif route.path.startswith("/api/v1/self-service/"):
        statuses |= {400, 401}  # the customer's pass (X-Return-Pass) is checked, bounded
    return statuses


async def _watch_edges(central: Central) -> None:
    """Every WATCH_S: log the edges' changes of state, raise exceptions for orders not taken,
    expire lapsed RMAs and escalate missing return parcels."""
    while True:
        await asyncio.sleep(WATCH_S)
        for check, what in (
            (central.check_edges, "edges"),
            (central.returns.sweep, "returns"),
            (central.check_reviews, "reviews"),
        ):
            try:
                await run_in_threadpool(check)
            except Exception:  # the database may be down for a moment: say so, try again
                log.exception("checking the %s failed", what)


async def _push_exceptions(central: Central) -> None:
    """The exception webhook's sender: every due push, then a short sleep when there was none."""
    pusher = central.exception_pusher
    while True:
        try:
            tried = await run_in_threadpool(pusher.send_due)
        except Exception:  # the database may be down for a moment: say so, try again
            log.exception("pushing the exceptions to the webhook failed")
            tried = 0
        await asyncio.sleep(0 if tried else pusher.poll_s)


async def _send_pushes(central: Central, channel: str) -> None:
    """The channel's sender: every due write-back, then a short sleep when there was none."""
    while True:
        try:
            tried = await run_in_threadpool(central.outbound.send_due, channel)
        except Exception:  # the database may be down for a moment: say so, try again
            log.exception("sending the write-backs to %s failed", channel)
            tried = 0
        await asyncio.sleep(0 if tried else central.outbound.poll_s)


async def _release_merges(central: Central) -> None:
    """Every second: the orders whose merge window has ended are released (consign.py)."""
    while True:
        await asyncio.sleep(1.0)
        try:
            await run_in_threadpool(central.release_merges)
        except Exception:  # the database may be down for a moment: say so, try again
            log.exception("releasing the merged orders failed")


def create_app(central: Central, *, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The app over an opened (migrated) `Central`; it does not close it."""
    notifier = Notifier()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        notifier.bind(asyncio.get_running_loop())
        central.on_feed = notifier.notify_threadsafe
        # PostgreSQL: other central processes' changes wake this one's long-polls too
        listener = (
            FeedListener(central.db.url, notifier.notify_threadsafe).start()
            if central.backend == "postgresql"
            else None
        )
        notifier.listening = listener.listening if listener is not None else None
        watch = asyncio.create_task(_watch_edges(central))
        senders = [
            asyncio.create_task(_send_pushes(central, c)) for c in central.outbound.channels()
        ]
        if central.exception_pusher.target.enabled:
            senders.append(asyncio.create_task(_push_exceptions(central)))
        if central.merging.merging:
            senders.append(asyncio.create_task(_release_merges(central)))
        try:
            yield
        finally:
            watch.cancel()
            for sender in senders:
                sender.cancel()
            central.on_feed = None
            if listener is not None:
                await run_in_threadpool(listener.stop)

    # Swagger UI from the installed package, not a CDN; no ReDoc (see the edge's app).
    app = FastAPIOffline(
        redoc_url=None,
        title="warehouse-central",
        summary="The central order store: orders from every channel, facts from every warehouse.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.central = central
    app.state.notifier = notifier
    metrics = central.metrics
    metrics.registry.register(
        ProcessCollector(
            central.db,
            lambda: notifier.waiting,
            lambda: None if notifier.listening is None else notifier.listening.is_set(),
        )
    )
    metrics.registry.register(
        DatabaseCollector(
            central.read,
            lambda tx: edges_overview(tx, central.last_seen, utc_now(), central.quiet_after_s),
            lambda: datetime.now(UTC),
        )
    )
    errors.install(app, max_body_bytes=max_body_bytes, count=metrics.refused)
    # outermost: the last catch's 500 carries the id too
    app.add_middleware(RequestIds, observe=metrics.observe_request)
    document_problems(app, writes={404, 409, 422, 507}, own=route_statuses)
    for router in (
        edges.router,
        admin.router,
        admin.reader,
        channels.router,
        channels.reader,
        board.router,
        webhooks.router,
        pushes.router,
        pushes.reader,
        returns.router,
        returns.reader,
        returns.board,
        review.router,
        review.reader,
        review.rules,
        self_service.router,
        self_service.api,
        asns.board,
        asns.reader,
        asns.page,
    ):
        app.include_router(router)
    app.router.routes.insert(0, admin.one_order_route())  # one order: ahead of FastAPI's route

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        """The order board: what a person opening central's address wants."""
        return RedirectResponse("/board")

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        """Alive."""
        return {"ok": True, "service": "warehouse-central", "backend": central.backend}

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        """The database answers and its schema is this program's."""
        try:
            version = await run_in_threadpool(schema_version, central.db)
        except Exception as exc:  # the database is down: not ready, and say why
            body = {"ok": False, "reason": f"database unreachable: {exc.__class__.__name__}"}
            return JSONResponse(body, status_code=503)
        ok = version == SCHEMA_VERSION
        body = {"ok": ok, "schema_version": version, "backend": central.backend}
        if ok and central.db.full_since is not None:
            try:  # space may be back with nobody writing: a small write finds out
                await run_in_threadpool(probe_storage, central.db)
            except StorageFull:
                body |= {"ok": False, "reason": full_reason(central.db.full_since)}
                return JSONResponse(body, status_code=503)
        return JSONResponse(body, status_code=200 if ok else 503)

    @app.get(
        "/metrics",
        tags=["health"],
        response_class=PlainTextResponse,
        responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
    )
    async def prometheus() -> Response:
        """Prometheus text exposition (docs/monitoring.md, "Central"): no token, like the
        probes; it names edges and channels, never orders or people."""
        data = await run_in_threadpool(generate_latest, metrics.registry)
        return Response(data, media_type=CONTENT_TYPE_LATEST)

    return app
