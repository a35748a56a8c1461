"""Authentication costs: a login with an unknown badge against one with a wrong PIN (they must
take the same time, so badges cannot be told apart), and the per-request session read that lets a
revocation take effect at once. JSON on stdout."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from fastapi.testclient import TestClient  # noqa: E402

from bench.common import emit, machine  # noqa: E402
from edge.api.app import create_app  # noqa: E402
from edge.config import load_settings  # noqa: E402
from edge.domain.operator import hash_pin  # noqa: E402
from edge.store.database import Store  # noqa: E402
from edge.store.operators import add_operator, session_by_token_hash, token_hash  # noqa: E402
from tests.support import Floor  # noqa: E402


def logins(floor: Floor, tries: int) -> dict[str, list[float]]:
    """Seconds per refused login, alternating an existing badge (wrong PIN) and an unknown one,
    each from its own client address so the source throttle never answers first."""
    took: dict[str, list[float]] = {"wrong_pin": [], "unknown_badge": []}
    for i in range(2 * tries):
        kind, badge = (("wrong_pin", "B-REAL"), ("unknown_badge", "B-NOBODY"))[i % 2]
        client = TestClient(floor.client.app, client=(f"10.1.{i // 250}.{i % 250}", 5000))
        started = time.perf_counter()
        client.post("/api/v1/auth/login", json={"badge": badge, "pin": "0000"} | floor.device)
        took[kind].append(time.perf_counter() - started)
    return took


def session_reads(store: Store, token: str, count: int) -> float:
    """Microseconds per session read, as every authenticated request does it."""
    key, conn = token_hash(token), store.read()
    started = time.perf_counter()
    for _ in range(count):
        session_by_token_hash(conn, key)
    return (time.perf_counter() - started) / count * 1e6


def run(tries: int, cost: int, work: Path) -> dict[str, Any]:
    # Up to 20 free tries per source (one device serves them all): no refusal comes from the
    # throttle before the PIN is checked.
    overrides = {
        "edge.data_dir": work,
        "auth.pin_hash_cost": cost,
        "auth.max_pin_attempts": 20,
        "auth.badge_lock_attempts": 1000,
    }
    settings = load_settings(env={}, overrides=overrides)
    store = Store(settings.db_path, edge_id=settings.edge.id)
    pin_hash = hash_pin("2468", salt=b"0123456789abcdef", cost=cost)
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        store.writer.call(
            lambda tx: add_operator(
                tx, badge="B-REAL", name="Real", role="picker", pin_hash=pin_hash
            )
        )
        took = logins(floor, min(tries, 9))
        token = floor.login("B-PICK")["Authorization"].removeprefix("Bearer ")
        read_us = session_reads(store, token, 20_000)
    store.close()
    medians = {k: statistics.median(v) * 1000 for k, v in took.items()}
    return machine() | {
        "pin_hash_cost": cost,
        "tries_each": tries,
        "login_median_ms": {k: round(v, 2) for k, v in medians.items()},
        "unknown_over_wrong_pin": round(medians["unknown_badge"] / medians["wrong_pin"], 3),
        "session_read_us": round(read_us, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=9, help="refused logins of each kind (<= 9)")
    parser.add_argument("--cost", type=int, default=14, help="scrypt cost (log2 N), as in prod")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="auth-bench-") as tmp:
        report = run(args.tries, args.cost, Path(tmp))
    emit(report, args.out)


if __name__ == "__main__":
    main()
