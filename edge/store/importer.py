"""The store's half of importing master data and opening stock from CSV: reading a file into a
`Table`, parsing it row by row into records (bad values collected, not raised), and checking and
writing each record against the database. `edge.service.imports` runs a whole file as one
writer command and receives the opening stock.
"""

from __future__ import annotations

import csv
import os
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from edge.domain.errors import EdgeError
from edge.domain.gtin import has_gtin_shape, is_valid_sscc, wrong_check_digit
from edge.domain.operator import Role, check_pin_format, hash_pin, verify_pin
from edge.store import catalog
from edge.store.operators import add_operator
from edge.store.writer import Tx
from kernel.text import code_problem, name_problem

# Required columns first; the command's --help prints this table.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "products": (
        ("sku", "name"),
        ("name_zh", "weight_g", "lot_tracked", "expiry_tracked", "min_shelf_life_days"),
    ),
    "barcodes": (("code", "sku"), ("pack_qty",)),
    "locations": (("code", "type"), ("zone", "pick_seq")),
    "containers": (("code",), ("type", "sscc")),
    "stock": (("sku", "location", "qty"), ("lot", "expiry")),
    "operators": (("badge", "name", "role", "pin"), ("language",)),
}
KINDS = tuple(COLUMNS)
LOCATION_TYPES = ("bin", "bench", "returns", "quarantine", "dock", "staging")
CONTAINER_TYPES = ("tote", "parcel", "pallet", "cart")
LANGUAGES = ("", "en", "zh")
PROGRESS_EVERY = 1000
MAX_LOT = 20
INT64_MAX = 2**63 - 1  # SQLite's INTEGER
_WHOLE = re.compile(r"-?[0-9]+")
_EXTRA = "\0extra"  # a row with more values than the header has columns
_TRUE, _FALSE = ("true", "1", "yes", "y"), ("false", "0", "no", "n", "")


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRefused(EdgeError):
    """The file has bad rows; nothing of it was applied."""

    def __init__(self, kind: str, bad_rows: Sequence[BadRow]) -> None:
        self.kind = kind
        self.bad_rows = sorted(bad_rows, key=lambda b: b.line)
        n = len(self.bad_rows)
        reason = f"{n} bad row{'s' if n != 1 else ''} in the {kind} file; nothing was imported"
        super().__init__("invalid_request", reason=reason)


@dataclass(frozen=True)
class Table:
    """A CSV file's header and its rows, each with the line it started on (header = line 1)."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int
    changed: int

    def summary(self) -> str:
        return f"{self.kind}: {self.rows:,} rows imported ({self.changed:,} new or updated)"


class Bad(Exception):
    """A row's value is wrong; the message is the reason shown to the person importing."""


