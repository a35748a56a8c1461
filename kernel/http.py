"""Problem details over HTTP, the same for the edge and central: the response, the framework's
own errors (404, 405, 413, a body that does not validate) in the side's catalogue, and the guard.

Each side gives one `answer(request, code, params, extra)` that renders a refusal in its own
catalogue and language; `install` routes every refusal of the app through it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kernel.guard import BODY_LIMIT, Guard
from kernel.problems import PROBLEM, problem_headers

Answer = Callable[[Request, str, dict[str, Any], dict[str, Any]], Response]


def problem_response(
    body: dict[str, Any], params: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A problem+json document as a response with its status and the headers it calls for."""
    status = body["status"]
    out = problem_headers(status, params) | dict(headers or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=out)


def http_problem(
    request: Request, exc: StarletteHTTPException
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The code, params and headers for an error the framework raised (404, 405, 413, …)."""
    if exc.status_code == 404:
        return "not_found", {"what": "path", "key": request.url.path}, {}
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        params = {"method": request.method, "path": request.url.path, "allowed": allowed}
        return "method_not_allowed", params, {"Allow": allowed}
    if exc.status_code == 413:
        return "request_too_large", {"limit": request.scope.get(BODY_LIMIT, "?")}, {}
    return "invalid_request", {"reason": str(exc.detail)}, {}


def install(
    app: FastAPI,
    *,
    refusal: type[Exception],
    answer: Answer,
    max_body_bytes: int,
    log: logging.Logger,
) -> None:
    """Answer every error of `app` as problem+json through `answer`: the side's `refusal` (an
    exception with `code`, `params` and optionally `extra`), a body that does not validate, the
    framework's HTTP errors, a body over `max_body_bytes` and the last catch (the guard)."""

    @app.exception_handler(refusal)
    async def refused(request: Request, exc: Exception) -> Response:
        extra = getattr(exc, "extra", {})
        return answer(request, exc.code, exc.params, extra)  # type: ignore[attr-defined]

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"] if p != "body")
        return answer(request, "invalid_request", {"reason": f"{where}: {first['msg']}"}, {})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code, params, headers = http_problem(request, exc)
        response = answer(request, code, params, {})
        response.headers.update(headers)
        return response

    app.add_middleware(Guard, max_body_bytes=max_body_bytes, render=answer, log=log)
