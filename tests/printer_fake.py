"""A ZPL label printer on 127.0.0.1 (raw TCP, a random port), real sockets and all.

It keeps every label it is sent (one per ^XA...^XZ format, byte for byte), answers the `~HS`
host status query the way the Zebra Programming Guide ("~HS Host Status Return") shows it, and
can be switched to paper out, head open, paused, silent (takes the connection, never answers), or
off (the listener closed: connections are refused), and back.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

WAIT = 15.0  # generous: a condition that holds is met in milliseconds
END = b"^XZ"
HOST_STATUS = b"~HS"


class FakeZebra:
    """A 9100 printer: `jobs` holds what it printed; flip `paper_out`, `head_open`, `paused`."""

    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self.status_queries = 0
        self.paper_out = self.head_open = self.paused = False
        self.silent = False  # accept connections but answer nothing, like a wedged printer
        self.port = 0
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._connections: list[socket.socket] = []

    def __enter__(self) -> FakeZebra:
        self.switch_on()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.switch_off()
        self.hang_up()
        for thread in self._threads:
            thread.join(WAIT)

    def hang_up(self) -> None:
        """Drop every open connection, as a printer does when it is switched off mid-job."""
        for connection in list(self._connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def switch_on(self) -> None:
        """Listen (again, on the same port once it had one)."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(8)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._spawn(self._accept, listener)

    def switch_off(self) -> None:
        """Close the listener: new connections are refused, as by a printer that is off."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()

    def host_status(self) -> bytes:
        """The three ~HS strings: <STX>fields<ETX><CR><LF> each; the flags from the switches."""
        paper, pause, head = (int(flag) for flag in (self.paper_out, self.paused, self.head_open))
        return (
            f"\x02030,{paper},{pause},1218,000,0,0,0,000,0,0,0\x03\r\n"
            f"\x02001,0,{head},0,0,2,6,0,00000000,1,000\x03\r\n"
            "\x021234,0\x03\r\n"
        ).encode("ascii")

    def wait_for(self, condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {what}; printer has {self.jobs!r}")
            time.sleep(0.01)

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # switched off
                return
            self._connections.append(connection)
            self._spawn(self._serve, connection)

    def _serve(self, connection: socket.socket) -> None:
        buffer = b""
        with connection:
            while chunk := _recv(connection):
                buffer += chunk
                buffer = self._take_status_queries(connection, buffer)
                buffer = self._take_labels(buffer)
            if buffer.strip():  # a label cut off by a closed connection is kept, to be seen
                with self._lock:
                    self.jobs.append(buffer)

    def _take_status_queries(self, connection: socket.socket, buffer: bytes) -> bytes:
        # Tilde commands act at once, wherever they arrive (Zebra Programming Guide, ZPL basics).
        while (at := buffer.find(HOST_STATUS)) >= 0:
            buffer = buffer[:at] + buffer[at + len(HOST_STATUS) :]
            with self._lock:
                self.status_queries += 1
            if not self.silent:
                connection.sendall(self.host_status())
        return buffer

    def _take_labels(self, buffer: bytes) -> bytes:
        while (at := buffer.find(END)) >= 0:
            label, buffer = buffer[: at + len(END)], buffer[at + len(END) :]
            with self._lock:
                self.jobs.append(label)
        return buffer


def _recv(connection: socket.socket) -> bytes:
    try:
        return connection.recv(65536)
    except OSError:
        return b""
