"""An app served by a real uvicorn on 127.0.0.1 in a thread of the test process: real sockets
and real HTTP/1.1 keep-alive, with the test's own store and settings."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import uvicorn

from kernel.serving import bind

if TYPE_CHECKING:
    from edge.config import Settings
    from edge.store.database import Store


@contextmanager
def serving(app: Any, *, http: Any = "auto") -> Iterator[tuple[str, int]]:
    """Serve `app` (through uvicorn's `http` protocol) until the block ends; yields (host, port)."""
    sock = bind("127.0.0.1", 0)  # the servers' own way to listen
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(
        app, http=http, log_level="warning", lifespan="on", timeout_keep_alive=30
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield host, port
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


@contextmanager
def serving_edge(settings: Settings, seed: Any) -> Iterator[tuple[str, Store]]:
    """The edge's app over a new store of `settings`, `seed`ed through its writer, served until
    the block ends; yields (base URL, store)."""
    from edge.api.app import create_app
    from edge.store.database import Store

    store = Store(settings.db_path)
    store.writer.call(seed)
    try:
        with serving(create_app(settings, store=store)) as (host, port):
            yield f"http://{host}:{port}", store
    finally:
        store.close()
