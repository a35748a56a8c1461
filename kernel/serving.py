"""Serving the edge and central alike: a listening socket bound here (so `--port 0` can say the
port it got, and a taken port is one line naming what to change), and SIGINT/SIGTERM ending a
server or a block cleanly with exit status 0."""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import uvicorn

log = logging.getLogger("serving")


M_ARENA_MAX = -8  # glibc's malloc.h


def few_malloc_arenas(arenas: int = 2) -> bool:
    """Ask glibc for at most `arenas` malloc arenas; True when it took the setting. glibc gives
    each new thread an arena of its own (up to 8 per core) and each keeps what its thread once
    used: the server's RSS rose by 10–20 MB with every worker thread the pool added and never
    came down (bench/soak_bench.py: 217 → 356 MB as the threads went 11 → 16; with two arenas
    191 → 222 MB). MALLOC_ARENA_MAX in the environment wins; elsewhere than glibc, False."""
    if "MALLOC_ARENA_MAX" in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False


def collect_less() -> None:
    """Everything alive now (the app, its state, the imported modules) frozen out of the cyclic
    collector's sight, and the youngest generation collected ten times less often: the edge's
    and central's servers, before they serve. Each request allocates many short-lived objects;
    with the default thresholds central's collector ran about a hundred times a second under a
    flash sale and walked all ~120,000 long-lived objects every second or so (a full collection:
    50–156 ms holding the GIL at load 8, every request waiting), which was its p99
    (bench/README.md, "Session 31")."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 20, 20)


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


def bind(host: str, port: int, *, setting: str = "") -> socket.socket:
    """A listening socket, or one line saying why not and what to change (exit 2): the port is
    taken, the address is not this machine's. `setting` names the other way to set the port, as
    "server.port (env WAREHOUSE_EDGE_SERVER_PORT)"."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        also = f" or {setting}" if setting else ""
        print(
            f"error: cannot listen on {host}:{port}: {(exc.strerror or str(exc)).lower()};"
            f" choose another port with --port (0 picks a free one){also}",
            file=sys.stderr,
        )
        sys.exit(2)
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
