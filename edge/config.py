"""The edge's settings: one TOML file, every key overridable by an environment variable.

Precedence, lowest first: the defaults, the TOML file, `WAREHOUSE_EDGE_<SECTION>_<KEY>` environment
variables, then `overrides` (the CLI's `--port`, `--data-dir`). `WAREHOUSE_EDGE_CONFIG` names the
file when no path is given. An empty value ("") means "not set" for the optional keys; relative
paths are taken from the working directory.

Stations, scanners and printers are lists of tables (`[[stations]]`, `[[scanners]]`,
`[[printers]]`, none by default), each given whole: by the file, or as a JSON array in
`WAREHOUSE_EDGE_STATIONS` / `WAREHOUSE_EDGE_SCANNERS` / `WAREHOUSE_EDGE_PRINTERS`, which replaces
the file's list (the keys of one item cannot be set one by one), or as a list in `overrides`.
Their keys are named by index: `scanners[1].station`.

Anything wrong fails at start-up with one `ConfigError` whose message is one line naming the key,
its environment variable, what was expected and what was found. Only the first problem is
reported, checking in this order: the file (readable, TOML, known sections and keys), the
environment (known names, booleans, JSON), the overrides' keys, then every value section by
section in the order of `edge.example.toml`, then the stations, the scanners and the printers
item by item (each item's keys, then its name, its station and its device against the items
before it).
Fix it and start again.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tomllib
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo

if TYPE_CHECKING:
    from edge.devices.scale import ScaleConfig
    from edge.devices.scanner import ScannerConfig

ENV_PREFIX = "WAREHOUSE_EDGE_"
CONFIG_ENV = "WAREHOUSE_EDGE_CONFIG"

_TRUE_WORDS = frozenset({"true", "1", "yes"})
_FALSE_WORDS = frozenset({"false", "0", "no"})
_ZONE_EXPECTED = "an IANA time zone such as Asia/Shanghai"
_URL_EXPECTED = "an http:// or https:// URL such as https://central.example.com, or empty"


class ConfigError(Exception):
    """A setting the edge cannot start with, told in one line a person can act on."""

    def __init__(
        self,
        key: str | None,
        *,
        expected: str,
        got: str,
        source: str | None = None,
        line: int | None = None,
        env_var: str | None = None,
    ) -> None:
        self.key = key  # None when the file itself is at fault
        self.env_var = env_var or (env_var_name(key) if key else None)
        self.expected = expected
        self.got = got
        self.source = source
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        if self.key is None:  # the file itself: missing, unreadable or not TOML
            where = f"config file {self.source}" + (f", line {self.line}" if self.line else "")
            return f"{where}: expected {self.expected}, got {self.got}"
        origin = f" (from {self.source})" if self.source else ""
        return (
            f"config key {self.key} (env {self.env_var}): "
            f"expected {self.expected}, got {self.got}{origin}"
        )


def env_var_name(key: str) -> str:
    """The environment variable for a dotted key: server.port -> WAREHOUSE_EDGE_SERVER_PORT."""
    return ENV_PREFIX + key.replace(".", "_").upper()


def _key(default: Any, description: str, *, expected: str | None = None, **constraints: Any) -> Any:
    # `expected` is the person-facing wording when the type and bounds alone cannot say it.
    extra = {"expected": expected} if expected else None
    return Field(
        default,
        description=description,
        json_schema_extra=extra,
        validate_default=True,
        **constraints,
    )


def _blank_to_none(value: object) -> object:
    return None if value == "" else value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


# TOML has no null, so "" is how the file (and the environment) leaves an optional key unset.
OptionalPath = Annotated[Path | None, BeforeValidator(_blank_to_none)]
OptionalText = Annotated[str | None, BeforeValidator(_blank_to_none)]

_SECTION = ConfigDict(frozen=True, extra="forbid")


class EdgeSettings(BaseModel):
    """[edge]: who this edge is, and how it shows times and text."""

    model_config = _SECTION

    id: str = _key(
        "edge-1",
        "Short name of this edge in sync and logs.",
        pattern=r"^[a-z0-9][a-z0-9-]{0,39}$",
        expected="1 to 40 lower-case letters, digits or hyphens, not starting with a hyphen",
    )
    name: str = _key("Warehouse edge", "Display name on terminals and reports.")
    timezone: str = _key(
        "UTC",
        "IANA time zone for display and shift reports; stored times are always UTC.",
        expected=_ZONE_EXPECTED,
    )
    data_dir: Path = _key("./data", "Directory for the database and other local files.")
    language: Literal["en", "zh"] = _key("en", "Default language of terminals and messages.")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(_ZONE_EXPECTED) from None
        return value

    @property
    def zone(self) -> ZoneInfo:
        """The display time zone."""
        return ZoneInfo(self.timezone)


class ServerSettings(BaseModel):
    """[server]: where the HTTP API and the web terminal listen."""

    model_config = _SECTION

    host: str = _key("127.0.0.1", "Address to listen on; 0.0.0.0 serves terminals on the network.")
    port: int = _key(8080, "TCP port to listen on; 0 picks a free port.", ge=0, le=65535)
    tls_cert: OptionalPath = _key(None, "PEM certificate for HTTPS; empty serves plain HTTP.")
    tls_key: OptionalPath = _key(None, "PEM private key for tls_cert; set both or neither.")
    public_url: OptionalText = _key(
        None, "URL terminals use to reach this server, if not host:port."
    )

    @field_validator("tls_cert", "tls_key")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("an existing file")
        return value

    @field_validator("tls_key")
    @classmethod
    def _paired_with_cert(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if "tls_cert" not in info.data:  # tls_cert itself failed; that error comes first
            return value
        cert = info.data["tls_cert"]
        if cert is not None and value is None:
            raise ValueError("the private key file for server.tls_cert")
        if cert is None and value is not None:
            raise ValueError("nothing unless server.tls_cert is set too")
        return value


class StoreSettings(BaseModel):
    """[store]: the SQLite database."""

    model_config = _SECTION

    path: OptionalPath = _key(None, "SQLite database file; empty means <data_dir>/edge.db.")
    busy_timeout_ms: int = _key(5000, "Milliseconds a write waits for the database lock.", ge=0)
    group_commit_max: int = _key(
        256, "Most scans committed together in one transaction under load.", ge=1, le=10000
    )
    backup_dir: OptionalPath = _key(None, "Directory for backups; empty means <data_dir>/backups.")


class StockSettings(BaseModel):
    """[stock]: how stock figures are computed and flagged."""

    model_config = _SECTION

    available_includes_returns_in_transit: bool = _key(
        True, "Count announced returns (returns_in_transit) as available to sell."
    )
    low_stock_threshold: int = _key(
        0, "Flag an item when its available stock falls to this or below; 0 = never.", ge=0
    )


class PickingSettings(BaseModel):
    """[picking]: how pick lists are built and what a picker may skip."""

    model_config = _SECTION

    batch_size: int = _key(
        3, "Orders per pick list when the edge builds the next one.", ge=1, le=24
    )
    allow_unscanned_completion: bool = _key(
        False, "Let a picker complete a line without scanning every unit (CMD:CONFIRM)."
    )
    quantity_prompt: bool = _key(
        False, "Let a picker scan an item once and type how many units it stands for."
    )


class AuthSettings(BaseModel):
    """[auth]: operator sessions and PINs."""

    model_config = _SECTION

    session_hours: int = _key(12, "Hours before an operator must log in again.", ge=1, le=24 * 7)
    max_pin_attempts: int = _key(5, "Wrong PINs in a row before a lockout.", ge=1, le=20)
    lockout_minutes: int = _key(15, "Minutes an operator stays locked out.", ge=1, le=1440)
    pin_min_length: int = _key(4, "Fewest digits a PIN may have.", ge=4, le=12)
    pin_hash_cost: int = _key(
        14, "scrypt cost of PIN hashes as a power of two: N = 2**pin_hash_cost.", ge=10, le=20
    )


class ScansSettings(BaseModel):
    """[scans]: what the scanners send and how long raw scans are kept."""

    model_config = _SECTION

    retention_days: int = _key(30, "Days raw scan records are kept.", ge=1, le=3650)
    prefix: str = _key("", "Text the scanners send before each barcode; stripped.")
    suffix: str = _key("", "Text the scanners send after each barcode; stripped.")
    gs_substitute: str = _key("<GS>", "Text the scanners send for the GS1 separator (ASCII 29).")
    command_prefix: str = _key("CMD:", "Barcodes starting with this are terminal commands.")


class CentralSettings(BaseModel):
    """[central]: the central order store this edge syncs with."""

    model_config = _SECTION

    url: OptionalText = _key(
        None, "Central store URL; empty runs this edge standalone.", expected=_URL_EXPECTED
    )
    token: OptionalText = _key(None, "Token this edge presents to central.", repr=False)
    edge_token_file: OptionalPath = _key(None, "File holding the token, instead of token.")
    sync_interval_s: float = _key(2.0, "Seconds between sync rounds with central.", gt=0)
    offline_alert_s: int = _key(
        900, "Seconds central may be unreachable before the sync status raises an alert.", ge=1
    )
    batch_size: int = _key(500, "Most outbox events sent to central in one batch.", ge=1, le=500)
    long_poll_s: int = _key(25, "Seconds central may hold a change-feed request open.", ge=0, le=60)

    @field_validator("edge_token_file")
    @classmethod
    def _token_when_synced(cls, value: Path | None, info: ValidationInfo) -> Path | None:
        if info.data.get("url") and not info.data.get("token") and value is None:
            raise ValueError(
                "the file holding this edge's token (or central.token) when central.url is set"
            )
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(_URL_EXPECTED)
        return value


# A key named `json` shadows the deprecated BaseModel.json(); the field wins, which is what we want.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "json"')

    class LoggingSettings(BaseModel):
        """[logging]: how much to log and in which form."""

        model_config = _SECTION

        level: Annotated[Literal["DEBUG", "INFO", "WARNING", "ERROR"], BeforeValidator(_upper)] = (
            _key("INFO", "Least severe level written, in any case.")
        )
        json: bool = _key(False, "Write logs as JSON lines instead of text.")


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
        from edge.devices.scanner import ScannerConfig

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


class PackingSettings(BaseModel):
    """[packing]: the pack benches' rules: when an order ships and how exact the weight must be."""

    model_config = _SECTION

    ship_on_pack: bool = _key(
        False, "Ship an order when its last parcel closes, with no dispatch scan at the dock."
    )
    weight_tolerance_g: int = _key(
        30, "Grams a weighed parcel may differ from its expected weight.", ge=0, le=100_000
    )
    weight_tolerance_pct: float = _key(
        5.0, "Or this percentage of the expected weight, whichever is larger.", ge=0, le=100
    )
    scale_max_age_s: float = _key(
        10.0, "Seconds a steady scale reading stays good for closing a parcel.", gt=0, le=3600
    )


