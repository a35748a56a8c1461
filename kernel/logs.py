"""Logging for both servers: text or JSON lines, and a request id in every line logged while a
request is served.

`RequestIds` (ASGI middleware) takes the id from the request's `X-Request-ID` when it is sane (1 to
64 of `A-Z a-z 0-9 . _ : -`), else makes one; the answer carries it back in `X-Request-ID` and the
contextvar `REQUEST_ID` carries it into every log record made while the request is served.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
HEADER = b"x-request-id"
_SANE = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("http.request")
# (scope, status, seconds) for each request answered: the servers' latency histograms
Observe = Callable[[Scope, int, float], None]


# A made id: this process's random prefix and a counter (16 hex digits, unique without a
# system call per request).
_PREFIX = os.urandom(4).hex()
_COUNTER = itertools.count()


def new_request_id() -> str:
    return f"{_PREFIX}{next(_COUNTER) & 0xFFFFFFFF:08x}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id while a
    request is served, exception when the record has one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = REQUEST_ID.get()
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def setup_logging(level: str = "INFO", *, as_json: bool = False) -> None:
    """The root logger writes to stderr at `level`, as text or JSON lines (unless it already has
    a handler)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if as_json else logging.Formatter(TEXT_FORMAT))
    chosen = getattr(logging, level.upper(), logging.INFO)
    logging.basicConfig(level=chosen, handlers=[handler])
    if chosen > logging.DEBUG:
        quiet_httpx()


def quiet_httpx() -> None:
    """httpx logs every request at INFO: a line per sync batch and poll would bury the log. Kept
    to its warnings, unless someone set its level already."""
    if logging.getLogger("httpx").level == logging.NOTSET:
        logging.getLogger("httpx").setLevel(logging.WARNING)


class RequestIds:
    """Sets `REQUEST_ID` for each HTTP request and WebSocket, answers it in `X-Request-ID`, and
    logs each request (method, path, status, milliseconds) at DEBUG and hands its duration to
    `observe`."""

    def __init__(self, app: ASGIApp, *, observe: Observe | None = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw = None
        for key, value in scope["headers"]:
            if key == HEADER:
                raw = value
                break
        if raw is None or _SANE.fullmatch(raw) is None:
            raw = new_request_id().encode()
        token = REQUEST_ID.set(raw.decode())
        status = 0
        started = time.perf_counter()

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, raw)]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            seconds = time.perf_counter() - started
            if self.observe is not None:
                self.observe(scope, status, seconds)
            if log.isEnabledFor(logging.DEBUG):
                method = scope.get("method", "WS")
                log.debug("%s %s %s %.1f ms", method, scope["path"], status, seconds * 1000)
            REQUEST_ID.reset(token)
