"""Faults between a real edge and a real central: a proxy that drops, delays, duplicates and
cuts requests; central killed in the middle of a batch; the edge server killed (SIGKILL) in the
middle of a send. After each, central holds seqs exactly 1..N, the edge's very events, and the
edge's stock per (SKU, bucket)."""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from edge.store.database import Store
from edge.store.writer import Tx
from tests.servers import add_operators, seed, sign_in, start_server
from tests.sync.central import Central, assert_in_step, running_central
from tests.sync.faultproxy import FaultProxy
from tests.sync.running import adjustments, delivered, eventually, seed_floor, synced_edge


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    with running_central(tmp_path / "central") as c:
        yield c


@pytest.mark.parametrize("fault", ["drop", "delay", "duplicate", "cut"])
def test_a_faulty_link_loses_no_event_and_applies_none_twice(
    tmp_path: Path, central: Central, proxy: FaultProxy, fault: str
) -> None:
    proxy.rule(fault, times=3, path="/events", method="POST")

    with synced_edge(tmp_path / "edge", proxy.url, central.edge_token, batch_size=5) as (store, _):
        adjustments(store, 30)
        eventually(lambda: delivered(store), what="every event delivered")
        eventually(lambda: not proxy.in_flight, what="the proxy's late copies sent")
        assert_in_step(central, store)

    assert proxy.seen[fault] == 3
    if fault == "duplicate":  # central acknowledged each stale copy and applied none of it
        answers = [json.loads(a.partition(b"\r\n\r\n")[2]) for a in proxy.late_answers]
        assert [(a["applied"], a["duplicates"] > 0) for a in answers] == [(0, True)] * 3


def test_a_link_failing_at_random_both_ways_still_ends_in_step(
    tmp_path: Path, central: Central, proxy: FaultProxy
) -> None:
    proxy.chaos({"drop": 0.2, "delay": 0.15, "duplicate": 0.2, "cut": 0.2}, seed=8)
    faults = ("drop", "delay", "duplicate", "cut")
    with (
        synced_edge(tmp_path / "edge", proxy.url, central.edge_token) as (store, _),
        central.admin() as admin,
    ):
        n = 0
        while sum(proxy.seen[f] for f in faults) < 8 or min(proxy.seen[f] for f in faults) < 1:
            adjustments(store, 5)
            admin.put(f"/api/v1/products/NEW-{n}", json={"name": f"New {n}"}).raise_for_status()
            eventually(lambda: delivered(store), what="the batch through the faults")
            n += 1
        proxy.calm()
        eventually(lambda: not proxy.in_flight, what="the proxy's late copies sent")
        eventually(lambda: edge_skus(store) >= {f"NEW-{i}" for i in range(n)}, what="products")
        assert_in_step(central, store)


def test_central_killed_in_the_middle_of_a_catch_up_loses_no_event(
    tmp_path: Path, central: Central
) -> None:
    with synced_edge(tmp_path / "edge", central.url, central.edge_token, batch_size=500) as (
        store,
        _,
    ):
        eventually(lambda: delivered(store), what="the opening stock at central")
        central.stop()
        adjustments(store, 3000, per_commit=500)
        central.start()
        eventually(lambda: len(central.events()) > 2, timeout=120, what="the catch-up under way")
        central.stop(signal.SIGKILL)
        central.start()
        eventually(lambda: delivered(store), timeout=120, what="the catch-up finished")
        assert_in_step(central, store)


def edge_skus(store: Store) -> set[str]:
    return {r[0] for r in store.read().execute("SELECT sku FROM products")}


class Traffic(threading.Thread):
    """A supervisor adjusting stock through the edge server's API until stopped or cut off."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.sent, self.halt = url, 0, threading.Event()

    def run(self) -> None:
        try:
            with httpx.Client(base_url=self.url, timeout=10) as http:
                headers = sign_in(http, "B-SUP", device=f"HH-{uuid.uuid4().hex[:6]}")
                while not self.halt.is_set():
                    body = {
                        "request_id": uuid.uuid4().hex,
                        "sku": "TEA-1",
                        "location": "A-01",
                        "delta": 1,
                        "reason": "count",
                    }
                    http.post("/api/v1/stock/adjustments", json=body, headers=headers)
                    self.sent += 1
        except httpx.TransportError:
            return  # the server was killed

    def stop(self) -> None:
        self.halt.set()
        self.join(30)


def seed_server(tx: Tx) -> None:
    seed_floor(tx)
    add_operators(tx, ["B-SUP"], role="supervisor")


def test_the_edge_killed_in_the_middle_of_a_send_sends_it_again_and_central_keeps_one(
    tmp_path: Path, central: Central, proxy: FaultProxy
) -> None:
    data = tmp_path / "edge"
    data.mkdir()
    seed(data / "edge.db", seed_server)
    config = {"central": {"url": proxy.url, "token": central.edge_token, "long_poll_s": 2}}
    proxy.rule("delay", times=10_000, path="/events", method="POST")  # every send in flight 2 s
    server = start_server(data, config=config)
    traffic = Traffic(server.url)
    traffic.start()
    eventually(lambda: traffic.sent > 20 and proxy.in_flight, what="a send in flight")

    server.process.send_signal(signal.SIGKILL)
    server.process.wait()
    traffic.stop()
    proxy.calm()
    eventually(lambda: not proxy.in_flight, what="the dead edge's batch reaching central")
    with closing(sqlite3.connect(f"file:{data / 'edge.db'}?mode=ro", uri=True)) as conn:
        (marked,) = conn.execute("SELECT COUNT(*) FROM outbox WHERE delivered_at IS NOT NULL")
    assert len(central.events()) > marked[0]  # central took a batch the edge never heard back on
    server = start_server(data, config=config)
    try:
        traffic = Traffic(server.url)
        traffic.start()
        eventually(lambda: traffic.sent > 10, what="more traffic after the restart")
        traffic.stop()
        with closing(sqlite3.connect(f"file:{data / 'edge.db'}?mode=ro", uri=True)) as conn:
            conn.execute("PRAGMA busy_timeout = 5000")
            eventually(
                lambda: (
                    conn.execute(
                        "SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL"
                    ).fetchone()[0]
                    == 0
                ),
                what="every event delivered after the restart",
            )
            assert_in_step(central, conn)
    finally:
        server.stop()

    assert proxy.seen["delay"] >= 1
