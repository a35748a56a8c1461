"""`python -m tests.server_modules CONFIG PORT OUT`: `warehouse-edge serve --config CONFIG --port
PORT` in this process; once it answers /readyz, the names of the modules it has loaded are written
to OUT, one a line, and the server is stopped as systemd stops it (SIGTERM). A module of its own
that imports only the standard library, so the probe adds nothing to what it looks at."""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

READY_S = 120  # a start on a loaded machine can take long; no timing assertion rests on it


def ready(port: int) -> bool:
    """Whether the server on `port` answers GET /readyz with 200 (a raw request: no HTTP client
    is loaded into the process looked at)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n")
            return sock.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def tell_modules_once_ready(port: int, out: Path) -> None:
    deadline = time.monotonic() + READY_S
    while not ready(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    out.write_text("\n".join(sorted(sys.modules)) + "\n", encoding="utf-8")
    os.kill(os.getpid(), signal.SIGTERM)


if __name__ == "__main__":
    config, port, out = sys.argv[1:]
    threading.Thread(
        target=tell_modules_once_ready, args=(int(port), Path(out)), daemon=True
    ).start()
    from edge.cli.main import main

    sys.argv = ["warehouse-edge", "serve", "--config", config, "--port", port]
    main()
