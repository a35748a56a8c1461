"""Writer benchmark: the writer process's CPU a move scan, in process, so that a shared machine's
load does not swamp it. Prints JSON (see bench/README.md).

    .venv/bin/python bench/writer_bench.py [--batch 64] [--rounds 100] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, machine, stopped  # noqa: E402
from bench.scan_bench import Terminal, seed_floor, sign_in, terminal  # noqa: E402
from edge.api.routes.scans import scan_config  # noqa: E402
from edge.config import load_settings  # noqa: E402
from edge.service.scans import ScanRequest, handle_scan  # noqa: E402
from edge.store.db import connect, open_database  # noqa: E402
from edge.store.operators import LoginSession, session_by_token_hash, token_hash  # noqa: E402
from edge.store.writer_process import _KEEP, Kept, _Served, turns_file  # noqa: E402
from tests.servers import running_server, seed  # noqa: E402

WARM_ROUNDS = 5


def signed_floor(work: Path, clients: int) -> tuple[Path, list[Terminal]]:
    """The scan bench's floor, each terminal logged in with its move task at its two bins (by a
    real server, stopped before the measure)."""
    terminals = [terminal(i) for i in range(clients)]
    seed(work / "edge.db", seed_floor(terminals))
    with running_server(work, config={"logging": {"level": "WARNING"}}) as server:

        async def all_signed() -> list[Terminal]:
            async with httpx.AsyncClient(base_url=server.url, timeout=60.0) as http:
                return list(await asyncio.gather(*(sign_in(http, t) for t in terminals)))

        signed = asyncio.run(all_signed())
        stopped(server)
    return work / "edge.db", signed


def sessions(db: Path, terminals: list[Terminal]) -> list[tuple[str, LoginSession]]:
    conn = connect(db)
    try:
        found = []
        for t in terminals:
            token = t.headers["Authorization"].removeprefix("Bearer ")
            row = session_by_token_hash(conn, token_hash(token))
            assert row is not None
            found.append((t.barcode, row[0]))
        return found
    finally:
        conn.close()


def frames(scanners: list[tuple[str, LoginSession]], n: int, kept: Kept) -> list[bytes]:
    """One batch as the socket delivers it: each scan's command pickled as `ProcessWriter`
    frames it (the floor's settings named, sent once before)."""
    out = []
    for i, (code, session) in enumerate(scanners):
        command = (handle_scan, (ScanRequest(uuid.uuid4().hex, code, session), kept))
        out.append(pickle.dumps((n * len(scanners) + i, pickle.dumps(command, protocol=5))))
    return out


def measure(db: Path, terminals: list[Terminal], *, rounds: int) -> dict[str, Any]:
    """Thread CPU of `_Served._run_batch` a scan, each round one batch of every terminal's scan,
    the answers drained by another thread as the server's reader would."""
    open_database(db)  # this tree's migrations, if the file predates any
    settings = load_settings(db.parent / "edge.toml", env={})
    scanners = sessions(db, terminals)
    ours, theirs = socket.socketpair()
    drain = threading.Thread(target=lambda: all(iter(lambda: ours.recv(1 << 20), b"")))
    drain.start()
    writer = _Served(db, thread=False, turns=turns_file(db))
    kept = Kept(-10)
    keep = pickle.dumps((kept.key, scan_config(settings).floor), protocol=5)
    writer._run_batch(theirs, [pickle.dumps((_KEEP, keep))])
    per_scan = []
    for n in range(WARM_ROUNDS + rounds):
        batch = frames(scanners, n, kept)
        started = time.thread_time()
        writer._run_batch(theirs, batch)
        if n >= WARM_ROUNDS:
            per_scan.append((time.thread_time() - started) / len(batch))
    writer.close()
    theirs.close()
    drain.join()
    ours.close()
    per_scan.sort()
    return {
        "scans": len(per_scan) * len(terminals),
        "cpu_per_scan_ms": {
            "median": round(statistics.median(per_scan) * 1000, 4),
            "p10": round(per_scan[len(per_scan) // 10] * 1000, 4),
            "mean": round(statistics.fmean(per_scan) * 1000, 4),
        },
        "commits": writer.commits,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64, help="scans a commit (one per terminal)")
    parser.add_argument("--rounds", type=int, default=100, help="batches measured")
    parser.add_argument("--out", type=Path, help="also write the JSON to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="writer-bench-") as tmp:
        db, terminals = signed_floor(Path(tmp), args.batch)
        result = measure(db, terminals, rounds=args.rounds)
    load = [round(x, 2) for x in os.getloadavg()]
    report = machine() | {"batch": args.batch, "rounds": args.rounds, "load_average": load}
    emit(report | result, args.out)


if __name__ == "__main__":
    main()
