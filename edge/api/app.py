"""The edge's FastAPI application: routers, error mapping, metrics, the store's lifetime."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from edge.api import errors
from edge.api.deps import public
from edge.api.events import MANAGERS_CHANNEL, Broker, station_channel, tell_pickers
from edge.api.metrics import (
    Metrics,
    PrinterCollector,
    ScaleCollector,
    ScannerCollector,
    SyncCollector,
)
from edge.api.routes import (
    board,
    counts,
    exceptions,
    handovers,
    health,
    holds,
    kpis,
    orders,
    packing,
    printing,
    receiving,
    returns,
    scans,
    sessions,
    stations,
    stock,
    waves,
)
from edge.api.routes import sync as sync_routes
from edge.api.routes.scans import scan_settings
from edge.api.stations import StationHub
from edge.config import Settings
from edge.devices.printers import printer_for
from edge.devices.scale import ScaleReader
from edge.domain.errors import EdgeError
from edge.domain.exceptions import DeviceReport
from edge.service.carriers import carrier_for
from edge.service.commands import forget_answers
from edge.service.documents import render_document
from edge.service.notify import ExceptionWatch
from edge.service.orders import putback_notices
from edge.service.printing import Spooler
from edge.service.retention import prune_loop
from edge.service.throttle import RateLimit, SourceThrottle
from edge.service.weekly_run import report_loop
from edge.store.database import Store
from edge.store.ledger import utc
from kernel.logs import RequestIds
from kernel.openapi import calls, document_problems

log = logging.getLogger("edge.api")
# The terminal's files are package data (a wheel carries them), found wherever it is installed.
WEB_ROOT = Path(str(resources.files("web_terminal")))


async def _housekeeping(store: Store, settings: Settings, *, every_s: float = 3600) -> None:
    """Forget stored scan answers past `scans.retention_days`, once an hour; a round that
    fails (a full disk) is logged and the next one tries again."""
    while True:
        cutoff = utc(datetime.now(UTC) - timedelta(days=settings.scans.retention_days))
        try:
            purged = await forget_answers(store, before=cutoff)
        except EdgeError as exc:  # the writer has said what is wrong (storage_full) once
            log.debug("forgetting old scan answers refused: %s", exc.code)
        except Exception:
            log.exception("forgetting old scan answers failed; trying again in %g s", every_s)
        else:
            if purged:
                log.info("forgot %d scan answers older than %s", purged, cutoff)
        await asyncio.sleep(every_s)


def _spooler(store: Store, broker: Broker, settings: Settings) -> Any:
    """The print spooler for the configured printers; its news goes to the stations' screens."""
    printers = {p.name: printer_for(p) for p in settings.printers}

    def tell(kind: str, body: dict[str, Any]) -> None:
        if body.get("station"):
            broker.publish(station_channel(body["station"]), kind, body)

    p = settings.printing
    return Spooler(
        store,
        printers,
        render_document,
        on_event=tell,
        max_attempts=p.max_attempts,
        backoff_initial_s=p.backoff_initial_s,
        backoff_max_s=p.backoff_max_s,
        fault_poll_s=p.fault_poll_s,
        status_every_s=p.status_every_s,
    )


def device_reports(state: Any) -> list[DeviceReport]:
    """Every configured printer, scanner and scale as it is now, for the exception sweep."""
    out: list[DeviceReport] = []
    for kind, holder in (("printer", "spooler"), ("scanner", "stations")):
        states = getattr(getattr(state, holder, None), "states", {})
        out += [DeviceReport(kind, name, st) for name, (st, _why) in states.items()]
    for station, reader in getattr(state, "scales", {}).items():
        out.append(
            DeviceReport(
                "scale", reader.config.name, reader.state.value, station, reader.silent_for()
            )
        )
    return out


def _scales(settings: Settings, broker: Broker) -> dict[str, Any]:
    """A started reader per configured bench scale, by its station; its states go to the
    station's screen as `scale` events (from the reader's thread, so through the event loop)."""
    loop = asyncio.get_running_loop()
    station_of = {s.name: s.station for s in settings.scales}

    def told(name: str, state: Any, reason: str) -> None:
        body = {"scale": name, "station": station_of[name], "state": state.value, "reason": reason}
        with contextlib.suppress(RuntimeError):  # the loop closed in between: nobody to tell
            loop.call_soon_threadsafe(
                broker.publish, station_channel(station_of[name]), "scale", body
            )

    return {
        s.station: ScaleReader(s.adapter_config(), on_state=told).start() for s in settings.scales
    }


async def _start_sync(store: Store, metrics: Metrics, settings: Settings, broker: Broker) -> Any:
    """The sync agent when central.url is set (else None: the edge runs standalone)."""
    if not settings.central.url:
        return None
    # the agent and httpx (6 MB of the server's memory): loaded only when a central is configured
    from central_sync.agent.agent import SyncAgent

    agent = SyncAgent(store, settings)
    # Orders cancelled by central while on a picker's list: tell the picker live what to put back.
    agent.on_stopped = lambda ids: tell_pickers(broker, putback_notices(store.read(), ids))
    await agent.start()
    metrics.registry.register(SyncCollector(store, settings))
    return agent


