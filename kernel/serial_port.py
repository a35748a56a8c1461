"""Opening a serial port (pyserial), the same for every device on one: scanners, scales and
printers; and checking the line settings before any port is opened."""

from __future__ import annotations

from typing import Protocol

import serial


class SettingsRefused(ValueError):
    """pyserial refused the line settings: no port would accept them, retrying cannot help."""


class Line(Protocol):
    """A device's serial line as its settings name it."""

    # read-only, so frozen settings and dataclasses fit
    @property
    def path(self) -> str: ...
    @property
    def baud(self) -> int: ...
    @property
    def parity(self) -> str: ...
    @property
    def bytesize(self) -> int: ...
    @property
    def stopbits(self) -> float: ...


def settings_problem(*, parity: str, bytesize: int, stopbits: float) -> str:
    """What is wrong with the line settings, or "" when pyserial can use them."""
    if parity not in serial.Serial.PARITIES:
        return f"parity must be one of {serial.Serial.PARITIES}"
    if bytesize not in serial.Serial.BYTESIZES:
        return "bytesize must be one of 5, 6, 7, 8"
    if stopbits not in serial.Serial.STOPBITS:
        return "stopbits must be 1, 1.5 or 2"
    return ""


def open_port(
    path: str,
    *,
    baud: int,
    timeout: float,
    write_timeout: float | None = None,
    parity: str = serial.PARITY_NONE,
    bytesize: int = serial.EIGHTBITS,
    stopbits: float = serial.STOPBITS_ONE,
) -> serial.Serial:
    """The port at `path`, open; reads wait at most `timeout` s, writes `write_timeout` s
    (None: until done). OSError / SerialException when the port is absent or busy (retry later),
    `SettingsRefused` when the settings are ones no port accepts."""
    try:
        return serial.Serial(
            path,
            baudrate=baud,
            parity=parity,
            bytesize=bytesize,
            stopbits=stopbits,
            timeout=timeout,
            write_timeout=write_timeout,
        )
    except ValueError as exc:  # pyserial's word for settings no port accepts
        raise SettingsRefused(f"serial settings refused: {exc}") from None


def open_line(line: Line, *, timeout: float, write_timeout: float | None = None) -> serial.Serial:
    """`open_port` with the path and line settings of a device's config (`Line`)."""
    return open_port(
        line.path,
        baud=line.baud,
        parity=line.parity,
        bytesize=line.bytesize,
        stopbits=line.stopbits,
        timeout=timeout,
        write_timeout=write_timeout,
    )
