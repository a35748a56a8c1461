"""Shared request dependencies: the store, the settings, the logged-in operator and role rules.

Every route declares exactly one rule: `public()` or `allow(role, ...)`. A test walks the app
and fails on a route without one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from edge.domain.errors import EdgeError
from edge.domain.messages import normalise_language
from edge.domain.operator import Role
from edge.store.operators import LoginSession, parse_utc, session_by_token_hash, token_hash
from edge.store.store import Store


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_settings(request: Request) -> Any:
    return request.app.state.settings


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Any, Depends(get_settings)]


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    # RFC 6750 §2.3: browsers' EventSource cannot send headers, so the SSE stream takes the
    # token as a query parameter.
    return request.query_params.get("access_token") or None


class SessionCache:
    """Open sessions by token hash, trusted for `ttl_s` before they are read again.

    Every scan is authenticated; without this each one would read SQLite on the event loop. The
    expiry is checked on every request all the same; a logout in this process forgets at once; a
    session ended behind the server's back (by SQL) is noticed within `ttl_s`."""

    def __init__(self, *, ttl_s: float = 5.0, size: int = 4096) -> None:
        self._ttl = ttl_s
        self._size = size
        self._entries: dict[str, tuple[float, LoginSession]] = {}

    def get(self, key: str, now: float) -> LoginSession | None:
        entry = self._entries.get(key)
        return entry[1] if entry and now - entry[0] < self._ttl else None

    def put(self, key: str, session: LoginSession, now: float) -> None:
        if len(self._entries) >= self._size:
            self._entries.clear()  # crude, and rare: a full cache of live sessions is a busy day
        self._entries[key] = (now, session)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)


def _open_session(request: Request, key: str) -> LoginSession:
    cache: SessionCache = request.app.state.sessions
    now = time.monotonic()
    session = cache.get(key, now)
    if session is None:
        found = session_by_token_hash(request.app.state.store.read(), key)
        if found is None or found[1] is not None:
            raise EdgeError("not_authenticated")
        session = found[0]
        cache.put(key, session, now)
    return session


def current_session(request: Request) -> LoginSession:
    """The operator behind the bearer token; refuses a missing, ended or expired session."""
    token = bearer(request)
    if token is None:
        raise EdgeError("not_authenticated")
    session = _open_session(request, token_hash(token))
    # Set before the expiry check so that "session expired" speaks the operator's language too.
    request.state.lang = normalise_language(
        session.language
        or request.headers.get("accept-language")
        or request.app.state.settings.edge.language
    )
    expires = parse_utc(session.expires_at)
    if expires is None or expires <= datetime.now(UTC):
        raise EdgeError("session_expired")
    request.state.operator_id = session.operator_id
    return session


RuleFn = Callable[..., Coroutine[Any, Any, LoginSession | None]]


def allow(*roles: Role, action: str = "use_session") -> Any:
    """Only operators with one of `roles` may call the route."""
    allowed = frozenset(roles)

    async def rule(request: Request) -> LoginSession:
        session = current_session(request)
        if Role(session.role) not in allowed:
            names = [r.value for r in Role if r in allowed]
            raise EdgeError("not_authorized", role=session.role, action=action, allowed=names)
        return session

    rule.role_rule = tuple(r.value for r in Role if r in allowed)  # type: ignore[attr-defined]
    return Depends(rule)


def public(reason: str) -> Any:
    """No login needed (health, enrolment, login itself); `reason` documents why."""

    async def rule(request: Request) -> None:
        request.state.lang = normalise_language(request.headers.get("accept-language"))

    rule.role_rule = ("public", reason)  # type: ignore[attr-defined]
    return Depends(rule)


ANY_OPERATOR = tuple(Role)
