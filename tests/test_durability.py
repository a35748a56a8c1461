"""Acknowledged means durable, shown with real SIGKILLs: a process committing scans through the
writer, and the real `warehouse-edge serve`, are killed mid-stream; every scan answered before the
kill must be in the ledger afterwards, whole, and a replay of it must change nothing."""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.config import load_settings
from edge.domain.move import MoveSession
from edge.domain.operator import hash_pin
from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.operators import add_operator, enrol_device, open_session, token_hash
from edge.store.work_sessions import start_work_session
from tests.servers import EdgeServer, serve_edge
from tests.support import EAN13, PIN, log_in_on, new_device
from tests.test_ledger_property import assert_ledger_holds

pytestmark = pytest.mark.slow

STOCK = 1_000_000
REPO = Path(__file__).resolve().parents[1]
WAIT = 60.0  # seconds: a guard against a hung child, not a measurement

# The child: commit scans from a few threads (so the writer groups them) and print each scan id
# only after `writer.call` returned, i.e. after its commit. Every tenth scan is refused.
CHILD = """
import sys, threading
from edge.service.scans import ScanRequest, ScanSettings, handle_scan
from edge.store.operators import session_by_token_hash
from edge.store.database import Store

db, token_hash_, prefix = sys.argv[1:4]
store = Store(db)
session = session_by_token_hash(store.read(), token_hash_)[0]
lock = threading.Lock()

def work(t):
    for i in range(1, 10**9):
        sid, raw = f"{prefix}-{t}-{i:07d}", "9506000134352" if i % 10 else "NOT-A-CODE"
        req = ScanRequest(sid, raw, session)
        answer = store.writer.call(lambda tx: handle_scan(tx, req, ScanSettings()))
        with lock:
            print(sid, answer.code or "moved", flush=True)

for t in range(4):
    threading.Thread(target=work, args=(t,), daemon=True).start()
threading.Event().wait()
"""


def seed(tx: Any, *, session_token: str | None = None) -> None:
    """One product, two bins holding plenty, a picker; optionally a move session A-01 → A-02."""
    catalog.upsert_product(tx, sku="SKU-1", name="Green tea 100g")
    catalog.add_barcode(tx, code=EAN13, sku="SKU-1")
    for code, seq in (("A-01", 10), ("A-02", 20)):
        catalog.upsert_location(tx, code=code, type="bin", pick_seq=seq)
    pin_hash = hash_pin(PIN, salt=b"0123456789abcdef", cost=10)
    operator = add_operator(tx, badge="B-PICK", name="Picker", role="picker", pin_hash=pin_hash)
    add_operator(tx, badge="B-SUP", name="Supervisor", role="supervisor", pin_hash=pin_hash)
    receive(tx, ReceiveStock("SKU-1", "A-01", STOCK), Actor())
    if session_token is not None:
        device = enrol_device(tx, name="HH-1", kind="handheld")
        open_session(
            tx,
            token=session_token,
            operator_id=operator,
            device_id=device,
            expires_at=tx.now.replace(year=tx.now.year + 1),
        )
        state = asdict(MoveSession("items", "A-01", "A-02"))
        start_work_session(tx, token_hash(session_token), "move", state)


def lines_of(stream: Any) -> queue.Queue[str | None]:
    """Complete lines from `stream` as they come; None at end of file."""
    q: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        for line in stream:
            if line.endswith("\n"):  # a line cut by the kill was never acknowledged
                q.put(line)
        q.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return q


def kill_after(proc: subprocess.Popen[str], acks: int, *, log: Path) -> dict[str, str]:
    """Read acknowledgements until `acks` have come, SIGKILL, then take the ones already written."""
    got: dict[str, str] = {}
    lines = lines_of(proc.stdout)
    while len(got) < acks:
        line = lines.get(timeout=WAIT)
        assert line is not None, f"child ended early: {log.read_text()}"
        sid, outcome = line.split()
        got[sid] = outcome
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=WAIT) == -signal.SIGKILL
    while (line := lines.get(timeout=WAIT)) is not None:
        sid, outcome = line.split()
        got[sid] = outcome
    return got


def check_acknowledged(db: Path, acked: dict[str, str]) -> None:
    conn = sqlite3.connect(db)
    try:
        answers = dict(conn.execute("SELECT key, code FROM answers WHERE kind = 'scan'"))
        items = {
            k
            for (k,) in conn.execute(
                "SELECT key FROM answers WHERE json_extract(body, '$.kind') = 'product'"
            )
        }
        moved = dict(
            conn.execute(
                "SELECT scan_id, COUNT(*) FROM movements WHERE scan_id IS NOT NULL GROUP BY 1"
            )
        )
        on_hand = conn.execute("SELECT SUM(qty) FROM balances WHERE bucket = 'on_hand'").fetchone()[
            0
        ]

        assert {sid: answers.get(sid) for sid in acked} == {
            sid: "" if outcome == "moved" else outcome for sid, outcome in acked.items()
        }
        assert {sid for sid in acked if sid in moved} == {
            s for s, o in acked.items() if o == "moved"
        }
        # Whole or nothing: each accepted item scan has one movement; no movement lacks its answer.
        assert moved == {sid: 1 for sid, code in answers.items() if code == "" and sid in items}
        assert on_hand == STOCK
        assert_ledger_holds(conn)
    finally:
        conn.close()


