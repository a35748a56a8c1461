"""Central's one error type and the only place that turns errors into HTTP (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from central_sync.server.messages import CATALOGUE, Text, render
from edge.api.errors import http_problem
from edge.api.guard import Guard
from edge.domain.messages import normalise_language

log = logging.getLogger("central.api")

PROBLEM = "application/problem+json"

STATUS: dict[str, int] = {
    "invalid_request": 400, "invalid_batch": 422, "order_rejected": 422,
    "event_mismatch": 409, "event_id_reused": 409, "sequence_gap": 409,
    "not_authenticated": 401, "wrong_edge": 403, "admin_only": 403, "not_found": 404,
    "order_shipped": 409, "order_cancelled": 409, "not_shipped": 409, "rma_exists": 409,
    "edge_exists": 409, "method_not_allowed": 405, "request_too_large": 413, "database_too_new": 503, "internal_error": 500,
}  # fmt: skip


class CentralError(Exception):
    """A refusal with a stable `code`; params fill the catalogue's message."""

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in CATALOGUE:
            raise ValueError(f"no message for error code {code!r}")
        self.code = code
        self.params = params
        self.extra: dict[str, Any] = {}
        super().__init__(render(code, "en", params))


def _plain(value: Any) -> Any:
    if isinstance(value, Text):
        return value.en
    if isinstance(value, int | float | bool | None):
        return value
    return str(value)


def problem_body(code: str, params: dict[str, Any], lang: str, **extra: Any) -> dict[str, Any]:
    """The problem+json document for `code`: detail in `lang`, both languages in `messages`."""
    return {
        "type": f"urn:warehouse-central:problem:{code}",
        "title": code.replace("_", " ").capitalize(),
        "status": STATUS.get(code, 422),
        "code": code,
        "detail": render(code, lang, params),
        "messages": {"en": render(code, "en", params), "zh": render(code, "zh", params)},
        "params": {k: _plain(v) for k, v in params.items()},
    } | extra


def problem(code: str, params: dict[str, Any], lang: str, **extra: Any) -> JSONResponse:
    status = STATUS.get(code, 422)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    body = problem_body(code, params, lang, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def language(request: Request) -> str:
    return normalise_language(request.headers.get("accept-language"))


def install(app: FastAPI, *, max_body_bytes: int) -> None:
    """Register the handlers that answer every error as problem+json; refuse bodies over
    `max_body_bytes`."""

    @app.exception_handler(CentralError)
    async def central_error(request: Request, exc: CentralError) -> JSONResponse:
        return problem(exc.code, exc.params, language(request), **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"] if p != "body")
        return problem("invalid_request", {"reason": f"{where}: {first['msg']}"}, language(request))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, params, headers = http_problem(request, exc)
        response = problem(code, params, language(request))
        response.headers.update(headers)
        return response

    @app.exception_handler(ClientDisconnect)
    async def hung_up(request: Request, _: ClientDisconnect) -> Response:
        # An edge that times out or loses its link mid-request is the network's ordinary
        # weather, not a fault of central: nothing was applied, and it will send again.
        log.warning(
            "client %s hung up during %s %s; nothing applied",
            request.client.host if request.client else "?", request.method, request.url.path,
        )  # fmt: skip
        return Response(status_code=499)

    def guarded(request: Request, code: str, params: dict[str, Any], extra: dict[str, Any]) -> Any:
        return problem(code, params, language(request), **extra)

    app.add_middleware(Guard, max_body_bytes=max_body_bytes, render=guarded, log=log)