_S10_LETTERS = "two capital letters, such as EE (service) or CN (country)"


class CarrierSettings(BaseModel):
    """[carrier]: the built-in offline carrier (S10 tracking numbers from this edge's own range)
    and the sender printed on every waybill."""

    model_config = _SECTION

    name: str = _key("Edge Post", "Carrier name on waybills and in events.", min_length=1)
    service: str = _key("Standard", "Service on waybills when the order names none.")
    s10_service: str = _key(
        "EE", "S10 service indicator of the tracking numbers.", pattern=r"^[A-Z]{2}$",
        expected=_S10_LETTERS,
    )  # fmt: skip
    s10_country: str = _key(
        "CN", "S10 country code of the tracking numbers.", pattern=r"^[A-Z]{2}$",
        expected=_S10_LETTERS,
    )  # fmt: skip
    range_first: int = _key(
        1, "First serial of this edge's number range (no two edges may overlap).",
        ge=0, le=99_999_999,
    )  # fmt: skip
    range_last: int = _key(
        99_999_999, "Last serial of this edge's number range.", ge=0, le=99_999_999
    )
    sender_name: str = _key("Warehouse", "Sender on waybills: name.")
    sender_phone: str = _key("", "Sender on waybills: phone.")
    sender_address: str = _key("", "Sender on waybills: street address.")
    sender_city: str = _key("", "Sender on waybills: city.")
    sender_province: str = _key("", "Sender on waybills: province or state.")
    sender_postcode: str = _key("", "Sender on waybills: postcode.")
    sender_country: str = _key("CN", "Sender on waybills: country code.")

    @field_validator("range_last")
    @classmethod
    def _range_order(cls, value: int, info: ValidationInfo) -> int:
        first = info.data.get("range_first")
        if first is not None and value < first:
            raise ValueError(f"a serial at or above range_first ({first})")
        return value


