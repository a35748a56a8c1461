"""A ZPL label printer on 127.0.0.1 (raw TCP, a random port), real sockets and all.

It keeps every label it is sent (one per ^XA...^XZ format, byte for byte), answers the `~HS`
host status query the way the Zebra Programming Guide ("~HS Host Status Return") shows it, and
can be switched to paper out, head open, paused, silent (takes the connection, never answers), or
off (the listener closed: connections are refused), and back. Like a real one, it keeps a label
it cannot print (out of paper, head open, paused) in its buffer, counted in the ~HS answer, and
prints it when it can again, unless `~JA` (cancel all) dropped it; `paper_left` makes the paper
run out after that many more labels.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

WAIT = 15.0  # generous: a condition that holds is met in milliseconds
END = b"^XZ"
HOST_STATUS = b"~HS"
CANCEL_ALL = b"~JA"


class FakeZebra:
    """A 9100 printer: `jobs` holds what it printed; flip `paper_out`, `head_open`, `paused`."""

    def __init__(self) -> None:
        self.jobs: list[bytes] = []
        self.buffer: list[bytes] = []  # received, not printed (a fault stops the printer)
        self.cancelled: list[bytes] = []  # dropped from the buffer by ~JA
        self.status_queries = 0
        self.paper_out = self.head_open = self.paused = False
        self.paper_left: int | None = None  # labels until the paper runs out; None: plenty
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

    def fix(self, **switches: bool) -> None:
        """Set the fault switches (paper_out=False: paper loaded ...); then print what the
        buffer holds, as a printer does once it can."""
        with self._lock:
            for name, value in switches.items():
                setattr(self, name, value)
            if switches.get("paper_out") is False:
                self.paper_left = None
            self._print_buffer()

    def host_status(self) -> bytes:
        """The three ~HS strings: <STX>fields<ETX><CR><LF> each; the flags from the switches,
        eee the formats in the buffer."""
        paper, pause, head = (int(flag) for flag in (self.paper_out, self.paused, self.head_open))
        formats = len(self.buffer)
        return (
            f"\x02030,{paper},{pause},1218,{formats:03d},0,0,0,000,0,0,0\x03\r\n"
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
                buffer = self._take(connection.sendall, buffer + chunk)
            if buffer.strip():  # a label cut off by a closed connection is kept, to be seen
                with self._lock:
                    self.jobs.append(buffer)

    def serve_serial(self, master: int) -> None:
        """Be the printer at the far end of a pseudo-terminal (`master`: its master side), as a
        Zebra on a serial cable, until stop_serial()."""
        self._serial_stop = threading.Event()
        self._spawn(self._serve_serial, master, self._serial_stop)

    def stop_serial(self) -> None:
        self._serial_stop.set()

    def _serve_serial(self, master: int, stop: threading.Event) -> None:
        buffer = b""
        while not stop.is_set():
            if not select.select([master], [], [], 0.02)[0]:
                continue
            try:
                buffer += os.read(master, 65536)
            except OSError:  # the pty was closed
                return
            buffer = self._take(lambda answer: os.write(master, answer), buffer)

    def _take(self, reply: Callable[[bytes], object], buffer: bytes) -> bytes:
        """Act on what came, in the order it came: tilde commands at once (Zebra Programming
        Guide, ZPL basics), each complete format into the buffer; returns the incomplete rest."""
        while True:
            tilde, end = _first_tilde(buffer), buffer.find(END)
            if tilde is not None and (end < 0 or tilde[0] < end):
                at, command = tilde
                buffer = buffer[:at] + buffer[at + len(command) :]
                self._act(reply, command)
            elif end >= 0:
                label, buffer = buffer[: end + len(END)], buffer[end + len(END) :]
                with self._lock:
                    self.buffer.append(label)
                    self._print_buffer()
            else:
                return buffer

    def _act(self, reply: Callable[[bytes], object], command: bytes) -> None:
        with self._lock:
            if command == CANCEL_ALL:
                self.cancelled += self.buffer
                self.buffer = []
                return
            self.status_queries += 1
            answer = self.host_status()
        if not self.silent:
            reply(answer)

    def _print_buffer(self) -> None:
        """Print from the buffer while the printer can (call with the lock held)."""
        while self.buffer and not (self.paper_out or self.head_open or self.paused):
            if self.paper_left == 0:
                self.paper_out = True
                return
            self.jobs.append(self.buffer.pop(0))
            if self.paper_left is not None:
                self.paper_left -= 1


def _first_tilde(buffer: bytes) -> tuple[int, bytes] | None:
    """The first ~HS or ~JA in the buffer and where it is."""
    found = [
        (at, command) for command in (HOST_STATUS, CANCEL_ALL) if (at := buffer.find(command)) >= 0
    ]
    return min(found) if found else None


def _recv(connection: socket.socket) -> bytes:
    try:
        return connection.recv(65536)
    except OSError:
        return b""
