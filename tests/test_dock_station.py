"""A dock station's fixed scanner (a real pty as its serial port) drives the receive workflow of
whoever is logged in at the station's screen; goods come in at the dock named like the station."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.devices.virtual import VirtualSerialPort
from edge.store import catalog
from edge.store.database import Store
from edge.store.verify import verify
from tests.support import EAN13, Floor
from tests.test_receiving_api import balance, expect
from tests.test_stations import scan, station_floor

STATION = "DOCK-2"


@pytest.fixture
def dock(store: Store, tmp_path: Path) -> Iterator[tuple[Floor, VirtualSerialPort, Any]]:
    with station_floor(store, tmp_path, station=STATION, type="dock") as dock:
        yield dock
    assert verify(store.read()) == []


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


def test_a_handheld_may_receive_at_a_dock_it_names_and_not_at_an_unknown_one(dock: Any) -> None:
    floor, _port, _answer = dock
    expect(floor, [{"line_no": 1, "sku": "SKU-1", "qty": 1}])
    floor.store.writer.call(lambda tx: catalog.upsert_location(tx, code=STATION, type="dock"))
    headers = floor.login("B-PICK")
    body = {"workflow": "receive", "station": STATION}

    started = floor.client.post("/api/v1/work-sessions", json=body, headers=headers)
    refused = floor.client.post(
        "/api/v1/work-sessions", json=body | {"station": "NOWHERE"}, headers=floor.login("B-PACK")
    )

    assert started.json()["view"]["dock"] == STATION
    assert (refused.status_code, refused.json()["code"]) == (404, "unknown_location")
