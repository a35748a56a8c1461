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

import json
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args, get_origin

from pydantic import (
    BaseModel,
    ValidationError,
)
from pydantic.fields import FieldInfo

from edge.config.devices import _clash
from edge.config.keys import (
    _FALSE_WORDS,
    _TRUE_WORDS,
    CONFIG_ENV,
    ENV_PREFIX,
    ConfigError,
    env_var_name,
)
from edge.config.settings import _SECTIONS_EXPECTED, LISTS, SECTIONS, Settings


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
    settings = Settings.model_validate({**sections, **_validate_lists(lists)})
    printer = settings.packing.handheld_printer
    names = [p.name for p in settings.printers]
    if printer and printer not in names:
        known = ", ".join(names) or "none configured"
        raise _refusal(
            "packing", "handheld_printer", given["packing"], f"one of the printers ({known})"
        )
    return settings


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
