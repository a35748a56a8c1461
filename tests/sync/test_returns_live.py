"""A return end to end through real processes: central (`warehouse-central serve`) releases an
order, `warehouse-edge serve` picks, packs and ships it (ship on pack), central authorises an
RMA, the agent brings it down and the edge announces its units, the returns desk grades the
parcel, and central holds the edge's return events and makes the refund due once: the edge's
sends of the return events pass a fault proxy that cuts the answers (central committed, the
edge retries) or sends stale copies again."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import seed, serve_edge, stopping, write_config
from tests.support import EAN13, log_in_on, new_device, scan_id, seed_floor
from tests.sync.central import Central, assert_in_step
from tests.sync.faultproxy import FaultProxy
from tests.sync.onfloor import order_from_central, picker_and_supervisor, queued, synced
from tests.sync.running import eventually

pytestmark = pytest.mark.slow


@pytest.fixture
def proxy(central: Central) -> Iterator[FaultProxy]:
    p = FaultProxy(central.port).start()
    yield p
    p.stop()


def desk_config(edge_dir: Path, url: str, token: str) -> Path:
    """edge.toml: synced to central at `url`, shipping on pack at BENCH-1 (a file printer)."""
    path = write_config(edge_dir, synced(url, token) | {"packing": {"ship_on_pack": True}})
    printed = edge_dir / "printed"
    printed.mkdir()
    with path.open("a", encoding="utf-8") as f:
        f.write(
            '[[stations]]\nname = "BENCH-1"\ntype = "pack_bench"\n'
            f'[[printers]]\nname = "bench-pdf"\nkind = "file"\nstation = "BENCH-1"\n'
            f"path = {json.dumps(str(printed))}\n"
        )
    return path


def edge_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
        return [tuple(r) for r in conn.execute(sql)]


@pytest.mark.parametrize("fault", ["cut", "duplicate"])
def test_a_graded_return_reaches_central_which_makes_its_refund_due_once(
    central: Central, proxy: FaultProxy, tmp_path: Path, fault: str
) -> None:
    edge_dir = tmp_path / "edge"
    edge_dir.mkdir()
    seed(edge_dir / "edge.db", seed_floor)
    server = serve_edge(
        desk_config(edge_dir, proxy.url, central.edge_token), edge_dir / "serve.log"
    )
    with (
        stopping(server),
        httpx.Client(base_url=server.url, timeout=30) as http,
        central.admin() as admin,
    ):
        floor, picker, sup = picker_and_supervisor(http)
        order_id = order_from_central(admin, http, sup, 2)
        eventually(lambda: floor.start(picker, "pick").status_code == 200, what="a pick list")
        for raw in ("T-0001", "A-01-01", EAN13, EAN13):
            assert floor.scan(picker, raw).status_code == 200, raw
        packer = log_in_on(http, new_device(http, "BENCH-1 screen", station="BENCH-1"), "B-PACK")
        http.post("/api/v1/work-sessions", json={"workflow": "pack"}, headers=packer)
        for raw in ("T-0001", EAN13, EAN13):
            assert floor.scan(packer, raw).status_code == 200, raw
        closed = http.post(
            "/api/v1/pack/close",
            json={"close_id": scan_id(), "package": "S", "weight_g": 360},
            headers=packer,
        )
        assert closed.status_code in (200, 201), closed.text
        eventually(
            lambda: admin.get(f"/api/v1/orders/{order_id}").json()["status"] == "shipped",
            what="the order shipped at central",
        )

        made = admin.post(
            f"/api/v1/orders/{order_id}/returns", json={"lines": [{"sku": "SKU-1", "qty": 2}]}
        )
        assert made.status_code in (200, 201), made.text
        rma = made.json()["rma"]
        eventually(
            lambda: (
                edge_rows(
                    server.db_path,
                    "SELECT qty FROM balances WHERE bucket = 'returns_in_transit' AND qty > 0",
                )
                == [(2,)]
            ),
            what="the RMA's units announced at the edge",
        )
        clerk = floor.login("B-SUP", device=new_device(http, "RETURNS-HH"))
        proxy.rule(fault, times=3, path="/events", method="POST")
        assert floor.start(clerk, "returns").status_code == 200
        answers = [
            floor.scan(clerk, raw).json()
            for raw in (rma, EAN13, "CMD:RESELLABLE", EAN13, "CMD:DAMAGED", "CMD:DONE")
        ]
        eventually(lambda: queued(http, sup) == 0, what="every event at central")
        eventually(lambda: not proxy.in_flight, what="the proxy's late copies sent")
        refunds = admin.get("/api/v1/refunds-due", params={"order_id": order_id}).json()

    assert all(a["ok"] for a in answers), answers
    assert proxy.seen[fault] >= 1  # the return events went through it at least once
    held = [
        t
        for (t,) in central.query("SELECT type FROM events WHERE type LIKE 'return_%' ORDER BY seq")
    ]
    assert held == [
        "return_announced",
        "return_received",
        "return_item_graded",
        "return_item_graded",
        "return_graded",
    ]
    (refund,) = refunds["refunds_due"]
    assert (refund["order_id"], refund["rma"], refund["parcel_id"], refund["units"]) == (
        order_id,
        rma,
        "RP-000001",
        2,
    )
    assert [(ln["grade"], ln["refund_qty"]) for ln in refund["lines"]] == [
        ("resellable", 1),
        ("damaged", 1),
    ]
    with closing(sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True)) as conn:
        conn.row_factory = sqlite3.Row
        assert_in_step(central, conn)
