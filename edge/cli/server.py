"""Running uvicorn on a socket we bind ourselves, so `--port 0` can print the port it got."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import uvicorn

from edge.api.app import create_app

log = logging.getLogger("edge.server")


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_server(settings: Any, *, on_ready: Callable[[str], None] | None = None, store: Any = None) -> None:
    """Serve until SIGINT/SIGTERM; `on_ready` gets the base URL once the socket is bound."""
    sock = bind(settings.server.host, settings.server.port)
    host, port = sock.getsockname()[:2]
    url = f"http://{host}:{port}"
    app = create_app(settings, store=store)
    config = uvicorn.Config(
        app, loop="uvloop", http="httptools", log_level=settings.logging.level.lower(),
        access_log=False, lifespan="on", timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    log.info("listening on %s", url)
    if on_ready:
        on_ready(url)
    server.run(sockets=[sock])