def _observe(app: FastAPI, scope: Any, status: int, seconds: float) -> None:
    metrics = getattr(app.state, "metrics", None)  # none before start-up completes
    if metrics is not None:
        metrics.observe_request(scope, status, seconds)


def route_statuses(route: APIRoute) -> set[int]:
    """What a route's own rule adds: 401/403 behind `allow`, 401/423 at login, 503 readiness."""
    rules = [rule for call in calls(route.dependant) if (rule := getattr(call, "role_rule", None))]
    extra = {
        "/readyz": {503},
        "/api/v1/auth/login": {401, 423, 429},
        "/api/v1/devices": {401, 403, 429},
        "/api/v1/work-sessions/current": {422},
        "/api/v1/kpis": {400},
        "/api/v1/kpis/{name}": {400, 404},
        "/api/v1/reports/weekly": {400},
        "/api/v1/returns/parcels/{parcel_id}/photos": {413, 415},
    }.get(route.path, set())
    return extra | ({401, 403} if any(rule[0] != "public" for rule in rules) else set())


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """Build the app; it opens (and migrates) the store at start-up unless one is given."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = store is None
        app.state.store = store or Store(
            settings.db_path,
            edge_id=settings.edge.id,
            busy_timeout_ms=settings.store.busy_timeout_ms,
            max_batch=settings.store.group_commit_max,
            writer=settings.store.writer,
        )
        app.state.metrics = Metrics(app.state.store)
        log.info("edge %s ready, database %s", app.state.store.edge_id, app.state.store.path)
        housekeeping = asyncio.create_task(_housekeeping(app.state.store, settings))
        weekly = asyncio.create_task(report_loop(app.state.store, settings))
        pruning = asyncio.create_task(prune_loop(app.state.store, settings.retention))
        app.state.sync = await _start_sync(
            app.state.store, app.state.metrics, settings, app.state.broker
        )

        app.state.stations = StationHub(
            app.state.store, app.state.broker, settings, scan_settings(settings)
        )
        await app.state.stations.start()
        app.state.metrics.registry.register(ScannerCollector(app.state.stations))
        app.state.spooler = _spooler(app.state.store, app.state.broker, settings)
        await app.state.spooler.start()
        app.state.metrics.registry.register(PrinterCollector(app.state.spooler, app.state.store))
        app.state.carrier = carrier_for(app.state.store, settings.carrier)
        app.state.exception_watch = ExceptionWatch(
            app.state.store,
            settings,
            tell=lambda e: app.state.broker.publish(MANAGERS_CHANNEL, "exception_opened", e),
            devices=lambda: device_reports(app.state),
        )
        await app.state.exception_watch.start()
        app.state.scales = _scales(settings, app.state.broker)
        app.state.metrics.registry.register(
            ScaleCollector(app.state.scales, settings.packing.scale_max_age_s)
        )
        try:
            yield
        finally:
            for reader in app.state.scales.values():
                reader.stop()
            await app.state.exception_watch.stop()
            await app.state.spooler.stop()
            await app.state.stations.stop()
            housekeeping.cancel()
            weekly.cancel()
            pruning.cancel()
            if app.state.sync is not None:
                await app.state.sync.stop()
            if owned:
                app.state.store.close()

    # Swagger UI from the installed package, not a CDN: an edge is offline by design. No ReDoc:
    # its bundle still fetches a logo from the web.
    app = FastAPIOffline(
        redoc_url=None,
        title="Warehouse edge",
        version="0.1.0",
        summary="Scanners, label printers, handheld terminals and a real-time stock ledger.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    errors.install(app, max_body_bytes=settings.server.max_body_bytes)
    # outermost: the last catch's 500 carries the id too, and is timed
    app.add_middleware(RequestIds, observe=lambda *a: _observe(app, *a))
    document_problems(app, writes={404, 409, 422, 507}, own=route_statuses)
    app.state.broker = Broker()
    auth = settings.auth
    app.state.login_throttle = SourceThrottle(
        free=auth.max_pin_attempts, max_delay_s=auth.source_max_delay_s
    )
    app.state.enrol_rate = RateLimit(per_minute=auth.enrol_per_minute)
    # holds before stock: its /stock/expiring must not be read as /stock/{sku}
    for module in (
        health,
        sessions,
        scans,
        holds,
        stock,
        orders,
        stations,
        printing,
        packing,
        kpis,
        returns,
        exceptions,
        board,
        receiving,
        counts,
        waves,
        handovers,
    ):
        app.include_router(module.router)
    app.include_router(sync_routes.router)
    app.router.routes.insert(0, scans.lean_scan_route())  # a scan: ahead of FastAPI's route
    app.mount("/ui", StaticFiles(directory=WEB_ROOT, html=True), name="web_terminal")

    @app.get("/", include_in_schema=False, dependencies=[public("the way in for a person")])
    def home() -> RedirectResponse:
        """The handheld terminal: what a person opening the edge's address wants."""
        return RedirectResponse("/ui/")

    return app
