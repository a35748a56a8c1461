"""Labels printed at the dock through the real printers code: an item label whose GS1-128 reads
back as GTIN, expiry and lot, and an SSCC pallet label, both decoded by zxing-cpp off the PDF a
file printer at the dock station wrote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import zxingcpp
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.config import load_settings
from edge.store.database import Store
from edge.store.verify import verify
from tests.support import Floor, snapshot
from tests.test_labels import rasterise
from tests.test_receiving_api import LOT_GTIN, expect
from tests.test_returns_desk_api import wait_for_file

SSCC = "095060001343999998"


@pytest.fixture
def dock(tmp_path: Path) -> Iterator[Floor]:
    (tmp_path / "d").mkdir()
    printers = [
        {"name": "dock-pdf", "kind": "file", "station": "DOCK-1", "path": str(tmp_path / "d")}
    ]
    env = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps([{"name": "DOCK-1", "type": "dock"}]),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps(printers),
    }
    settings = load_settings(
        env=env, overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10}
    )
    store = Store(settings.db_path, edge_id=settings.edge.id)
    with TestClient(create_app(settings, store=store)) as client:
        yield Floor.build(store, client)
    assert verify(store.read()) == []
    store.close()


def read_back(floor: Floor, folder: Path) -> list[tuple[str, str]]:
    (image,) = rasterise(wait_for_file(floor, folder), 203)
    codes = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormat.Code128, text_mode=zxingcpp.TextMode.Plain
    )
    return [(c.text, c.symbology_identifier) for c in codes]


def test_an_item_label_reads_back_as_gtin_expiry_and_lot(dock: Floor, tmp_path: Path) -> None:
    expect(dock, [{"line_no": 1, "sku": "SKU-3", "qty": 1, "lot": "L1"}])
    headers = dock.login(station="DOCK-1")
    body = {"kind": "item", "sku": "SKU-3", "lot": "L1", "expiry": "2030-12-31", "qty": 6}

    resp = dock.client.post("/api/v1/receiving/labels", json=body, headers=headers)

    assert resp.status_code == 202, resp.text
    assert read_back(dock, tmp_path / "d") == [(f"01{LOT_GTIN}1730123110L1", "]C1")]


def test_a_pallet_label_reads_back_as_its_sscc(dock: Floor, tmp_path: Path) -> None:
    contents = [{"sku": "SKU-1", "qty": 5}]
    expect(dock, [], [{"sscc": SSCC, "kind": "pallet", "contents": contents}])
    headers = dock.login(station="DOCK-1")

    resp = dock.client.post(
        "/api/v1/receiving/labels", json={"kind": "pallet", "sscc": SSCC}, headers=headers
    )

    assert resp.status_code == 202, resp.text
    assert read_back(dock, tmp_path / "d") == [(f"00{SSCC}", "]C1")]


def test_a_pallet_label_with_a_wrong_sscc_is_refused_and_prints_nothing(dock: Floor) -> None:
    headers = dock.login(station="DOCK-1")
    before = snapshot(dock.store)

    resp = dock.client.post(
        "/api/v1/receiving/labels",
        json={"kind": "pallet", "sscc": SSCC[:-1] + "0"},
        headers=headers,
    )

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert snapshot(dock.store) == before
    assert dock.store.read().execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "item", "sku": "SKU-3", "qty": True}, "invalid_request"),
        ({"kind": "item", "sku": "SKU-3", "qty": "1"}, "invalid_request"),
        ({"kind": "item", "sku": "SKU-3", "qty": 2**63}, "invalid_request"),
        ({"kind": "item", "sku": "SKU-3", "expiry": "2030-13-45"}, "invalid_request"),
        ({"kind": "item", "sku": "SKU-3", "expiry": 1924992000}, "invalid_request"),
        ({"kind": "item", "sku": "SKU-3", "lot": "L\x001"}, "invalid_request"),
        ({"kind": "item", "sku": "SKU-3", "lot": "L 1"}, "invalid_request"),
        ({"kind": "item", "sku": "x" * 65}, "invalid_request"),
        ({"kind": "pallet", "sscc": SSCC, "asn_id": "ASN-NONE"}, "asn_not_found"),
    ],
)
def test_a_label_the_edge_cannot_print_as_asked_is_refused_and_prints_nothing(
    dock: Floor, body: dict[str, object], code: str
) -> None:
    expect(dock, [{"line_no": 1, "sku": "SKU-3", "qty": 1, "lot": "L1"}])
    headers = dock.login(station="DOCK-1")
    before = snapshot(dock.store)

    resp = dock.client.post("/api/v1/receiving/labels", json=body, headers=headers)

    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.json()["code"] == code, resp.text
    assert snapshot(dock.store) == before
    assert dock.store.read().execute("SELECT COUNT(*) FROM print_jobs").fetchone()[0] == 0
