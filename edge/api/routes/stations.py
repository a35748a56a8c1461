"""Stations: their scanners' states and the event stream their screens show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from edge.api.deps import StoreDep, operator_or_station
from edge.api.events import station_channel, stream
from edge.api.fields import Word
from edge.api.routes.printing import printer_states
from edge.domain.errors import EdgeError
from edge.service.stations import station_status

router = APIRouter(prefix="/api/v1", tags=["stations"])


@router.get("/stations", dependencies=[operator_or_station()])
async def stations(request: Request, store: StoreDep) -> list[dict[str, Any]]:
    """Every configured station, who is logged in there and its scanners' and scale's states
    (to a station's own screen before anyone logs in there: that station alone)."""
    hub = request.app.state.stations
    settings = request.app.state.settings
    now = datetime.now(UTC)
    out = []
    seen_by = request.state.station
    for s in settings.stations:
        if seen_by is not None and s.name != seen_by:
            continue
        scanners = [
            {
                "name": sc.name,
                "kind": sc.kind,
                "state": hub.states[sc.name][0],
                "reason": hub.states[sc.name][1],
                "rejected": hub.rejected[sc.name],
            }
            for sc in settings.scanners
            if sc.station == s.name
        ]
        reader = request.app.state.scales.get(s.name)
        scales = (
            []
            if reader is None
            else [
                {"name": reader.config.name, "state": reader.state.value, "reason": reader.reason}
            ]
        )
        out.append(
            station_status(store.read(), s.name, now)
            | {
                "type": s.type,
                "scanners": scanners,
                "scales": scales,
                "printers": printer_states(request.app.state, store, station=s.name),
            }
        )
    return out


@router.get("/stations/{name}/events", dependencies=[operator_or_station(stream=True)])
async def station_events(name: Word, request: Request) -> StreamingResponse:
    """Server-Sent Events of a station: its scanner's scans with their answers, device states
    (`device` for a scanner, `scale`, `printer`), print jobs (token as `access_token` query
    parameter: an operator's, or the station's own credential)."""
    if name not in {s.name for s in request.app.state.settings.stations}:
        raise EdgeError("not_found", what="station", key=name)
    if request.state.station not in (None, name):
        raise EdgeError("not_assignee", what="station", key=name)
    return stream(request, station_channel(name))
