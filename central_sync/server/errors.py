"""Central's one error type and the only place that turns errors into HTTP (RFC 9457)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from central_sync.server.messages import CATALOGUE, render
from central_sync.store.db import DatabaseBusy, StorageFull
from kernel import http
from kernel.http import problem_response
from kernel.http_protocol import UNPARSEABLE, problem_protocol
from kernel.messages import LANGUAGES, normalise_language
from kernel.problems import Refusal, problem_document

log = logging.getLogger("central.api")

URN = "urn:warehouse-central:problem"
# What a client is told to wait after `database_busy`: another process's write (an import, a
# backup) is usually over within seconds.
BUSY_RETRY_AFTER_S = 2

STATUS: dict[str, int] = {
    "invalid_request": 400,
    "invalid_batch": 422,
    "order_rejected": 422,
    "event_mismatch": 409,
    "event_id_reused": 409,
    "sequence_gap": 409,
    "not_authenticated": 401,
    "webhook_signature_invalid": 401,
    "webhook_not_configured": 503,
    "wrong_edge": 403,
    "admin_only": 403,
    "not_found": 404,
    "order_shipped": 409,
    "order_cancelled": 409,
    "not_shipped": 409,
    "rma_exists": 409,
    "rma_not_open": 409,
    "self_service_no_match": 404,
    "too_many_attempts": 429,
    "photo_refused": 422,
    "return_reason_required": 422,
    "return_window_closed": 422,
    "asn_unknown_warehouse": 422,
    "asn_unknown_sku": 422,
    "kit_invalid": 422,
    "gift_rule_invalid": 422,
    "asn_sscc_taken": 409,
    "asn_csv_refused": 422,
    "asn_exists": 409,
    "asn_not_open": 409,
    "edge_exists": 409,
    "review_rules_invalid": 422,
    "not_in_review": 409,
    "review_decided": 409,
    "unknown_channel": 404,
    "cursor_ahead": 409,
    "method_not_allowed": 405,
    "request_too_large": 413,
    "request_timeout": 408,
    "database_too_new": 503,
    "database_busy": 503,
    "storage_full": 507,
    "internal_error": 500,
}


class CentralError(Refusal):
    """A refusal with a stable `code`; params fill the catalogue's message."""

    catalogue = CATALOGUE
    render = staticmethod(render)


def problem_body(code: str, params: dict[str, Any], lang: str, **extra: Any) -> dict[str, Any]:
    """The problem+json document for `code`: detail in `lang`, both languages in `messages`."""
    return problem_document(URN, code, STATUS.get(code, 422), params, lang, render, **extra)


def http_protocol(timeout_s: float = 30.0) -> type:
    """uvicorn's protocol answering a request its parser refuses, or one slower than
    `timeout_s` (--request-timeout), as central's problem+json."""

    def encoded(code: str, params: dict[str, Any], lang: str) -> bytes:
        return json.dumps(problem_body(code, params, lang), ensure_ascii=False).encode()

    seconds = {"seconds": f"{timeout_s:g}"}
    return problem_protocol(
        encoded("invalid_request", {"reason": UNPARSEABLE}, "en"),
        timeout_s=timeout_s,
        timed_out={lang: encoded("request_timeout", seconds, lang) for lang in LANGUAGES},
        setting="--request-timeout (env WAREHOUSE_CENTRAL_REQUEST_TIMEOUT_S)",
        log=logging.getLogger("central.server"),
    )


def problem(code: str, params: dict[str, Any], lang: str, **extra: Any) -> JSONResponse:
    return problem_response(problem_body(code, params, lang, **extra), params)


def language(request: Request) -> str:
    return normalise_language(request.headers.get("accept-language"))


def install(
    app: FastAPI, *, max_body_bytes: int, count: Callable[[str], None] = lambda _code: None
) -> None:
    """Register the handlers that answer every error as problem+json, each `count`ed by its
    code; refuse bodies over `max_body_bytes`."""

    @app.exception_handler(DatabaseBusy)
    async def busy(request: Request, exc: DatabaseBusy) -> Response:
        log.warning("%s %s: %s; answered 503", request.method, request.url.path, exc)
        count("database_busy")
        return problem("database_busy", {"retry_after_s": BUSY_RETRY_AFTER_S}, language(request))

    @app.exception_handler(StorageFull)
    async def full(request: Request, _: StorageFull) -> Response:
        # the database has said so in the log once (Database._note_full), not at every request
        return problem("storage_full", {}, language(request))

    def answer(request: Request, code: str, params: dict[str, Any], extra: dict[str, Any]) -> Any:
        count(code)
        return problem(code, params, language(request), **extra)

    http.install(app, refusal=CentralError, answer=answer, max_body_bytes=max_body_bytes, log=log)
