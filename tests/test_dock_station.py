"""A dock station's fixed scanner (a real pty as its serial port) drives the receive workflow of
whoever is logged in at the station's screen; goods come in at the dock named like the station."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.api.events import station_channel
from edge.devices.virtual import VirtualSerialPort
from edge.store import catalog
from edge.store.database import Store
from tests.support import EAN13, Floor
from tests.test_receiving_api import balance, expect
from tests.test_stations import bench_settings, next_event, scan, wait_for_state

STATION = "DOCK-2"


@pytest.fixture
def dock(store: Store, tmp_path: Path) -> Iterator[tuple[Floor, VirtualSerialPort, Any]]:
    port = VirtualSerialPort()
    settings = bench_settings(tmp_path, port.device_path, station=STATION, type="dock")
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        queue = client.app.state.broker.subscribe(station_channel(STATION))
        wait_for_state(client, "connected", floor.login("B-SUP"))
        yield floor, port, lambda: next_event(client, queue, "scan")
    port.close()


def test_the_dock_stations_scanner_receives_an_asn_at_that_dock(dock: Any) -> None:
    floor, port, answer = dock
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 2}])
    floor.store.writer.call(lambda tx: catalog.upsert_location(tx, code=STATION, type="dock"))
    headers = floor.login("B-PICK", station=STATION)
    floor.start(headers, "receive")

    for code in ("ASN-7", EAN13, EAN13, "CMD:DONE"):
        scan(port, code)
    answers = [answer() for _ in range(4)]

    assert [a["prompt"] for a in answers] == [
        "scan_receipt_item",
        "unit_received",
        "unit_received",
        "asn_received",
    ]
    assert balance(floor, "SKU-1", STATION) == 2
    assert balance(floor, "SKU-1", "DOCK-1") == 0
