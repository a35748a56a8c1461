"""Test helpers that build a small floor through the real store and the real API."""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from edge.domain.operator import hash_pin
from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.db import open_database
from edge.store.ledger import Actor
from edge.store.operators import add_operator

GTIN = "09506000134352"  # GS1 General Specifications example GTIN-14
EAN13 = "9506000134352"
CASE_GTIN = "19506000134359"
PIN = "2468"
SKU2_EAN = "4006381333931"


_migrated: list[Path] = []


def migrated_copy(path: Path) -> Path:
    """`path` made a copy of an edge database with every migration applied and nothing else in
    it, built once per test process (a fresh database costs ~0.16 s of fsynced migrations; a copy
    ~1 ms). `Store(path)` then opens it as it opens any database of this version. The migrations
    themselves still run from empty files: tests/test_schema_steps.py, the demo, and every test
    that opens a `Store` on a new file."""
    if not _migrated:
        where = Path(tempfile.mkdtemp(prefix="edge-migrated-"))
        atexit.register(shutil.rmtree, where, ignore_errors=True)
        open_database(where / "edge.db")
        _migrated.append(where / "edge.db")
    shutil.copyfile(_migrated[0], path)
    return path


def scan_id() -> str:
    return uuid.uuid4().hex


# Who vouches for a new device at enrolment: a supervisor's badge and PIN (seed_floor's B-SUP; the
# demo's is DEMO_SUPERVISOR).
SUPERVISOR = {"supervisor_badge": "B-SUP", "supervisor_pin": PIN}
DEMO_SUPERVISOR = {"supervisor_badge": "S001", "supervisor_pin": "4444"}


def new_device(
    client: Any, name: str, *, supervisor: dict[str, str] = SUPERVISOR, **extra: Any
) -> dict[str, str]:
    """Enrol a device through the API (a TestClient or an httpx.Client on a running edge);
    its `device_id` and `device_secret`."""
    resp = client.post("/api/v1/devices", json={"name": name, **supervisor, **extra})
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def log_in_on(client: Any, device: dict[str, str], badge: str, pin: str = PIN) -> dict[str, str]:
    """Log `badge` in on an enrolled `device`; the Authorization header of the session."""
    body = {"badge": badge, "pin": pin} | device
    resp = client.post("/api/v1/auth/login", json=body)
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['token']}"}


def add_colleague(floor: Floor, badge: str, role: str, *, language: str = "") -> dict[str, str]:
    """Another operator (PIN 2468) logged in on the floor's handheld; returns their headers."""
    pin_hash = hash_pin(PIN, salt=b"fedcba9876543210", cost=10)
    floor.store.writer.call(
        lambda tx: add_operator(
            tx, badge=badge, name=badge, role=role, pin_hash=pin_hash, language=language
        )
    )
    return floor.login(badge)


def seed_floor(tx: Any) -> None:
    """A small warehouse: SKU-1 (EA and case barcodes) and SKU-2 in bins, a quarantine, tote
    T-0001, operators B-PICK, B-SUP and B-PACK (PIN 2468)."""
    catalog.upsert_product(tx, sku="SKU-1", name="Green tea 100g", weight_g=120)
    catalog.upsert_product(tx, sku="SKU-2", name="Jasmine tea 50g", weight_g=70)
    catalog.add_barcode(tx, code=EAN13, sku="SKU-1")
    catalog.add_barcode(tx, code=CASE_GTIN, sku="SKU-1", pack_qty=12)
    catalog.add_barcode(tx, code="4006381333931", sku="SKU-2")
    for code, seq in (("A-01-01", 10), ("A-01-02", 20), ("B-02-01", 30)):
        catalog.upsert_location(tx, code=code, type="bin", pick_seq=seq)
    catalog.upsert_location(tx, code="Q-01", type="quarantine")
    catalog.upsert_container(tx, code="T-0001", type="tote")
    salt = b"0123456789abcdef"
    for badge, role in (
        ("B-PICK", "picker"),
        ("B-SUP", "supervisor"),
        ("B-PACK", "packer"),
    ):
        add_operator(
            tx,
            badge=badge,
            name=role.title(),
            role=role,
            pin_hash=hash_pin(PIN, salt=salt, cost=10),
        )
    receive(tx, ReceiveStock("SKU-1", "A-01-01", 10), Actor())
    receive(tx, ReceiveStock("SKU-2", "A-01-02", 5), Actor())


