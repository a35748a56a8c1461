"""Running central under uvicorn on a socket bound here (so `--port 0` can say the port it got),
stopping cleanly with exit status 0 on SIGINT/SIGTERM."""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

from central_sync.server.app import create_app
from central_sync.server.central import Central

log = logging.getLogger("central.server")


class _Stopped(Exception):
    """SIGINT or SIGTERM arrived."""


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """A clean return on SIGINT/SIGTERM, also when uvicorn re-raises them after its own graceful
    shutdown (it does, and the process would otherwise end with -15)."""

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise _Stopped(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    except _Stopped as why:
        log.info("stopped by %s", why)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(
    central: Central, *, host: str, port: int, log_level: str,
    on_ready: Callable[[str], None] | None = None,
) -> None:  # fmt: skip
    """Serve until SIGINT/SIGTERM; `on_ready` gets the base URL once the socket is bound."""
    sock = bind(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    url = f"http://{bound_host}:{bound_port}"
    config = uvicorn.Config(
        create_app(central), log_level=log_level, access_log=log_level == "debug",
        lifespan="on", timeout_graceful_shutdown=5,
    )  # fmt: skip
    server = uvicorn.Server(config)
    log.info("listening on %s (%s)", url, central.backend)
    if on_ready:
        on_ready(url)
    with stop_on_signals():
        server.run(sockets=[sock])
