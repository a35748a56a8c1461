"""Serial and USB-CDC scanners through pyserial.

Name the port by a stable path (/dev/serial/by-id/...): udev re-points it when the scanner is
replugged, so reopening the same path finds the scanner again.
"""

from __future__ import annotations

import serial

from edge.devices.scanner import Connection, ScannerConfig, ThreadedScanner, Unfixable

READ_TIMEOUT = 0.1  # seconds a read waits for the first byte; bounds how fast stop() is seen


class SerialScanner(ThreadedScanner):
    """Reads lines from a serial port; reopens it with back-off after an unplug."""

    def __init__(self, config: ScannerConfig) -> None:
        serial_config_check(config)
        super().__init__(config)

    def open(self) -> Connection:
        config = self.config
        try:
            port = serial.Serial(
                config.path,
                baudrate=config.baud,
                parity=config.parity,
                bytesize=config.bytesize,
                stopbits=config.stopbits,
                timeout=READ_TIMEOUT,
            )
        except ValueError as exc:  # pyserial's word for settings no port accepts
            raise Unfixable(f"serial settings refused: {exc}") from None
        return _Port(port)


def serial_config_check(config: ScannerConfig) -> None:
    """Raise ValueError naming the bad setting, before any port is opened."""
    if config.parity not in serial.Serial.PARITIES:
        raise ValueError(f"scanner {config.name}: parity must be one of {serial.Serial.PARITIES}")
    if config.bytesize not in serial.Serial.BYTESIZES:
        raise ValueError(f"scanner {config.name}: bytesize must be one of 5, 6, 7, 8")
    if config.stopbits not in serial.Serial.STOPBITS:
        raise ValueError(f"scanner {config.name}: stopbits must be 1, 1.5 or 2")
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
