"""Central's contract suite runs every test that takes `central` (or anything built on it) once
on SQLite and once on PostgreSQL: the `db_url` fixture is parametrized over both backends."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.app import create_app
from central_sync.server.central import Central
from central_sync.server.environment import ADMIN_ENV
from central_sync.store import demand
from tests.central.databases import BACKENDS, database
from tests.central.support import AT, EdgeSide, channel_order, product

# The returns' clock in the contract suite: a day after the edge events' time (support.AT), so a
# parcel shipped "at AT" is inside the default 7-day no-reason window.
RETURNS_NOW = datetime.fromisoformat(AT.replace("Z", "+00:00")) + timedelta(days=1, hours=3)


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect: the whole suite is compared
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every contract test is collected once per backend, so the two counts are equal."""
    per_backend: dict[str, set[str]] = {b: set() for b in BACKENDS}
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "db_url" in callspec.params:
            backend = callspec.params["db_url"]
            rest = [p for p in callspec.id.split("-") if p != backend]
            per_backend[backend].add(f"{item.nodeid.split('[')[0]}{rest}")
    sqlite, postgresql = per_backend["sqlite"], per_backend["postgresql"]
    if sqlite != postgresql:
        raise pytest.UsageError(
            f"contract tests differ between backends: {sorted(sqlite ^ postgresql)}"
        )


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def central(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Central]:
    monkeypatch.delenv(ADMIN_ENV, raising=False)
    store = Central(db_url)
    store.open()
    store.returns.clock = lambda: RETURNS_NOW
    yield store
    with store.db.transaction(write=False) as tx:  # whatever the test did, the running
        wrong = demand.differences(tx)  # demand total is still the demand recounted
    store.close()
    assert wrong == [], f"the running open demand is not the recounted demand: {wrong}"


class TwoInstances:
    """Two central apps on one PostgreSQL, the requests taking turns between them (A, B, A, …):
    what an edge behind a round-robin proxy over two central processes sees. Anything else
    (`app`, `cookies`) is the first one's."""

    def __init__(self, *clients: TestClient) -> None:
        self.clients = clients
        self.apps = [c.app for c in clients]
        self._turn = itertools.cycle(clients)

    def request(self, method: str, url: str, **kw: Any) -> Any:
        return next(self._turn).request(method, url, **kw)

    def get(self, url: str, **kw: Any) -> Any:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.request("PUT", url, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.request("DELETE", url, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.clients[0], name)


@pytest.fixture
def client(central: Central, db_url: str, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """The app over `central`; in a module marked `two_instances`, on PostgreSQL, two apps over
    two centrals on the one database, taking turns (TwoInstances)."""
    with TestClient(create_app(central)) as c:
        if central.backend != "postgresql" or not request.node.get_closest_marker("two_instances"):
            yield c
            return
        other = Central(db_url)  # its own pool, notifier and background work: another process
        other.returns.clock = central.returns.clock
        try:
            with TestClient(create_app(other)) as d:
                yield TwoInstances(c, d)  # type: ignore[misc]
        finally:
            other.close()


@pytest.fixture
def admin(central: Central) -> dict[str, str]:
    """The admin's headers (a token made as `warehouse-central init` makes it)."""
    return {"Authorization": f"Bearer {central.create_admin_token()}"}


@pytest.fixture
def make_edge(central: Central, client: TestClient) -> Callable[[str], EdgeSide]:
    def make(edge_id: str) -> EdgeSide:
        return EdgeSide(client, edge_id, central.add_edge(edge_id, f"Warehouse {edge_id}"))

    return make


@pytest.fixture
def edge(make_edge: Callable[[str], EdgeSide]) -> EdgeSide:
    return make_edge("edge-1")


@pytest.fixture
def catalogue(client: TestClient, admin: dict[str, str]) -> list[str]:
    """Three products in central's catalogue; their SKUs."""
    skus = ["TEA-0001", "TEA-0002", "SNK-0001"]
    resp = client.post(
        "/api/v1/products", json={"products": [product(s) for s in skus]}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    return skus


@pytest.fixture
def shipped(client: TestClient, admin: dict[str, str], edge: EdgeSide) -> str:
    """Order shop:1 (TEA-0001 × 3, SNK-0001 × 1) released to edge-1 and shipped (at support.AT)."""
    products = [product("TEA-0001", category="tea"), product("SNK-0001", category="food")]
    client.post("/api/v1/products", json={"products": products}, headers=admin)
    edge.receive("TEA-0001", 10)
    edge.receive("SNK-0001", 10)
    order = channel_order("1", ("TEA-0001", 3), ("SNK-0001", 1))
    resp = client.post("/api/v1/orders", json=order, headers=admin)
    assert resp.json()["warehouse"] == "edge-1", resp.text
    edge.send("order_shipped", order_id="shop:1")
    return "shop:1"
