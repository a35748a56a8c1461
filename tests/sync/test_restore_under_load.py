"""A restore under load, with real processes: three handhelds scanning into a served edge synced
to a real central, `backup` taken while they scan, more scans after it, then `restore` of that
older backup. The edge comes back in a new epoch, takes back from central what it held past the
backup, serves three scanning handhelds again, and central holds exactly the edge's events (seqs
1..N in each epoch) and its stock figures: every answered scan is in the ledger once."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store.ledger import Actor
from edge.store.verify import open_read_only, verify
from edge.store.writer import Tx
from tests.servers import run_cli, running_server, seed, sign_in
from tests.support import EAN13, log_in_on, new_device, seed_floor
from tests.sync.central import Central, assert_in_step
from tests.sync.onfloor import queued, synced
from tests.sync.running import eventually

pytestmark = pytest.mark.slow
STOCK = 100_000
HANDHELDS = 3


def big_floor(tx: Tx) -> None:
    seed_floor(tx)
    receive(tx, ReceiveStock("SKU-1", "A-01-01", STOCK), Actor())


class Scanning:
    """`HANDHELDS` handhelds moving SKU-1 from A-01-01 to A-01-02, one unit a scan, until
    `stop()`; `answered` counts the scans that got a 200 (each moved one unit)."""

    def __init__(self, url: str, http: httpx.Client, tag: str) -> None:
        self.url, self.answered = url, 0
        self.others: list[int] = []
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._threads: list[threading.Thread] = []
        for n in range(HANDHELDS):
            headers = sign_in(http, "B-PICK", device=f"HH-{tag}-{n}")
            for bin_ in ("A-01-01", "A-01-02"):
                scan = {"scan_id": uuid.uuid4().hex, "raw": bin_}
                http.post("/api/v1/scans", json=scan, headers=headers).raise_for_status()
            self._threads.append(threading.Thread(target=self._scan, args=(headers,)))
        for t in self._threads:
            t.start()

    def _scan(self, headers: dict[str, str]) -> None:
        with httpx.Client(base_url=self.url, headers=headers, timeout=30) as http:
            while not self._stop.is_set():
                resp = http.post("/api/v1/scans", json={"scan_id": uuid.uuid4().hex, "raw": EAN13})
                with self._lock:
                    if resp.status_code == 200:
                        self.answered += 1
                    else:
                        self.others.append(resp.status_code)

    def until(self, count: int) -> None:
        eventually(lambda: self.answered >= count, what=f"{count} scans answered")

    def stop(self) -> int:
        self._stop.set()
        for t in self._threads:
            t.join(30)
        assert self.others == []
        return self.answered


def moved(db: Path) -> int:
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        row = conn.execute(
            "SELECT qty FROM balances WHERE sku = 'SKU-1' AND location = 'A-01-02'"
            " AND bucket = 'on_hand'"
        ).fetchone()
        return int(row[0]) if row else 0


def test_a_restore_under_load_starts_a_new_epoch_and_central_stays_in_step(
    central: Central, tmp_path: Path
) -> None:
    edge_dir, backup_file = tmp_path / "edge", tmp_path / "backup.db"
    edge_dir.mkdir()
    seed(edge_dir / "edge.db", big_floor)
    config = edge_dir / "edge.toml"
    synced_to = synced(central.url, central.edge_token)

    with running_server(edge_dir, config=synced_to) as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            sup = log_in_on(http, new_device(http, "DESK-1"), "B-SUP")
            scanning = Scanning(server.url, http, "a")
            scanning.until(30)
            made = run_cli("backup", "--config", str(config), "--out", str(backup_file))
            at_backup = scanning.answered
            scanning.until(at_backup + 60)
            before_restore = scanning.stop()
            eventually(lambda: queued(http, sup) == 0, what="every scan at central")
    restored = run_cli("restore", str(backup_file), "--yes", "--config", str(config))
    after_restore = moved(edge_dir / "edge.db")

    with running_server(edge_dir, config=synced_to) as server:
        with httpx.Client(base_url=server.url, timeout=30) as http:
            sup = log_in_on(http, new_device(http, "DESK-2"), "B-SUP")
            scanning = Scanning(server.url, http, "b")
            scanning.until(60)
            after = scanning.stop()
            eventually(lambda: queued(http, sup) == 0, what="the new epoch at central")
        server.stop()

    assert made.returncode == 0, made.stderr
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "central held" in restored.stdout and "past the backup" in restored.stdout
    assert after_restore == before_restore  # what was scanned after the backup came back
    assert moved(edge_dir / "edge.db") == before_restore + after
    with closing(open_read_only(edge_dir / "edge.db")) as conn:
        epoch = conn.execute("SELECT value FROM edge_meta WHERE key = 'epoch'").fetchone()[0]
        assert verify(conn) == []
        assert_in_step(central, conn)
    assert epoch == "2"
    assert {e for e, _, _ in central.events()} == {1, 2}
