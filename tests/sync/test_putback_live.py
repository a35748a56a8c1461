"""A picker whose order central cancels mid-list is told, live and at the next scan, which units
to put back where. Real processes: central, `warehouse-edge serve` synced to it, the picker's
Server-Sent Events stream over HTTP."""

from __future__ import annotations

import json
import queue
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import running_server, seed
from tests.support import EAN13, seed_floor
from tests.sync.central import Central
from tests.sync.feed import SHIP_TO
from tests.sync.onfloor import order_from_central, picker_and_supervisor, synced
from tests.sync.running import eventually

pytestmark = pytest.mark.slow


def listen(url: str, token: str, events: queue.Queue[tuple[str, Any]]) -> threading.Thread:
    """The picker's live stream, each event put on `events` as (type, data)."""

    def run() -> None:
        params = {"access_token": token}
        with httpx.stream("GET", f"{url}/api/v1/events/stream", params=params, timeout=60) as r:
            kind = ""
            for line in r.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.put((kind, json.loads(line.removeprefix("data: "))))
                    if kind == "putback_needed":
                        return

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_picker_whose_order_central_cancels_mid_list_is_told_what_to_put_back_where(
    central: Central, tmp_path: Path
) -> None:
    edge_dir = tmp_path / "edge"
    edge_dir.mkdir()
    seed(edge_dir / "edge.db", seed_floor)
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    with (
        running_server(edge_dir, config=synced(central.url, central.edge_token)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
        central.admin() as admin,
    ):
        floor, picker, sup = picker_and_supervisor(http)
        order_id = order_from_central(admin, http, sup, 3)
        eventually(lambda: floor.start(picker, "pick").status_code == 200, what="a pick list")
        picked = [floor.scan(picker, raw).status_code for raw in ("T-0001", "A-01-01", EAN13)]
        stream = listen(server.url, picker["Authorization"].split()[1], events)
        eventually(lambda: ("hello", {}) in list(events.queue), what="the stream open")

        admin.post(f"/api/v1/orders/{order_id}/cancel", json={"reason": "buyer"})
        stream.join(30)
        live = [data for kind, data in list(events.queue) if kind == "putback_needed"]
        answer = floor.scan(picker, EAN13).json()

    assert picked == [200] * 3
    (told,) = live
    where = [{k: u[k] for k in ("tote", "sku", "qty", "location")} for u in told["put_back"]]
    assert (told["order_id"], where) == (
        order_id,
        [{"tote": "T-0001", "sku": "SKU-1", "qty": 1, "location": "A-01-01"}],
    )
    assert answer["view"]["put_back"] == told["put_back"]


def test_a_picker_whose_order_central_cuts_units_off_mid_list_is_told_to_put_back_the_picked_one(
    central: Central, tmp_path: Path
) -> None:
    edge_dir = tmp_path / "edge"
    edge_dir.mkdir()
    seed(edge_dir / "edge.db", seed_floor)
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    with (
        running_server(edge_dir, config=synced(central.url, central.edge_token)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
        central.admin() as admin,
    ):
        floor, picker, sup = picker_and_supervisor(http)
        order_id = order_from_central(admin, http, sup, 3)
        eventually(lambda: floor.start(picker, "pick").status_code == 200, what="a pick list")
        scans = ("T-0001", "A-01-01", EAN13, EAN13)
        picked = [floor.scan(picker, raw).status_code for raw in scans]
        stream = listen(server.url, picker["Authorization"].split()[1], events)
        eventually(lambda: ("hello", {}) in list(events.queue), what="the stream open")

        refund = {
            "channel": "tmall",
            "channel_order_id": "TM-1",
            "ship_to": SHIP_TO,
            "lines": [{"sku": "SKU-1", "qty": 1, "refunded": 2}],
        }
        admin.post("/api/v1/orders", json=refund).raise_for_status()
        stream.join(30)
        live = [data for kind, data in list(events.queue) if kind == "putback_needed"]
        order = http.get(f"/api/v1/orders/{order_id}", headers=sup).json()

    assert picked == [200] * 4
    (told,) = live
    where = [{k: u[k] for k in ("tote", "sku", "qty", "location")} for u in told["put_back"]]
    assert (told["order_id"], where) == (
        order_id,
        [{"tote": "T-0001", "sku": "SKU-1", "qty": 1, "location": "A-01-01"}],
    )
    assert order["status"] == "picked"  # the unpicked unit left the list: nothing more to pick
