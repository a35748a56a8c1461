"""The settings sections ([edge], [server] … [carrier]): one frozen model each."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ValidationInfo,
    field_validator,
)

from edge.config.keys import (
    _SECTION,
    _URL_EXPECTED,
    _ZONE_EXPECTED,
    OptionalPath,
    OptionalText,
    _key,
    _upper,
    number_pairs,
)
from edge.domain.ledger import MAX_QUANTITY
from edge.domain.wave import CUTOFFS_EXPECTED, GROUP_EXPECTED, parse_cutoffs, parse_group_by

_ABC_EXPECTED = "class=days pairs for A, B and C such as A=7, B=30, C=90, or empty"
_CHANNEL_DAYS_EXPECTED = "channel=days pairs separated by commas such as jd=30, tmall=60, or empty"


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
        "IANA time zone for display, shift reports and the warehouse's date (a lot expiring"
        " today is expired from 00:00 here); stored times are always UTC.",
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
    max_body_bytes: int = _key(
        1024 * 1024,
        "Largest request body accepted, in bytes; a larger one is refused with 413.",
        ge=1024,
        le=1024**3,
    )
    request_timeout_s: float = _key(
        30.0,
        "Seconds a client has to send a request's headers, and again its whole body; a slower"
        " one is answered 408 and disconnected.",
        ge=0.1,
        le=3600,
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
    writer: Literal["thread", "process"] = _key(
        "process",
        "Where scans are written: process (a writer process of its own, so HTTP work and the"
        " writes use two cores) or thread (a thread of the server: for a box with one core, or"
        " one whose other core is busy with other work).",
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
    replenish_rule: Literal["fefo", "fullest", "nearest"] = _key(
        "fefo",
        "Which reserve bin refills a pick face: fefo (earliest expiry, then the emptiest bin),"
        " fullest, or nearest (lowest pick sequence).",
    )
    count_schedule_days: str = _key(
        "",
        'Cycle counts by schedule: days between counts of a bin per ABC class, e.g. "A=7, B=30,'
        ' C=90" (A: the busiest 20 % of bins by movements, B the next 30 %, C the rest); empty'
        " or a class left out: none.",
        expected=_ABC_EXPECTED,
    )
    count_abc_window_days: int = _key(
        90, "Days of movements that rank the bins into A, B and C.", ge=1, le=3650
    )
    count_approval_units: int = _key(
        10,
        "A count whose variance is more than this many units (all lines) waits for a second"
        " person's approval; 0 = never by units.",
        ge=0,
    )
    count_approval_value: int = _key(
        0,
        "A count whose variance is worth more than this (products' unit_value, e.g. cents) waits"
        " for a second person's approval; 0 = never by value.",
        ge=0,
    )
    max_quantity: int = _key(
        100_000,
        "Most units one command (an adjustment, an order line, an imported row) may move.",
        ge=1,
        le=MAX_QUANTITY,
    )
    channel_min_shelf_life_days: str = _key(
        "",
        'Minimum remaining shelf life (days) per sales channel, e.g. "jd=30, tmall=60"; a line'
        " takes the larger of its channel's and its product's (min_shelf_life_days).",
        expected=_CHANNEL_DAYS_EXPECTED,
    )
    expiring_soon_days: int = _key(
        30, "Lots with this many days or fewer left are listed as expiring soon.", ge=1, le=3650
    )

    @field_validator("count_schedule_days")
    @classmethod
    def _abc_days(cls, value: str) -> str:
        abc_days(value)  # refuses a malformed value at start-up, naming the key
        return value

    @property
    def count_every_days(self) -> dict[str, int]:
        return abc_days(self.count_schedule_days)

    @field_validator("channel_min_shelf_life_days")
    @classmethod
    def _channel_days(cls, value: str) -> str:
        channel_days(value)  # refuses a malformed value at start-up, naming the key
        return value

    @property
    def channel_min_days(self) -> dict[str, int]:
        return channel_days(self.channel_min_shelf_life_days)


def abc_days(text: str) -> dict[str, int]:
    """'A=7, B=30' → {'A': 7, 'B': 30}; raises ValueError naming what is expected."""
    days = number_pairs(text, _ABC_EXPECTED, low=1, high=3650)
    if set(days) - {"A", "B", "C"}:
        raise ValueError(_ABC_EXPECTED)
    return days


def channel_days(text: str) -> dict[str, int]:
    """'jd=30, tmall=60' → {'jd': 30, 'tmall': 60}; raises ValueError naming what is expected."""
    return number_pairs(text, _CHANNEL_DAYS_EXPECTED, high=3650)


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
    zones: bool = _key(
        False,
        "Pick by zone (the locations' zone): an order with units in several zones gets a pick"
        " list per zone, a tote each, and packs when every zone's tote is at the bench; off: one"
        " list takes an order's every unit.",
    )


class WavesSettings(BaseModel):
    """[waves]: carriers' collection cut-offs and how orders are released to picking in waves."""

    model_config = _SECTION

    enabled: bool = _key(
        False,
        "Build pick lists only from released waves (a supervisor's release or the schedule);"
        " off: every released order is picked by priority and ship-by as before.",
    )
    cutoffs: str = _key(
        "",
        "Each carrier's collection cut-offs, local time (edge.timezone): an order belongs to the"
        " first one at or after it was placed.",
        expected=CUTOFFS_EXPECTED,
    )
    group_by: str = _key(
        "channel, priority",
        "What a wave is grouped by besides carrier and cut-off.",
        expected=GROUP_EXPECTED,
    )
    release: Literal["supervisor", "schedule"] = _key(
        "supervisor",
        "Who releases a wave: a supervisor only, or also the schedule lead_minutes before its"
        " cut-off.",
    )
    lead_minutes: int = _key(
        120, "Minutes before its cut-off the schedule releases a wave.", ge=0, le=24 * 60
    )
    cart_size: int = _key(
        20,
        "Single-item orders of a released wave picked as one batch into one cart (one location"
        " scan, many units); 0 or 1: no cart lists, every order gets its own tote.",
        ge=0,
        le=60,
    )
    warn_minutes: int = _key(
        30,
        "An order not packed this many minutes before its carrier's cut-off opens a"
        " cutoff_at_risk exception.",
        ge=0,
        le=24 * 60,
    )

    @field_validator("cutoffs")
    @classmethod
    def _cutoff_times(cls, value: str) -> str:
        parse_cutoffs(value)
        return value

    @field_validator("group_by")
    @classmethod
    def _group_keys(cls, value: str) -> str:
        parse_group_by(value)
        return value


