"""Running the edge's app under uvicorn on a socket bound here, until SIGINT/SIGTERM."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable
from typing import Any

import uvicorn

from edge.api.app import create_app
from edge.config import Settings
from edge.config.keys import env_var_name
from kernel.serving import bind, few_malloc_arenas, stop_on_signals

log = logging.getLogger("edge.server")

_PORT_SETTING = f"server.port (env {env_var_name('server.port')})"


def run_server(
    settings: Settings, *, on_ready: Callable[[str], None] | None = None, store: Any = None
) -> None:
    """Serve until SIGINT/SIGTERM; `on_ready` gets the base URL once the socket is bound."""
    sock = bind(settings.server.host, settings.server.port, setting=_PORT_SETTING)
    host, port = sock.getsockname()[:2]
    tls = settings.server.tls_cert is not None  # config checked tls_key is set with it
    url = f"{'https' if tls else 'http'}://{host}:{port}"
    app = create_app(settings, store=store)
    config = uvicorn.Config(
        app,
        loop="uvloop",
        http="httptools",
        log_level=settings.logging.level.lower(),
        # JSON logs: uvicorn's loggers write through the root logger's JSON handler
        log_config=None if settings.logging.json else uvicorn.config.LOGGING_CONFIG,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
        ssl_certfile=settings.server.tls_cert,
        ssl_keyfile=settings.server.tls_key,
    )
    server = uvicorn.Server(config)
    # Every request allocates many short-lived objects; the default GC thresholds make the
    # collector run thousands of times a second under load. Objects alive at start-up are frozen
    # out of collection and the youngest generation is collected ten times less often.
    gc.freeze()
    gc.set_threshold(7000, 20, 20)
    few_malloc_arenas()  # before the thread pool grows (kernel/serving.py says why)
    log.info("listening on %s", url)
    with stop_on_signals(server):
        if on_ready:
            on_ready(url)
        server.run(sockets=[sock])
