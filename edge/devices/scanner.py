"""What every scanner adapter shares: its configuration, the scans and states it reports.

An adapter turns a device's bytes into `ScanEvent`s and reports its health; it decides nothing
about what a scan means. The consumer (a station) gets each scan once, with an id the adapter
made, and uses that id again if it retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import re
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from edge.devices.framing import FramedLine, Framer, terminator_from, visible
from kernel.backoff import Backoff

log = logging.getLogger("edge.devices")

KINDS = ("serial", "tcp-client", "tcp-listen", "hid")


class DeviceState(enum.Enum):
    """A scanner's health as a station screen and /metrics show it (reported with a reason)."""

    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    ERROR = "error"  # needs a person: configuration, permissions, a missing module
    SILENT = "silent"  # a scale: the port is open but it has said nothing for a while


@dataclass(frozen=True)
class ScanEvent:
    """One complete line from a scanner, framing stripped, with the id that makes it idempotent."""

    device: str
    raw: str
    scan_id: str
    received_at: datetime


@dataclass(frozen=True)
class ScannerConfig:
    """One physical scanner: how to reach it and how its lines are framed."""

    name: str
    kind: str = "serial"
    path: str = ""  # serial port or input device, best a stable /dev/serial/by-id/... path
    host: str = ""
    port: int = 0
    baud: int = 9600
    parity: str = "N"
    bytesize: int = 8
    stopbits: float = 1
    terminator: str = "\r"  # or a name: cr, lf, crlf, tab, etx
    prefix: str = ""
    suffix: str = ""
    max_length: int = 256
    station: str = ""
    layout: str = "us"  # HID keymap
    backoff_initial: float = 0.2
    backoff_max: float = 5.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"scanner {self.name}: kind must be one of {', '.join(KINDS)}")
        if self.kind in ("serial", "hid") and not self.path:
            raise ValueError(f"scanner {self.name}: a {self.kind} scanner needs a path")
        if self.kind.startswith("tcp") and not (self.host and 0 <= self.port < 65536):
            raise ValueError(f"scanner {self.name}: a TCP scanner needs host and port")

    @property
    def where(self) -> str:
        """The path or host:port, for messages."""
        return self.path if self.kind in ("serial", "hid") else f"{self.host}:{self.port}"

    def framer(self) -> Framer:
        """A fresh framer for one connection of this scanner."""
        return Framer(
            terminator_from(self.terminator),
            prefix=self.prefix,
            suffix=self.suffix,
            max_length=self.max_length,
        )


Emit = Callable[[ScanEvent], Awaitable[None]]
OnState = Callable[[str, DeviceState, str], None]
OnReject = Callable[[str, FramedLine], None]


class ScannerAdapter(Protocol):
    """Runs until stop(): scans go to `emit`, health to `on_state`, refused lines to `on_reject`."""

    config: ScannerConfig

    async def run(
        self, emit: Emit, on_state: OnState, *, on_reject: OnReject | None = None
    ) -> None:
        """Read the device until stop() (or a fault retrying cannot fix); use once."""
        ...

    def stop(self) -> None:
        """Ask run() to finish; safe from any thread, and before run() starts."""
        ...


@dataclass(frozen=True)
class StateChange:
    state: DeviceState
    reason: str


class Unfixable(Exception):
    """A fault that retrying cannot cure (bad settings, a missing module): report error, stop."""


def scan_event(device: str, line: FramedLine) -> ScanEvent:
    """A good line as a scan, stamped now with a fresh id."""
    return ScanEvent(device, line.text, uuid.uuid4().hex, datetime.now(UTC))


def reason_of(exc: BaseException) -> str:
    """An OS or pyserial error as a short reason, without the '[Errno N]' noise."""
    text = re.sub(r"\[Errno -?\d+\] ", "", str(exc)).strip()
    return text or type(exc).__name__


