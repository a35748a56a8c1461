"""Many operators logging in at once (a shift starting) do not swell the edge's memory: each PIN
check is scrypt at the production cost, 16 MiB for as long as it runs, and only two run at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from edge.domain.operator import hash_pin
from edge.store.operators import add_operator
from edge.store.writer import Tx
from tests.servers import PIN, running_server, seed
from tests.support import SUPERVISOR

pytestmark = pytest.mark.slow

PRODUCTION_COST = 14  # auth.pin_hash_cost's default: scrypt N = 2^14, r = 8 → 16 MiB a check
LOGINS = 16


def memory_mb(pid: int, field: str) -> float:
    """A figure of the process's /proc status (VmRSS now, VmHWM its peak), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no {field} in /proc/{pid}/status")


async def log_in_together(url: str, badges: list[str]) -> list[int]:
    """Each badge on a handheld of its own, enrolled first; then every login sent at once."""
    async with httpx.AsyncClient(base_url=url, timeout=300.0) as http:
        devices = []
        for n in range(len(badges)):
            resp = await http.post("/api/v1/devices", json={"name": f"HH-{n}"} | SUPERVISOR)
            devices.append(resp.raise_for_status().json())
        logins = [
            http.post("/api/v1/auth/login", json={"badge": b, "pin": PIN} | d)
            for b, d in zip(badges, devices, strict=True)
        ]
        return [r.status_code for r in await asyncio.gather(*logins)]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_shift_logging_in_at_once_adds_little_to_the_edges_memory(tmp_path: Path) -> None:
    badges = [f"B-SHIFT-{n:02d}" for n in range(LOGINS)]
    pin_hash = hash_pin(PIN, salt=b"0123456789abcdef", cost=PRODUCTION_COST)

    def operators(tx: Tx) -> None:
        for badge in badges:
            add_operator(tx, badge=badge, name=badge, role="picker", pin_hash=pin_hash)

    seed(tmp_path / "edge.db", operators)
    with running_server(tmp_path) as server:
        pid = server.process.pid
        before = memory_mb(pid, "VmRSS")
        statuses = asyncio.run(log_in_together(server.url, badges))
        peak = memory_mb(pid, "VmHWM")

    assert statuses == [200] * LOGINS
    # Sixteen checks at once would hold 256 MiB; two at a time hold 32 MiB.
    assert peak - before < 100, (before, peak)
