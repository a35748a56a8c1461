"""The returns desk's fixed scanner (a real pseudo-terminal as its serial port) drives the
returns session of the clerk logged in at the desk's screen, as the pack bench's does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from central_sync.agent.appliers import apply_page
from edge.devices.virtual import VirtualSerialPort
from edge.service.stations import station_device_id
from edge.store.database import Store
from edge.store.verify import verify
from tests.returns_support import buckets
from tests.support import EAN13, Floor, add_colleague
from tests.sync.feed import rma
from tests.test_stations import scan, station_floor

DESK = "DESK-1"


@pytest.fixture
def desk(store: Store, tmp_path: Path) -> Iterator[tuple[Floor, VirtualSerialPort, Any]]:
    with station_floor(store, tmp_path, station=DESK, type="returns_desk") as desk:
        yield desk
    assert verify(store.read()) == []


def test_the_desks_scanner_receives_and_grades_a_parcel_in_the_clerks_session(desk: Any) -> None:
    floor, port, answer = desk
    page = [rma(1, "RMA-9", "O-ELSEWHERE", [("SKU-1", 2)])]
    floor.store.writer.call(lambda tx: apply_page(tx, page, 1))
    add_colleague(floor, "B-RET", "returns")
    headers = floor.login("B-RET", station=DESK)
    assert floor.start(headers, "returns").status_code == 200

    codes = ("RMA-9", EAN13, "CMD:DAMAGED", EAN13, "CMD:DESTROY:broken", "CMD:DONE")
    for code in codes:
        scan(port, code)
    answers = [answer() for _ in codes]

    assert [a["view"]["step"] for a in answers] == [
        "items",
        "grade",
        "items",
        "grade",
        "items",
        "parcel",
    ], answers
    assert buckets(floor.store) == {"SKU-1//frozen": 1}
    moved = floor.store.read().execute(
        "SELECT DISTINCT device_id FROM movements WHERE type LIKE 'return_%' AND reason != 'RMA-9'"
    )
    assert [r[0] for r in moved] == [station_device_id(DESK)]
    current = floor.client.get("/api/v1/work-sessions/current", headers=headers).json()
    assert (current["workflow"], current["view"]["step"]) == ("returns", "parcel")
