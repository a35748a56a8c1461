"""What each HTTP request pays for the request id and the latency histogram: a trivial ASGI app
called in-process with and without `kernel.logs.RequestIds` (observing into the edge's
`edge_http_request_duration_seconds`), at INFO (no per-request log line).

    .venv/bin/python bench/request_ids_bench.py [--requests N] [--out FILE]

Prints one JSON document (also written to --out): microseconds per request, bare and wrapped,
and the difference.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, machine  # noqa: E402
from edge.api.metrics import Metrics  # noqa: E402
from edge.store.database import Store  # noqa: E402
from kernel.logs import RequestIds  # noqa: E402


class _Route:
    path = "/api/v1/scans"


async def _app(scope: Any, _receive: Any, send: Any) -> None:
    scope["route"] = _Route
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def _per_request_us(app: Any, requests: int, *, given: bool) -> float:
    headers = [(b"x-request-id", b"till-7:abc-123")] if given else []

    async def send(_message: Any) -> None:
        return None

    started = time.perf_counter()
    for _ in range(requests):
        scope = {"type": "http", "method": "POST", "path": "/api/v1/scans", "headers": headers}
        await app(scope, None, send)
    return (time.perf_counter() - started) / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000, help="calls of each variant")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "edge.db", edge_id="edge-bench")
        try:
            metrics = Metrics(store)
            wrapped = RequestIds(_app, observe=metrics.observe_request)
            bare = asyncio.run(_per_request_us(_app, args.requests, given=False))
            made = asyncio.run(_per_request_us(wrapped, args.requests, given=False))
            given = asyncio.run(_per_request_us(wrapped, args.requests, given=True))
        finally:
            store.close()
    emit(
        machine()
        | {
            "requests": args.requests,
            "bare_us": round(bare, 2),
            "with_id_made_us": round(made, 2),
            "with_id_given_us": round(given, 2),
            "overhead_us": round(max(made, given) - bare, 2),
        },
        args.out,
    )


if __name__ == "__main__":
    main()
