"""Running central under uvicorn on a socket bound here (so `--port 0` can say the port it got),
stopping cleanly with exit status 0 on SIGINT/SIGTERM."""

from __future__ import annotations

import logging
from collections.abc import Callable

import uvicorn

from central_sync.server.app import MAX_BODY_BYTES, create_app
from central_sync.server.central import Central
from kernel.serving import bind, stop_on_signals

log = logging.getLogger("central.server")


def serve(
    central: Central, *, host: str, port: int, log_level: str,
    on_ready: Callable[[str], None] | None = None, max_body_bytes: int = MAX_BODY_BYTES,
) -> None:  # fmt: skip
    """Serve until SIGINT/SIGTERM; `on_ready` gets the base URL once the socket is bound."""
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    url = f"http://{bound_host}:{bound_port}"
    config = uvicorn.Config(
        create_app(central, max_body_bytes=max_body_bytes), log_level=log_level, access_log=log_level == "debug",
        lifespan="on", timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    log.info("listening on %s (%s)", url, central.backend)
    with stop_on_signals(server):
        if on_ready:
            on_ready(url)
        server.run(sockets=[sock])
