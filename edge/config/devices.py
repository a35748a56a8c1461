"""The lists of tables: stations, the devices bound to them (scanners, printers, scales) and the
packages benches pack into; with what makes an item clash with the items before it."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ValidationInfo,
    field_validator,
)

from edge.config.keys import _SECTION, _key, _upper
from edge.devices.scale import ScaleConfig
from edge.devices.scanner import ScannerConfig

if TYPE_CHECKING:
    from edge.devices.scale import ScaleConfig
    from edge.devices.scanner import ScannerConfig

_STATION_NAME_EXPECTED = (
    "1 to 32 upper-case letters, digits, hyphens or underscores, starting with a letter or digit"
)
_SCANNER_NAME_EXPECTED = (
    "1 to 40 lower-case letters, digits, hyphens or underscores, starting with a letter or digit"
)
# The rates scanners offer, as termios names them (B1200 ... B921600).
STANDARD_BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)
_BAUD_EXPECTED = f"one of the standard rates {', '.join(map(str, STANDARD_BAUDS))}"


def _standard_baud(value: int) -> int:
    if value not in STANDARD_BAUDS:
        raise ValueError(_BAUD_EXPECTED)
    return value


Baud = Annotated[int, AfterValidator(_standard_baud)]  # a serial line speed termios knows
_PORT_EXPECTED = "a TCP port from 1 to 65535"
# Where each kind of scanner is found, and what each of its keys expects; the location keys of
# the other kinds stay unset ("" or 0).
_WHERE = {
    "serial": {"path": "the serial port of a serial scanner, best a /dev/serial/by-id/... path"},
    "hid": {"path": "the input device of a hid scanner, best a /dev/input/by-id/... path"},
    "tcp-client": {
        "host": "the host name or IP address of a tcp-client scanner",
        "port": _PORT_EXPECTED,
    },
    "tcp-listen": {
        "host": "an IP address of this machine to listen on, 0.0.0.0 (all) or 127.0.0.1",
        "port": _PORT_EXPECTED,
    },
}


class StationSettings(BaseModel):
    """[[stations]]: a place on the floor (bench, returns desk, dock) that devices are bound to."""

    model_config = _SECTION

    name: str = _key(
        ...,
        "Station name on its screen and in logs; scanners name it in `station`.",
        pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$",
        expected=_STATION_NAME_EXPECTED,
    )
    type: Literal["pack_bench", "returns_desk", "dock", "pick_station"] = _key(
        ..., "What the station is for."
    )
    location: str = _key("", "The edge location code of the station; empty for none.")


class ScannerSettings(BaseModel):
    """[[scanners]]: one fixed scanner, how to reach it, how it frames a scan, and its station."""

    model_config = _SECTION

    name: str = _key(
        ...,
        "Scanner name in logs, /metrics and on the station screen.",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
        expected=_SCANNER_NAME_EXPECTED,
    )
    kind: Literal["serial", "tcp-client", "tcp-listen", "hid"] = _key(
        ..., "How the scanner is reached."
    )
    station: str = _key(..., "The station its scans go to.", expected="the name of a station")
    path: str = _key("", "serial, hid: the device, best a stable /dev/.../by-id/... path.")
    host: str = _key("", "tcp-client: the scanner's address; tcp-listen: the address to bind.")
    port: int = _key(0, "tcp-client, tcp-listen: the TCP port.", expected=_PORT_EXPECTED)
    baud: Baud = _key(9600, "serial: line speed.", expected=_BAUD_EXPECTED)
    parity: Annotated[Literal["N", "E", "O", "M", "S"], BeforeValidator(_upper)] = _key(
        "N", "serial: parity none, even, odd, mark or space."
    )
    bytesize: int = _key(8, "serial: data bits.", ge=5, le=8)
    stopbits: float = _key(1, "serial: stop bits.", expected="1, 1.5 or 2")
    terminator: Literal["cr", "lf", "crlf", "tab", "etx"] = _key(
        "cr", "What the scanner sends after each scan."
    )
    prefix: str = _key("", "Text the scanner sends before each barcode; stripped.")
    suffix: str = _key("", "Text the scanner sends after each barcode; stripped.")
    max_length: int = _key(
        256, "Longest scan in characters; longer lines are refused.", ge=16, le=4096
    )
    layout: Literal["us", "de"] = _key("us", "hid: the keyboard layout the scanner types in.")

    @field_validator("stopbits")
    @classmethod
    def _standard_stopbits(cls, value: float) -> float:
        if value not in (1, 1.5, 2):
            raise ValueError("1, 1.5 or 2")
        return value

    @field_validator("path", "host", "port")
    @classmethod
    def _where_for_its_kind(cls, value: str | int, info: ValidationInfo) -> str | int:
        kind, key = info.data.get("kind"), info.field_name or ""
        if kind is None:  # kind itself was refused; that error comes first
            return value
        needed = _WHERE[kind].get(key)
        if needed is None and value:
            users = " and ".join(other for other, keys in _WHERE.items() if key in keys)
            raise ValueError(f"nothing for a {kind} scanner ({key} is for {users})")
        if needed is not None and not _fits(kind, key, value):
            raise ValueError(needed)
        return value

    def adapter_config(self) -> ScannerConfig:
        """The scanner adapter's configuration (edge.devices.scanner.ScannerConfig)."""
        return ScannerConfig(**self.model_dump())


