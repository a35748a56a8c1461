"""Declarative channel mappings: one TOML file per sales channel turns its export into orders.

A mapping file (README.md shows a whole one) has `orders`, the path to the list of orders;
`[[ready]]` status checks (a field spec with `ship = [...]` and `hold = [...]`); and tables of
field specs `[order]`, `[ship_to]` and `[lines]` (its `from` the path to an order's lines; a
line's `status` is "open", "cancel_requested" or "elsewhere" (another service ships it: left
out), its optional `note` joins the buyer's note as "SKU: note", its `title` names it when refused,
its `left` (the units still on the order after edits and refunds) replaces what [refunds] take off).
A field spec is a path ("consigneeInfo.city", "shipping_lines[0].title") or a table:
    from = "path" | ["path", …]  the value, or the list of values (null where missing)
    const = value                instead of `from`: always this value
    do = [step, …]               transforms, in order
    default = value              used when the result is missing (null or "")
    required = true              a missing result rejects the order ("missing")
Transforms (a step is a name or a one-transform table; a missing value, null, passes through all
but `join`, which drops it, and a `map` with a `null` key):
    "strip", "upper"             trim / upper-case text (anything else passes)
    "int"                        a whole number from 2, 2.0 or " 2" ("not a whole number: 'two'")
    "decimal"                    a decimal string from "128.00", 128, 12.5 ("not a decimal number")
    "first", "last"              the first / last non-empty item of a list (a fallback)
    { split = "," }              text to its trimmed, non-empty parts ("" splits on whitespace)
    { join = " " }               a list's non-empty parts joined with the separator; none: missing
    { date = "%Y-%m-%d %H:%M:%S", tz = "+08:00" }   a time (strptime format or "iso") to UTC
                                 "2026-11-20T08:15:00Z"; times without an offset are read in tz
                                 ("+08:00" or a zone name such as "Asia/Shanghai"; default UTC)
    { has = "PRIME" }            whether a list holds the value (anything else passes)
    { labels = ["a", "b"] }      a list of values (one per path in `from`) to "a: 1; b: 2", the
                                 empty ones left out
    { map = { A = "x" }, else = "y" }  look the value up (non-text by its JSON: true, null, 3);
                                 not found and no `else`: "unknown value 'B'"
Last the target's type: qty a whole number of 1 or more, priority a whole number, the rest text
(a whole number is taken as text). A bad order is rejected, never raised, at its first problem,
with the source path ("trades[3].orders[0].num") and the reason; the next order goes on."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from central_sync.channels.model import (
    SHIP_TO_KEYS,
    ChannelLine,
    ChannelOrder,
    MappingError,
    Rejected,
)
from central_sync.channels.transform import Bad, Step, compile_step, key_text, show, to_int

MAPPINGS = Path(__file__).parent / "mappings"
ORDER_FIELDS = {
    **dict.fromkeys(["channel_order_id", "ordered_at", "ship_by", "customer_ref"], "text"),
    **dict.fromkeys(["carrier", "service", "currency", "total"], "text"),
    **dict.fromkeys(["buyer_note", "seller_note"], "text"),
    "priority": "int",
}
SHIP_TO_FIELDS = dict.fromkeys(SHIP_TO_KEYS, "text")
LINE_FIELDS = {
    **{"sku": "text", "qty": "qty", "lot": "text", "status": "text", "key": "text"},
    **{"note": "text", "title": "text", "left": "int"},
}
LINE_STATUSES = ("open", "cancel_requested", "elsewhere")  # elsewhere: left out, not ours to ship
NOTE_MAX = 1000  # the order's buyer_note (central_sync/server/orders.py)
REFUND_KEYS = ["from", "lines", "line", "qty"]
REQUIRED = {"channel_order_id", "sku", "qty"}
SPEC_KEYS, CHECK_KEYS = ["from", "const", "do", "default", "required"], ["ship", "hold"]
SEGMENT = re.compile(r"([^.\[\]]+)((?:\[[0-9]+\])*)")
PathParts = tuple[str | int, ...]


@dataclass(frozen=True)
class Source:
    """A compiled field spec: where its value comes from, what is done to it, what it must be."""

    key: str  # in the mapping file, "ship_to.name"
    kind: str  # "text", "int" or "qty"
    paths: tuple[PathParts, ...]  # none for a const
    many: bool
    const: Any
    steps: tuple[Step, ...]
    default: Any
    required: bool
    ship: frozenset[str] = frozenset()  # for a [[ready]] check
    hold: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Mapping:
    """A loaded, checked mapping file."""

    file: Path
    channel: str
    orders: tuple[PathParts, ...]  # the first present is taken; an object there is one order
    ready: tuple[Source, ...]
    order: dict[str, Source]
    ship_to: dict[str, Source]
    lines: tuple[PathParts, ...]  # the first present is taken
    line: dict[str, Source]
    refunds: dict[str, PathParts] | None = None
    merge: Merge | None = None  # companion responses (import-orders --with)


@dataclass(frozen=True)
class Merge:
    """How a companion response (one order's) is merged into the export's order."""

    payload: PathParts  # where the response's data is
    id: PathParts  # the key matching it to an order
    item: PathParts | None = None  # in a list (an order's items), what matches an item
    lines_call: str = ""  # the call whose response carries the lines, named when they are missing


class _Reject(Exception):
    def __init__(self, where: str, reason: str) -> None:
        super().__init__(where, reason)
        self.where, self.reason = where, reason


def channels() -> list[str]:
    """Names of the shipped mapping files, sorted."""
    return sorted(p.stem for p in MAPPINGS.glob("*.toml"))


def load_mapping(name_or_path: str | os.PathLike[str]) -> Mapping:
    """A shipped channel by name ("taobao") or a mapping file by path; MappingError if broken."""
    file = Path(name_or_path)
    if str(name_or_path) == file.name and file.suffix != ".toml":  # a name, not a path
        if file.name not in (shipped := channels()):
            raise MappingError(f"no channel mapping {file.name!r} (shipped: {', '.join(shipped)})")
        file = MAPPINGS / f"{file.name}.toml"
    try:
        return _compile(file, tomllib.loads(file.read_text(encoding="utf-8")))
    except OSError as e:
        raise MappingError(f"{file}: cannot read: {e.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise MappingError(f"{file}: not valid TOML: {e}") from None
    except _Reject as e:
        raise MappingError(f"{file}: {e.where}: {e.reason}") from None


def _compile(file: Path, data: dict[str, Any]) -> Mapping:
    _known(
        data, ["channel", "orders", "ready", "order", "ship_to", "lines", "refunds", "merge"], ""
    )
    channel = data.get("channel", file.stem)
    if not isinstance(channel, str) or not channel:
        raise _Reject("channel", "must be a non-empty string")
    ready = data.get("ready", [])
    if not isinstance(ready, list):
        raise _Reject("ready", "must be a list of tables ([[ready]])")
    lines = _table(data, "lines")
    refunds = None
    if "refunds" in data:
        table = _table(data, "refunds")
        _known(table, REFUND_KEYS, "refunds.")
        refunds = {k: _path(table.get(k), f"refunds.{k}") for k in REFUND_KEYS}
        if "key" not in lines:
            raise _Reject("lines.key", "missing (refunds are matched to a line by its key)")
    merge = None
    if "merge" in data:
        table = _table(data, "merge")
        _known(table, ["payload", "id", "item", "lines_call"], "merge.")
        item = _path(table["item"], "merge.item") if "item" in table else None
        call = table.get("lines_call", "")
        if not isinstance(call, str):
            raise _Reject("merge.lines_call", 'must be text (the call\'s name: "getOrderItems")')
        payload, order_id = (_path(table.get(k), f"merge.{k}") for k in ("payload", "id"))
        merge = Merge(payload, order_id, item, call)
    return Mapping(
        file,
        channel,
        _paths(data.get("orders"), "orders"),
        tuple(_source(c, f"ready[{n}]", "text", check=True) for n, c in enumerate(ready)),
        _fields(_table(data, "order"), ORDER_FIELDS, "order"),
        _fields(_table(data, "ship_to"), SHIP_TO_FIELDS, "ship_to"),
        _paths(lines.pop("from", None), "lines.from"),
        _fields(lines, LINE_FIELDS, "lines"),
        refunds,
        merge,
    )


def _paths(value: Any, key: str) -> tuple[PathParts, ...]:
    """One path, or a list of alternative paths (the first present in the document is used)."""
    if isinstance(value, list) and value:
        return tuple(_path(v, key) for v in value)
    return (_path(value, key),)


def _known(table: dict[str, Any], keys: Collection[str], prefix: str) -> None:
    for key in table:
        if key not in keys:
            raise _Reject(prefix + key, f"unknown key (expected one of: {', '.join(keys)})")


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise _Reject(key, "must be a table")
    return dict(value)


def _path(text: Any, key: str) -> PathParts:
    """ "a.b[0].c" -> ("a", "b", 0, "c")."""
    if text is None:
        raise _Reject(key, 'missing (a dotted path such as "trades" or "payload.Orders")')
    found = [SEGMENT.fullmatch(s) for s in text.split(".")] if isinstance(text, str) else [None]
    if not all(found):
        raise _Reject(key, f'not a path: {show(text)} (write it like "a.b[0].c")')
    parts: list[str | int] = []
    for match in filter(None, found):
        parts += [match[1], *(int(i) for i in re.findall("[0-9]+", match[2]))]
    return tuple(parts)


def _fields(table: dict[str, Any], kinds: dict[str, str], prefix: str) -> dict[str, Source]:
    _known(table, kinds, prefix + ".")
    for key in sorted(REQUIRED & kinds.keys() - table.keys()):
        raise _Reject(f"{prefix}.{key}", "missing (this field is required)")
    return {
        k: _source(v, f"{prefix}.{k}", kinds[k], required=k in REQUIRED) for k, v in table.items()
    }


def _source(
    spec: Any, key: str, kind: str, *, required: bool = False, check: bool = False
) -> Source:
    spec = {"from": spec} if isinstance(spec, str) else spec
    if not isinstance(spec, dict) or ("from" in spec) == ("const" in spec):
        raise _Reject(key, "give a path, or a table with either `from` or `const`")
    _known(spec, SPEC_KEYS + CHECK_KEYS * check, key + ".")
    raw = spec.get("from")
    froms = raw if isinstance(raw, list) else [raw] if "from" in spec else []
    ship, hold = spec.get("ship", []), spec.get("hold", [])
    if check and not (isinstance(ship, list) and isinstance(hold, list) and ship):
        raise _Reject(key + ".ship", "`ship` and `hold` must be lists of values, `ship` not empty")
    return Source(
        key,
        kind,
        tuple(_path(p, key + ".from") for p in froms),
        isinstance(raw, list),
        spec.get("const"),
        _steps(spec.get("do", []), key + ".do"),
        spec.get("default"),
        required or spec.get("required") is True,
        frozenset(map(key_text, ship)),
        frozenset(map(key_text, hold)),
    )


def _steps(raw: Any, key: str) -> tuple[Step, ...]:
    if not isinstance(raw, list):
        raise _Reject(key, "must be a list of transforms")
    try:
        return tuple(compile_step(s) for s in raw)
    except ValueError as e:
        raise _Reject(key, str(e)) from None


def map_document(document: Any, mapping: Mapping) -> Iterator[ChannelOrder | Rejected]:
    """Each order of an export in turn, mapped, or rejected with the source path and the reason."""
    where, orders = _first(document, mapping.orders)
    if isinstance(orders, dict):  # a single-order response or a webhook's body
        yield _order(orders, 0, mapping, where)
        return
    if not isinstance(orders, list):
        problem = "missing" if orders is None else "not a list"
        yield Rejected(
            -1, None, _show(where), f"{problem} (is this export from {mapping.channel}?)"
        )
        return
    for index, raw in enumerate(orders):
        yield _order(raw, index, mapping, (*where, index))


def merge_companions(document: Any, companions: list[Any], mapping: Mapping) -> list[str]:
    """Merge each companion response (one order's, e.g. Amazon's getOrderItems or
    getOrderAddress) into the order of the export with the same id: every key of its payload
    but the id is set on that order. A list (an order's items) is added to what earlier
    companions gave, an item matched by the mapping's `item` key merged into its namesake, an
    item given twice kept once: pages of one call, or a call adding to each item, go in whole.
    Returns a problem per companion that could not be merged, and one for an order whose last
    page says there is more (NextToken)."""
    merge = mapping.merge
    if merge is None:
        return [
            f"channel {mapping.channel} takes no companion responses (its mapping has no [merge])"
        ]
    _, orders = _first(document, mapping.orders)
    orders = [orders] if isinstance(orders, dict) else orders if isinstance(orders, list) else []
    by_id = {str(_get(o, merge.id)): o for o in orders if isinstance(o, dict)}
    problems, more = [], {}
    for n, companion in enumerate(companions):
        payload = _get(companion, merge.payload)
        order_id = _get(payload, merge.id)
        if not isinstance(payload, dict) or str(order_id) not in by_id:
            problems.append(
                f"companion {n + 1}: no order {_show(merge.id)} {show(order_id)} in the export"
            )
            continue
        order = by_id[str(order_id)]
        for key, value in payload.items():
            if key in (merge.id[-1], "NextToken"):
                continue
            have = order.get(key)
            if isinstance(value, list) and isinstance(have, list):
                value = _merged_items(have, value, merge.item)
            order[key] = value
            if isinstance(value, list):  # a page: the last one given must say it is the last
                more[(str(order_id), key)] = (n, payload.get("NextToken") is not None)
    problems += [
        f"companion {n + 1}: order {order_id}'s {key} go on in another page (NextToken):"
        " give every page with --with"
        for (order_id, key), (n, going_on) in more.items()
        if going_on
    ]
    return problems


def _merged_items(have: list[Any], new: list[Any], item_key: PathParts | None) -> list[Any]:
    """`have` with `new` added: an item whose `item_key` matches one there merged into it, an
    item already there not repeated, the others appended."""
    out = [dict(i) if isinstance(i, dict) else i for i in have]
    for item in new:
        key = _get(item, item_key) if item_key else None
        same = [o for o in out if key is not None and _get(o, item_key or ()) == key]
        if same and isinstance(item, dict):
            same[0].update(item)
        elif item not in out:
            out.append(item)
    return out


def _first(data: Any, paths: tuple[PathParts, ...]) -> tuple[PathParts, Any]:
    """The first of the alternative paths that is present, and its value (else the first path)."""
    for path in paths:
        if (value := _get(data, path)) is not None:
            return path, value
    return paths[0], None


def _order(raw: Any, index: int, m: Mapping, base: PathParts) -> ChannelOrder | Rejected:
    if not isinstance(raw, dict):
        return Rejected(index, None, _show(base), "not an object")
    order_id = None
    try:
        order_id = _field(m.order["channel_order_id"], raw, base)
        for check in m.ready:
            _ready(check, raw, base)
        fields = {k: _field(s, raw, base) for k, s in m.order.items()}
        ship_to = {
            k: _field(m.ship_to[k], raw, base) if k in m.ship_to else "" for k in SHIP_TO_KEYS
        }
        lines, notes = _lines(raw, base, m)
    except _Reject as e:
        return Rejected(index, order_id, e.where, e.reason)
    if notes:  # each line's own note (Shopify line properties, an Amazon gift message)
        fields["buyer_note"] = _cut(" / ".join(filter(None, [fields.get("buyer_note"), *notes])))
    given = {k: v for k, v in fields.items() if v is not None}
    return ChannelOrder(
        m.channel, lines=lines, ship_to={k: v or "" for k, v in ship_to.items()}, **given
    )


def _ready(check: Source, raw: dict[str, Any], base: PathParts) -> None:
    value, where = _evaluate(check, raw, base)
    if key_text(value) in check.hold:
        raise _Reject(where, f"status {show(value)} is not ready to ship")
    if key_text(value) not in check.ship:
        raise _Reject(where, "missing" if value is None else f"unknown status {show(value)}")


def _lines(
    raw: dict[str, Any], base: PathParts, m: Mapping
) -> tuple[tuple[ChannelLine, ...], list[str]]:
    """The order's lines still to ship, and the notes of those lines ("SKU: note")."""
    where, items = _first(raw, m.lines)
    base = (*base, *where)
    if items is None and m.merge is not None and m.merge.lines_call:
        call = m.merge.lines_call
        raise _Reject(
            _show(base), f"missing (merge each order's {call} response: import-orders --with)"
        )
    if not isinstance(items, list) or not items:
        raise _Reject(
            _show(base), "missing" if items is None else "no lines" if items == [] else "not a list"
        )
    refunded = _refunded(raw, m)
    lines, notes, elsewhere = [], [], []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise _Reject(_show((*base, n)), "not an object")
        values = _line_values(item, (*base, n), m)
        status = values.get("status") or "open"
        if status not in LINE_STATUSES:
            raise _Reject(
                _show((*base, n)), f"line status {show(status)} is not one of {LINE_STATUSES}"
            )
        if status == "elsewhere":  # another fulfilment service ships it (Shopify, Amazon)
            said = _get(item, m.line["status"].paths[0]) if m.line["status"].paths else None
            source = _show(m.line["status"].paths[0]) if m.line["status"].paths else "status"
            elsewhere.append(
                f"{_show((*where, n))} {values['sku']} is fulfilled elsewhere ({source} {show(said)})"
            )
            continue
        if values.get("left") is not None:  # what the channel says is still on the order
            gone = values["qty"] - max(min(values["left"], values["qty"]), 0)
        else:
            gone = refunded.get(values.get("key") or "", 0)
        if gone >= values["qty"]:
            continue  # refunded (or edited off) whole: nothing of it ships
        line = ChannelLine(
            values["sku"], values["qty"] - gone, values.get("lot") or "", gone, status
        )
        lines.append(line)
        if values.get("note"):
            notes.append(f"{values['sku']}: {values['note']}")
    if not lines and elsewhere:
        raise _Reject(_show(base), "no line ships from this warehouse: " + "; ".join(elsewhere))
    if not lines:
        raise _Reject(_show(base), "every line is refunded: nothing to ship")
    return tuple(lines), notes


def _line_values(item: dict[str, Any], base: PathParts, m: Mapping) -> dict[str, Any]:
    """A line's mapped fields; a refusal names the line by its title when the mapping has one.
    A line another service fulfils is told first: it needs no SKU to be left out."""
    try:
        if "status" in m.line and _field(m.line["status"], item, base) == "elsewhere":
            named = [
                _get(item, p) for k in ("sku", "title") if k in m.line for p in m.line[k].paths
            ]
            return {"status": "elsewhere", "sku": next(filter(None, named), "(no SKU)")}
        return {k: _field(s, item, base) for k, s in m.line.items()}
    except _Reject as e:
        title = _get(item, m.line["title"].paths[0]) if "title" in m.line else None
        if isinstance(title, str) and title.strip():
            raise _Reject(e.where, f"{e.reason} (the line {show(title.strip())})") from None
        raise


def _cut(text: str) -> str:
    """A note no longer than the order takes, cut with an ellipsis."""
    return text if len(text) <= NOTE_MAX else text[: NOTE_MAX - 1] + "…"


def _refunded(raw: dict[str, Any], m: Mapping) -> dict[str, int]:
    """Units refunded per line key, summed over the order's refunds (Shopify refund_line_items)."""
    if m.refunds is None:
        return {}
    out: dict[str, int] = {}
    refunds = _get(raw, m.refunds["from"])
    for refund in refunds if isinstance(refunds, list) else []:
        items = _get(refund, m.refunds["lines"])
        for item in items if isinstance(items, list) else []:
            key, qty = _get(item, m.refunds["line"]), _get(item, m.refunds["qty"])
            if key is not None and type(qty) is int and qty > 0:
                out[str(key)] = out.get(str(key), 0) + qty
    return out


def _field(source: Source, raw: dict[str, Any], base: PathParts) -> Any:
    value, where = _evaluate(source, raw, base)
    value = source.default if value is None or value == "" else value
    if value is None and source.required:
        raise _Reject(where, "missing")
    try:
        return None if value is None else _coerce(value, source.kind)
    except Bad as e:
        raise _Reject(where, str(e)) from None


def _evaluate(source: Source, raw: dict[str, Any], base: PathParts) -> tuple[Any, str]:
    values = [_get(raw, p) for p in source.paths]
    value = values if source.many else values[0] if values else source.const
    # named by the first path present (a list of alternatives: the one this export has)
    found = [p for p, v in zip(source.paths, values, strict=True) if v is not None]
    paths = found or list(source.paths)
    where = _show((*base, *paths[0])) if paths else source.key
    try:
        for step in source.steps:
            value = step(value)
    except Bad as e:
        raise _Reject(where, str(e)) from None
    return value, where


def _coerce(value: Any, kind: str) -> Any:
    if kind == "text" and (isinstance(value, str) or type(value) is int):
        return str(value)
    if kind == "text":
        raise Bad(f"not text: {show(value)}")
    if (number := to_int(value)) < 1 and kind == "qty":
        raise Bad(f"quantity must be 1 or more: {number}")
    return number


def _get(data: Any, path: PathParts) -> Any:
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and part < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def _show(path: PathParts) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