class AuthSettings(BaseModel):
    """[auth]: operator sessions and PINs."""

    model_config = _SECTION

    session_hours: int = _key(
        12, "Hours a session lives at most (its absolute lifetime), however busy.", ge=1, le=24 * 7
    )
    idle_minutes: int = _key(
        60, "Minutes without a request after which a session ends.", ge=1, le=24 * 60
    )
    max_pin_attempts: int = _key(
        5,
        "Failed logins from one source (device or client address) before each further try must"
        " wait: 1 s, doubling up to source_max_delay_s.",
        ge=1,
        le=20,
    )
    source_max_delay_s: int = _key(
        900, "Longest wait forced on a source after failed logins, in seconds.", ge=1, le=86400
    )
    badge_lock_attempts: int = _key(
        20,
        "Wrong PINs for one badge, from any source, before the badge locks for lockout_minutes"
        " (a supervisor or `warehouse-edge operators unlock` unlocks it).",
        ge=2,
        le=1000,
    )
    lockout_minutes: int = _key(15, "Minutes a locked badge stays locked.", ge=1, le=1440)

    @field_validator("badge_lock_attempts")
    @classmethod
    def _source_first(cls, value: int, info: ValidationInfo) -> int:
        # A guesser must be slowed down as a source before it can lock anyone's badge.
        source = info.data.get("max_pin_attempts", 0)
        if value <= source:
            raise ValueError(f"an integer above auth.max_pin_attempts ({source})")
        return value

    enrol_per_minute: int = _key(
        10, "Device enrolments accepted from one client address per minute.", ge=1, le=1000
    )
    enrolment_code_minutes: int = _key(
        60, "Minutes a one-time enrolment code from the CLI stays valid.", ge=1, le=7 * 24 * 60
    )
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
        return http_url(value)