def _fits(kind: str, key: str, value: str | int) -> bool:
    """A location key that `kind` needs, checked beyond its type."""
    if key == "port":
        return 1 <= int(value) <= 65535
    if kind == "tcp-listen" and key == "host":
        try:
            ipaddress.ip_address(str(value))
        except ValueError:
            return False
    return bool(value)


# Where each kind of printer is found, and what each of its keys expects; the location keys of
# the other kinds stay "" (port and baud are read only by the kinds that use them).
_PRINTER_WHERE = {
    "zpl-tcp": {"host": "the host name or IP address of a zpl-tcp printer"},
    "zpl-device": {
        "path": "the serial port or USB printer device of a zpl-device printer, such as "
        "/dev/usb/lp0 or a /dev/serial/by-id/... path"
    },
    "cups": {"queue": "the name of a CUPS queue as `lpstat -p` lists it (no spaces, / or #)"},
    "file": {"path": "the directory a file printer writes its labels to (not a file)"},
}
# What each kind is sent: ZPL printers take ZPL; CUPS queues and the file sink take PDF.
PRINTER_FORMATS = {"zpl-tcp": "zpl", "zpl-device": "zpl", "cups": "pdf", "file": "pdf"}
_MM_EXPECTED = "a length in millimetres from 10 to 1000"


class PrinterSettings(BaseModel):
    """[[printers]]: one label printer, how to reach it, its label size and density, its station."""

    model_config = _SECTION

    name: str = _key(
        ...,
        "Printer name in print jobs, logs, /metrics and on the station screen.",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
        expected=_SCANNER_NAME_EXPECTED,
    )
    kind: Literal["zpl-tcp", "zpl-device", "cups", "file"] = _key(
        ..., "How the printer is reached, and so what it is sent (ZPL or PDF)."
    )
    station: str = _key(..., "The station it prints for.", expected="the name of a station")
    host: str = _key("", "zpl-tcp: the printer's address.")
    port: int = _key(9100, "zpl-tcp: the raw printing port.", ge=1, le=65535)
    path: str = _key("", "zpl-device: the serial port or /dev/usb/lpN; file: the directory.")
    queue: str = _key("", "cups: the CUPS queue.")
    baud: Baud = _key(9600, "zpl-device on a serial port: line speed.", expected=_BAUD_EXPECTED)
    dpi: Literal[203, 300] = _key(203, "Print density in dots per inch.")
    label_width_mm: float = _key(
        101.6, "Label width in millimetres.", ge=10, le=1000, expected=_MM_EXPECTED
    )
    label_height_mm: float = _key(
        152.4, "Label height in millimetres.", ge=10, le=1000, expected=_MM_EXPECTED
    )

    @field_validator("host", "path", "queue")
    @classmethod
    def _where_for_its_kind(cls, value: str, info: ValidationInfo) -> str:
        kind, key = info.data.get("kind"), info.field_name or ""
        if kind is None:  # kind itself was refused; that error comes first
            return value
        needed = _PRINTER_WHERE[kind].get(key)
        if needed is None and value:
            users = " and ".join(other for other, keys in _PRINTER_WHERE.items() if key in keys)
            raise ValueError(f"nothing for a {kind} printer ({key} is for {users})")
        if needed is not None and not _printer_fits(kind, key, value):
            raise ValueError(needed)
        return value

    @property
    def format(self) -> Literal["zpl", "pdf"]:
        """What labels for this printer are rendered as."""
        return "zpl" if PRINTER_FORMATS[self.kind] == "zpl" else "pdf"


def _printer_fits(kind: str, key: str, value: str) -> bool:
    """A location key that `kind` needs, checked beyond its type."""
    if key == "queue":  # CUPS refuses these in a queue name
        return re.fullmatch(r"[^\s/\\#'\"]{1,127}", value) is not None
    if kind == "file":
        return bool(value) and not Path(value).is_file()
    return bool(value)


class PackageSettings(BaseModel):
    """[[packages]]: a box or mailer the benches pack into, with its empty weight."""

    model_config = _SECTION

    code: str = _key(
        ...,
        "Package code on the pack screen and in events.",
        pattern=r"^[A-Z0-9][A-Z0-9_-]{0,15}$",
        expected="1 to 16 capital letters, digits, hyphens or underscores",
    )
    name: str = _key(..., "What the packer sees.", min_length=1)
    tare_g: int = _key(..., "The empty package's weight in grams.", ge=0, le=100_000)


