"""The buyers: a flood of one-unit orders for a few hot SKUs through central's channel ingest
(`POST /api/v1/orders`, the admin token), all at once; central releases what the edges' stock
covers, and the sync agent brings those orders down to the edge. Then central's figures read
back: available below zero anywhere, and orders released beyond the stock."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter
from typing import Any

import httpx

from edge.loadtest.client import RawConnection
from edge.loadtest.tally import Tally, code_of

CONNECTIONS = 100  # buyers' orders in flight at once, each on its own keep-alive connection
STOCK_POLL_S = 0.5
SHIP_TO = {"name": "Li Lei", "address": "1 Century Ave", "city": "Shanghai"}
FAILURES = (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError)


def _admin(url: str, token: str) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.AsyncClient(base_url=url, headers=headers, timeout=60.0)


async def add_products(url: str, token: str, products: list[dict[str, Any]]) -> None:
    """The floor's products in central's catalogue (with their barcodes)."""
    async with _admin(url, token) as http:
        (await http.post("/api/v1/products", json={"products": products})).raise_for_status()


async def stock_at(url: str, token: str, warehouse: str, skus: list[str]) -> dict[str, int]:
    """Central's available-to-sell of `skus` at `warehouse`."""
    async with _admin(url, token) as http:
        resp = await http.get("/api/v1/stock", params={"warehouse": warehouse})
        rows = resp.raise_for_status().json()["stock"]
    return {r["sku"]: int(r["available"]) for r in rows if r["sku"] in skus}


async def wait_for_stock(
    url: str, token: str, warehouse: str, want: dict[str, int], timeout: float
) -> dict[str, int]:
    """Poll central until each hot SKU's available at `warehouse` is at least `want` (the edge's
    receipt went up through the outbox); what central has then. TimeoutError past `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        have = await stock_at(url, token, warehouse, list(want))
        if all(have.get(sku, 0) >= n for sku, n in want.items()):
            return have
        if time.monotonic() > deadline:
            raise TimeoutError(f"central shows {have} of {want} at {warehouse} after {timeout:g} s")
        await asyncio.sleep(STOCK_POLL_S)


def order(run: str, n: int, hot: list[str]) -> dict[str, Any]:
    return {
        "channel": "loadtest",
        "channel_order_id": f"LT-{run}-B{n:06d}",
        "lines": [{"sku": hot[n % len(hot)], "qty": 1}],
        "ship_to": SHIP_TO,
    }


async def flood(
    url: str, token: str, *, run: str, hot: list[str], buyers: int, tally: Tally
) -> None:
    """`buyers` orders, one each, through CONNECTIONS connections as fast as central answers;
    new orders and those released (per SKU) counted in `tally`."""
    numbers = iter(range(buyers))
    headers = {"Authorization": f"Bearer {token}"}

    async def buyer() -> None:
        conn = RawConnection(url)
        try:
            for n in numbers:
                body = order(run, n, hot)
                try:
                    status, content = await conn.exchange("POST", "/api/v1/orders", body, headers)
                except FAILURES as exc:
                    tally.buyer_errors["no_answer"] += 1
                    tally.error("no_answer", f"buyer {exc!r}")
                    await conn.close()
                    conn = RawConnection(url)
                    continue
                tally.orders_sent += 1
                if status not in (200, 201):
                    code = code_of(status, content)
                    tally.buyer_errors[code] += 1
                    tally.error(code, f"buyer {status} {content[:300]!r}")
                    continue
                answer = json.loads(content)
                tally.orders_taken += status == 201
                if answer.get("order_status") == "released":
                    tally.orders_released[body["lines"][0]["sku"]] += 1
                    tally.released_ids.append(str(answer["id"]))
        finally:
            await conn.close()

    started = time.perf_counter()
    try:
        await asyncio.gather(*(buyer() for _ in itertools.repeat(None, min(buyers, CONNECTIONS))))
    finally:
        tally.flood_s = time.perf_counter() - started


async def central_oversold(
    url: str, token: str, hot: list[str], at_start: dict[str, int], released: Counter[str]
) -> dict[str, Any]:
    """Units below zero in central's figures of the hot SKUs (any warehouse), and orders released
    per SKU beyond what central had to sell when the buyers came."""
    async with _admin(url, token) as http:
        rows = (await http.get("/api/v1/stock")).raise_for_status().json()["stock"]
    return oversold(rows, hot, at_start, released)


def oversold(
    rows: list[dict[str, Any]], hot: list[str], at_start: dict[str, int], released: Counter[str]
) -> dict[str, Any]:
    """From central's stock figures: the hot SKUs' units below zero per warehouse, the orders
    released per SKU beyond what there was to sell, and both together in units."""
    below = {
        f"{r['warehouse']}/{r['sku']}": int(r["available"])
        for r in rows
        if r["sku"] in hot and int(r["available"]) < 0
    }
    beyond = {s: released[s] - at_start.get(s, 0) for s in hot if released[s] > at_start.get(s, 0)}
    return {
        "below_zero": below,
        "released_beyond_stock": beyond,
        "units": -sum(below.values()) + sum(beyond.values()),
    }
