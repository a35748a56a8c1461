"""The sync agent on its own thread and event loop, beside a test that writes to the same store."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from central_sync.agent.agent import SyncAgent
from central_sync.agent.client import CentralClient
from edge.config import Settings, load_settings
from edge.domain.stock import AdjustStock, ReceiveStock
from edge.service.stock import adjust, receive
from edge.store import catalog, sync_state
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.writer import Tx


def edge_settings(data_dir: Path, url: str, token: str, **central: Any) -> Settings:
    """An edge synced to `url`: quick polls and a short alert threshold unless told otherwise."""
    keys = {"url": url, "token": token, "long_poll_s": 2, "sync_interval_s": 0.5} | central
    overrides = {"edge.data_dir": data_dir} | {f"central.{k}": v for k, v in keys.items()}
    return load_settings(env={}, overrides=overrides)


class AgentThread:
    """`SyncAgent(store, settings)` running until `stop()`; the HTTP timeout is short so that a
    delayed answer is a lost one."""

    def __init__(self, store: Store, settings: Settings, *, timeout_s: float = 1.5, **kw: Any):
        self.store, self.settings, self.kw, self.timeout_s = store, settings, kw, timeout_s
        self.agent: SyncAgent | None = None
        self._ready = threading.Event()

    def start(self) -> AgentThread:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "the agent did not start"
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        central = self.settings.central
        client = CentralClient(
            central.url, central.token, self.store.edge_id, timeout_s=self.timeout_s
        )
        self.agent = SyncAgent(self.store, self.settings, client=client, **self.kw)
        await self.agent.start()
        self._ready.set()
        await self._stop.wait()
        await self.agent.stop()


def eventually(check: Callable[[], Any], *, timeout: float = 60.0, what: str = "") -> Any:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what or check}; last {last!r}")


def seed_floor(tx: Tx) -> None:
    """Two teas in two bins, 20 and 5 units: the edge's first two events."""
    for sku, name in (("TEA-1", "Green tea"), ("TEA-2", "Oolong")):
        catalog.upsert_product(tx, sku=sku, name=name, weight_g=100)
    for code, seq in (("A-01", 1), ("A-02", 2)):
        catalog.upsert_location(tx, code=code, type="bin", pick_seq=seq)
    receive(tx, ReceiveStock("TEA-1", "A-01", 20), Actor())
    receive(tx, ReceiveStock("TEA-2", "A-02", 5), Actor())


def adjustments(store: Store, n: int, *, per_commit: int = 1, sku: str = "TEA-1") -> None:
    """`n` stock adjustments of `sku` in bin A-01 (one event each), `per_commit` to a
    transaction."""
    for start in range(0, n, per_commit):

        def write(tx: Tx, count: int = min(per_commit, n - start)) -> None:
            for i in range(count):
                cmd = AdjustStock(sku, "A-01", -1 if i % 3 == 0 else 1, "count")
                adjust(tx, cmd, Actor(), request_id=uuid.uuid4().hex)

        store.writer.call(write)


def delivered(store: Store) -> bool:
    return sync_state.queue(store.read())["queued"] == 0


@contextmanager
def synced_edge(data_dir: Path, url: str, token: str, **keys: Any) -> Iterator[tuple[Store, Any]]:
    """The edge's store with its opening stock and its agent running (stopped on the way out);
    batches of 7, back-off capped at 2 s and refusals retried every half second here."""
    settings = edge_settings(data_dir, url, token, **({"batch_size": 7} | keys))
    store = Store(settings.db_path, edge_id="edge-1")
    store.writer.call(seed_floor)
    agent = AgentThread(store, settings, refused_retry_s=0.5, backoff_cap_s=2.0).start()
    try:
        yield store, settings
    finally:
        agent.stop()
        store.close()
