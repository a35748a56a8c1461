"""Running the edge's app under uvicorn on a socket bound here, until SIGINT/SIGTERM."""

from __future__ import annotations

import gc
import logging
import socket
from collections.abc import Callable
from typing import Any

import uvicorn

from edge.api.app import create_app
from edge.api.errors import http_protocol
from edge.config import Settings
from edge.config.keys import env_var_name
from kernel.serving import bind, collect_less, few_malloc_arenas, stop_on_signals
from labels.fonts import cjk_font

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
        http=http_protocol(settings.server.request_timeout_s),  # httptools: problem+json
        log_level=settings.logging.level.lower(),
        # JSON logs: uvicorn's loggers write through the root logger's JSON handler
        log_config=None if settings.logging.json else uvicorn.config.LOGGING_CONFIG,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
        ssl_certfile=settings.server.tls_cert,
        ssl_keyfile=settings.server.tls_key,
    )
    server = _Server(config, after_start_up=lambda: started(settings))
    # Every request allocates many short-lived objects; the default GC thresholds make the
    # collector run thousands of times a second under load. Objects alive at start-up are frozen
    # out of collection (again once the app's start-up has run: `started`) and the youngest
    # generation is collected ten times less often (as central's server does).
    collect_less()
    few_malloc_arenas()  # before the thread pool grows (kernel/serving.py says why)
    log.info("listening on %s", url)
    with stop_on_signals(server):
        if on_ready:
            on_ready(url)
        server.run(sockets=[sock])


class _Server(uvicorn.Server):
    """uvicorn's server, calling `after_start_up` once the app's start-up (the lifespan: the
    store, the spooler, the stations) has run and before the first request is taken."""

    def __init__(self, config: uvicorn.Config, *, after_start_up: Callable[[], None]) -> None:
        super().__init__(config)
        self._after_start_up = after_start_up

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            self._after_start_up()


def started(settings: Settings) -> None:
    """What the server does once the app has started, before it takes a request: the CJK label
    font loaded when a printer renders PDF (~0.1 s of CPU holding the GIL, 35 MB; else the
    first waybill of the day stalls every terminal while it loads), then everything alive now
    frozen out of the collector's sight (gc.freeze: the app's state, the font's 42,000 metric
    lists), so a collection walks only what requests made."""
    if any(p.format == "pdf" for p in settings.printers):
        cjk_font()
    gc.collect()
    gc.freeze()
