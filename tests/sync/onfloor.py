"""A real edge server synced to a real central, worked over HTTP: the supervisor and picker of
tests.support's floor, an order released by central, the outbox watched until it is empty."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import Floor, new_device
from tests.sync.feed import SHIP_TO
from tests.sync.running import eventually


def synced(url: str, token: str) -> dict[str, dict[str, Any]]:
    """The `[central]` section of an edge that polls quickly."""
    return {"central": {"url": url, "token": token, "long_poll_s": 1, "sync_interval_s": 0.5}}


def queued(http: httpx.Client, headers: dict[str, str]) -> int:
    return int(http.get("/api/v1/sync/status", headers=headers).json()["queued"])


def picker_and_supervisor(http: httpx.Client) -> tuple[Floor, dict[str, str], dict[str, str]]:
    """The floor on a handheld HH-1 (B-PICK logged in) and B-SUP logged in at a desk."""
    floor = Floor.enrol(None, http)
    picker = floor.login("B-PICK")
    return floor, picker, floor.login("B-SUP", device=new_device(http, "DESK-1"))


def order_from_central(
    admin: httpx.Client, http: httpx.Client, sup: dict[str, str], qty: int
) -> str:
    """Central's catalogue and one order of `qty` × SKU-1, waited for at the edge; its id."""
    for sku in ("SKU-1", "SKU-2"):
        admin.put(f"/api/v1/products/{sku}", json={"name": sku}).raise_for_status()
    order = {
        "channel": "tmall",
        "channel_order_id": "TM-1",
        "ship_to": SHIP_TO,
        "lines": [{"sku": "SKU-1", "qty": qty}],
    }
    order_id = str(admin.post("/api/v1/orders", json=order).json()["id"])
    eventually(
        lambda: http.get(f"/api/v1/orders/{order_id}", headers=sup).status_code == 200,
        what="the order at the edge",
    )
    return order_id
