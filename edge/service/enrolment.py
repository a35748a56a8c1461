"""Enrolling a device: a handheld, a desktop, or a station's screen (whose identity then needs
the credential issued here). Enrolment needs a supervisor: their session, their badge + PIN at
the new device, or a one-time code from `warehouse-edge devices enrol-code`. Tries count against
their source like logins, and each client address may enrol only so many devices a minute."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from edge.domain.errors import EdgeError
from edge.domain.operator import MANAGERS, Role
from edge.service.approval import approve
from edge.service.auth import AuthSettings
from edge.service.stations import enrol_stations, station_device_id
from edge.service.throttle import RateLimit, SourceThrottle
from edge.store import operators as ops
from edge.store.database import Store
from edge.store.writer import Tx


@dataclass(frozen=True)
class Enrolment:
    name: str
    kind: str = "handheld"
    station: str = ""
    code: str = ""
    supervisor_badge: str = ""
    supervisor_pin: str = ""
    address: str = ""
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Guards:
    """This process's throttles and the stations configured."""

    throttle: SourceThrottle
    rate: RateLimit
    stations: frozenset[str]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


async def enrol(
    store: Store, auth: AuthSettings, guards: Guards, req: Enrolment, *, by: ops.LoginSession | None
) -> dict[str, str]:
    """Enrol the device; returns its id and its credential (shown once, kept by the device)."""
    now = datetime.now(UTC)
    guards.throttle.check(req.sources, now)
    guards.rate.take(req.address, now)
    name = req.name.strip()
    if not name:
        raise EdgeError("device_name_needed")
    if req.station and req.station not in guards.stations:
        raise EdgeError("not_found", what="station", key=req.station)
    if by is not None and Role(by.role) not in MANAGERS:
        allowed = [r.value for r in Role if r in MANAGERS]
        raise EdgeError("not_authorized", role=by.role, action="enrol_device", allowed=allowed)
    if by is None and not req.code:
        if not req.supervisor_badge or not req.supervisor_pin:
            raise EdgeError("enrolment_needs_supervisor")
        await approve(
            store,
            auth,
            badge=req.supervisor_badge,
            pin=req.supervisor_pin,
            reason="",
            action="enrol_device",
            throttle=guards.throttle,
            sources=req.sources,
        )
    secret = new_secret()
    device_id = station_device_id(req.station) if req.station else None
    try:
        made = await store.writer.run(lambda tx: _enrol(tx, req, name, secret, device_id))
    except EdgeError:
        guards.throttle.failed(req.sources, now)
        raise
    return {"device_id": made, "device_secret": secret}


def _enrol(tx: Tx, req: Enrolment, name: str, secret: str, device_id: str | None) -> str:
    kind = "desktop" if req.station else req.kind
    made = ops.enrol_device(
        tx, name=name, kind=kind, station=req.station, secret=secret, device_id=device_id
    )
    if req.code and not ops.use_enrolment_code(tx, req.code, made):
        raise EdgeError("bad_enrolment_code")
    return made


async def new_enrolment_code(store: Store, *, minutes: int) -> str:
    """A one-time enrolment code valid for `minutes`, kept (as its hash) in one commit."""
    return await store.writer.run(lambda tx: issue_code(tx, minutes=minutes))


async def new_station_credential(store: Store, station: str, kind: str) -> str:
    """A new credential for the screen of a configured station of type `kind`: its device row
    made where it has none yet, and its old credential (and whoever is logged in there) stopped,
    in one commit."""

    def issue(tx: Tx) -> str:
        enrol_stations(tx, [(station, kind)])
        return issue_station_credential(tx, station)

    return await store.writer.run(issue)


def issue_code(tx: Tx, *, minutes: int) -> str:
    """A one-time enrolment code valid for `minutes` (the CLI prints it; only its hash is kept)."""
    code = "-".join(secrets.token_hex(3).upper() for _ in range(3))
    ops.add_enrolment_code(tx, code, expires_at=tx.now + timedelta(minutes=minutes))
    return code


def issue_station_credential(tx: Tx, station: str) -> str:
    """A new credential for a station's screen (the CLI prints it); the old one stops working."""
    secret = new_secret()
    device_id = station_device_id(station)
    if not ops.set_device_secret(tx, device_id, secret):
        raise EdgeError("not_found", what="station", key=station)
    return secret
