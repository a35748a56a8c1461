"""A virtual serial scanner for the demo and for trying a station without hardware.

Two pseudo-terminals bridged back to back, as `socat pty pty` would: whatever is written to the
*user* end (`printf '0123\\r' > /dev/pts/N`) comes out of the *device* end, which the edge opens
with the ordinary serial adapter — so the demo exercises the same code as a USB scanner.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty


class VirtualSerialPort:
    """The user end's path to write scans to, the device end's path for the serial adapter."""

    def __init__(self) -> None:
        self._user_master, self._user_slave = os.openpty()
        self._dev_master, self._dev_slave = os.openpty()
        for fd in (self._user_slave, self._dev_slave):
            tty.setraw(fd)  # bytes pass as they are: no CR→LF translation, no echo
        self.user_path = os.ttyname(self._user_slave)
        self.device_path = os.ttyname(self._dev_slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._bridge, name="virtual-scanner", daemon=True)
        self._thread.start()

    def _bridge(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._user_master], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(self._user_master, 4096)
            except OSError:
                continue  # nobody has the user end open right now; EIO until someone does
            if data:
                os.write(self._dev_master, data)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        for fd in (self._user_master, self._user_slave, self._dev_master, self._dev_slave):
            with contextlib.suppress(OSError):
                os.close(fd)