async def deliver(
    name: str,
    item: ScanEvent | StateChange | FramedLine,
    *,
    emit: Emit,
    on_state: OnState,
    on_reject: OnReject | None,
) -> None:
    """Hand one item from a reader to the consumer; a consumer's failure never stops the reader."""
    try:
        if isinstance(item, ScanEvent):
            await emit(item)
        elif isinstance(item, StateChange):
            log.info("scanner %s: %s (%s)", name, item.state.value, item.reason)
            on_state(name, item.state, item.reason)
        else:
            log.warning("scanner %s: line refused (%s): %s", name, item.reason, visible(item.text))
            if on_reject is not None:
                on_reject(name, item)
    except Exception:
        log.exception("scanner %s: the consumer failed on %r", name, item)


class Connection(Protocol):
    def read(self) -> bytes:
        """Bytes that arrived within about 0.1 s (maybe none); raise OSError if the device went."""
        ...

    def close(self) -> None: ...


_DONE = object()


class ThreadedScanner:
    """A blocking reader in its own thread (pyserial, evdev, a socket) feeding the event loop.

    The thread opens the device, frames what it reads and posts scans and state changes to a
    queue that run() drains in order; after a fault it reopens with exponential back-off.
    """

    def __init__(self, config: ScannerConfig) -> None:
        self.config = config
        self._stopping = threading.Event()

    def open(self) -> Connection:
        """Open the device; raise OSError (retried) or Unfixable (reported as error)."""
        raise NotImplementedError

    def stop(self) -> None:
        self._stopping.set()

    async def run(
        self, emit: Emit, on_state: OnState, *, on_reject: OnReject | None = None
    ) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()

        def post(item: object) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone: nobody is listening any more
                self._stopping.set()

        name = self.config.name
        thread = threading.Thread(target=self._work, args=(post,), name=f"scanner-{name}")
        thread.daemon = True
        thread.start()
        try:
            while (item := await queue.get()) is not _DONE:
                await deliver(name, item, emit=emit, on_state=on_state, on_reject=on_reject)  # type: ignore[arg-type]
        finally:
            self._stopping.set()

    def _work(self, post: Callable[[object], None]) -> None:
        try:
            self._connect_loop(_Reporter(post))
        except Exception as exc:  # a bug here must show, not end the reader silently
            log.exception("scanner %s: reader failed", self.config.name)
            post(StateChange(DeviceState.ERROR, f"reader failed: {reason_of(exc)}"))
        finally:
            post(_DONE)

    def _connect_loop(self, report: _Reporter) -> None:
        backoff = Backoff(self.config.backoff_initial, self.config.backoff_max, jitter=False)
        report(DeviceState.CONNECTING, f"opening {self.config.where}")
        while not self._stopping.is_set():
            try:
                connection = self.open()
            except Unfixable as exc:
                report(DeviceState.ERROR, str(exc))
                return
            except OSError as exc:
                state = DeviceState.ERROR if isinstance(exc, PermissionError) else None
                report(state or DeviceState.DISCONNECTED, reason_of(exc))
                self._stopping.wait(backoff.next_delay())
                continue
            backoff.reset()
            report(DeviceState.CONNECTED, f"reading {self.config.where}")
            reason = self._pump(connection, report.post)
            with contextlib.suppress(OSError):
                connection.close()
            if reason:
                report(DeviceState.DISCONNECTED, reason)

    def _pump(self, connection: Connection, post: Callable[[object], None]) -> str:
        """Read and frame until the device fails (return why) or stop() (return '')."""
        framer = self.config.framer()
        while not self._stopping.is_set():
            try:
                data = connection.read()
            except OSError as exc:
                _post_cut(framer, "disconnected", post)
                return reason_of(exc)
            for line in framer.feed(data) if data else ():
                post(scan_event(self.config.name, line) if line.ok else line)
        _post_cut(framer, "stopped", post)
        return ""


def _post_cut(framer: Framer, reason: str, post: Callable[[object], None]) -> None:
    cut = framer.reset(reason)
    if cut is not None:
        post(cut)


class _Reporter:
    """Posts a state only when it changes, so a retry loop does not flood the screen."""

    def __init__(self, post: Callable[[object], None]) -> None:
        self.post = post
        self._last: DeviceState | None = None

    def __call__(self, state: DeviceState, reason: str) -> None:
        if state is not self._last:
            self._last = state
            self.post(StateChange(state, reason))
