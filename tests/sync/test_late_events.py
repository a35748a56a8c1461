"""An edge cut off from central picks an order that central cancels meanwhile. When the link
comes back, central keeps the order cancelled (its history never reads picking), records the late
events, raises an exception for a person, and the edge stops the order and puts the units back.
Real processes: central, a proxy that cuts the link, `warehouse-edge serve`, the CLI's verify."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import run_cli, running_server, seed
from tests.support import EAN13, seed_floor
from tests.sync.central import Central, assert_in_step
from tests.sync.faultproxy import FaultProxy
from tests.sync.onfloor import order_from_central, picker_and_supervisor, queued, synced
from tests.sync.running import eventually

pytestmark = pytest.mark.slow


def test_a_late_pick_leaves_central_s_cancelled_order_cancelled_and_the_edge_puts_back(
    tmp_path: Path, central: Central
) -> None:
    edge_dir = tmp_path / "edge"
    edge_dir.mkdir()
    seed(edge_dir / "edge.db", seed_floor)
    proxy = FaultProxy(central.port).start()
    try:
        with (
            running_server(edge_dir, config=synced(proxy.url, central.edge_token)) as server,
            httpx.Client(base_url=server.url, timeout=30) as http,
            central.admin() as admin,
        ):
            floor, picker, sup = picker_and_supervisor(http)
            eventually(lambda: queued(http, sup) == 0, what="the opening stock at central")
            order_id = order_from_central(admin, http, sup, 3)

            proxy.down = True  # the WAN link is gone; central cancels, the floor picks
            time.sleep(2.5)  # a long-poll already passed on ends (1 s) before central cancels
            admin.post(f"/api/v1/orders/{order_id}/cancel", json={"reason": "buyer"})
            assert floor.start(picker, "pick").status_code in (200, 201)
            answers = [floor.scan(picker, raw) for raw in ("T-0001", "A-01-01", EAN13, EAN13)]
            proxy.down = False

            putbacks = eventually(
                lambda: http.get("/api/v1/putbacks", headers=sup).json(),
                what="the put-back at the edge",
            )
            eventually(lambda: queued(http, sup) == 0, what="the edge's events at central")
            at_central = admin.get(f"/api/v1/orders/{order_id}").json()
            exceptions = admin.get("/api/v1/exceptions").json()
            for task in putbacks:
                http.post(
                    f"/api/v1/putbacks/{task['id']}/done", json={"location": "A-01-01"}, headers=sup
                ).raise_for_status()
            eventually(lambda: queued(http, sup) == 0, what="the put-back at central")
            server.stop()
        verified = run_cli("verify", "--config", str(edge_dir / "edge.toml"))
    finally:
        proxy.stop()

    assert [a.status_code for a in answers] == [200] * 4
    assert at_central["status"] == "cancelled"
    assert "picking" not in [h["to_status"] for h in at_central["history"]]
    assert "late order_picking_started" in [
        h["note"].split(" from ")[0] for h in at_central["history"]
    ]
    (exc,) = exceptions
    assert (exc["kind"], exc["order_id"]) == ("late_event", order_id)
    assert "SKU-1 × 2" in exc["detail"]
    assert [(p["container"], p["sku"], p["qty"]) for p in putbacks] == [("T-0001", "SKU-1", 2)]
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert_in_step(central, _conn(edge_dir / "edge.db"))


def _conn(path: Path) -> Any:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn
