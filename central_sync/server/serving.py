"""Running central under uvicorn on a socket bound here (so `--port 0` can say the port it got),
stopping cleanly with exit status 0 on SIGINT/SIGTERM."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from central_sync.server.app import MAX_BODY_BYTES, create_app
from central_sync.server.central import Central
from central_sync.server.errors import http_protocol
from central_sync.store.dialect import DatabaseUrl
from kernel.serve_lock import Held, holding
from kernel.serving import bind, collect_less, few_malloc_arenas, stop_on_signals

log = logging.getLogger("central.server")


def serve(
    central: Central,
    *,
    host: str,
    port: int,
    log_level: str,
    json_logs: bool = False,
    on_ready: Callable[[str], None] | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    request_timeout_s: float = 30.0,
) -> None:
    """Serve until SIGINT/SIGTERM; `on_ready` gets the base URL once the socket is bound."""
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    url = f"http://{bound_host}:{bound_port}"
    config = uvicorn.Config(
        create_app(central, max_body_bytes=max_body_bytes),
        http=http_protocol(request_timeout_s),  # httptools: problem+json, slow clients cut
        log_level=log_level,
        # JSON logs: uvicorn's loggers write through the root logger's JSON handler
        log_config=None if json_logs else uvicorn.config.LOGGING_CONFIG,
        access_log=log_level == "debug",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    few_malloc_arenas()  # before the thread pool grows (kernel/serving.py says why)
    collect_less()  # the full collections were the flash sale's p99 (kernel/serving.py)
    log.info("listening on %s (%s)", url, central.backend)
    with stop_on_signals(server):
        if on_ready:
            on_ready(url)
        server.run(sockets=[sock])


class AlreadyServed(Exception):
    """Another `serve` holds this SQLite database."""


@contextmanager
def sole_server(url: DatabaseUrl) -> Iterator[None]:
    """On SQLite, hold `DB.serve.lock` for as long as this process serves: SQLite has one
    writer at a time, and several central processes on one file answer "database is locked"
    after their 30 s busy wait. A second `serve` is refused at start instead. PostgreSQL: any
    number of processes."""
    if url.backend != "sqlite" or url.target == ":memory:":
        yield
        return
    try:
        with holding(Path(url.target)):
            yield
    except Held as held:  # only ever raised on the way in
        raise AlreadyServed(
            f"another warehouse-central serve (pid {held.pid}) serves the SQLite database "
            f"{url.target} (--db): SQLite is served by one process. Stop that one, or move "
            "to PostgreSQL (--db postgresql://…) to run several."
        ) from None
