"""A race over HTTP: OS processes released together by a barrier ask for 3× the stock of a SKU.

Exactly the stock there is moves, every other scan is refused with insufficient_stock, the
requests really overlapped in time, and the ledger verifies afterwards.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog
from edge.store.ledger import Actor
from edge.store.writer import Tx
from tests.servers import add_operators, run_cli, running_server, seed, sign_in

SKU = "SKU-RACE"
EAN13 = "9506000134352"
SOURCE, TARGET = "A-01-01", "B-01-01"
STOCK = 10
PROCESSES = 10
SCANS_EACH = 3  # 30 scans for 10 units
REFUSED = PROCESSES * SCANS_EACH - STOCK
BADGES = [f"B-RACE-{n:02d}" for n in range(PROCESSES)]


@dataclass(frozen=True)
class Attempt:
    """One product scan as a racing process saw it; times are time.time() of this host."""

    badge: str
    started: float
    ended: float
    status: int
    code: str | None
    ok: bool | None


def seed_race(tx: Tx) -> None:
    catalog.upsert_product(tx, sku=SKU, name="Green tea 100g")
    catalog.add_barcode(tx, code=EAN13, sku=SKU)
    for code in (SOURCE, TARGET):
        catalog.upsert_location(tx, code=code, type="bin")
    add_operators(tx, BADGES)
    receive(tx, ReceiveStock(SKU, SOURCE, STOCK), Actor())


def take_stock(url: str, badge: str, barrier: Any, results: Any) -> None:
    """One racing terminal (runs in a spawned process): set up the move, wait, then scan."""
    try:
        results.put(_scan_after_barrier(url, badge, barrier))
    except Exception as exc:  # noqa: BLE001 - reported to the test, which fails on it
        barrier.abort()
        results.put(f"{badge}: {exc!r}")


def _scan_after_barrier(url: str, badge: str, barrier: Any) -> list[Attempt]:
    attempts = []
    with httpx.Client(base_url=url, timeout=60.0) as http:
        headers = sign_in(http, badge, device=f"HH-{badge}")
        for bin_code in (SOURCE, TARGET):
            body = {"scan_id": uuid.uuid4().hex, "raw": bin_code}
            http.post("/api/v1/scans", json=body, headers=headers).raise_for_status()
        barrier.wait(timeout=120)
        for _ in range(SCANS_EACH):
            body = {"scan_id": uuid.uuid4().hex, "raw": EAN13}
            started = time.time()
            resp = http.post("/api/v1/scans", json=body, headers=headers)
            ended = time.time()
            answer = resp.json()
            attempts.append(
                Attempt(
                    badge, started, ended, resp.status_code, answer.get("code"), answer.get("ok")
                )
            )
    return attempts


def race(url: str) -> list[Attempt]:
    """Every badge in its own OS process; collects what each saw."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [ctx.Process(target=take_stock, args=(url, b, barrier, results)) for b in BADGES]
    for proc in procs:
        proc.start()
    try:
        outcomes = [results.get(timeout=180) for _ in procs]
    finally:
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
    failures = [o for o in outcomes if isinstance(o, str)]
    assert failures == []
    return [attempt for attempts in outcomes for attempt in attempts]


def overlapping_pairs(attempts: list[Attempt]) -> int:
    """Pairs of requests from different processes that were in flight at the same time."""
    return sum(
        1
        for a, b in combinations(attempts, 2)
        if a.badge != b.badge and a.started < b.ended and b.started < a.ended
    )


def ledger_of(db_path: Path) -> tuple[list[tuple[str, int]], int]:
    conn = sqlite3.connect(db_path)
    try:
        on_hand = conn.execute(
            "SELECT location, qty FROM balances WHERE sku = ? AND bucket = 'on_hand'"
            " ORDER BY location",
            (SKU,),
        ).fetchall()
        moves = conn.execute("SELECT COUNT(*) FROM movements WHERE type = 'move'").fetchone()[0]
    finally:
        conn.close()
    return on_hand, moves


@pytest.mark.slow
def test_processes_racing_for_three_times_the_stock_move_exactly_the_stock(tmp_path: Path) -> None:
    seed(tmp_path / "edge.db", seed_race)

    with running_server(tmp_path) as server:
        attempts = race(server.url)
        exit_code = server.stop()

    assert exit_code == 0, server.log()
    outcomes = Counter((a.status, a.code, a.ok) for a in attempts)
    assert outcomes == {(200, None, True): STOCK, (409, "insufficient_stock", False): REFUSED}
    assert overlapping_pairs(attempts) > 0
    verified = run_cli("verify", "--db", str(server.db_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert ledger_of(server.db_path) == ([(SOURCE, 0), (TARGET, STOCK)], STOCK)