class PackageSettings(BaseModel):
    """[[packages]]: a box or mailer the benches pack into, with its empty weight."""

    model_config = _SECTION

    code: str = _key(
        ..., "Package code on the pack screen and in events.", pattern=r"^[A-Z0-9][A-Z0-9_-]{0,15}$",
        expected="1 to 16 capital letters, digits, hyphens or underscores",
    )  # fmt: skip
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
        ..., "Scale name in logs and on the station screen.",
        pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$", expected=_SCANNER_NAME_EXPECTED,
    )  # fmt: skip
    station: str = _key(..., "The station it weighs for.", expected="the name of a station")
    path: str = _key(..., "The serial port, best a /dev/serial/by-id/... path.", min_length=1)
    baud: Baud = _key(9600, "Line speed.", expected=_BAUD_EXPECTED)
    protocol: Literal["continuous", "request"] = _key(
        "continuous", "continuous: the scale streams readings; request: it answers a command."
    )
    request_command: str = _key(
        "W\r", 'request: what to send for a reading, as a TOML string, e.g. "SI\\r\\n".'
    )

    def adapter_config(self) -> ScaleConfig:
        """The scale reader's configuration (edge.devices.scale.ScaleConfig)."""
        from edge.devices.scale import ScaleConfig

        return ScaleConfig(**self.model_dump())


