"""Every route of the app carries exactly one role rule, and the rules hold when called."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from edge.api.app import create_app
from edge.api.deps import allow, public
from edge.config import load_settings
from edge.domain.operator import Role
from kernel.lean_route import LeanRoute
from tests.support import Floor

# Served by FastAPI, Starlette or fastapi-offline (the docs), outside the routers: public by design.
FRAMEWORK_PUBLIC = {
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/static-offline-docs",
    "/ui",
}


def rules_of(dependant: Dependant) -> Iterator[tuple[Any, ...]]:
    """The role rules among a route's dependencies, at any depth."""
    for dep in dependant.dependencies:
        rule = getattr(dep.call, "role_rule", None)
        if rule is not None:
            yield rule
        yield from rules_of(dep)


def all_routes(app: FastAPI) -> list[Any]:
    """Every route as served, included routers flattened (FastAPI >= 0.165 includes lazily)."""
    iterate = getattr(routing, "iter_route_contexts", None)
    return list(iterate(app.routes)) if iterate else list(app.routes)


def is_api_route(route: Any) -> bool:
    route = getattr(route, "original_route", route)
    return isinstance(route, APIRoute) and route.path not in FRAMEWORK_PUBLIC


def api_routes(app: FastAPI) -> list[Any]:
    return [r for r in all_routes(app) if is_api_route(r)]


def route_ids(routes: list[Any]) -> list[str]:
    return [f"{sorted(r.methods)[0]} {r.path}" for r in routes]


def filled(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "X-1", path)


APP = create_app(load_settings(env={}))  # routes only: the store opens at start-up
ROUTES = api_routes(APP)
GUARDED = [r for r in ROUTES if list(rules_of(r.dependant))[0][0] != "public"]
NOT_FOR_PICKERS = [r for r in GUARDED if "picker" not in list(rules_of(r.dependant))[0]]


@pytest.mark.parametrize("route", ROUTES, ids=route_ids(ROUTES))
def test_every_api_route_has_exactly_one_role_rule(route: Any) -> None:
    rules = list(rules_of(route.dependant))

    assert len(rules) == 1, f"{route.path} has {len(rules)} role rules"
    assert rules[0][0] != "public" or rules[0][1].strip(), (
        f"{route.path} is public without a reason"
    )


def test_every_other_route_is_one_the_framework_serves_in_public() -> None:
    routes = [getattr(r, "original_route", r) for r in all_routes(APP) if not is_api_route(r)]
    lean = [r for r in routes if isinstance(r, LeanRoute)]
    others = {r.path for r in routes if not isinstance(r, LeanRoute)}

    assert others == FRAMEWORK_PUBLIC
    # a lean route answers ahead of a documented route, under that route's own rule
    assert [r.path for r in lean] == ["/api/v1/scans"]
    documented = [getattr(r, "original_route", r) for r in ROUTES]
    assert all(
        any(r.documented is d for d in documented) and r.documented.path == r.path for r in lean
    )


def test_the_rules_allow_the_roles_the_floor_needs() -> None:
    rules = {f"{sorted(r.methods)[0]} {r.path}": list(rules_of(r.dependant))[0] for r in ROUTES}

    assert rules["POST /api/v1/scans"] == ("picker", "packer", "returns", "supervisor", "admin")
    assert rules["POST /api/v1/stock/adjustments"] == ("supervisor", "admin")
    assert rules["POST /api/v1/auth/login"] == ("public", "login itself")


@pytest.mark.parametrize("route", GUARDED, ids=route_ids(GUARDED))
def test_a_guarded_route_without_a_token_answers_401_not_authenticated(
    floor: Floor, route: Any
) -> None:
    method = sorted(route.methods)[0]

    resp = floor.client.request(method, filled(route.path))

    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")
    assert resp.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("route", NOT_FOR_PICKERS, ids=route_ids(NOT_FOR_PICKERS))
def test_a_route_not_for_pickers_refuses_a_picker_with_403(floor: Floor, route: Any) -> None:
    method = sorted(route.methods)[0]

    resp = floor.client.request(method, filled(route.path), headers=floor.login())

    assert (resp.status_code, resp.json()["code"]) == (403, "not_authorized")
    assert resp.json()["params"]["role"] == "picker"


def test_a_supervisor_only_route_refuses_a_picker_and_serves_a_supervisor(floor: Floor) -> None:
    picker = floor.client.get("/api/v1/movements", headers=floor.login("B-PICK"))

    supervisor = floor.client.get("/api/v1/movements", headers=floor.login("B-SUP"))

    assert (picker.status_code, picker.json()["code"]) == (403, "not_authorized")
    assert supervisor.status_code == 200


def test_no_token_answers_401_not_authenticated(floor: Floor) -> None:
    resp = floor.client.get("/api/v1/auth/me")

    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")
    assert resp.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("token", ["", "not-a-token", "Basic dXNlcjpwYXNz"])
def test_a_malformed_or_unknown_token_answers_401(floor: Floor, token: str) -> None:
    header = token if token.startswith("Basic") else f"Bearer {token}"

    resp = floor.client.get("/api/v1/auth/me", headers={"Authorization": header})

    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")


def test_a_logged_out_token_answers_401(floor: Floor) -> None:
    headers = floor.login()
    assert floor.client.post("/api/v1/auth/logout", headers=headers).status_code == 204

    resp = floor.client.get("/api/v1/auth/me", headers=headers)

    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")


def test_a_public_route_answers_without_a_token(floor: Floor) -> None:
    resp = floor.client.get("/healthz")

    assert resp.json() == {"status": "ok"}


def nested_rule(_: Annotated[Any, allow(Role.ADMIN)]) -> None:
    """A dependency that carries a rule one level down."""


def test_the_walk_finds_rules_at_any_depth_and_routes_with_none_or_two() -> None:
    router = APIRouter(prefix="/api/v1")
    router.get("/none")(lambda: None)
    router.get("/deep", dependencies=[Depends(nested_rule)])(lambda: None)
    router.get("/two", dependencies=[public("a"), allow(Role.PICKER)])(lambda: None)
    app = FastAPI()
    app.include_router(router, dependencies=[])

    counts = {r.path: len(list(rules_of(r.dependant))) for r in api_routes(app)}

    assert counts == {"/api/v1/none": 0, "/api/v1/deep": 1, "/api/v1/two": 2}
