"""The edge's server loads at start what its requests need, and what only some configurations
need only when they have it: the sync agent and httpx when a central is configured (else never),
cryptography when a `warehouse-edge tls` command runs (never in `serve`). Each is megabytes of
the served edge's memory (issue 23: the floor bench's RSS under 200 MB)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.servers import clean_env, free_port, write_config

REPO = Path(__file__).resolve().parent.parent
# Loaded by a standalone edge's server only when a request or a command needs them.
NOT_AT_START = ("cryptography", "httpx", "central_sync.agent.agent", "central_sync.agent.client")


def served_modules(data_dir: Path, sections: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The modules a real `warehouse-edge serve` of this configuration has loaded once ready."""
    config, out = write_config(data_dir, sections), data_dir / "modules.txt"
    probe = ["-m", "tests.server_modules", str(config), str(free_port()), str(out)]

    subprocess.run([sys.executable, *probe], cwd=REPO, env=clean_env("WAREHOUSE_EDGE_"), check=True)

    return out.read_text(encoding="utf-8").split()


def among(modules: list[str], names: tuple[str, ...]) -> list[str]:
    """Those of `modules` that are one of `names` or inside one of them."""
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_a_standalone_edge_serves_without_the_sync_agent_httpx_or_cryptography(
    tmp_path: Path,
) -> None:
    modules = served_modules(tmp_path, {})

    assert "edge.api.app" in modules  # the probe looked at a server that had started
    assert among(modules, NOT_AT_START) == []


def test_an_edge_with_a_central_loads_the_sync_agent_and_httpx_as_it_starts(
    tmp_path: Path,
) -> None:
    central = {"url": "http://127.0.0.1:9", "token": "t" * 32}  # nobody answers: it retries

    modules = served_modules(tmp_path, {"central": central})

    assert {"central_sync.agent.agent", "httpx"} <= set(modules)
