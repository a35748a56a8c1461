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

from kernel.messages import Message, fill

if TYPE_CHECKING:
    from pydantic.config import JsonDict

ENV_PREFIX = "WAREHOUSE_EDGE_"
CONFIG_ENV = "WAREHOUSE_EDGE_CONFIG"

_TRUE_WORDS = frozenset({"true", "1", "yes"})
_FALSE_WORDS = frozenset({"false", "0", "no"})
_ZONE_EXPECTED = "an IANA time zone such as Asia/Shanghai"
_URL_EXPECTED = "an http:// or https:// URL such as https://central.example.com, or empty"

# What a ConfigError says, in English and Chinese (the CLI prints both, as it does a refusal of
# the catalogue). `expected` and `got` are the loader's words: values, names and the types'
# descriptions, quoted as they are.
_KEY_REFUSED = Message(
    "config key {key} (env {env_var}): expected {expected}, got {got}{origin}",
    "配置项 {key}（环境变量 {env_var}）的值不可用：应为 {expected}，实为 {got}{origin}。"
    "请改正后重新启动。",
)
_FILE_REFUSED = Message(
    "config file {source}{line}: expected {expected}, got {got}",
    "配置文件 {source}{line} 不可用：应为 {expected}，实为 {got}。请改正该文件后重新启动。",
)
_ORIGIN = Message(" (from {source})", "（来自 {source}）")
_LINE = Message(", line {line}", "，第 {line} 行")
# The loader's sources other than a file's path.
_SOURCES = {
    "environment": Message("environment", "环境变量"),
    "override": Message("override", "命令行参数"),
}


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
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The one line in `lang` (en or zh), naming the key or the file at fault."""
        params = {"expected": self.expected, "got": self.got, "source": self.source}
        if self.key is None:  # the file itself: missing, unreadable or not TOML
            line = fill(_LINE, lang, {"line": self.line}) if self.line else ""
            return fill(_FILE_REFUSED, lang, params | {"line": line})
        source = _SOURCES.get(self.source or "", self.source)
        origin = fill(_ORIGIN, lang, {"source": source}) if self.source else ""
        return fill(
            _KEY_REFUSED,
            lang,
            params | {"key": self.key, "env_var": self.env_var, "origin": origin},
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
