"""Every route of the edge × every role × {no token, expired, revoked, another edge's token,
central's token, another picker's object}, table-driven. Routes are read from the app, so a new
route without its entries here fails these tests."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from edge.api.app import create_app
from edge.config import load_settings
from edge.domain.operator import Role
from edge.store.database import Store
from tests.support import Floor, add_colleague
from tests.test_route_rules import ROUTES, filled, route_ids, rules_of

RULES = {route_ids([r])[0]: list(rules_of(r.dependant))[0] for r in ROUTES}
GUARDED = sorted(route for route, rule in RULES.items() if rule[0] != "public")
PUBLIC = sorted(route for route, rule in RULES.items() if rule[0] == "public")
STREAMS = {"GET /api/v1/events/stream", "GET /api/v1/stations/{name}/events"}  # never end
ROLES = [r.value for r in Role]

# Which routes act on something a person owns (an assignee), and where that is proven; every
# other guarded route says why nobody owns what it touches.
OWNED = {
    "POST /api/v1/work-sessions": "tests.test_pick_api:test_a_pick_list_assigned_to_one_picker_is_refused_to_another_and_open_to_a_supervisor",
    "POST /api/v1/parcels/{parcel_id}/reprint": "tests.test_pack_api:test_a_parcel_is_reprinted_only_by_its_packer_or_a_supervisor",
    "GET /api/v1/pick-lists": "tests.test_pick_api:test_an_unassigned_pick_list_becomes_the_first_pickers_and_is_refused_to_the_next",
    "GET /api/v1/stations/{name}/events": "tests.test_stations:test_station_details_need_a_login_or_the_stations_own_credential",
}
SESSION = "the caller's own session and task"
MANAGED = "supervisors' and admins' only: nobody else reaches it"
SHARED = "the warehouse's shared data, readable by the whole floor"
STATION = "a station's printer or scale, shared by whoever works there"
DESK = "the returns desk's RMAs and parcels, shared by its clerks and the managers"
DOCK = "a carrier's bag at the dock, filled and closed by whichever packer or supervisor is there"
NOT_OWNED = {
    "POST /api/v1/auth/logout": SESSION,
    "GET /api/v1/auth/me": SESSION,
    "POST /api/v1/scans": SESSION,
    "GET /api/v1/work-sessions/current": SESSION,
    "GET /api/v1/events/stream": SESSION,
    "POST /api/v1/pack/close": SESSION,
    "POST /api/v1/operators/{badge}/unlock": MANAGED,
    "GET /api/v1/operators/locked": MANAGED,
    "GET /api/v1/count-tasks": MANAGED,
    "GET /api/v1/asns": MANAGED,
    "GET /api/v1/asns/{asn_id}": MANAGED,
    "GET /api/v1/receiving/discrepancies": MANAGED,
    "GET /api/v1/putaway-tasks": MANAGED,
    "POST /api/v1/receiving/labels": STATION,
    "POST /api/v1/count-tasks/{task_id}/result": MANAGED,
    "GET /api/v1/counts": SHARED,
    "POST /api/v1/counts/{task_id}/submit": "a count of the warehouse's bins, by whoever counts it",
    "POST /api/v1/counts": MANAGED,
    "GET /api/v1/counts/review": MANAGED,
    "POST /api/v1/counts/{task_id}/approve": MANAGED,
    "POST /api/v1/counts/{task_id}/reject": MANAGED,
    "GET /api/v1/replenishments": SHARED,
    "POST /api/v1/replenishments/{task_id}/done": "a move of the warehouse's stock, by whoever does it",
    "GET /api/v1/stock/expiring": MANAGED,
    "POST /api/v1/stock/expired/quarantine": MANAGED,
    "POST /api/v1/stock/adjustments": MANAGED,
    "GET /api/v1/movements": MANAGED,
    "GET /api/v1/outbox": MANAGED,
    "POST /api/v1/orders": MANAGED,
    "POST /api/v1/orders/{order_id}/allocate": MANAGED,
    "POST /api/v1/orders/{order_id}/cancel": MANAGED,
    "POST /api/v1/orders/{order_id}/let-go-short": MANAGED,
    "POST /api/v1/pick-lists": MANAGED,
    "GET /api/v1/putbacks": MANAGED,
    "POST /api/v1/putbacks/{putback_id}/done": MANAGED,
    "GET /api/v1/exceptions": MANAGED,
    "GET /api/v1/exceptions/{exception_id}": MANAGED,
    "POST /api/v1/exceptions/{exception_id}/ack": MANAGED,
    "POST /api/v1/exceptions/{exception_id}/assign": MANAGED,
    "POST /api/v1/exceptions/{exception_id}/resolve": MANAGED,
    "GET /api/v1/kpis": MANAGED,
    "GET /api/v1/board": MANAGED,
    "GET /api/v1/waves": MANAGED,
    "POST /api/v1/waves/{wave_id}/release": MANAGED,
    "GET /api/v1/board/cards/{card}/moves": MANAGED,
    "POST /api/v1/board/cards/{card}/assign": MANAGED,
    "POST /api/v1/board/cards/{card}/priority": MANAGED,
    "GET /api/v1/kpis/{name}": MANAGED,
    "GET /api/v1/reports/weekly": MANAGED,
    "GET /api/v1/stock": SHARED,
    "GET /api/v1/stock/{sku}": SHARED,
    "GET /api/v1/products/{sku}": SHARED,
    "GET /api/v1/locations/{code}": SHARED,
    "GET /api/v1/orders/{order_id}": SHARED,
    "GET /api/v1/stations": SHARED,
    "GET /api/v1/parcels/reprints": SHARED,
    "GET /api/v1/pack/rules": SHARED,
    "GET /api/v1/packages": SHARED,
    "GET /api/v1/sync/status": SHARED,
    "GET /api/v1/printers": STATION,
    "GET /api/v1/print-jobs/needs-attention": STATION,
    "GET /api/v1/stations/{station}/print-jobs": STATION,
    "POST /api/v1/print-jobs/{job_id}/reprint": STATION,
    "POST /api/v1/printers/{name}/test-print": STATION,
    "GET /api/v1/stations/{station}/scale": STATION,
    "GET /api/v1/returns": DESK,
    "GET /api/v1/returns/lookup": DESK,
    "GET /api/v1/returns/exceptions": DESK,
    "GET /api/v1/returns/rates": MANAGED,
    "POST /api/v1/returns/parcels/{parcel_id}/photos": DESK,
    "POST /api/v1/returns/parcels/{parcel_id}/label": DESK,
    "GET /api/v1/handovers": DOCK,
    "POST /api/v1/handovers": DOCK,
    "GET /api/v1/handovers/{handover_id}.pdf": DOCK,
    "GET /api/v1/handovers/{handover_id}": DOCK,
    "POST /api/v1/handovers/{handover_id}/scans": DOCK,
    "POST /api/v1/handovers/{handover_id}/undo": DOCK,
    "POST /api/v1/handovers/{handover_id}/close": DOCK,
    "GET /api/v1/closeout": DOCK,
}
WHY_PUBLIC = {
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
    "GET /",
    "POST /api/v1/devices",
    "POST /api/v1/auth/login",
}


@pytest.fixture
def crew(floor: Floor) -> dict[str, dict[str, str]]:
    """A logged-in operator of every role."""
    tokens = {
        r: floor.login(b)
        for r, b in (("picker", "B-PICK"), ("packer", "B-PACK"), ("supervisor", "B-SUP"))
    }
    tokens["returns"] = add_colleague(floor, "B-RET", "returns")
    tokens["admin"] = add_colleague(floor, "B-ADMIN", "admin")
    return tokens


def call(floor: Floor, route: str, headers: dict[str, str]) -> Any:
    method, path = route.split(" ", 1)
    body = {} if method == "POST" else None
    return floor.client.request(method, filled(path), headers=headers, json=body)


def answers(floor: Floor, headers: dict[str, str], routes: list[str]) -> dict[str, Any]:
    """(status, code) of each route called with `headers`."""
    out = {}
    for route in routes:
        resp = call(floor, route, headers)
        json_body = resp.headers.get("content-type", "").split(";")[0].endswith("json")
        body = resp.json() if resp.content and json_body else None  # a PDF has no code
        out[route] = (resp.status_code, body.get("code") if isinstance(body, dict) else None)
    return out


def test_every_route_is_in_the_tables_once() -> None:
    classified = set(OWNED) | set(NOT_OWNED)

    assert sorted(set(GUARDED) - classified) == [], "classify the new route in OWNED or NOT_OWNED"
    assert sorted(classified - set(GUARDED)) == []
    assert set(PUBLIC) == WHY_PUBLIC, "a new public route: say why here and in its rule"


@pytest.mark.parametrize("route", sorted(OWNED), ids=sorted(OWNED))
def test_each_owned_route_has_its_other_persons_object_test(route: str) -> None:
    module, name = OWNED[route].split(":")

    test = getattr(importlib.import_module(module), name, None)

    assert callable(test), f"{OWNED[route]} is gone"


def test_no_token_is_refused_on_every_guarded_route(floor: Floor) -> None:
    got = answers(floor, {}, GUARDED)

    assert got == dict.fromkeys(GUARDED, (401, "not_authenticated"))


def test_an_expired_token_is_refused_on_every_guarded_route(floor: Floor) -> None:
    headers = floor.login("B-SUP")
    floor.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE login_sessions SET expires_at = '2000-01-01T00:00:00.000000Z'"
        )
    )

    got = answers(floor, headers, GUARDED)

    assert got == dict.fromkeys(GUARDED, (401, "session_expired"))


def test_a_revoked_token_is_refused_on_every_guarded_route(floor: Floor) -> None:
    headers = floor.login("B-SUP")
    assert floor.client.post("/api/v1/auth/logout", headers=headers).status_code == 204

    got = answers(floor, headers, GUARDED)

    assert got == dict.fromkeys(GUARDED, (401, "not_authenticated"))


@pytest.fixture
def other_edge(tmp_path: Path) -> Iterator[Floor]:
    """Another edge (its own database) with the same badges and PINs."""
    settings = load_settings(
        env={},
        overrides={
            "edge.data_dir": tmp_path / "other",
            "edge.id": "edge-2",
            "auth.pin_hash_cost": 10,
        },
    )
    store = Store(settings.db_path, edge_id="edge-2")
    with TestClient(create_app(settings, store=store)) as client:
        yield Floor.build(store, client)
    store.close()


def test_another_edges_supervisor_token_is_refused_on_every_guarded_route(
    floor: Floor, other_edge: Floor
) -> None:
    headers = other_edge.login("B-SUP")

    got = answers(floor, headers, GUARDED)

    assert got == dict.fromkeys(GUARDED, (401, "not_authenticated"))


def test_centrals_admin_and_edge_tokens_are_refused_on_every_guarded_route(
    floor: Floor, tmp_path: Path
) -> None:
    central = Central(f"sqlite:///{tmp_path / 'central' / 'central.db'}")
    central.open()
    tokens = [central.create_admin_token(), central.add_edge("edge-1", "This edge")]
    central.close()

    got = [answers(floor, {"Authorization": f"Bearer {t}"}, GUARDED) for t in tokens]

    assert got == [dict.fromkeys(GUARDED, (401, "not_authenticated"))] * 2


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_refused_exactly_where_its_rule_says_and_let_through_elsewhere(
    floor: Floor, crew: dict[str, dict[str, str]], role: str
) -> None:
    routes = [r for r in GUARDED if r not in STREAMS or role not in RULES[r]]
    # Logging out would end the session the next routes use: it goes last.
    routes.sort(key=lambda r: r == "POST /api/v1/auth/logout")

    got = answers(floor, crew[role], routes)

    refused = {r for r, (status, code) in got.items() if (status, code) == (403, "not_authorized")}
    unauthenticated = {r for r, (status, _) in got.items() if status == 401}
    assert refused == {r for r in routes if role not in RULES[r]}
    assert unauthenticated == set()
