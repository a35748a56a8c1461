"""Shared request dependencies: the store, the settings, the logged-in operator and role rules.

Every route declares exactly one rule: `public()` or `allow(role, ...)`. A test walks the app
and fails on a route without one.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request

from edge.config import Settings
from edge.domain.errors import EdgeError
from edge.domain.messages import normalise_language
from edge.domain.operator import Role, activity
from edge.service.auth import note_use
from edge.store.database import Store
from edge.store.operators import (
    LoginSession,
    device_by_secret,
    parse_utc,
    session_by_token_hash,
    token_hash,
)


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def sources(request: Request, device_id: str = "") -> tuple[str, ...]:
    """Where a login or enrolment comes from: the client address, and the device it names."""
    address = request.client.host if request.client else "unknown"
    return (f"addr:{address}",) + ((f"device:{device_id}",) if device_id else ())


def bearer(request: Request, *, in_query: bool = False) -> str | None:
    """The bearer token of the Authorization header; from the `access_token` query parameter
    only where `in_query` (the event stream: RFC 6750 §2.3, since browsers' EventSource cannot
    send headers). Anywhere else a token in the URL would end up in proxy and access logs."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return (request.query_params.get("access_token") or None) if in_query else None


async def current_session(request: Request, *, in_query: bool = False) -> LoginSession:
    """The operator behind the bearer token; refuses a missing, ended (logged out, revoked),
    expired (absolute lifetime) or idle session.

    Read from SQLite on every request (a primary-key join, ~8 µs measured): a revocation (lock,
    logout, role change, disable, even by the CLI in another process) takes effect at once."""
    token = bearer(request, in_query=in_query)
    if token is None:
        raise EdgeError("not_authenticated")
    store = request.app.state.store
    found = session_by_token_hash(store.read(), token_hash(token))
    if found is None or found[1] is not None:
        raise EdgeError("not_authenticated")
    session = found[0]
    # Set before the expiry check so that "session expired" speaks the operator's language too.
    settings = request.app.state.settings
    request.state.lang = normalise_language(
        session.language or request.headers.get("accept-language") or settings.edge.language
    )
    now = datetime.now(UTC)
    expires, seen = parse_utc(session.expires_at), parse_utc(session.last_seen_at)
    if expires is None or expires <= now:
        raise EdgeError("session_expired")
    used = activity(seen, now=now, idle=timedelta(minutes=settings.auth.idle_minutes))
    # Idle: expired, not ended (the operator's next login on this device takes over the open task).
    await note_use(store, session.token_hash, used)
    if used == "idle":
        raise EdgeError("session_expired")
    request.state.operator_id = session.operator_id
    return session


RuleFn = Callable[..., Coroutine[Any, Any, LoginSession | None]]


def allow(*roles: Role, action: str = "use_session", stream: bool = False) -> Any:
    """Only operators with one of `roles` may call the route; `stream` (Server-Sent Events
    only) also takes the token from the `access_token` query parameter."""
    allowed = frozenset(roles)

    async def rule(request: Request) -> LoginSession:
        session = await current_session(request, in_query=stream)
        if Role(session.role) not in allowed:
            names = [r.value for r in Role if r in allowed]
            raise EdgeError("not_authorized", role=session.role, action=action, allowed=names)
        return session

    rule.role_rule = tuple(r.value for r in Role if r in allowed)  # type: ignore[attr-defined]
    return Depends(rule)


def operator_or_station(*, stream: bool = False) -> Any:
    """A signed-in operator (any role), or a station's screen presenting its own credential (the
    secret from its enrolment) before anyone logs in there; `request.state.station` names that
    station (None for an operator). `stream`: the token may come in the query (SSE)."""

    async def rule(request: Request) -> None:
        request.state.station = None
        token = bearer(request, in_query=stream)
        device = device_by_secret(request.app.state.store.read(), token) if token else None
        if device is not None and device["station"]:
            request.state.station = device["station"]
            request.state.lang = normalise_language(request.headers.get("accept-language"))
            return
        await current_session(request, in_query=stream)

    rule.role_rule = (*(r.value for r in Role), "station")  # type: ignore[attr-defined]
    return Depends(rule)


def public(reason: str) -> Any:
    """No login needed (health, enrolment, login itself); `reason` documents why."""

    async def rule(request: Request) -> None:
        request.state.lang = normalise_language(request.headers.get("accept-language"))

    rule.role_rule = ("public", reason)  # type: ignore[attr-defined]
    return Depends(rule)


ANY_OPERATOR = tuple(Role)
