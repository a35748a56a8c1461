"""The only place that turns errors and stored answers into HTTP (RFC 9457 problem+json)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from edge.api.guard import BODY_LIMIT, Guard
from edge.domain.errors import EdgeError
from edge.domain.messages import CATALOGUE, prompt, render

log = logging.getLogger("edge.api")

PROBLEM = "application/problem+json"

# HTTP status per error code; a code not listed answers 422 (understood, but refused).
STATUS: dict[str, int] = {
    "invalid_request": 400, "malformed_barcode": 422, "bad_check_digit": 422, "empty_scan": 422,
    "invalid_quantity": 400, "quantity_too_large": 400, "balance_out_of_range": 409,
    "not_authenticated": 401, "session_expired": 401, "bad_credentials": 401,
    "not_authorized": 403, "not_assignee": 403, "operator_locked": 423, "unknown_device": 401,
    "too_many_attempts": 429, "bad_device_credential": 401, "device_name_needed": 400,
    "enrolment_needs_supervisor": 401, "bad_enrolment_code": 401,
    "not_found": 404, "unknown_sku": 404, "unknown_location": 404,
    "insufficient_stock": 409, "scan_id_reused": 409, "duplicate": 409, "bad_transition": 409,
    "no_pick_list": 404,
    "method_not_allowed": 405, "request_too_large": 413, "backup_of_another_edge": 409,
    "storage_full": 507, "database_too_new": 503, "internal_error": 500,
}  # fmt: skip

TITLES = {code: code.replace("_", " ").capitalize() for code in CATALOGUE}


def _plain(value: Any) -> Any:
    """A JSON-safe parameter: numbers, booleans and lists stay as they are, the rest as text."""
    if isinstance(value, int | float | bool | None):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def status_of(code: str) -> int:
    return STATUS.get(code, 422)


def problem_body(code: str, params: dict[str, Any], lang: str, **extra: Any) -> dict[str, Any]:
    """The problem+json document for `code`, the detail in `lang` and both languages in `messages`."""
    return {
        "type": f"urn:warehouse-edge:problem:{code}",
        "title": TITLES[code],
        "status": status_of(code),
        "code": code,
        "detail": render(code, lang, params),
        "messages": {"en": render(code, "en", params), "zh": render(code, "zh", params)},
        "params": {k: _plain(v) for k, v in params.items()},
    } | extra


def problem(code: str, params: dict[str, Any], lang: str, **extra: Any) -> JSONResponse:
    """A problem+json response (see `problem_body`)."""
    status = status_of(code)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if "retry_after_s" in params:
        headers["Retry-After"] = str(params["retry_after_s"])
    body = problem_body(code, params, lang, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def rendered_answer(body: dict[str, Any], lang: str) -> dict[str, Any]:
    """A stored scan/command answer as the operator reads it, the same way every time."""
    next_message = (
        prompt(body["next"], lang, body.get("next_params", {})) if body.get("next") else None
    )
    if not body.get("ok"):
        extra = {k: v for k, v in body.items() if k not in ("code", "params", "ok")}
        return problem_body(body["code"], body.get("params", {}), lang, ok=False, **extra) | {
            "next_message": next_message
        }
    out = dict(body) | {"message": prompt(body["prompt"], lang, body.get("params", {}))}
    return out | ({"next_message": next_message} if next_message else {})


def answer_response(body: dict[str, Any], lang: str, *, replayed: bool) -> JSONResponse:
    """Render a stored scan/command answer as HTTP (a refusal as problem+json)."""
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    out = rendered_answer(body, lang)
    if not body.get("ok"):
        return JSONResponse(out, status_code=out["status"], media_type=PROBLEM, headers=headers)
    return JSONResponse(out, headers=headers)


def request_language(request: Request) -> str:
    lang = getattr(request.state, "lang", None)
    if lang:
        return str(lang)
    from edge.domain.messages import normalise_language

    return normalise_language(request.headers.get("accept-language"))


def count_error(request: Request, code: str) -> None:
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.errors.labels(code).inc()


def install(app: FastAPI, *, max_body_bytes: int) -> None:
    """Answer every error as problem+json; refuse bodies over `max_body_bytes`."""

    @app.exception_handler(EdgeError)
    async def edge_error(request: Request, exc: EdgeError) -> JSONResponse:
        count_error(request, exc.code)
        return problem(exc.code, exc.params, request_language(request))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"] if p != "body")
        count_error(request, "invalid_request")
        return problem(
            "invalid_request", {"reason": f"{where}: {first['msg']}"}, request_language(request)
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, params, headers = http_problem(request, exc)
        count_error(request, code)
        response = problem(code, params, request_language(request))
        response.headers.update(headers)
        return response

    def guarded(request: Request, code: str, params: dict[str, Any], extra: dict[str, Any]) -> Any:
        count_error(request, code)
        return problem(code, params, request_language(request), **extra)

    app.add_middleware(Guard, max_body_bytes=max_body_bytes, render=guarded, log=log)


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
