"""Packed parcels of carriers for the handover tests: an order placed for a carrier, picked whole
into T-0001 and packed into one parcel at BENCH-1 (box S, weighed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from edge.config import Settings, load_settings
from tests.support import EAN13, Floor, packer_at_bench, picked_order, scan_id


def packed_parcel(f: Floor, carrier: str = "", qty: int = 1) -> dict[str, Any]:
    """An order of `qty` × SKU-1 for `carrier` ('' : the edge's own) packed in one parcel:
    {'order_id', 'tracking_no', 'weight_g'}."""
    extra = {"carrier": carrier} if carrier else {}
    order_id = picked_order(f, [{"sku": "SKU-1", "qty": qty}], ref=scan_id()[:12], **extra)
    packer = packer_at_bench(f)
    for code in ("T-0001", *[EAN13] * qty):
        resp = f.scan(packer, code)
        assert resp.json()["ok"], resp.text
    weight = 120 * qty + 120
    body = {"close_id": scan_id(), "package": "S", "weight_g": weight}
    resp = f.client.post("/api/v1/pack/close", json=body, headers=packer)
    assert resp.status_code == 200, resp.text
    return {"order_id": order_id, "tracking_no": resp.json()["tracking_no"], "weight_g": weight}


def open_bag(f: Floor, headers: dict[str, str], carrier: str = "Edge Post", **extra: Any) -> str:
    body = {"carrier": carrier, "container": "bag"} | extra
    resp = f.client.post("/api/v1/handovers", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def scan_in(f: Floor, headers: dict[str, str], handover_id: str, raw: str) -> Any:
    body = {"scan_id": scan_id(), "raw": raw}
    return f.client.post(f"/api/v1/handovers/{handover_id}/scans", json=body, headers=headers)


def handover_settings(tmp_path: Path, *, cups_queue: str = "", edge_id: str = "edge-1") -> Settings:
    """BENCH-1 (a pack bench with a file printer) and DOCK-1 (a dock whose printer is a file
    sink, or the CUPS queue `cups_queue`)."""
    stations = [{"name": "BENCH-1", "type": "pack_bench"}, {"name": "DOCK-1", "type": "dock"}]
    (tmp_path / "bench").mkdir(exist_ok=True)
    (tmp_path / "dock").mkdir(exist_ok=True)
    dock: dict[str, str] = (
        {"kind": "cups", "queue": cups_queue}
        if cups_queue
        else {"kind": "file", "path": str(tmp_path / "dock")}
    )
    printers = [
        {"name": "bench1", "kind": "file", "station": "BENCH-1", "path": str(tmp_path / "bench")},
        {"name": "dock1", "station": "DOCK-1"} | dock,
    ]
    env = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps(stations),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps(printers),
    }
    overrides = {
        "edge.data_dir": tmp_path,
        "edge.id": edge_id,
        "auth.pin_hash_cost": 10,
        "report.schedule": "",
    }
    return load_settings(env=env, overrides=overrides)
