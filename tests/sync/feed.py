"""Change-feed pages as central sends them (docs/sync.md, "Down: the change feed"), and a dump of
every table to prove that a page applied twice changes nothing."""

from __future__ import annotations

from typing import Any

from central_sync.agent.appliers import apply_page
from edge.store.database import Store

SHIP_TO = {
    "name": "王小明",
    "phone": "13800000000",
    "country": "CN",
    "province": "上海市",
    "city": "上海市",
    "district": "浦东新区",
    "address": "世纪大道 100 号",
    "postcode": "200120",
}
NEW_SHIP_TO = SHIP_TO | {"district": "徐汇区", "address": "漕溪北路 1 号", "postcode": "200030"}


def change(cursor: int, kind: str, data: dict[str, Any], order_id: str | None = None) -> dict:
    return {"cursor": cursor, "type": kind, "order_id": order_id, "data": data}


def product(cursor: int, sku: str, *, name: str = "Oolong 100g", barcode: str = "") -> dict:
    codes = [{"code": barcode, "pack_qty": 1}] if barcode else []
    data = {"sku": sku, "name": name, "name_zh": "乌龙茶 100克", "weight_g": 110, "barcodes": codes}
    return change(cursor, "product_upserted", data)


def released(cursor: int, order_id: str, lines: list[tuple[str, int]], **extra: Any) -> dict:
    data = {
        "id": order_id,
        "channel": "tmall",
        "channel_order_id": f"TM-{order_id}",
        "lines": [{"sku": sku, "qty": qty, "lot": ""} for sku, qty in lines],
        "priority": 0,
        "ship_by": None,
        "customer_ref": "",
        "ship_to": SHIP_TO,
        "carrier": "edge-post",
        "service": "standard",
    } | extra
    return change(cursor, "order_released", data, order_id)


def cancelled(cursor: int, order_id: str, reason: str = "buyer cancelled") -> dict:
    return change(cursor, "order_cancelled", {"order_id": order_id, "reason": reason}, order_id)


def address(cursor: int, order_id: str, ship_to: dict[str, Any] = NEW_SHIP_TO) -> dict:
    return change(cursor, "address_changed", {"order_id": order_id, "ship_to": ship_to}, order_id)


def rma(cursor: int, code: str, order_id: str, lines: list[tuple[str, int]], **extra: Any) -> dict:
    """A `return_authorised` change; `extra` adds the optional keys (reason, channel,
    return_tracking_number, expires_at)."""
    data = {"rma": code, "order_id": order_id, "lines": [{"sku": s, "qty": q} for s, q in lines]}
    return change(cursor, "return_authorised", data | extra, order_id)


def rma_cancelled(cursor: int, code: str, order_id: str, reason: str = "expired") -> dict:
    data = {"rma": code, "order_id": order_id, "reason": reason}
    return change(cursor, "return_cancelled", data, order_id)


def dump(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, sorted: the whole database as a value."""
    conn = store.read()
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {
        n: sorted((tuple(r) for r in conn.execute(f"SELECT * FROM {n}")), key=repr) for n in names
    }


def apply(store: Store, *changes: dict[str, Any]) -> dict[str, int]:
    """Apply the changes as one page of the feed, as the agent does."""
    page = list(changes)
    return store.writer.call(lambda tx: apply_page(tx, page, page[-1]["cursor"]))


def rows(store: Store, sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.read().execute(sql, params)]
