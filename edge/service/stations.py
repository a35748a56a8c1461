"""Stations: a pack bench, a returns desk or a dock, with a fixed scanner bound to it. A scan from
the station's scanner goes to the session of whoever is logged in at the station's screen, through
the same parse → classify → decide → commit path and the same scan_id idempotency as a handheld's."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from edge.domain.classify import classify
from edge.domain.errors import EdgeError
from edge.domain.operator import activity
from edge.domain.scan import parse_scan
from edge.service.floor import FloorSettings
from edge.service.scans import ScanRequest, handle_scan
from edge.store.database import Store
from edge.store.directory import SqlDirectory
from edge.store.operators import (
    LoginSession,
    enrol_fixed_device,
    expire_session,
    newest_open_session,
    parse_utc,
    touch_session,
)
from edge.store.scan_answers import Answer
from edge.store.writer import Tx

DEVICE_PREFIX = "station-"


def station_device_id(station: str) -> str:
    """The enrolled-device id a station's screen logs in with (stable, from the station's name)."""
    return f"{DEVICE_PREFIX}{station}"


def enrol_stations(tx: Tx, stations: Sequence[tuple[str, str]]) -> None:
    """Make sure every configured station (name, type) has its device row."""
    for name, kind in stations:
        enrol_fixed_device(tx, station_device_id(name), f"{name} ({kind})", name)


def station_session(conn: sqlite3.Connection, station: str, now: datetime) -> LoginSession | None:
    """Whoever is logged in at the station now: the newest open, unexpired session of its device."""
    return newest_open_session(conn, station_device_id(station), now)


@dataclass(frozen=True)
class Routed:
    """What became of a station scan: an answer from the session, or why there was none."""

    answer: Answer | None = None
    badge: str | None = None  # a badge scanned while nobody is logged in: start the login
    refusal: EdgeError | None = None


def route_scan(
    tx: Tx,
    session: LoginSession | None,
    *,
    scan_id: str,
    raw: str,
    settings: FloorSettings,
    idle: timedelta = timedelta(hours=1),
) -> Routed:
    """Run a station scan: in the session if there is one (a scan is its use; a session idle
    longer than `idle` expires instead); else a badge starts a login and anything else is
    answered "log in first"."""
    if session is not None:
        used = activity(parse_utc(session.last_seen_at), now=tx.now, idle=idle)
        if used == "idle":
            expire_session(tx, session.token_hash)
            session = None
        elif used == "touch":
            touch_session(tx, session.token_hash)
    if session is not None:
        return Routed(answer=handle_scan(tx, ScanRequest(scan_id, raw, session), settings))
    try:
        scan = parse_scan(raw, prefix="", suffix="", gs_substitutes=settings.gs_substitutes)
        found = classify(scan, SqlDirectory(tx.conn), command_prefix=settings.command_prefix)
    except EdgeError:
        return Routed(refusal=EdgeError("not_authenticated"))
    if found.kind == "badge":
        return Routed(badge=scan.code)
    return Routed(refusal=EdgeError("not_authenticated"))


def station_status(conn: sqlite3.Connection, station: str, now: datetime) -> dict[str, Any]:
    session = station_session(conn, station, now)
    return {
        "station": station,
        "device_id": station_device_id(station),
        "operator": {"name": session.name, "role": session.role} if session else None,
    }


async def enrol(store: Store, stations: Sequence[tuple[str, str]]) -> None:
    """Every configured station (name, type) has its device row, in one commit."""
    if stations:
        await store.writer.run(lambda tx: enrol_stations(tx, stations))


async def station_scan(
    store: Store,
    session: LoginSession | None,
    *,
    scan_id: str,
    raw: str,
    settings: FloorSettings,
    idle: timedelta,
) -> Routed:
    """A station scanner's scan, routed and committed (see `route_scan`)."""
    return await store.writer.run(
        lambda tx: route_scan(tx, session, scan_id=scan_id, raw=raw, settings=settings, idle=idle)
    )