def read_csv(path: Path) -> Table:
    """Read a UTF-8 CSV file (a BOM is allowed); blank lines are skipped."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = tuple(h.strip() for h in next(reader, []))
        rows, start = [], reader.line_num + 1
        for values in reader:
            if any(v.strip() for v in values):
                row = dict(zip(header, values, strict=False))
                if len(values) > len(header):  # kept to be refused, not silently dropped
                    row[_EXTRA] = str(len(values))
                rows.append((start, row))
            start = reader.line_num + 1
    return Table(header, tuple(rows))


def table_from_rows(rows: Iterable[Mapping[str, object]]) -> Table:
    """A `Table` from Python dicts, numbered as if they were a CSV file with a header."""
    listed = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    header = tuple(listed[0]) if listed else ()
    return Table(header, tuple((i + 2, row) for i, row in enumerate(listed)))


def check_header(kind: str, header: Sequence[str]) -> list[BadRow]:
    """Unknown and missing columns, reported on line 1."""
    required, optional = COLUMNS[kind]
    known = (*required, *optional)
    bad = [
        BadRow(1, f"unknown column {c!r} (expected: {', '.join(known)})")
        for c in header
        if c not in known
    ]
    bad += [BadRow(1, f"missing required column {c!r}") for c in required if c not in header]
    seen = [c for i, c in enumerate(header) if c in header[:i]]
    bad += [BadRow(1, f"column {c!r} appears twice") for c in dict.fromkeys(seen)]
    return bad


# --- values -------------------------------------------------------------------------------


def _width(row: Mapping[str, str], header: Sequence[str]) -> None:
    if _EXTRA in row:
        raise Bad(f"{row[_EXTRA]} values but the header names {len(header)} columns")


# The columns that hold a name (spaces and joiners allowed); every other column holds a code.
_NAMES = frozenset({"name", "name_zh"})


def _text(row: Mapping[str, str], col: str, *, required: bool = False) -> str:
    value = (row.get(col) or "").strip()
    if required and not value:
        raise Bad(f"{col} is empty")
    if (why := (name_problem if col in _NAMES else code_problem)(value)) is not None:
        raise Bad(f"{col} {why}")
    return value


def _int(
    row: Mapping[str, str], col: str, *, default: int | None, minimum: int, maximum: int | None
) -> int:
    """A whole number (ASCII digits) from `minimum` to `maximum` (None: the caller checks);
    `default` None makes the value required."""
    text = _text(row, col, required=default is None)
    if not text:
        return default or 0
    if not _WHOLE.fullmatch(text):
        raise Bad(f"{col} {text[:24]!r} is not a whole number")
    value = int(text)
    if value < minimum:
        raise Bad(
            f"{col} {value} is negative" if value < 0 else f"{col} {value} is below {minimum}"
        )
    if maximum is not None and value > maximum:
        raise Bad(f"{col} {text[:24]} is above {maximum:,}")
    return value


def _bool(row: Mapping[str, str], col: str) -> bool:
    text = _text(row, col).lower()
    if text not in _TRUE + _FALSE:
        raise Bad(f"{col} {text!r} is not true or false (use true, false, yes, no, 1 or 0)")
    return text in _TRUE


def _choice(row: Mapping[str, str], col: str, choices: Sequence[str], *, default: str = "") -> str:
    value = _text(row, col) or default
    if value not in choices:
        raise Bad(f"{col} {value!r} is not one of {', '.join(c for c in choices if c)}")
    return value


def _date(row: Mapping[str, str], col: str) -> str | None:
    text = _text(row, col)
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise Bad(f"{col} {text!r} is not a date like 2025-12-31") from None


# --- records: one kind each, parsed from a row ---------------------------------------------


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    name_zh: str = ""
    weight_g: int = 0
    lot_tracked: bool = False
    expiry_tracked: bool = False
    min_shelf_life_days: int = 0


@dataclass(frozen=True)
class Barcode:
    code: str
    sku: str
    pack_qty: int = 1


@dataclass(frozen=True)
class Location:
    code: str
    type: str
    zone: str = ""
    pick_seq: int = 0


@dataclass(frozen=True)
class Container:
    code: str
    type: str = "tote"
    sscc: str | None = None


@dataclass(frozen=True)
class Opening:
    sku: str
    location: str
    qty: int
    lot: str = ""
    expiry: str | None = None


@dataclass(frozen=True)
class Operator:
    badge: str
    name: str
    role: str
    pin: str
    language: str = ""
    pin_hash: str = ""


Record = Product | Barcode | Location | Container | Opening | Operator

# What must be unique within one file, as (what, value) for the message.
KEYS: dict[str, Callable[[Any], tuple[str, str]]] = {
    "products": lambda p: ("sku", p.sku),
    "barcodes": lambda b: ("barcode", catalog.barcode_key(b.code)),
    "locations": lambda loc: ("location", loc.code),
    "containers": lambda c: ("container", c.code),
    "stock": lambda s: ("stock row", f"{s.sku} at {s.location} lot {s.lot!r}"),
    "operators": lambda op: ("badge", op.badge),
}


def _barcode(row: Mapping[str, str], _: int) -> Barcode:
    code = _text(row, "code", required=True)
    expected = wrong_check_digit(code) if has_gtin_shape(code) else None
    if expected is not None:
        raise Bad(f"barcode {code} has a wrong GTIN check digit (expected {expected})")
    pack_qty = _int(row, "pack_qty", default=1, minimum=1, maximum=100_000)
    return Barcode(code, _text(row, "sku", required=True), pack_qty)


def _container(row: Mapping[str, str], _: int) -> Container:
    sscc = _text(row, "sscc") or None
    if sscc is not None and not is_valid_sscc(sscc):
        raise Bad(f"sscc {sscc} is not an SSCC (18 digits with a correct check digit)")
    code = _text(row, "code", required=True)
    return Container(code, _choice(row, "type", CONTAINER_TYPES, default="tote"), sscc)


def _operator(row: Mapping[str, str], pin_min_length: int) -> Operator:
    pin = _text(row, "pin", required=True)
    try:
        check_pin_format(pin, min_length=pin_min_length)
    except EdgeError:
        raise Bad(f"pin must be {pin_min_length} or more digits") from None
    return Operator(
        _text(row, "badge", required=True),
        _text(row, "name", required=True),
        _choice(row, "role", [r.value for r in Role]),
        pin,
        _choice(row, "language", LANGUAGES),
    )


def _product(row: Mapping[str, str], _: int) -> Product:
    sku, name = _text(row, "sku", required=True), _text(row, "name", required=True)
    weight_g = _int(row, "weight_g", default=0, minimum=0, maximum=10_000_000)
    lot, expiry = _bool(row, "lot_tracked"), _bool(row, "expiry_tracked")
    shelf = _int(row, "min_shelf_life_days", default=0, minimum=0, maximum=36_500)
    return Product(sku, name, _text(row, "name_zh"), weight_g, lot, expiry, shelf)


def _location(row: Mapping[str, str], _: int) -> Location:
    code, type_ = _text(row, "code", required=True), _choice(row, "type", LOCATION_TYPES)
    seq = _int(row, "pick_seq", default=0, minimum=0, maximum=INT64_MAX)
    return Location(code, type_, _text(row, "zone"), seq)


def _opening(row: Mapping[str, str], _: int) -> Opening:
    sku, location = _text(row, "sku", required=True), _text(row, "location", required=True)
    qty = _int(row, "qty", default=None, minimum=1, maximum=None)  # the ledger's own refusal
    lot = _text(row, "lot")
    if len(lot) > MAX_LOT:  # GS1 AI (10): a batch or lot number has at most 20 characters
        raise Bad(f"lot {lot[:24]!r}… is longer than {MAX_LOT} characters")
    return Opening(sku, location, qty, lot, _date(row, "expiry"))


PARSERS: dict[str, Callable[[Mapping[str, str], int], Record]] = {
    "products": _product,
    "barcodes": _barcode,
    "locations": _location,
    "containers": _container,
    "stock": _opening,
    "operators": _operator,
}


def parse_table(
    kind: str, table: Table, *, pin_min_length: int = 4
) -> tuple[list[tuple[int, Any]], list[BadRow]]:
    """Records with their line numbers, and every bad row (header, values, duplicates)."""
    bad = check_header(kind, table.header)
    if bad:
        return [], bad
    records: list[tuple[int, Any]] = []
    first_line: dict[object, int] = {}
    for line, row in table.rows:
        try:
            _width(row, table.header)
            record = PARSERS[kind](row, pin_min_length)
        except Bad as exc:
            bad.append(BadRow(line, str(exc)))
            continue
        key = KEYS[kind](record)
        if key in first_line:
            again = f"duplicate {key[0]} {key[1]!r} in the file (also on line {first_line[key]})"
            bad.append(BadRow(line, again))
            continue
        first_line[key] = line
        records.append((line, record))
    return records, bad


def hash_operator_pins(
    records: list[tuple[int, Operator]], *, cost: int, existing: Mapping[str, str]
) -> list[tuple[int, Operator]]:
    """Hash PINs before the writer command (scrypt is slow); a PIN unchanged keeps its hash."""
    out = []
    for line, op in records:
        stored = existing.get(op.badge)
        if stored is not None and verify_pin(op.pin, stored):
            digest = stored
        else:
            digest = hash_pin(op.pin, salt=os.urandom(16), cost=cost)
        out.append((line, replace(op, pin_hash=digest)))
    return out


# --- applying: each returns True when it added or changed something ---------------------------


def _upsert(current: sqlite3.Row | None, wanted: tuple[Any, ...], write: Callable[[], Any]) -> bool:
    if current is not None and tuple(current) == wanted:
        return False
    write()
    return True


def _apply_product(tx: Tx, p: Product) -> bool:
    current = tx.one(
        "SELECT name, name_zh, weight_g, lot_tracked, expiry_tracked, min_shelf_life_days"
        " FROM products WHERE sku = ?",
        (p.sku,),
    )
    wanted = (
        p.name,
        p.name_zh,
        p.weight_g,
        int(p.lot_tracked),
        int(p.expiry_tracked),
        p.min_shelf_life_days,
    )
    return _upsert(current, wanted, lambda: catalog.upsert_product(tx, **vars(p)))


def _apply_barcode(tx: Tx, b: Barcode) -> bool:
    catalog.require_sku(tx, b.sku)
    key = catalog.barcode_key(b.code)
    current = tx.one("SELECT sku, pack_qty, printed FROM barcodes WHERE code = ?", (key,))
    return _upsert(current, (b.sku, b.pack_qty, b.code), lambda: catalog.add_barcode(tx, **vars(b)))


def _apply_location(tx: Tx, loc: Location) -> bool:
    current = tx.one("SELECT type, zone, pick_seq FROM locations WHERE code = ?", (loc.code,))
    wanted = (loc.type, loc.zone, loc.pick_seq)
    return _upsert(current, wanted, lambda: catalog.upsert_location(tx, **vars(loc)))


def _apply_container(tx: Tx, c: Container) -> bool:
    if c.sscc is not None:
        owner = tx.one("SELECT code FROM containers WHERE sscc = ? AND code != ?", (c.sscc, c.code))
        if owner is not None:
            raise Bad(f"sscc {c.sscc} already belongs to container {owner['code']}")
    current = tx.one("SELECT type, sscc FROM containers WHERE code = ?", (c.code,))
    return _upsert(current, (c.type, c.sscc), lambda: catalog.upsert_container(tx, **vars(c)))


def check_opening(tx: Tx, s: Opening) -> None:
    """Check an opening-stock row against the catalogue and record its lot (raises on a bad row);
    the service receives the stock itself."""
    product = tx.one("SELECT lot_tracked, expiry_tracked FROM products WHERE sku = ?", (s.sku,))
    if product is None:
        raise EdgeError("unknown_sku", sku=s.sku)
    if product["lot_tracked"] and not s.lot:
        raise Bad(f"sku {s.sku} is lot-tracked: give a lot")
    if s.expiry and not s.lot:
        raise Bad("an expiry needs a lot")
    if s.lot:
        catalog.upsert_lot(tx, sku=s.sku, lot=s.lot, expiry=s.expiry)
        known = tx.one("SELECT expiry FROM lots WHERE sku = ? AND lot = ?", (s.sku, s.lot))
        assert known is not None  # upsert_lot has just written it
        if product["expiry_tracked"] and not known["expiry"]:
            raise Bad(f"sku {s.sku} is expiry-tracked: give an expiry")


def _apply_operator(tx: Tx, op: Operator) -> bool:
    current = tx.one(
        "SELECT name, role, pin_hash, language FROM operators WHERE badge = ?", (op.badge,)
    )
    wanted = (op.name, op.role, op.pin_hash, op.language)

    def write() -> None:
        fields = {k: getattr(op, k) for k in ("badge", "name", "role", "pin_hash", "language")}
        add_operator(tx, **fields)

    return _upsert(current, wanted, write)


# What each kind's row writes (True if it changed anything); opening stock is received by the
# service (edge.service.imports), after `check_opening`.
APPLIERS: dict[str, Callable[[Tx, Any], bool]] = {
    "products": _apply_product,
    "barcodes": _apply_barcode,
    "locations": _apply_location,
    "containers": _apply_container,
    "operators": _apply_operator,
}


def pin_hashes(conn: sqlite3.Connection, badges: Sequence[str]) -> dict[str, str]:
    """The stored PIN hashes of those badges that are already enrolled."""
    rows = conn.execute("SELECT badge, pin_hash FROM operators").fetchall()
    wanted = set(badges)
    return {r["badge"]: r["pin_hash"] for r in rows if r["badge"] in wanted}
