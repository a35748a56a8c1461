"""Helpers for central's tests: edge events shaped as the edge writes them (edge/store/ledger.py),
an edge's sending side, snapshots of every table, orders and products to ingest."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from central_sync.server.central import Central

TABLES = (
    "edges",
    "edge_epochs",
    "events",
    "stock",
    "products",
    "kits",
    "kit_components",
    "order_line_components",
    "gift_rules",
    "orders",
    "order_lines",
    "order_picks",
    "order_history",
    "shipments",
    "returns",
    "return_photos",
    "refunds_due",
    "refund_lines",
    "changes",
    "channel_stock_rules",
    "channel_stock_cursor",
    "channel_stock",
    "asns",
    "asn_lines",
    "asn_containers",
    "asn_discrepancies",
    "review_rules",
    "order_reviews",
    "order_fingerprints",
    "exception_pushes",
    "consignments",
    "consignment_lines",
)
ACCOUNTS = ("received", "shipped", "adjusted", "customer")
AT = "2026-11-25T09:12:03.123456Z"


def side(where: str) -> list[str]:
    """`received` → an external account; `A-01-01/on_hand` or `BENCH-1/T-001/picked` → a place."""
    if where in ACCOUNTS:
        return ["", "", where]
    parts = where.split("/")
    location, container, bucket = (parts[0], "", parts[1]) if len(parts) == 2 else parts
    return [location, container, bucket]


def move(sku: str, qty: int, source: str, target: str, *, kind: str = "move") -> dict[str, Any]:
    return {
        "id": 0,
        "type": kind,
        "reason": "",
        "sku": sku,
        "lot": "",
        "serial": "",
        "qty": qty,
        "from": side(source),
        "to": side(target),
    }


@dataclass
class EdgeSide:
    """An edge's outbox: numbers events per epoch as the edge does, and posts them."""

    client: TestClient
    edge_id: str
    token: str
    epoch: int = 1
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def event(
        self, kind: str, *moves: dict[str, Any], order_id: str | None = None, **payload: Any
    ) -> dict[str, Any]:
        """The next event of this edge's current epoch (not sent)."""
        self.seq += 1
        sku = moves[0]["sku"] if moves else None
        body = payload | {"movements": list(moves), "operator_id": 1}
        return {
            "event_id": str(uuid.uuid4()),
            "edge_id": self.edge_id,
            "epoch": self.epoch,
            "seq": self.seq,
            "schema_version": 1,
            "type": kind,
            "occurred_at": AT,
            "scan_id": None,
            "order_id": order_id,
            "order_line_id": None,
            "sku": sku,
            "payload": body,
        }

    def post(self, events: list[dict[str, Any]], **headers: str) -> Any:
        return self.client.post(
            f"/api/v1/edges/{self.edge_id}/events",
            json={"events": events},
            headers=self.headers | headers,
        )

    def send(
        self, kind: str, *moves: dict[str, Any], order_id: str | None = None, **payload: Any
    ) -> dict[str, Any]:
        """Make the next event and post it alone; the answer must be 200."""
        event = self.event(kind, *moves, order_id=order_id, **payload)
        resp = self.post([event])
        assert resp.status_code == 200, resp.text
        return resp.json()

    def receive(self, sku: str, qty: int, *, bin: str = "A-01-01") -> dict[str, Any]:
        return self.send("receipt", move(sku, qty, "received", f"{bin}/on_hand", kind="receive"))

    def changes(self, after: int = 0, *, wait: float = 0, limit: int = 100) -> dict[str, Any]:
        resp = self.client.get(
            f"/api/v1/edges/{self.edge_id}/changes",
            params={"after": after, "wait": wait, "limit": limit},
            headers=self.headers,
        )
        assert resp.status_code == 200, resp.text
        return resp.json()

    def change_types(self, after: int = 0) -> list[tuple[str, str | None]]:
        return [(c["type"], c["order_id"]) for c in self.changes(after, limit=500)["changes"]]


def snapshot(central: Central) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in a stable order: compared before and after a refusal (once
    the background work of what came before it is done)."""
    assert central.settle(10)
    with central.read() as tx:
        return {
            t: sorted((dict(r) for r in tx.all(f"SELECT * FROM {t}")), key=repr) for t in TABLES
        }


def product(sku: str, name: str = "", **extra: Any) -> dict[str, Any]:
    return {
        "sku": sku,
        "name": name or f"Product {sku}",
        "name_zh": "",
        "weight_g": 100,
        "barcodes": [],
    } | extra


def channel_order(
    coid: str, *lines: tuple[str, int], channel: str = "shop", **extra: Any
) -> dict[str, Any]:
    """An order in the channels' common shape (ChannelOrder.to_json())."""
    ship_to = {
        "name": "Li Lei",
        "phone": "13800000000",
        "country": "CN",
        "province": "Shanghai",
        "city": "Shanghai",
        "district": "Pudong",
        "address": "1 Century Ave",
        "postcode": "200120",
    }
    return {
        "channel": channel,
        "channel_order_id": coid,
        "lines": [{"sku": sku, "qty": qty, "lot": ""} for sku, qty in lines],
        "ordered_at": "2026-11-25T08:00:00Z",
        "priority": 0,
        "ship_by": None,
        "customer_ref": "",
        "ship_to": ship_to,
        "carrier": "SF",
        "service": "standard",
        "currency": "CNY",
        "total": "128.00",
    } | extra


def authorise(client: TestClient, admin: dict[str, str], order_id: str, **body: Any) -> Any:
    body.setdefault("lines", [{"sku": "TEA-0001", "qty": 1}])
    return client.post(f"/api/v1/orders/{order_id}/returns", json=body, headers=admin)
