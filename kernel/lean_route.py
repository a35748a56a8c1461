"""A lean route in front of a documented FastAPI route: it answers the common request itself
(the same steps, without FastAPI's dependency machinery) and hands anything else, unchanged, to
the documented route. The edge's scans and central's one order use it (request CPU)."""

from __future__ import annotations

from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Match, Route
from starlette.types import Message, Receive, Scope, Send

from kernel import json_body

JSON = "application/json"


class LeanRoute(Route):
    """Matches the documented route's path (POST only, out of the schema); `matches` labels the
    request with this route, whose path is the documented one's (the request metric's label)."""

    def __init__(self, documented: APIRoute) -> None:
        super().__init__(
            documented.path, documented.endpoint, methods=["POST"], include_in_schema=False
        )
        self.documented = documented

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child = super().matches(scope)
        if match is Match.FULL:
            child["route"] = self
        return match, child

    async def hand_on(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> None:
        """The documented route answers, the body already read given to it again."""
        await self.documented.handle(
            {**scope, "route": self.documented}, replay(body, receive), send
        )


def json_object(content_type: str | None, body: bytes) -> dict[str, Any] | None:
    """The body as FastAPI reads a JSON body (no content type, or application/json), when it is
    a JSON object; None for anything else (the documented route then answers it)."""
    if content_type is not None and content_type.split(";")[0].strip().lower() != JSON:
        return None
    try:  # the guard let only strict JSON through; orjson reads it ~9x faster than json
        found = json_body.loads(body)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then what the server's gives (a
    disconnect)."""
    given = False

    async def replayed() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