@dataclass
class Floor:
    store: Store
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    device_id: str = ""
    device_secret: str = ""
    stations: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, store: Store, client: TestClient) -> Floor:
        store.writer.call(seed_floor)
        return cls.enrol(store, client)

    @classmethod
    def enrol(cls, store: Store | None, client: Any) -> Floor:
        """A floor seeded by seed_floor, worked through `client` from a handheld enrolled as HH-1:
        a TestClient, or an httpx.Client on a running edge (whose store is then its file)."""
        floor = cls(store, client)  # type: ignore[arg-type]
        device = new_device(client, "HH-1")
        floor.device_id, floor.device_secret = device["device_id"], device["device_secret"]
        return floor

    @property
    def device(self) -> dict[str, str]:
        return {"device_id": self.device_id, "device_secret": self.device_secret}

    def at_station(self, name: str) -> dict[str, str]:
        """The screen of station `name`, enrolled once (a supervisor vouching): its device id
        and credential."""
        if name not in self.stations:
            self.stations[name] = new_device(self.client, f"{name} screen", station=name)
        return self.stations[name]

    def login(
        self,
        badge: str = "B-PICK",
        *,
        device: dict[str, str] | None = None,
        station: str | None = None,
    ) -> dict[str, str]:
        """Log `badge` in on the floor's handheld, another enrolled device (its id and secret, as
        new_device gives them), or a station's screen."""
        device = self.at_station(station) if station else device or self.device
        return log_in_on(self.client, device, badge)

    def start(self, headers: dict[str, str], workflow: str = "move") -> Any:
        return self.client.post(
            "/api/v1/work-sessions", json={"workflow": workflow}, headers=headers
        )

    def scan(self, headers: dict[str, str], raw: str, sid: str | None = None) -> Any:
        return self.client.post(
            "/api/v1/scans", json={"scan_id": sid or scan_id(), "raw": raw}, headers=headers
        )


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Everything a refused command must leave untouched."""
    conn = store.read()
    tables = (
        "balances",
        "movements",
        "allocations",
        "outbox",
        "orders",
        "order_lines",
        "order_status_history",
    )
    return {t: [tuple(r) for r in conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")] for t in tables}


# --- packing: an order picked into tote T-0001, a packer at bench BENCH-1 ---


def picked_order(floor: Floor, lines: list[dict[str, Any]], ref: str = "TB-1", **extra: Any) -> str:
    """Release an order (`extra` fields added to its body) and pick it whole into tote T-0001."""
    sup = floor.login("B-SUP")
    resp = floor.client.post(
        "/api/v1/orders",
        json={
            "channel": "shop",
            "channel_order_id": ref,
            "lines": lines,
            "ship_to": {
                "name": "王芳",
                "city": "上海市",
                "address": "世纪大道100号",
                "postcode": "200120",
            },
        }
        | extra,
        headers=sup,
    )
    assert resp.status_code == 201, resp.text
    picker = floor.login("B-PICK")
    assert floor.start(picker, "pick").status_code == 200
    codes = {"SKU-1": ("A-01-01", EAN13), "SKU-2": ("A-01-02", SKU2_EAN)}
    answers = [floor.scan(picker, "T-0001").json()]
    for line in lines:
        location, code = codes[line["sku"]]
        answers.append(floor.scan(picker, location).json())
        answers += [floor.scan(picker, code).json() for _ in range(line["qty"])]
    assert all(a["ok"] for a in answers), answers
    return str(resp.json()["order_id"])


def packer_at_bench(floor: Floor, station: str = "BENCH-1") -> dict[str, str]:
    """The packer logged in with a pack task open at `station`."""
    packer = floor.login("B-PACK")
    resp = floor.client.post(
        "/api/v1/work-sessions", json={"workflow": "pack", "station": station}, headers=packer
    )
    assert resp.status_code == 200, resp.text
    return packer
