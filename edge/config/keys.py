"""The building blocks of the settings: the one-line ConfigError, how a key is declared
(default, description, what is expected) and the value types several sections share."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
)

if TYPE_CHECKING:
    from pydantic.config import JsonDict

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
    extra: JsonDict | None = {"expected": expected} if expected else None
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


def number_pairs(
    text: str, expected: str, *, low: int = 0, high: int | None = None
) -> dict[str, int]:
    """'jd=30, tmall=60' → {'jd': 30, 'tmall': 60}, each number in [low, high]; raises
    ValueError(expected) for anything else (the loader names the key)."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, number = part.partition("=")
        n = number.strip()
        if (
            not name.strip()
            or not n.isdigit()
            or int(n) < low
            or (high is not None and int(n) > high)
        ):
            raise ValueError(expected)
        out[name.strip()] = int(n)
    return out
