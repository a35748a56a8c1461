"""Device enrolment, login by badge + PIN, logout."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from edge.api.deps import ANY_OPERATOR, SettingsDep, StoreDep, allow, bearer, public
from edge.service.auth import AuthSettings, login
from edge.store import operators as ops
from edge.store.operators import LoginSession

router = APIRouter(prefix="/api/v1", tags=["sessions"])


class Enrol(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    kind: Literal["handheld", "scanner", "desktop"] = "handheld"


class Login(BaseModel):
    badge: str = Field(min_length=1, max_length=64)
    pin: str = Field(min_length=1, max_length=32)
    device_id: str = Field(min_length=1, max_length=64)


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
        token=token, operator_id=session.operator_id, name=session.name, role=session.role,
        language=session.language, device_id=session.device_id, expires_at=session.expires_at,
    )  # fmt: skip


@router.post(
    "/devices", status_code=201, dependencies=[public("a handheld enrols before anyone logs in")]
)
async def enrol(body: Enrol, store: StoreDep) -> dict[str, str]:
    """Enrol a handheld or station once; keep the returned device id."""
    device_id = await store.writer.run(
        lambda tx: ops.enrol_device(tx, name=body.name, kind=body.kind)
    )
    return {"device_id": device_id}


@router.post("/auth/login", dependencies=[public("login itself")])
async def login_route(body: Login, store: StoreDep, settings: SettingsDep) -> SessionOut:
    """Log in by badge scan + PIN on an enrolled device; returns a bearer token."""
    auth = AuthSettings(
        settings.auth.session_hours, settings.auth.max_pin_attempts, settings.auth.lockout_minutes
    )
    result = await login(store, auth, badge=body.badge, pin=body.pin, device_id=body.device_id)
    return session_out(result.session, result.token)


Operator = Annotated[LoginSession, allow(*ANY_OPERATOR)]


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, session: Operator, store: StoreDep) -> None:
    """End this session (and its open task)."""
    token = bearer(request)
    assert token is not None
    await store.writer.run(lambda tx: ops.end_session(tx, session.token_hash))
    request.app.state.sessions.forget(session.token_hash)


@router.get("/auth/me")
async def me(session: Operator) -> SessionOut:
    """Who is logged in on this token."""
    return session_out(session)


_ = Depends  # re-exported for routers that build rules inline
