"""The edge's settings: one TOML file, every key overridable by an environment variable.

Precedence, lowest first: the defaults, the TOML file, `WAREHOUSE_EDGE_<SECTION>_<KEY>` environment
variables, then `overrides` (the CLI's `--port`, `--data-dir`). `WAREHOUSE_EDGE_CONFIG` names the
file when no path is given. An empty value ("") means "not set" for the optional keys; relative
paths are taken from the working directory.

Anything wrong fails at start-up with one `ConfigError` whose message is one line naming the key,
its environment variable, what was expected and what was found. Only the first problem is
reported, checking in this order: the file (readable, TOML, known sections and keys), the
environment (known names, booleans), the overrides' keys, then every value section by section in
the order of `edge.example.toml`. Fix it and start again.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic.fields import FieldInfo

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


class Settings(BaseModel):
    """All settings of one edge, one frozen model per TOML section."""

    model_config = _SECTION

    edge: EdgeSettings = Field(default_factory=EdgeSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    stock: StockSettings = Field(default_factory=StockSettings)
    picking: PickingSettings = Field(default_factory=PickingSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    scans: ScansSettings = Field(default_factory=ScansSettings)
    central: CentralSettings = Field(default_factory=CentralSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)

    @property
    def db_path(self) -> Path:
        """The SQLite file: store.path, or edge.db in the data directory."""
        return self.store.path or self.edge.data_dir / "edge.db"

    @property
    def backup_path(self) -> Path:
        """Where backups go: store.backup_dir, or backups/ in the data directory."""
        return self.store.backup_dir or self.edge.data_dir / "backups"


SECTIONS: dict[str, type[BaseModel]] = {
    name: field.annotation for name, field in Settings.model_fields.items()
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

    A None value in `overrides` means "option not given" and is skipped. Raises ConfigError.
    """
    env = os.environ if env is None else env
    if path is None and env.get(CONFIG_ENV):
        path = Path(env[CONFIG_ENV])
    given: dict[str, dict[str, _Given]] = {section: {} for section in SECTIONS}
    if path is not None:
        _merge_file(given, Path(path))
    _merge_env(given, env)
    for key, value in (overrides or {}).items():
        if value is not None:
            section, name = _split_known(key, "override")
            given[section][name] = _Given(value, "override")
    return Settings(**{section: _validate(section, keys) for section, keys in given.items()})


def describe_keys() -> list[tuple[str, str, str, str]]:
    """Every key as (key, environment variable, default as written in TOML, description)."""
    return [
        (
            f"{section}.{name}",
            env_var_name(f"{section}.{name}"),
            _toml(field.default),
            field.description or "",
        )
        for section, model in SECTIONS.items()
        for name, field in model.model_fields.items()
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


def _merge_file(given: dict[str, dict[str, _Given]], path: Path) -> None:
    source = str(path)
    for section, table in _read_toml(path).items():
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


def _merge_env(given: dict[str, dict[str, _Given]], env: Mapping[str, str]) -> None:
    for var, text in sorted(env.items()):
        if var.startswith(ENV_PREFIX) and var != CONFIG_ENV:
            rest = var[len(ENV_PREFIX) :].lower()
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


def _validate(section: str, keys: dict[str, _Given]) -> BaseModel:
    model = SECTIONS[section]
    for name, given in keys.items():  # pydantic's lax mode would quietly read `true` as 1
        field = model.model_fields[name]
        if isinstance(given.value, bool) and _without_none(field.annotation) is not bool:
            raise _refusal(section, name, keys, _expected(field))
    try:
        return model.model_validate({name: given.value for name, given in keys.items()})
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        if error["type"] == "value_error":  # our validators phrase `expected` themselves
            expected = str(error["ctx"]["error"])
        else:
            expected = _expected(model.model_fields[name])
        raise _refusal(section, name, keys, expected) from None


def _refusal(section: str, name: str, keys: dict[str, _Given], expected: str) -> ConfigError:
    given = keys.get(name)  # absent when a default is refused, e.g. tls_key once tls_cert is set
    return ConfigError(
        f"{section}.{name}",
        expected=expected,
        got=_show(given.value) if given else "nothing",
        source=given.source if given else None,
    )


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
