"""Two warehouses, one goes quiet and comes back. Real processes and agents: `warehouse-central
serve` (quiet after 5 s, an order not taken after 10 s is an exception) and two edges' stores with
their sync agents. The quiet edge gets no new order the other can fill; the order it was given
just before it stopped becomes an exception, a supervisor moves it, and when the edge comes back
it cancels its copy once: the order is held at one warehouse only."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from edge.store.database import Store
from tests.sync.central import central_cli, running_central
from tests.sync.feed import SHIP_TO
from tests.sync.running import AgentThread, edge_settings, eventually, seed_floor

pytestmark = pytest.mark.slow


def edge(data_dir: Path, edge_id: str, url: str, token: str) -> tuple[Store, AgentThread]:
    settings = edge_settings(data_dir / edge_id, url, token)
    store = Store(settings.db_path, edge_id=edge_id)
    store.writer.call(seed_floor)  # 20 × TEA-1 and 5 × TEA-2 at each
    return store, AgentThread(store, settings).start()


def order(admin: Any, coid: str) -> dict[str, Any]:
    body = {
        "channel": "shop",
        "channel_order_id": coid,
        "ship_to": SHIP_TO,
        "lines": [{"sku": "TEA-1", "qty": 2}],
    }
    resp = admin.post("/api/v1/orders", json=body)
    assert resp.status_code == 201, resp.text
    return resp.json()  # type: ignore[no-any-return]


def status_at(store: Store, order_id: str) -> str | None:
    with closing(sqlite3.connect(store.path)) as conn:
        row = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()
    return None if row is None else str(row[0])


def test_a_quiet_edge_gets_no_new_order_and_its_untaken_one_moves_and_is_recalled_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WAREHOUSE_CENTRAL_QUIET_AFTER_S", "5")
    monkeypatch.setenv("WAREHOUSE_CENTRAL_UNACKED_AFTER_S", "10")
    with running_central(tmp_path / "central") as central, central.admin() as admin:
        db = str(central.db_path)
        out = central_cli("edges", "add", "edge-2", "--db", db)
        second_token = re.search(r"token \(shown once\): (\S+)", out)
        assert second_token is not None
        for sku in ("TEA-1", "TEA-2"):
            admin.put(f"/api/v1/products/{sku}", json={"name": sku}).raise_for_status()
        one, one_agent = edge(tmp_path, "edge-1", central.url, central.edge_token)
        two, two_agent = edge(tmp_path, "edge-2", central.url, second_token.group(1))
        running = [one_agent, two_agent]
        try:
            eventually(
                lambda: central.stock("edge-1") and central.stock("edge-2"),
                what="both edges' stock at central",
            )

            running.remove(one_agent)
            one_agent.stop()  # edge-1 stops: it was heard a moment ago
            given = order(admin, "A")  # a tie: the lowest edge_id, edge-1, still heard
            eventually(
                lambda: (
                    "quiet"
                    in central_cli("edges", "list", "--db", db)
                    .split("edge-1", 1)[1]
                    .splitlines()[0]
                ),
                what="edge-1 listed quiet",
            )
            later = order(admin, "B")  # edge-1 quiet: edge-2 fills it
            exceptions = eventually(
                lambda: admin.get("/api/v1/exceptions").json(), what="the untaken order"
            )
            moved = admin.post(f"/api/v1/orders/{given['id']}/reassign", json={}).json()

            running.append(AgentThread(one, one_agent.settings).start())  # edge-1 comes back
            eventually(lambda: status_at(one, given["id"]) == "cancelled", what="the recall")
            eventually(
                lambda: status_at(two, given["id"]) not in (None, "cancelled"),
                what="the order at edge-2",
            )
        finally:
            for agent in running:
                agent.stop()
            one.close()
            two.close()
        log = central.log()

    assert (given["warehouse"], later["warehouse"]) == ("edge-1", "edge-2")
    assert [(e["kind"], e["edge_id"], e["order_id"]) for e in exceptions] == [
        ("not_acknowledged", "edge-1", given["id"])
    ]
    assert (moved["recalled_from"], moved["warehouse"], moved["exceptions_resolved"]) == (
        "edge-1",
        "edge-2",
        1,
    )
    assert re.search(r"edge edge-1: \w+ -> quiet", log), log
    assert status_at(two, later["id"]) not in (None, "cancelled")