def http_url(value: str | None, expected: str = _URL_EXPECTED) -> str | None:
    """An http(s) URL with a host, or None (the key left empty); else ValueError(expected)."""
    if value is not None:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(expected)
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
        # the config key logging.json shadows pydantic's deprecated BaseModel.json()
        json: bool = _key(False, "Write logs as JSON lines instead of text.")  # type: ignore[assignment]


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
    typed_weight: Literal["allow", "supervisor", "never"] = _key(
        "allow",
        "A weight typed or scanned where no live scale weighs the parcel (a handheld, a scale"
        " absent or silent): allow it, let a supervisor confirm it (badge + PIN), or never take"
        " it. Over a live scale a typed weight always needs a supervisor.",
    )
    handheld_printer: str = _key(
        "",
        "The printer ([[printers]] name) for waybills of parcels closed on a handheld bound to"
        " no station; empty: the only printer, when exactly one is configured.",
    )
    print_packing_slip: bool = _key(
        False,
        "Print a packing slip (the parcel's lines, and a QR code of central's self-service"
        " returns page when returns.self_service_url is set) after each waybill, same printer.",
    )
    single_item_auto_close: Literal["with_waves", "on", "off"] = _key(
        "with_waves",
        "Scan-to-print (扫描即打单): the scan of a single-item order's unit at a bench also closes"
        " its parcel in single_item_package and prints the waybill, weighed by the bench's scale"
        " where it has one (a weight off stops as a close does), else at its catalogue weight;"
        " with_waves: on when waves.enabled.",
    )
    single_item_package: str = _key(
        "",
        "The [[packages]] code single-item parcels closed by their scan go in; empty: the first"
        " package.",
    )


class PrintingSettings(BaseModel):
    """[printing]: how the spooler retries a label and watches its printer."""

    model_config = _SECTION

    max_attempts: int = _key(
        10,
        "Tries (with back-off) before a job needs attention; it then prints once its printer"
        " reports ready, never dropped.",
        ge=1,
        le=1000,
    )
    backoff_initial_s: float = _key(
        1.0, "Seconds before the first retry; doubles each time.", gt=0, le=3600
    )
    backoff_max_s: float = _key(300.0, "Longest wait between two tries.", gt=0, le=86400)
    fault_poll_s: float = _key(
        2.0,
        "Seconds between status queries of a printer that is not ready or has jobs waiting.",
        gt=0,
        le=60,
    )
    status_every_s: float = _key(
        30.0,
        "Seconds between status queries of a ready printer with nothing waiting.",
        gt=0,
        le=3600,
    )


_S10_LETTERS = "two capital letters, such as EE (service) or CN (country)"


class CarrierSettings(BaseModel):
    """[carrier]: the built-in offline carrier (S10 tracking numbers from this edge's own range)
    and the sender printed on every waybill."""

    model_config = _SECTION

    name: str = _key("Edge Post", "Carrier name on waybills and in events.", min_length=1)
    service: str = _key("Standard", "Service on waybills when the order names none.")
    s10_service: str = _key(
        "EE",
        "S10 service indicator of the tracking numbers.",
        pattern=r"^[A-Z]{2}$",
        expected=_S10_LETTERS,
    )
    s10_country: str = _key(
        "CN",
        "S10 country code of the tracking numbers.",
        pattern=r"^[A-Z]{2}$",
        expected=_S10_LETTERS,
    )
    range_first: int = _key(
        1,
        "First serial of this edge's number range (no two edges may overlap).",
        ge=0,
        le=99_999_999,
    )
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


class ReturnsSettings(BaseModel):
    """[returns]: the returns desk: where returned units go and when a return needs a supervisor."""

    model_config = _SECTION

    location: str = _key(
        "RETURNS",
        "Location where announced returns wait and graded units are put (created if missing).",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$",
        expected="1 to 40 letters, digits, '.', '_' or '-'",
    )
    expect_within_days: int = _key(
        14, "Days after authorisation a parcel must arrive before its RMA is an exception.", ge=1
    )
    grade_within_hours: int = _key(
        24, "Hours an opened return parcel may stay unclosed before it is an exception.", ge=1
    )
    self_service_url: OptionalText = _key(
        None,
        "Central's base URL as customers reach it, for the packing slip's returns QR code"
        " (BASE/returns/self?order=ID); empty prints no QR code.",
        expected=_URL_EXPECTED,
    )

    @field_validator("self_service_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return http_url(value)
