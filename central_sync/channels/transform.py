"""The transforms a mapping's `do = [...]` list names (listed in mapping.py's header).

A step turns a value into a value, or raises Bad with a reason a person can act on. A missing
value (None) passes through every step but `join` (which drops it) and a `map` with a `null` key."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

Step = Callable[[Any], Any]
WHOLE = re.compile(r"\s*[+-]?[0-9]{1,18}\s*")  # 18 digits: any real quantity, never a huge int


class Bad(Exception):
    """A value a step cannot take; the message is the reason given to the person importing."""


def show(value: Any) -> str:
    """A value as a message quotes it: text in quotes, anything else as JSON, cut at 40 chars."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text if len(text) <= 40 else text[:39] + "…"
    return f"'{text}'" if isinstance(value, str) else text


def key_text(value: Any) -> str:
    """The text a `map` table looks a value up by: non-text values by their JSON (true, null, 3)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def to_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and WHOLE.fullmatch(value):
        return int(value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise Bad(f"not a whole number: {show(value)}")


def to_decimal(value: Any) -> str | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value).strip()) if isinstance(value, int | float | str) else None
    except InvalidOperation:
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite() or abs(number) > 10**15:
        raise Bad(f"not a decimal number: {show(value)}")
    return format(number, "f")


def _on_text(fn: Callable[[str], Any]) -> Step:
    def step(value: Any) -> Any:
        if value is not None and not isinstance(value, str):
            raise Bad(f"not text: {show(value)}")
        return value if value is None else fn(value)

    return step


def _filled(items: list[Any]) -> list[Any]:
    return [p for p in items if p is not None and p != ""]


def _split(sep: str, _: dict[str, Any]) -> Step:
    return _on_text(lambda v: [p.strip() for p in v.split(sep or None) if p.strip()])


def _join(sep: str, _: dict[str, Any]) -> Step:
    def step(value: Any) -> str | None:
        parts = _filled(value if isinstance(value, list) else [value])
        if any(isinstance(p, dict | list) for p in parts):
            raise Bad(f"not text: {show(value)}")
        return sep.join(key_text(p).strip() for p in parts) or None

    return step


def _date(fmt: str, options: dict[str, Any]) -> Step:
    name = str(options.get("tz", "UTC"))
    try:
        if name[:1] in ("+", "-"):  # "+08:00": a fixed offset, needs no time zone database
            zone = datetime.strptime(name, "%z").tzinfo
        else:
            zone = UTC if name == "UTC" else ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise ValueError(
            f"unknown time zone {name!r} (write '+08:00' or 'Asia/Shanghai')"
        ) from None
    expected = "an ISO 8601 date" if fmt == "iso" else f"a date in the form {fmt}"

    def parse(text: str) -> str:
        try:
            moment = datetime.fromisoformat(text) if fmt == "iso" else datetime.strptime(text, fmt)
            moment = (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)
        except (ValueError, OverflowError):
            raise Bad(f"not {expected}: {show(text)}") from None
        return moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"

    return _on_text(lambda v: parse(v.strip()))


def _map(table: dict[str, Any], options: dict[str, Any]) -> Step:
    def step(value: Any) -> Any:
        if value is None and "null" not in table:
            return None  # missing stays missing: the field's default or `required` decides
        found = table.get(key_text(value), options.get("else", Bad))
        if found is Bad:
            raise Bad(f"unknown value {show(value)}")
        return found

    return step


def _pairs(value: Any) -> Any:
    """A list of {name, value} objects (Shopify note_attributes) as "name: value; …" text; in a
    list of values, each such item in turn (then `join` them)."""

    def text(item: Any) -> Any:
        if isinstance(item, list) and all(isinstance(p, dict) for p in item):
            said = [f"{p.get('name')}: {p.get('value')}" for p in item if p.get("name")]
            return "; ".join(said) or None
        return item

    if isinstance(value, list) and any(isinstance(v, list) for v in value):
        return [text(v) for v in value]
    return text(value)


def _labels(names: list[Any], _: dict[str, Any]) -> Step:
    """A list of values (`from` a list of paths) as "label: value; …", one label per path, the
    empty ones left out and a pair said twice kept once; none: missing."""
    if not names or not all(isinstance(n, str) for n in names):
        raise ValueError("labels takes a list of texts, one per path in `from`")

    def step(value: Any) -> str | None:
        values = value if isinstance(value, list) else [value]
        if len(values) != len(names):
            raise Bad(f"{len(names)} labels for {len(values)} values")
        said: list[str] = []
        for name, part in zip(names, values, strict=True):
            if part is None or part == "":
                continue
            if isinstance(part, dict | list):
                raise Bad(f"not text: {show(part)}")
            pair = f"{name}: {key_text(part).strip()}"
            if pair not in said:
                said.append(pair)
        return "; ".join(said) or None

    return step


def _has(wanted: str, _: dict[str, Any]) -> Step:
    """Whether a list holds the value (Amazon's `programs` holding "PRIME"); anything else passes."""
    return lambda v: wanted in v if isinstance(v, list) else v


SIMPLE: dict[str, Step] = {
    "strip": lambda v: v.strip() if isinstance(v, str) else v,
    "upper": lambda v: v.upper() if isinstance(v, str) else v,
    "int": to_int,
    "decimal": to_decimal,
    "first": lambda v: next(iter(_filled(v)), None) if isinstance(v, list) else v,
    "last": lambda v: next(reversed(_filled(v)), None) if isinstance(v, list) else v,
    "pairs": _pairs,
}
# a transform with an argument: name -> (the argument's type, the options it takes, its maker)
TAKES: dict[str, tuple[type, set[str], Callable[[Any, dict[str, Any]], Step]]] = {
    "split": (str, set(), _split),
    "join": (str, set(), _join),
    "date": (str, {"tz"}, _date),
    "map": (dict, {"else"}, _map),
    "labels": (list, set(), _labels),
    "has": (str, set(), _has),
}


def compile_step(raw: Any) -> Step:
    """A step from its TOML form: a name ("int") or a one-transform table ({ split = "," })."""
    if isinstance(raw, str) and raw in SIMPLE:
        return SIMPLE[raw]
    names = [k for k in raw if k in TAKES] if isinstance(raw, dict) else []
    if len(names) != 1:
        raise ValueError(f"unknown transform {show(raw)} (known: {', '.join([*SIMPLE, *TAKES])})")
    kind, takes, make = TAKES[names[0]]
    options = {k: v for k, v in raw.items() if k != names[0]}
    if extra := set(options) - takes:
        raise ValueError(f"{names[0]} takes no option {', '.join(sorted(extra))}")
    if not isinstance(raw[names[0]], kind):
        said = "table" if kind is dict else "list" if kind is list else "string"
        raise ValueError(f"{names[0]} takes a {said}")
    return make(raw[names[0]], options)
