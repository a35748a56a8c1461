"""TCP line scanners: the edge connects to the scanner (client) or the scanner to the edge (listen).

Each connection is framed on its own, so two scanners sending at once never mix their lines,
and a connection that drops mid-line loses only that line.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading

from edge.devices.framing import FramedLine
from edge.devices.scanner import (
    Connection,
    DeviceState,
    Emit,
    OnReject,
    OnState,
    ScannerConfig,
    StateChange,
    ThreadedScanner,
    deliver,
    reason_of,
    scan_event,
)
from kernel.backoff import Backoff

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 0.1


class TcpClientScanner(ThreadedScanner):
    """Connects to a scanner (or a serial-to-Ethernet box) at host:port; reconnects with back-off."""

    def open(self) -> Connection:
        sock = socket.create_connection(
            (self.config.host, self.config.port), timeout=CONNECT_TIMEOUT
        )
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)  # notice a dead box, in time
        sock.settimeout(READ_TIMEOUT)
        return _Socket(sock)


class _Socket:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def read(self) -> bytes:
        try:
            data = self.sock.recv(4096)
        except TimeoutError:
            return b""
        if not data:
            raise ConnectionError("connection closed by the scanner")
        return data

    def close(self) -> None:
        self.sock.close()


class TcpListenScanner:
    """Accepts scanners connecting to host:port (port 0 picks one; see `address`).

    State: disconnected while listening with nobody connected, connected while at least one
    scanner is, error while the address cannot be bound (retried with back-off).
    """

    def __init__(self, config: ScannerConfig) -> None:
        self.config = config
        self.address: tuple[str, int] | None = None
        self._stop_requested = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    def stop(self) -> None:
        self._stop_requested.set()
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                self._loop.call_soon_threadsafe(self._wake.set)

    async def run(
        self, emit: Emit, on_state: OnState, *, on_reject: OnReject | None = None
    ) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        if self._stop_requested.is_set():
            return
        session = _Listening(self.config, emit=emit, on_state=on_state, on_reject=on_reject)
        backoff = Backoff(self.config.backoff_initial, self.config.backoff_max, jitter=False)
        await session.report(DeviceState.CONNECTING, f"binding {self.config.where}")
        while not self._stop_requested.is_set():
            try:
                server = await asyncio.start_server(
                    session.serve, self.config.host, self.config.port
                )
            except OSError as exc:
                await session.report(DeviceState.ERROR, f"cannot listen: {reason_of(exc)}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), backoff.next_delay())
                continue
            await self._serve_until_stopped(server, session)

    async def _serve_until_stopped(self, server: asyncio.Server, session: _Listening) -> None:
        assert self._wake is not None
        host, port = server.sockets[0].getsockname()[:2]
        self.address = (host, port)
        await session.report(DeviceState.DISCONNECTED, f"listening on {host}:{port}")
        try:
            await self._wake.wait()
        finally:
            session.closing = True
            server.close()
            await session.close_all()
            await server.wait_closed()


class _Listening:
    """The connections of one listening scanner, each with its own framer."""

    def __init__(
        self, config: ScannerConfig, *, emit: Emit, on_state: OnState, on_reject: OnReject | None
    ) -> None:
        self.config = config
        self.callbacks = {"emit": emit, "on_state": on_state, "on_reject": on_reject}
        self.peers: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.closing = False
        self._state: DeviceState | None = None

    async def report(self, state: DeviceState, reason: str) -> None:
        if state is not self._state:
            self._state = state
            await self._deliver(StateChange(state, reason))

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = "{}:{}".format(*writer.get_extra_info("peername")[:2])
        self.peers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        await self.report(DeviceState.CONNECTED, f"scanner {peer} connected")
        framer = self.config.framer()
        try:
            while data := await reader.read(4096):
                for line in framer.feed(data):
                    await self._deliver(scan_event(self.config.name, line) if line.ok else line)
        except OSError:
            pass  # reset by the peer: the same as a close, the partial line is dropped below
        finally:
            self.peers.discard(writer)
            writer.close()
            await self._after(peer, framer.reset("stopped" if self.closing else "disconnected"))

    async def _after(self, peer: str, cut: FramedLine | None) -> None:
        if cut is not None:
            await self._deliver(cut)
        if not self.peers and not self.closing:
            await self.report(DeviceState.DISCONNECTED, f"scanner {peer} left")

    async def close_all(self) -> None:
        """Close every connection and wait until each has reported its cut line."""
        for writer in list(self.peers):
            writer.close()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _deliver(self, item: object) -> None:
        await deliver(self.config.name, item, **self.callbacks)  # type: ignore[arg-type]
