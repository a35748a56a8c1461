"""A port already taken stops `serve` and `demo` with one line that says so and what to change,
not a traceback; exit 2, like any other start-up error of the configuration."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import HOST, venv_script

pytestmark = pytest.mark.slow


@pytest.fixture
def taken() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.mark.parametrize(
    ("command", "setting"),
    [
        (["warehouse-edge", "serve"], " or server.port (env WAREHOUSE_EDGE_SERVER_PORT)"),
        (
            ["warehouse-edge", "demo", "--data-dir", "demo"],
            " or server.port (env WAREHOUSE_EDGE_SERVER_PORT)",
        ),
        (["warehouse-central", "serve", "--db", "central.db"], ""),
    ],
)
def test_a_port_already_taken_stops_the_server_with_one_line_naming_what_to_change(
    taken: int, tmp_path: Path, command: list[str], setting: str
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAREHOUSE_")}

    done = subprocess.run(
        [str(venv_script(command[0])), *command[1:], "--port", str(taken)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )

    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: cannot listen on {HOST}:{taken}: address already in use;"
        f" choose another port with --port (0 picks a free one){setting}"
    )
