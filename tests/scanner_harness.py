"""What the scanner tests share: a recorder standing in for a station, and a pty as a serial port."""

from __future__ import annotations

import asyncio
import fcntl
import os
import struct
import termios
from collections.abc import Callable
from pathlib import Path

from edge.devices.framing import FramedLine
from edge.devices.scanner import DeviceState, ScanEvent, ScannerAdapter

WAIT = 15.0  # generous: a condition that holds is met in milliseconds


class Recorder:
    """Collects what an adapter reports, as a station would, and waits for conditions."""

    def __init__(self) -> None:
        self.scans: list[ScanEvent] = []
        self.states: list[DeviceState] = []
        self.reasons: list[str] = []
        self.refused: list[FramedLine] = []

    @property
    def raws(self) -> list[str]:
        return [scan.raw for scan in self.scans]

    @property
    def state(self) -> DeviceState | None:
        return self.states[-1] if self.states else None

    async def emit(self, event: ScanEvent) -> None:
        self.scans.append(event)

    def on_state(self, _name: str, state: DeviceState, reason: str) -> None:
        self.states.append(state)
        self.reasons.append(reason)

    def on_reject(self, _name: str, line: FramedLine) -> None:
        self.refused.append(line)

    def start(self, adapter: ScannerAdapter) -> asyncio.Task[None]:
        return asyncio.create_task(adapter.run(self.emit, self.on_state, on_reject=self.on_reject))

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait until `condition()` holds; fail naming `what` and what was seen otherwise."""
        deadline = asyncio.get_running_loop().time() + WAIT
        while not condition():
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"gave up waiting for {what}; saw {self!r}")
            await asyncio.sleep(0.01)

    async def until_state(self, state: DeviceState, count: int = 1) -> None:
        await self.until(lambda: self.states.count(state) >= count, f"{state.value} x{count}")

    def __repr__(self) -> str:
        states = [state.value for state in self.states]
        return f"Recorder(raws={self.raws}, states={states}, reasons={self.reasons}, refused={self.refused})"


async def stopped(adapter: ScannerAdapter, task: asyncio.Task[None]) -> None:
    """Stop the adapter and wait for run() to return."""
    adapter.stop()
    await asyncio.wait_for(task, WAIT)


class Pty:
    """A pseudo-terminal pair: the slave is a real serial port for pyserial, the master the scanner."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unread(self) -> int:
        """Bytes written but not yet read by the port's reader (FIONREAD on the slave end)."""
        raw = fcntl.ioctl(self.slave, termios.FIONREAD, b"\0\0\0\0")
        return struct.unpack("i", raw)[0]

    def unplug(self) -> None:
        """Close both ends: the reader gets a hangup, as when a USB serial device is pulled."""
        os.close(self.master)
        os.close(self.slave)


def point(link: Path, target: str) -> None:
    """Make `link` (a by-id style name) point at `target`, replacing it atomically."""
    temporary = link.with_name(link.name + ".new")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    os.replace(temporary, link)
