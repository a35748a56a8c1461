"""What stands in front of both servers' routes (edge and central): the body limit, the JSON
check and the last catch.

A body over the limit is refused with 413 before it is read when its Content-Length says so,
and as soon as the bytes read pass the limit otherwise (a chunked upload). A JSON body is read
whole here and refused with `invalid_request` (400) unless it is strict JSON with each key once
in an object (`kernel.json_body`), so no route, lean or documented, meets NaN, a lone surrogate,
a nesting that exhausts the parser's stack or an ambiguous duplicate key. Starlette's own last catch (ServerErrorMiddleware) answers 500 and then re-raises, and uvicorn
closes a connection whose application raised: every request queued behind the failed one on
that keep-alive connection is reset. This middleware answers the 500 as problem+json with an
error id that is also in the log line, and does not re-raise, so the connection serves on.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kernel import json_body
from kernel.http_protocol import TIMED_OUT
from kernel.lean_route import replay

# The scope key where the routes' error handlers find the limit, to name it in the answer.
BODY_LIMIT = "warehouse.max_body_bytes"
# (request, code, params, extra fields) -> the problem+json response
Render = Callable[[Request, str, dict[str, Any], dict[str, Any]], Response]


class Guard:
    """Refuses a body over `max_body_bytes` (`request_too_large`, 413) and turns an unexpected
    exception into `internal_error` (500) with an `error_id`."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, render: Render, log: logging.Logger
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.render = render
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[BODY_LIMIT] = self.max_body_bytes
        limit: dict[str, Any] = {"limit": self.max_body_bytes}
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self.render(Request(scope), "request_too_large", limit, {})(scope, receive, send)
            return
        if scope["method"] in BODY_METHODS and json_body.is_json(headers.get("content-type")):
            try:
                body = await read_whole(receive, self.max_body_bytes)
            except ClientDisconnect:
                self._hung_up(scope)
                return
            code, params = ("request_too_large", limit) if body is None else ("", limit)
            if body and (reason := json_body.refusal(body)) is not None:
                code, params = "invalid_request", {"reason": reason}
            if code:
                await self.render(Request(scope), code, params, {})(scope, receive, send)
                return
            receive = replay(body or b"", receive)
        read = 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > self.max_body_bytes:  # answered by the app's HTTPException handler
                raise HTTPException(413, "request_too_large")
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except ClientDisconnect:  # a route reading a body that is not JSON
            if started:
                raise
            self._hung_up(scope)
        except Exception as exc:
            error_id = uuid.uuid4().hex[:16]
            self.log.error(
                "unhandled error %s on %s %s",
                error_id,
                scope.get("method"),
                scope.get("path"),
                exc_info=exc,
            )
            if started:  # half an answer is out: only closing the connection is honest
                raise
            request = Request(scope, receive)
            response = self.render(
                request, "internal_error", {"error_id": error_id}, {"error_id": error_id}
            )
            await response(scope, receive, send)

    def _hung_up(self, scope: Scope) -> None:
        """An edge or handheld that times out or loses its link mid-body is the network's
        ordinary weather, not a fault of the server: nothing was applied, and it will send
        again. One line, no answer (nobody is there to read it); none when the server cut a
        body that was too slow (kernel.http_protocol said so already)."""
        if scope.get(TIMED_OUT):
            return
        client = scope.get("client") or ("?",)
        self.log.warning(
            "client %s hung up during %s %s; nothing applied",
            client[0],
            scope["method"],
            scope["path"],
        )


BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


async def read_whole(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes `limit` bytes; ClientDisconnect when the
    client leaves before the body is all in."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client left before the body was all in
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)
