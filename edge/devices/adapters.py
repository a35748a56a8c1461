"""The adapter for each kind of configured scanner: serial, HID or TCP (client or listener).

It stands above the adapters, which share `edge.devices.scanner`, so that they never import
each other in a loop.
"""

from __future__ import annotations

from edge.devices.hid_scanner import HidScanner
from edge.devices.scanner import ScannerAdapter, ScannerConfig
from edge.devices.serial_scanner import SerialScanner
from edge.devices.tcp_scanner import TcpClientScanner, TcpListenScanner


def adapter_for(config: ScannerConfig) -> ScannerAdapter:
    """The adapter for a configured scanner."""
    if config.kind == "serial":
        return SerialScanner(config)
    if config.kind == "hid":
        return HidScanner(config)
    return TcpClientScanner(config) if config.kind == "tcp-client" else TcpListenScanner(config)