def test_scans_acknowledged_before_a_sigkill_are_all_in_the_ledger(tmp_path: Path) -> None:
    db, token = tmp_path / "edge.db", uuid.uuid4().hex
    store = Store(db)
    store.writer.call(lambda tx: seed(tx, session_token=token))
    store.close()
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    acked: dict[str, str] = {}

    for round_ in range(3):  # each round also recovers the file the last kill left behind
        log = tmp_path / f"child-{round_}.log"
        with log.open("w") as err:
            proc = subprocess.Popen(
                [sys.executable, str(script), str(db), token_hash(token), f"r{round_}"],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                cwd=REPO,
            )
            try:
                acked |= kill_after(proc, random.randint(50, 400), log=log)
            finally:
                proc.kill()
                proc.wait()

        check_acknowledged(db, acked)


# --- through the HTTP server ---------------------------------------------------------------


def start(config: Path) -> EdgeServer:
    """`warehouse-edge serve` as its own process, run from the config's folder, logging (on) to
    server.log there."""
    return serve_edge(
        config, config.parent / "server.log", append=True, cwd=config.parent, ready_timeout=WAIT
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "edge.toml"
    path.write_text(f'[edge]\ndata_dir = "{tmp_path / "data"}"\n\n[auth]\npin_hash_cost = 10\n')
    settings = load_settings(path, env={})
    store = Store(settings.db_path, edge_id=settings.edge.id)
    store.writer.call(seed)
    store.close()
    return path


@pytest.fixture
def server(config: Path) -> Iterator[EdgeServer]:
    s = start(config)
    yield s
    s.stop(signal.SIGKILL)


def operator_headers(http: httpx.Client) -> dict[str, str]:
    headers = log_in_on(http, new_device(http, "HH-1"), "B-PICK")
    assert http.post("/api/v1/work-sessions", json={"workflow": "move"}, headers=headers).is_success
    for bin_ in ("A-01", "A-02"):
        assert http.post(
            "/api/v1/scans", json={"scan_id": uuid.uuid4().hex, "raw": bin_}, headers=headers
        ).is_success
    return headers


def fire_scans(
    url: str,
    headers: dict[str, str],
    answered: dict[str, Any],
    stop: threading.Event,
    others: list[int] | None = None,
) -> None:
    """Item scans one after another until the server stops answering; keep every 200 answer
    (and the status of any other in `others`)."""
    with httpx.Client(base_url=url, headers=headers, timeout=WAIT) as http:
        while not stop.is_set():
            sid = uuid.uuid4().hex
            try:
                resp = http.post("/api/v1/scans", json={"scan_id": sid, "raw": EAN13})
            except httpx.TransportError:
                return
            if resp.status_code == 200:
                answered[sid] = resp.json()
            elif others is not None:
                others.append(resp.status_code)


def replay(url: str, headers: dict[str, str], answered: dict[str, Any]) -> dict[str, tuple]:
    with httpx.Client(base_url=url, headers=headers, timeout=WAIT) as http:
        replies = {}
        for sid in answered:
            resp = http.post("/api/v1/scans", json={"scan_id": sid, "raw": EAN13})
            replies[sid] = (resp.status_code, resp.headers.get("Idempotent-Replayed"), resp.json())
        return replies


def test_a_killed_server_keeps_every_answered_scan_and_replays_it_unchanged(
    config: Path, server: EdgeServer
) -> None:
    with httpx.Client(base_url=server.url, timeout=WAIT) as http:
        headers = operator_headers(http)
    answered: dict[str, Any] = {}
    stop = threading.Event()
    firing = [
        threading.Thread(target=fire_scans, args=(server.url, headers, answered, stop))
        for _ in range(3)
    ]
    for t in firing:
        t.start()
    target, deadline = random.randint(50, 200), time.monotonic() + WAIT
    while len(answered) < target and time.monotonic() < deadline:
        time.sleep(0.01)

    server.stop(signal.SIGKILL)
    stop.set()
    for t in firing:
        t.join(timeout=WAIT)
    restarted = start(config)
    try:
        db = load_settings(config, env={}).db_path
        acked = dict.fromkeys(answered, "moved")
        check_acknowledged(db, acked)
        movements = movement_count(db)
        replies = replay(restarted.url, headers, answered)
        check_acknowledged(db, acked)
    finally:
        restarted.stop()

    assert len(answered) >= target
    assert replies == {sid: (200, "true", body) for sid, body in answered.items()}
    assert movement_count(db) == movements


def movement_count(db: Path) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM movements").fetchone()[0])


def test_sigterm_under_scans_exits_0_with_every_answered_scan_in_the_ledger(
    config: Path,
) -> None:
    """As `systemctl stop` does it: SIGTERM while three terminals scan. Requests in flight are
    answered (after their commit) or never reach the app; the server exits 0; every answer
    given is in the ledger, whole, and verify holds."""
    server = start(config)
    with httpx.Client(base_url=server.url, timeout=WAIT) as http:
        headers = operator_headers(http)
    answered: dict[str, Any] = {}
    others: list[int] = []
    stop = threading.Event()
    firing = [
        threading.Thread(target=fire_scans, args=(server.url, headers, answered, stop, others))
        for _ in range(3)
    ]
    for t in firing:
        t.start()
    deadline = time.monotonic() + WAIT
    while len(answered) < 100 and time.monotonic() < deadline:
        time.sleep(0.01)

    status = server.stop(signal.SIGTERM, timeout=WAIT)
    stop.set()
    for t in firing:
        t.join(timeout=WAIT)

    assert status == 0, server.log()
    assert len(answered) >= 100
    assert others == []  # no scan refused or failed on the way down
    check_acknowledged(load_settings(config, env={}).db_path, dict.fromkeys(answered, "moved"))
    assert "Traceback" not in server.log()
