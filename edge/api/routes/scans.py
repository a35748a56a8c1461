"""Scans and the work session (task) they go to."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, Strict, ValidationError
from starlette.types import Receive, Scope, Send

from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow
from edge.api.errors import answer_response, request_language
from edge.api.events import FLOOR_CHANNEL
from edge.api.fields import ClientId, OptionalCode, RawScan, Reason, Word
from edge.api.routes.packing import bench_of
from edge.config import Settings
from edge.domain.errors import EdgeError
from edge.domain.operator import Role
from edge.service import scan_to_print, work
from edge.service.expiry import shelf_rules
from edge.service.floor import FloorSettings
from edge.service.packing import PackSettings
from edge.service.scan_to_print import AutoClose
from edge.service.scans import ScanRequest
from edge.service.waves import rules_of
from edge.service.work import current_task
from edge.store.operators import LoginSession
from kernel.lean_route import LeanRoute, json_object

router = APIRouter(prefix="/api/v1", tags=["scans"])
OPERATOR_RULE = allow(*ANY_OPERATOR, action="scan")
Operator = Annotated[LoginSession, OPERATOR_RULE]


class ScanIn(BaseModel):
    scan_id: ClientId
    raw: RawScan
    quantity: Annotated[int, Strict()] | None = Field(
        default=None,
        ge=1,
        le=9999,
        description="Units this item scan stands for (quantity prompt).",
    )
    reason: Reason | None = Field(
        default=None,
        description="With a command that takes one (returns: CMD:DESTROY): why, in words or a"
        " code such as `expired`; the same as `CMD:DESTROY:expired`.",
    )


class TaskIn(BaseModel):
    workflow: Word
    pick_list_id: OptionalCode | None = None
    station: str | None = Field(
        default=None,
        max_length=32,
        description="pack, dispatch, receive: the bench or dock (a station "
        "screen's own station by default).",
    )
    zone: str | None = Field(
        default=None,
        max_length=32,
        description="pick, with picking.zones on: the picker's zone (the next list of that"
        " zone); empty: the most urgent zone's.",
    )


@dataclass(frozen=True)
class ScanConfig:
    """What a scan needs from the settings, derived once per settings object."""

    floor: FloorSettings
    auto: AutoClose
    pack: PackSettings


_configs: dict[int, tuple[Settings, ScanConfig]] = {}


def scan_config(settings: Settings) -> ScanConfig:
    """The settings are frozen (a change is a new object), so what a scan derives from them is
    kept per object: ~30 µs a scan saved. Kept by identity, the object held so its id stays its."""
    hit = _configs.get(id(settings))
    if hit is not None and hit[0] is settings:
        return hit[1]
    config = ScanConfig(scan_settings(settings), AutoClose.of(settings), PackSettings.of(settings))
    if len(_configs) >= 8:  # tests build many apps in one process
        _configs.clear()
    _configs[id(settings)] = (settings, config)
    return config


def scan_settings(settings: Settings) -> FloorSettings:
    s = settings.scans
    return FloorSettings(
        s.prefix,
        s.suffix,
        (s.gs_substitute,) if s.gs_substitute else (),
        s.command_prefix,
        settings.picking.batch_size,
        settings.picking.allow_unscanned_completion,
        settings.picking.quantity_prompt,
        shelf_rules(settings.edge, settings.stock),
        settings.returns.location,
        rules_of(settings) if settings.waves.enabled else None,
        settings.picking.zones,
    )


@router.post("/scans")
async def scan(
    body: ScanIn, request: Request, session: Operator, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """One scan from a terminal or a station scanner; answered after its commit, once per scan_id."""
    started = time.perf_counter()
    metrics = request.app.state.metrics
    req = ScanRequest(body.scan_id, body.raw, session, body.quantity, body.reason)
    c = scan_config(settings)
    try:
        done = await scan_to_print.scan(
            store, req, c.floor, auto=c.auto, pack=c.pack, bench=bench_of(request)
        )
    except EdgeError:
        metrics.count_scan("refused")  # the error handler counts the code
        raise
    answer = done.answer
    if done.closed is not None and done.closed.changed:  # other screens of this order are stale
        news = {"order_id": done.closed.order_id, "device_id": session.device_id}
        request.app.state.broker.publish(
            FLOOR_CHANNEL, "order_changed", news | {"what": "parcel_closed"}
        )
    outcome = "good" if not answer.code else "refused"
    metrics.count_scan("replayed" if answer.replayed else outcome)
    if answer.code:
        metrics.errors.labels(answer.code).inc()
    metrics.scan_latency.observe(time.perf_counter() - started)
    return answer_response(answer.body, request_language(request), replayed=answer.replayed)


class LeanScan(LeanRoute):
    """`POST /api/v1/scans` answered ahead of `scan` (which documents the path and answers
    everything this route does not take: a body that is not a JSON object of a valid scan).

    FastAPI's route machinery (the route found among a hundred, five dependencies solved, the
    body validated) was about half of a scan's Python time (bench/README.md, session 29). This
    route takes the same steps itself: the body read and validated as FastAPI does (`ScanIn`),
    the same operator rule (`Operator`'s dependency), then `scan` itself; what they raise is
    answered by the app's handlers, as the documented route's would be."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "POST":  # 405, as the documented route answers
            await super().handle(scope, receive, send)
            return
        request = Request(scope, receive)
        body = await request.body()
        raw = json_object(request.headers.get("content-type"), body)
        try:
            scan_in = None if raw is None else ScanIn.model_validate(raw)
        except ValidationError:
            scan_in = None
        if scan_in is None:  # the documented route answers (and words the refusal)
            await self.hand_on(scope, body, receive, send)
            return
        state = request.app.state
        session = await OPERATOR_RULE.dependency(request)
        response = await scan(scan_in, request, session, state.store, state.settings)
        await response(scope, receive, send)


def lean_scan_route() -> LeanScan:
    """The lean route of a scan, in front of `scan` (app.py puts it first)."""
    (documented,) = [r for r in router.routes if isinstance(r, APIRoute) and r.endpoint is scan]
    return LeanScan(documented)


@router.post("/work-sessions")
async def start(
    body: TaskIn, request: Request, session: Operator, store: StoreDep, settings: SettingsDep
) -> JSONResponse:
    """Start a task on this device: `pick` (the next pick list, or the one named), `pack` or
    `dispatch` (at a station), or `move`."""
    asked = (("pick_list_id", body.pick_list_id), ("station", body.station), ("zone", body.zone))
    params = {k: v for k, v in asked if v}
    result = await work.start(store, session, body.workflow, params, scan_config(settings).floor)
    return answer_response(result, request_language(request), replayed=False)


@router.get("/work-sessions/current", responses={204: {"description": "No task is open."}})
async def current(request: Request, session: Operator, store: StoreDep) -> Response:
    """The task open on this device, with what to scan next; 204 when none is open (right after
    a login: an answer, not an error)."""
    body = current_task(store.read(), session)
    if body is None:
        return Response(status_code=204)
    return answer_response(body, request_language(request), replayed=False)


_ = Role
