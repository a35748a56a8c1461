"""Running uvicorn on a socket we bind ourselves, so `--port 0` can print the port it got."""

from __future__ import annotations

import gc
import logging
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import click
import uvicorn

from edge.api.app import create_app
from edge.config.keys import env_var_name

log = logging.getLogger("edge.server")


class _Stopped(Exception):
    """SIGINT or SIGTERM arrived before there was a server to stop."""


@contextmanager
def stop_on_signals(server: uvicorn.Server | None = None) -> Iterator[None]:
    """SIGINT/SIGTERM end the block cleanly (exit 0). With a `server`, whenever they come: before
    uvicorn has put in its own handlers, during its start-up, or when it raises them again after
    its graceful shutdown (it does, and the process would otherwise die with -15); the handler
    only asks the server to stop, as raising could land inside the event loop's own set-up.
    Without one (seeding, say), the signal interrupts the block."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        if server is None:
            raise _Stopped(signal.Signals(signum).name)
        if not server.should_exit:
            log.info("stopping on %s", signal.Signals(signum).name)
        server.should_exit = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _Stopped as why:
        log.info("stopped by %s", why)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def bind(host: str, port: int, *, key: str = "") -> socket.socket:
    """A listening socket, or one line saying why not and what to change (exit 2): the port is
    taken, the address is not this machine's. `key` names the config key that sets the port."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        setting = f" or {key} (env {env_var_name(key)})" if key else ""
        click.echo(
            f"error: cannot listen on {host}:{port}: {(exc.strerror or str(exc)).lower()};"
            f" choose another port with --port (0 picks a free one){setting}",
            err=True,
        )
        sys.exit(2)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def run_server(
    settings: Any, *, on_ready: Callable[[str], None] | None = None, store: Any = None
) -> None:
    """Serve until SIGINT/SIGTERM; `on_ready` gets the base URL once the socket is bound."""
    sock = bind(settings.server.host, settings.server.port, key="server.port")
    host, port = sock.getsockname()[:2]
    tls = settings.server.tls_cert is not None  # config checked tls_key is set with it
    url = f"{'https' if tls else 'http'}://{host}:{port}"
    app = create_app(settings, store=store)
    config = uvicorn.Config(
        app, loop="uvloop", http="httptools", log_level=settings.logging.level.lower(),
        access_log=False, lifespan="on", timeout_graceful_shutdown=5,
        ssl_certfile=settings.server.tls_cert, ssl_keyfile=settings.server.tls_key,
    )  # fmt: skip
    server = uvicorn.Server(config)
    # Every request allocates many short-lived objects; the default GC thresholds make the
    # collector run thousands of times a second under load. Objects alive at start-up are frozen
    # out of collection and the youngest generation is collected ten times less often.
    gc.freeze()
    gc.set_threshold(7000, 20, 20)
    log.info("listening on %s", url)
    with stop_on_signals(server):
        if on_ready:
            on_ready(url)
        server.run(sockets=[sock])