class Settings(BaseModel):
    """All settings of one edge: one frozen model per TOML section, then the device lists."""

    model_config = _SECTION

    edge: EdgeSettings = Field(default_factory=EdgeSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    stock: StockSettings = Field(default_factory=StockSettings)
    picking: PickingSettings = Field(default_factory=PickingSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    scans: ScansSettings = Field(default_factory=ScansSettings)
    central: CentralSettings = Field(default_factory=CentralSettings)
    packing: PackingSettings = Field(default_factory=PackingSettings)
    carrier: CarrierSettings = Field(default_factory=CarrierSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    stations: tuple[StationSettings, ...] = Field(
        (), description="[[stations]]: benches, returns desks, docks; the whole list as JSON."
    )
    scanners: tuple[ScannerSettings, ...] = Field(
        (),
        description="[[scanners]]: fixed scanners, each bound to a station; the whole list as JSON.",
    )
    printers: tuple[PrinterSettings, ...] = Field(
        (),
        description="[[printers]]: label printers, each bound to a station; the whole list as JSON.",
    )
    scales: tuple[ScaleSettings, ...] = Field(
        (), description="[[scales]]: bench scales, each bound to a station; the whole list as JSON."
    )
    packages: tuple[PackageSettings, ...] = Field(
        (),
        description="[[packages]]: the boxes and bags benches pack into (empty: a bag and "
        "boxes S, M, L); the whole list as JSON.",
    )

    @property
    def pack_packages(self) -> tuple[PackageSettings, ...]:
        """The packages the benches offer: [[packages]], or the built-in bag and boxes."""
        return self.packages or DEFAULT_PACKAGES

    @property
    def db_path(self) -> Path:
        """The SQLite file: store.path, or edge.db in the data directory."""
        return self.store.path or self.edge.data_dir / "edge.db"

    @property
    def backup_path(self) -> Path:
        """Where backups go: store.backup_dir, or backups/ in the data directory."""
        return self.store.backup_dir or self.edge.data_dir / "backups"


# Lists of tables ([[stations]]), each replaced as a whole: by the file, by JSON in the environment.
LISTS: dict[str, type[BaseModel]] = {
    "stations": StationSettings,
    "scanners": ScannerSettings,
    "printers": PrinterSettings,
    "scales": ScaleSettings,
    "packages": PackageSettings,
}
SECTIONS: dict[str, type[BaseModel]] = {
    name: field.annotation for name, field in Settings.model_fields.items() if name not in LISTS
}
_SECTIONS_EXPECTED = f"one of the sections ({', '.join(SECTIONS)})"


class _Given(NamedTuple):
    value: object
    source: str


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Defaults, then the TOML file, then `env` (os.environ), then `overrides` ({"server.port": 0}).

    A None value in `overrides` means "option not given" and is skipped; a list ("scanners")
    is given whole, as dicts or models. Raises ConfigError.
    """
    env = os.environ if env is None else env
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    given: dict[str, dict[str, _Given]] = {section: {} for section in SECTIONS}
    lists: dict[str, _Given] = {}
    if path is not None:
        _merge_file(given, lists, Path(path))
    _merge_env(given, lists, env)
    for key, value in (overrides or {}).items():
        if value is not None and key in LISTS:
            lists[key] = _Given(value, "override")
        elif value is not None:
            section, name = _split_known(key, "override")
            given[section][name] = _Given(value, "override")
    sections = {section: _validate(section, keys) for section, keys in given.items()}
    return Settings(**sections, **_validate_lists(lists))


def describe_keys() -> list[tuple[str, str, str, str]]:
    """Every key as (key, environment variable, default as written in TOML, description);
    each list ("scanners") as one entry, since its items' keys are not set one by one."""
    keys = [
        (
            f"{section}.{name}",
            env_var_name(f"{section}.{name}"),
            _toml(field.default),
            field.description or "",
        )
        for section, model in SECTIONS.items()
        for name, field in model.model_fields.items()
    ]
    lists = Settings.model_fields
    return keys + [
        (name, env_var_name(name), "[]", lists[name].description or "") for name in LISTS
    ]


def parse_env_value(text: str, annotation: Any) -> object:
    """Environment text for a field of type `annotation`: booleans from true/false/1/0/yes/no,
    lists from comma-separated items, "" as None when optional; the model converts the rest."""
    if _without_none(annotation) is not annotation:
        if not text.strip():
            return None
        annotation = _without_none(annotation)
    if annotation is bool:
        word = text.strip().lower()
        if word in _TRUE_WORDS or word in _FALSE_WORDS:
            return word in _TRUE_WORDS
        raise ValueError("true or false")
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return [item.strip() for item in text.split(",") if item.strip()]
    return text


def _merge_file(given: dict[str, dict[str, _Given]], lists: dict[str, _Given], path: Path) -> None:
    source = str(path)
    for section, table in _read_toml(path).items():
        if section in LISTS:
            lists[section] = _Given(table, source)
            continue
        if section not in SECTIONS and _is_list_of_tables(table):
            expected = f"one of the lists ({', '.join(f'[[{name}]]' for name in LISTS)})"
            got = "an unknown list of tables"
            raise ConfigError(section, expected=expected, got=got, source=source)
        if section not in SECTIONS:
            got = "an unknown section" if isinstance(table, dict) else "a key outside any section"
            raise ConfigError(section, expected=_SECTIONS_EXPECTED, got=got, source=source)
        if not isinstance(table, dict):
            raise ConfigError(
                section, expected=f"a [{section}] table", got=_show(table), source=source
            )
        for name, value in table.items():
            given[section][_known(section, name, source=source)] = _Given(value, source)


def _read_toml(path: Path) -> dict[str, Any]:
    def refuse(expected: str, got: str, line: int | None = None) -> ConfigError:
        return ConfigError(None, expected=expected, got=got, source=str(path), line=line)

    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise refuse("a readable TOML file", (exc.strerror or str(exc)).lower()) from None
    except UnicodeDecodeError:
        raise refuse("a TOML file in UTF-8", "bytes that are not UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib (3.11) puts the position only in the message: "... (at line 3, column 7)".
        reason, _, where = str(exc).rpartition(" (at ")
        found = re.fullmatch(r"line (\d+), column (\d+)\)", where)
        if found:
            line, at = int(found[1]), f"column {found[2]}"
        else:
            line, at = max(len(text.splitlines()), 1), "the end of the file"
        raise refuse("valid TOML", f"a syntax error at {at}: {reason or exc}", line) from None


def _merge_env(
    given: dict[str, dict[str, _Given]], lists: dict[str, _Given], env: Mapping[str, str]
) -> None:
    for var, text in sorted(env.items()):
        if var.startswith(ENV_PREFIX) and var != CONFIG_ENV:
            rest = var[len(ENV_PREFIX) :].lower()
            if rest.partition("_")[0] in LISTS:
                lists[rest] = _Given(_env_list(var, rest, text), "environment")
                continue
            # Keys contain underscores too, so the section is found by its known name.
            section = next((s for s in SECTIONS if rest.startswith(f"{s}_")), None)
            if section is None:
                raise ConfigError(
                    rest,
                    env_var=var,
                    expected=_SECTIONS_EXPECTED,
                    got="an unknown section",
                    source="environment",
                )
            name = _known(section, rest[len(section) + 1 :], source="environment")
            annotation = SECTIONS[section].model_fields[name].annotation
            try:
                value = parse_env_value(text, annotation)
            except ValueError as exc:
                key = f"{section}.{name}"
                raise ConfigError(
                    key, expected=str(exc), got=_show(text), source="environment"
                ) from None
            given[section][name] = _Given(value, "environment")


def _split_known(key: str, source: str) -> tuple[str, str]:
    section, _, name = key.partition(".")
    if section not in SECTIONS:
        raise ConfigError(key, expected=_SECTIONS_EXPECTED, got="an unknown section", source=source)
    return section, _known(section, name, source=source)


def _known(section: str, name: str, *, source: str) -> str:
    fields = SECTIONS[section].model_fields
    if name not in fields:
        expected = f"one of the [{section}] keys ({', '.join(fields)})"
        key = f"{section}.{name}" if name else section
        raise ConfigError(key, expected=expected, got="an unknown key", source=source)
    return name


class _Refused(Exception):
    """The first bad key of a table and what it expects; the caller says where it came from."""

    def __init__(self, name: str, expected: str) -> None:
        super().__init__(name, expected)
        self.name, self.expected = name, expected


def _model(model: type[BaseModel], values: Mapping[str, object]) -> BaseModel:
    """`values` (known keys only) as `model`, or _Refused naming the first bad key."""
    for name, value in values.items():  # pydantic's lax mode would quietly read `true` as 1
        field = model.model_fields[name]
        if isinstance(value, bool) and _without_none(field.annotation) is not bool:
            raise _Refused(name, _expected(field))
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        if error["type"] == "value_error":  # our validators phrase `expected` themselves
            raise _Refused(name, str(error["ctx"]["error"])) from None
        raise _Refused(name, _expected(model.model_fields[name])) from None


def _validate(section: str, keys: dict[str, _Given]) -> BaseModel:
    try:
        return _model(SECTIONS[section], {name: given.value for name, given in keys.items()})
    except _Refused as refused:
        raise _refusal(section, refused.name, keys, refused.expected) from None


def _refusal(section: str, name: str, keys: dict[str, _Given], expected: str) -> ConfigError:
    given = keys.get(name)  # absent when a default is refused, e.g. tls_key once tls_cert is set
    return ConfigError(
        f"{section}.{name}",
        expected=expected,
        got=_show(given.value) if given else "nothing",
        source=given.source if given else None,
    )


def _is_list_of_tables(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(i, dict) for i in value)


def _env_list(var: str, name: str, text: str) -> object:
    """A whole list from its environment variable, as JSON; "" is the empty list."""
    if name not in LISTS:  # WAREHOUSE_EDGE_SCANNERS_0_PATH: no way to say which item
        whole = env_var_name(name.partition("_")[0])
        expected = f"the whole list as JSON in {whole} (keys of list items are not set one by one)"
        raise ConfigError(
            name, env_var=var, expected=expected, got="a key of a list item", source="environment"
        )
    if not text.strip():
        return []
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            name,
            env_var=var,
            expected=f"a JSON array of [[{name}]] tables",
            got=f"invalid JSON: {exc}",
            source="environment",
        ) from None


def _validate_lists(lists: dict[str, _Given]) -> dict[str, tuple[BaseModel, ...]]:
    """Each list item by item, in order: its keys, then its name and references against the
    items before it (stations come first, since scanners and printers name their station)."""
    done: dict[str, tuple[Any, ...]] = {}
    for name in LISTS:
        given = lists.get(name, _Given([], "default"))
        items: list[Any] = []
        for index, table in enumerate(_tables(name, given)):
            item = _list_item(name, index, table, given.source)
            clash = _clash(name, item, items, done)
            if clash is not None:
                key, expected = clash
                got = _show(getattr(item, key))
                raise _item_refusal(name, index, key, expected, got, source=given.source)
            items.append(item)
        done[name] = tuple(items)
    return done


def _tables(name: str, given: _Given) -> list[dict[str, object]]:
    """The items of a list as dicts (an override may give models), or a refusal of its shape."""
    if not isinstance(given.value, list | tuple):
        got = f"a single [{name}] table" if isinstance(given.value, dict) else _show(given.value)
        expected = f"a list of [[{name}]] tables"
        raise ConfigError(name, expected=expected, got=got, source=given.source)
    tables = []
    for index, item in enumerate(given.value):
        table = item.model_dump() if isinstance(item, BaseModel) else item
        if not isinstance(table, dict):
            expected = f"a [[{name}]] table"
            raise _item_refusal(name, index, "", expected, _show(table), source=given.source)
        tables.append(table)
    return tables


def _list_item(name: str, index: int, table: dict[str, object], source: str) -> Any:
    model = LISTS[name]
    for key in table:
        if key not in model.model_fields:
            expected = f"one of the [[{name}]] keys ({', '.join(model.model_fields)})"
            raise _item_refusal(name, index, key, expected, "an unknown key", source=source)
    try:
        return _model(model, table)
    except _Refused as refused:
        got = _show(table[refused.name]) if refused.name in table else "nothing"
        raise _item_refusal(
            name, index, refused.name, refused.expected, got, source=source
        ) from None


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


def _item_refusal(
    name: str, index: int, key: str, expected: str, got: str, *, source: str
) -> ConfigError:
    where = f"{name}[{index}]" + (f".{key}" if key else "")
    return ConfigError(where, env_var=env_var_name(name), expected=expected, got=got, source=source)


def _expected(field: FieldInfo) -> str:
    """What a person should write, from the field's type and bounds (pydantic's text is not it)."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and "expected" in extra:
        return str(extra["expected"])
    kind = _without_none(field.annotation)
    bounds = {
        name: getattr(rule, name)
        for rule in field.metadata
        for name in ("ge", "le", "gt")
        if hasattr(rule, name)
    }
    if kind is bool:
        return "true or false"
    if get_origin(kind) is Literal:
        return "one of: " + ", ".join(str(choice) for choice in get_args(kind))
    if kind is int and {"ge", "le"} <= bounds.keys():
        return f"an integer from {bounds['ge']} to {bounds['le']}"
    if kind is int:
        return f"an integer of {bounds['ge']} or more" if "ge" in bounds else "an integer"
    if kind is float:
        return f"a number greater than {bounds['gt']}" if "gt" in bounds else "a number"
    if kind is Path:
        return "a path"
    return "a quoted string"


def _without_none(annotation: Any) -> Any:
    """`X` for an optional `X | None`; any other annotation unchanged."""
    args = get_args(annotation)
    if type(None) not in args:
        return annotation
    return next(arg for arg in args if arg is not type(None))


def _show(value: object) -> str:
    if value is None:  # only JSON has it
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(str(value) if isinstance(value, Path) else value)


def _toml(value: object) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string for plain text
    return repr(value)