DEFAULT_PACKAGES = (
    PackageSettings(code="BAG", name="Mailer bag", tare_g=20),
    PackageSettings(code="S", name="Box S 20×15×10", tare_g=120),
    PackageSettings(code="M", name="Box M 30×20×15", tare_g=220),
    PackageSettings(code="L", name="Box L 40×30×25", tare_g=380),
)


class ScaleSettings(BaseModel):
    """[[scales]]: a serial bench scale and the station it weighs for."""

    model_config = _SECTION

    name: str = _key(
        ...,
        "Scale name in logs and on the station screen.",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
        expected=_SCANNER_NAME_EXPECTED,
    )
    station: str = _key(..., "The station it weighs for.", expected="the name of a station")
    path: str = _key(..., "The serial port, best a /dev/serial/by-id/... path.", min_length=1)
    baud: Baud = _key(9600, "Line speed.", expected=_BAUD_EXPECTED)
    protocol: Literal["continuous", "request"] = _key(
        "continuous", "continuous: the scale streams readings; request: it answers a command."
    )
    request_command: str = _key(
        "W\r", 'request: what to send for a reading, as a TOML string, e.g. "SI\\r\\n".'
    )
    silent_after_s: float = _key(
        3.0,
        "Seconds without a line from the scale before it is `silent` and offers no weight.",
        gt=0,
        le=3600,
    )

    def adapter_config(self) -> ScaleConfig:
        """The scale reader's configuration (edge.devices.scale.ScaleConfig)."""
        return ScaleConfig(**self.model_dump())


def _clash(
    name: str, item: Any, earlier: list[Any], done: dict[str, tuple[Any, ...]]
) -> tuple[str, str] | None:
    """(key, expected) when `item` clashes with the items before it or names no station."""
    if name == "stations":
        return _station_clash(item, earlier)
    if name == "scanners":
        return _scanner_clash(item, earlier, done["stations"])
    if name == "printers":
        return _printer_clash(item, earlier, done["stations"])
    key = "code" if name == "packages" else "name"
    index = _first(earlier, lambda other: getattr(other, key) == getattr(item, key))
    if index is not None:
        return key, f"a {key} not used by {name}[{index}]"
    if name == "scales":
        known = ", ".join(station.name for station in done["stations"]) or "none configured"
        if item.station not in {station.name for station in done["stations"]}:
            return "station", f"one of the stations ({known})"
        index = _first(earlier, lambda other: other.path == item.path)
        return None if index is None else ("path", f"a path not used by scales[{index}]")
    return None


def _station_clash(
    station: StationSettings, earlier: list[StationSettings]
) -> tuple[str, str] | None:
    """(key, expected) when the station's name is taken."""
    index = _first(earlier, lambda other: other.name == station.name)
    return None if index is None else ("name", f"a name not used by stations[{index}]")


def _scanner_clash(
    scanner: ScannerSettings, earlier: list[ScannerSettings], stations: tuple[Any, ...]
) -> tuple[str, str] | None:
    """(key, expected) when the scanner's name or device is taken, or its station unknown."""
    index = _first(earlier, lambda other: other.name == scanner.name)
    if index is not None:
        return "name", f"a name not used by scanners[{index}]"
    known = ", ".join(station.name for station in stations) or "none configured"
    if scanner.station not in {station.name for station in stations}:
        return "station", f"one of the stations ({known})"
    device = _device(scanner)
    index = _first(earlier, lambda other: device is not None and _device(other) == device)
    if device is not None and index is not None:
        return device[0], f"a {device[0]} not used by scanners[{index}]"
    return None


def _device(scanner: ScannerSettings) -> tuple[str, object] | None:
    """What no two scanners may share: a device file, or a listening port."""
    if scanner.path:
        return "path", scanner.path
    return ("port", scanner.port) if scanner.kind == "tcp-listen" else None


def _printer_clash(
    printer: PrinterSettings, earlier: list[PrinterSettings], stations: tuple[Any, ...]
) -> tuple[str, str] | None:
    """(key, expected) when the printer's name or device is taken, or its station unknown."""
    index = _first(earlier, lambda other: other.name == printer.name)
    if index is not None:
        return "name", f"a name not used by printers[{index}]"
    known = ", ".join(station.name for station in stations) or "none configured"
    if printer.station not in {station.name for station in stations}:
        return "station", f"one of the stations ({known})"
    # Two entries for one device would interleave their jobs; file sinks may share a directory.
    if printer.kind == "zpl-device":
        index = _first(earlier, lambda o: o.kind == "zpl-device" and o.path == printer.path)
        return None if index is None else ("path", f"a path not used by printers[{index}]")
    if printer.kind == "zpl-tcp":
        same = (printer.host, printer.port)
        index = _first(earlier, lambda o: o.kind == "zpl-tcp" and (o.host, o.port) == same)
        if index is not None:
            return "port", f"a port not used by printers[{index}] at {printer.host}"
    return None


def _first(items: list[Any], test: Callable[[Any], bool]) -> int | None:
    return next((index for index, item in enumerate(items) if test(item)), None)
