"""The OpenAPI document tells the truth about errors (edge and central): every operation lists
the problem+json answers it can give, with one `Problem` schema, in place of FastAPI's default
422 `HTTPValidationError` (our validation errors are 400 problems)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details with a stable `code` and the message in en and zh.",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable machine code (e.g. over_pick)."},
        "detail": {"type": "string", "description": "The message in the reader's language."},
        "messages": {
            "type": "object",
            "properties": {"en": {"type": "string"}, "zh": {"type": "string"}},
        },
        "params": {"type": "object"},
        "error_id": {"type": "string", "description": "With a 500: the id in the server's log."},
    },
}
WHY = {
    400: "The request is not valid (a field out of its range, of the wrong type, too long).",
    401: "No valid token.",
    403: "The token's role or edge may not do this.",
    404: "What the request names does not exist.",
    409: "The request conflicts with the current state.",
    413: "The request body is larger than the server accepts.",
    415: "The body is not of a media type this route takes.",
    422: "Understood, but refused by a business rule.",
    423: "Locked.",
    429: "Too many tries from this source: wait, then try again.",
    500: "An unexpected error; the answer carries the error id that is in the log.",
    503: "Not ready.",
    507: "The disk is full; nothing was saved.",
}
# route -> the statuses its own rules add (401 and 403 where a token is needed, 423 at login…)
RouteStatuses = Callable[[APIRoute], set[int]]


def _routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    iterate = getattr(routing, "iter_route_contexts", None)
    for ctx in iterate(app.routes) if iterate else app.routes:
        route = getattr(ctx, "original_route", ctx)
        if isinstance(route, APIRoute):
            # a route context (newer FastAPI) carries the mounted path; a bare route is its own
            path: str = getattr(ctx, "path", route.path)
            for method in getattr(ctx, "methods", None) or route.methods or ():
                yield path, method.lower(), route


def calls(dependant: Dependant) -> Iterator[Any]:
    """Every dependency callable of a route, at any depth."""
    for dep in dependant.dependencies:
        yield dep.call
        yield from calls(dep)


def statuses(route: APIRoute, method: str, *, writes: set[int], own: RouteStatuses) -> set[int]:
    """The problem statuses an operation can answer."""
    out = {500} | own(route)
    dependant = route.dependant
    if dependant.path_params or dependant.query_params or dependant.body_params:
        out |= {400}
    if dependant.path_params:
        out |= {404}
    if method in ("post", "put", "patch", "delete"):
        out |= {400, 413} | writes
    return out


def document_problems(app: FastAPI, *, writes: set[int], own: RouteStatuses) -> None:
    """Make `app.openapi()` list each operation's problem answers with the Problem schema."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = plain()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components["Problem"] = PROBLEM_SCHEMA
        content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for path, method, route in _routes(app):
            operation = schema["paths"].get(path, {}).get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status in sorted(statuses(route, method, writes=writes, own=own)):
                responses[str(status)] = {"description": WHY[status], "content": content}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
