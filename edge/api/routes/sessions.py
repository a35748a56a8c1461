"""Device enrolment, login by badge + PIN, logout, the locked badges and unlocking one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from edge.api.deps import (
    ANY_OPERATOR,
    SettingsDep,
    StoreDep,
    allow,
    bearer,
    current_session,
    public,
    sources,
)
from edge.api.fields import ONE_LINE, PRINTABLE, Code
from edge.domain.operator import MANAGERS
from edge.service import auth
from edge.service.auth import Attempt, AuthSettings, login
from edge.service.enrolment import Enrolment, Guards, enrol
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["sessions"])


class Enrol(BaseModel):
    name: Annotated[str, ONE_LINE] = Field(
        max_length=80, description="What people call the device; not blank."
    )
    kind: Literal["handheld", "scanner", "desktop"] = "handheld"
    station: Annotated[str, PRINTABLE] = Field(
        default="", max_length=32, description="Enrol the screen of this configured station."
    )
    enrolment_code: str = Field(
        default="", max_length=64, description="A one-time code from `devices enrol-code`."
    )
    supervisor_badge: Annotated[str, PRINTABLE] = Field(default="", max_length=64)
    supervisor_pin: str = Field(default="", max_length=32)


class Enrolled(BaseModel):
    device_id: str
    device_secret: str = Field(description="The device's credential: keep it; sent at login.")


class Login(BaseModel):
    badge: Annotated[str, PRINTABLE] = Field(min_length=1, max_length=64)
    pin: str = Field(min_length=1, max_length=32)
    device_id: Annotated[str, PRINTABLE] = Field(min_length=1, max_length=64)
    device_secret: str = Field(default="", max_length=128)


class SessionOut(BaseModel):
    token: str | None = None
    operator_id: int
    name: str
    role: str
    language: str
    device_id: str
    expires_at: str


def session_out(session: LoginSession, token: str | None = None) -> SessionOut:
    return SessionOut(
        token=token,
        operator_id=session.operator_id,
        name=session.name,
        role=session.role,
        language=session.language,
        device_id=session.device_id,
        expires_at=session.expires_at,
    )


async def _signed_in(request: Request) -> LoginSession | None:
    """The session behind a bearer token, if one was sent (enrolment by a supervisor's session)."""
    return await current_session(request) if bearer(request) else None


@router.post(
    "/devices",
    status_code=201,
    dependencies=[public("a new device enrols before anyone logs in on it (a supervisor vouches)")],
)
async def enrol_device(
    body: Enrol, request: Request, store: StoreDep, settings: SettingsDep
) -> Enrolled:
    """Enrol a handheld, desktop or a station's screen: with a supervisor's token, a supervisor's
    badge + PIN, or a one-time code. Keep the returned id and secret."""
    state = request.app.state
    guards = Guards(
        state.login_throttle, state.enrol_rate, frozenset(s.name for s in settings.stations)
    )
    req = Enrolment(
        body.name,
        body.kind,
        body.station,
        body.enrolment_code,
        body.supervisor_badge,
        body.supervisor_pin,
        sources(request)[0],
        sources(request),
    )
    by = await _signed_in(request)
    made = await enrol(store, AuthSettings.of(settings.auth), guards, req, by=by)
    return Enrolled(**made)


@router.post("/auth/login", dependencies=[public("login itself")])
async def login_route(
    body: Login, request: Request, store: StoreDep, settings: SettingsDep
) -> SessionOut:
    """Log in by badge scan + PIN on an enrolled device (with its credential); returns a bearer
    token."""
    attempt = Attempt(
        body.badge, body.pin, body.device_id, body.device_secret, sources(request, body.device_id)
    )
    result = await login(
        store, AuthSettings.of(settings.auth), request.app.state.login_throttle, attempt
    )
    return session_out(result.session, result.token)


Operator = Annotated[LoginSession, allow(*ANY_OPERATOR)]
Manager = Annotated[LoginSession, allow(*MANAGERS, action="unlock_badge")]


@router.post("/auth/logout", status_code=204)
async def logout(session: Operator, store: StoreDep) -> None:
    """End this session (and its open task)."""
    await auth.logout(store, session)


@router.get("/auth/me")
async def me(session: Operator) -> SessionOut:
    """Who is logged in on this token."""
    return session_out(session)


class LockedBadge(BaseModel):
    badge: str
    name: str
    role: str
    locked_until: str = Field(description="When the lock ends by itself (UTC, ISO 8601).")


@router.get("/operators/locked")
async def locked(_: Manager, store: StoreDep) -> list[LockedBadge]:
    """The badges wrong PINs have locked now (the lock ending first first): what a supervisor
    unlocks with `POST /operators/{badge}/unlock`."""
    return [LockedBadge(**b) for b in auth.locked_badges(store.read(), datetime.now(UTC))]


@router.post("/operators/{badge}/unlock")
async def unlock(badge: Code, _: Manager, store: StoreDep) -> dict[str, str]:
    """Unlock a badge locked by wrong PINs (and forget its count of them)."""
    await auth.unlock(store, badge)
    return {"badge": badge, "status": "unlocked"}
