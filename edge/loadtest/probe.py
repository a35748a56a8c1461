"""What a load test reads back from the edge once its terminals stop: available-to-sell of its
SKUs, the outbox until it drains, the edge process's memory."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

DRAIN_POLL_S = 0.5


async def edge_oversold(url: str, headers: dict[str, str], skus: list[str]) -> dict[str, Any]:
    """Available-to-sell and every bucket of each SKU at the edge: units below zero anywhere."""
    below: dict[str, int] = {}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30.0) as http:
        for sku in skus:
            found = (await http.get(f"/api/v1/stock/{sku}")).raise_for_status().json()
            numbers = list(_numbers(found))
            worst = min(numbers, default=0)
            if worst < 0:
                below[sku] = worst
    return {"skus_checked": len(skus), "below_zero": below, "units": -sum(below.values())}


def _numbers(found: Any) -> list[int]:
    """Every integer in the SKU's answer (bucket totals, available), nested ones too."""
    if isinstance(found, bool):
        return []
    if isinstance(found, int):
        return [found]
    if isinstance(found, dict):
        return [n for v in found.values() for n in _numbers(v)]
    if isinstance(found, list):
        return [n for v in found for n in _numbers(v)]
    return []


async def drain(url: str, headers: dict[str, str], timeout: float) -> dict[str, Any]:
    """The outbox at the end and how long it took to empty (the edge's sync status, polled);
    a standalone edge has nobody to send to, its depth is reported as it is."""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30.0) as http:
        status = (await http.get("/api/v1/sync/status")).raise_for_status().json()
        at_end = int(status["queued"])
        if status["mode"] != "synced":
            return {"mode": status["mode"], "depth_at_end": at_end, "drained": None}
        while status["queued"] and time.perf_counter() - started < timeout:
            await asyncio.sleep(DRAIN_POLL_S)
            status = (await http.get("/api/v1/sync/status")).raise_for_status().json()
    return {
        "mode": "synced",
        "depth_at_end": at_end,
        "drained": status["queued"] == 0,
        "drain_s": round(time.perf_counter() - started, 1),
        "left": int(status["queued"]),
    }


async def orders_at_edge(
    url: str, headers: dict[str, str], order_ids: list[str], timeout: float
) -> dict[str, Any]:
    """How many of the orders central released reached the edge (the sync agent brings them down
    the feed), polled until all have or `timeout` passes."""
    started, missing = time.perf_counter(), list(order_ids)
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30.0) as http:
        while True:
            missing = [
                o for o in missing if (await http.get(f"/api/v1/orders/{o}")).status_code != 200
            ]
            if not missing or time.perf_counter() - started > timeout:
                break
            await asyncio.sleep(DRAIN_POLL_S)
    return {
        "released": len(order_ids),
        "at_edge": len(order_ids) - len(missing),
        "wait_s": round(time.perf_counter() - started, 1),
        "missing_sample": missing[:5],
    }


def memory(url: str) -> dict[str, Any]:
    """The edge process's resident memory (Linux /proc), when it listens on this machine and
    this user may read it: the process holding the URL's listening socket."""
    pid = listener_pid(urlsplit(url).port or 80)
    return {"pid": pid} | process_memory(pid)


def process_memory(pid: int | None) -> dict[str, Any]:
    """A process's resident memory now and at its peak in MB, and its threads (Linux /proc;
    None where unknown)."""
    found: dict[str, Any] = {"rss_mb": None, "rss_peak_mb": None, "threads": None}
    try:
        text = Path(f"/proc/{pid}/status").read_text() if pid else ""
    except OSError:
        return found
    for line in text.splitlines():
        name, _, value = line.partition(":")
        key = {"VmRSS": "rss_mb", "VmHWM": "rss_peak_mb"}.get(name)
        if key:
            found[key] = round(int(value.split()[0]) / 1024, 1)
        elif name == "Threads":
            found["threads"] = int(value)
    return found


def listener_pid(port: int) -> int | None:
    """The process listening on TCP `port` here, from /proc/net/tcp{,6} and each process's fds."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                inodes.add(f"socket:[{cols[9]}]")
    if not inodes:
        return None
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fds = [os.readlink(fd) for fd in (proc / "fd").iterdir()]
        except OSError:
            continue
        if inodes.intersection(fds):
            return int(proc.name)
    return None
