"""Shared request dependencies: the store, the settings, the logged-in operator and role rules.

Every route declares exactly one rule: `public()` or `allow(role, ...)`. A test walks the app
and fails on a route without one.
"""

from __future__ import annotations

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


def current_session(request: Request) -> LoginSession:
    """The operator behind the bearer token; refuses a missing, ended or expired session."""
    token = bearer(request)
    if token is None:
        raise EdgeError("not_authenticated")
    found = session_by_token_hash(request.app.state.store.read(), token_hash(token))
    if found is None or found[1] is not None:
        raise EdgeError("not_authenticated")
    session = found[0]
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
