"""A floor for the returns desk: an order really picked, packed and shipped (ship on pack), the
RMA central announces through the real feed applier, and a returns clerk."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.agent.appliers import apply_page
from edge.api.app import create_app
from edge.config import load_settings
from edge.store.database import Store
from edge.store.verify import verify
from tests.support import EAN13, Floor, add_colleague, packer_at_bench, picked_order, scan_id
from tests.sync.feed import rma

CODES = {"SKU-1": EAN13, "SKU-2": "4006381333931"}
GRAMS = {"SKU-1": 120, "SKU-2": 70}  # seed_floor's unit weights; box S weighs 120 g


def desk_settings(tmp_path: Path, **extra: Any) -> Any:
    printers = [
        {"name": "bench-pdf", "kind": "file", "station": "BENCH-1", "path": str(tmp_path / "p")},
        {"name": "desk-zpl", "kind": "file", "station": "DESK-1", "path": str(tmp_path / "d")},
    ]
    stations = [
        {"name": "BENCH-1", "type": "pack_bench"},
        {"name": "DESK-1", "type": "returns_desk"},
    ]
    env = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps(stations),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps(printers),
        "WAREHOUSE_EDGE_PACKING_SHIP_ON_PACK": "true",
    } | {f"WAREHOUSE_EDGE_{k.upper()}": str(v) for k, v in extra.items()}
    for sub in ("p", "d"):
        (tmp_path / sub).mkdir(exist_ok=True)
    return load_settings(env=env, overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10})


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Floor]:
    """A floor with a pack bench that ships on pack and a returns desk DESK-1; `verify` is
    green after every scenario."""
    settings = desk_settings(tmp_path)
    store = Store(settings.db_path, edge_id=settings.edge.id)
    with TestClient(create_app(settings, store=store)) as client:
        yield Floor.build(store, client)
    assert verify(store.read()) == []
    store.close()


def shipped_order(floor: Floor, lines: dict[str, int], ref: str = "TB-1") -> str:
    """An order for `lines` picked, packed and shipped through the real API; its id."""
    order_id = picked_order(floor, [{"sku": s, "qty": q} for s, q in lines.items()], ref)
    packer = packer_at_bench(floor)
    for raw in ["T-0001"] + [CODES[s] for s, q in lines.items() for _ in range(q)]:
        assert floor.scan(packer, raw).json()["ok"]
    body = {
        "close_id": scan_id(),
        "package": "S",
        "weight_g": 120 + sum(GRAMS[s] * q for s, q in lines.items()),
    }
    resp = floor.client.post("/api/v1/pack/close", json=body, headers=packer)
    assert resp.status_code in (200, 201), resp.text
    return order_id


def authorise(floor: Floor, code: str, order_id: str, lines: dict[str, int], **extra: Any) -> None:
    """Central's `return_authorised` for `lines`, applied by the feed applier."""
    page = [rma(1, code, order_id, list(lines.items()), **extra)]
    counts = floor.store.writer.call(lambda tx: apply_page(tx, page, 1))
    assert counts == {"applied": 1, "refused": 0}


def clerk(floor: Floor) -> dict[str, str]:
    """A returns clerk logged in on the handheld with a returns task open."""
    headers = add_colleague(floor, "B-RET", "returns")
    resp = floor.start(headers, "returns")
    assert resp.status_code == 200, resp.text
    return headers


def buckets(store: Store, location: str = "RETURNS") -> dict[str, int]:
    """The returns location's balances as `sku/lot/bucket` → units (zeros left out)."""
    rows = store.read().execute(
        "SELECT sku, lot, bucket, qty FROM balances WHERE location = ? AND qty != 0", (location,)
    )
    return {f"{r[0]}/{r[1]}/{r[2]}": r[3] for r in rows}


def events(store: Store, kind: str) -> list[dict[str, Any]]:
    rows = store.read().execute("SELECT payload FROM outbox WHERE type = ? ORDER BY seq", (kind,))
    return [json.loads(r[0]) for r in rows]
