"""What stands in front of both servers' routes (edge and central): the body limit and the last
catch.

A body over the limit is refused with 413 before it is read when its Content-Length says so,
and as soon as the bytes read pass the limit otherwise (a chunked upload). Starlette's own last catch (ServerErrorMiddleware) answers 500 and then re-raises, and uvicorn
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
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
        limit = {"limit": self.max_body_bytes}
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self.render(Request(scope), "request_too_large", limit, {})(scope, receive, send)
            return
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
