"""Serial and USB-CDC scanners through pyserial.

Name the port by a stable path (/dev/serial/by-id/...): udev re-points it when the scanner is
replugged, so reopening the same path finds the scanner again.
"""

from __future__ import annotations

import serial

from edge.devices.scanner import Connection, ScannerConfig, ThreadedScanner, Unfixable
from kernel.serial_port import SettingsRefused, open_line, settings_problem

READ_TIMEOUT = 0.1  # seconds a read waits for the first byte; bounds how fast stop() is seen


class SerialScanner(ThreadedScanner):
    """Reads lines from a serial port; reopens it with back-off after an unplug."""

    def __init__(self, config: ScannerConfig) -> None:
        serial_config_check(config)
        super().__init__(config)

    def open(self) -> Connection:
        try:
            port = open_line(self.config, timeout=READ_TIMEOUT)
        except SettingsRefused as exc:
            raise Unfixable(str(exc)) from None
        return _Port(port)


def serial_config_check(config: ScannerConfig) -> None:
    """Raise ValueError naming the bad setting, before any port is opened."""
    problem = settings_problem(
        parity=config.parity, bytesize=config.bytesize, stopbits=config.stopbits
    )
    if problem:
        raise ValueError(f"scanner {config.name}: {problem}")
    if config.baud <= 0:
        raise ValueError(f"scanner {config.name}: baud must be positive")


class _Port:
    def __init__(self, port: serial.Serial) -> None:
        self.port = port

    def read(self) -> bytes:
        # Wait for one byte (up to the timeout), then take whatever else is already there.
        data = self.port.read(1)
        waiting = self.port.in_waiting if data else 0
        return data + self.port.read(waiting) if waiting else data

    def close(self) -> None:
        self.port.close()
