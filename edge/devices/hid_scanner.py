"""USB HID (keyboard-wedge) scanners on Linux through evdev.

The input device is grabbed, so the scanner's keystrokes reach only this reader and never a
console or a desktop session. evdev is optional and Linux-only: it is imported when a HID
scanner is opened, and its absence is reported as the scanner's error state.
"""

from __future__ import annotations

import importlib
import select
from types import ModuleType
from typing import Any

from edge.devices.keymap import KeyDecoder, layout_named
from edge.devices.scanner import Connection, ScannerConfig, ThreadedScanner, Unfixable

READ_TIMEOUT = 0.1
EVDEV_MISSING = "evdev not installed: `pip install evdev` (Linux only) to read HID scanners"


def import_evdev() -> ModuleType:
    """The evdev module, or Unfixable saying it is not installed."""
    try:
        # optional and Linux-only: loaded when a HID scanner starts
        return importlib.import_module("evdev")
    except ImportError:
        raise Unfixable(EVDEV_MISSING) from None


class HidScanner(ThreadedScanner):
    """Reads a keyboard-wedge scanner's key events, typed in the configured layout."""

    def __init__(self, config: ScannerConfig) -> None:
        layout_named(config.layout)  # a wrong layout fails at start-up, not at the first scan
        super().__init__(config)

    def open(self) -> Connection:
        evdev = import_evdev()
        device = evdev.InputDevice(self.config.path)
        try:
            device.grab()  # EBUSY if another program holds it: retried like an absent device
        except OSError:
            device.close()
            raise
        return _Keyboard(device, KeyDecoder(self.config.layout))


class _Keyboard:
    def __init__(self, device: Any, decoder: KeyDecoder) -> None:
        self.device = device
        self.decoder = decoder

    def read(self) -> bytes:
        ready, _, _ = select.select([self.device.fd], [], [], READ_TIMEOUT)
        if not ready:
            return b""
        try:
            events = list(self.device.read())
        except BlockingIOError:
            return b""
        text = "".join(self.decoder.feed_event(e.type, e.code, e.value) for e in events)
        return text.encode("latin-1")

    def close(self) -> None:
        try:
            self.device.ungrab()
        except OSError:
            pass  # already gone with the unplugged device
        finally:
            self.device.close()
