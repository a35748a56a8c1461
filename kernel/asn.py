"""An advance shipping notice (ASN) as central's API, central's CSV upload and a standalone edge's
`warehouse-edge asns import` read it: one model, one CSV layout, the same checks everywhere
(docs/central.md, "Advance shipping notices"). Pure: text in, models or row errors out.

The CSV has a header row and one row per expected line (UTF-8):

    asn_id,warehouse,supplier,expected_date,sku,qty,lot,expiry,sscc,container_kind

Rows with the same asn_id form one ASN, its lines in row order. warehouse, supplier and
expected_date may be left empty after an ASN's first row (they are the first row's). A row with
an `sscc` says that line's units travel in that container (pallet or carton, default pallet);
rows naming the same SSCC are one mixed container.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from biip import ParseError
from biip.sscc import Sscc
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    model_validator,
)

from kernel.fields import DateText, Gs1Lot

MAX_LINES = 500
MAX_CONTAINERS = 500
MAX_CSV_ROWS = 10_000
MAX_QTY = 10**9  # the edge's ledger bound (edge.domain.ledger.MAX_QUANTITY)
ASN_ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
CSV_COLUMNS = (
    "asn_id", "warehouse", "supplier", "expected_date", "sku", "qty", "lot", "expiry", "sscc",
    "container_kind",
)  # fmt: skip
REQUIRED_COLUMNS = ("asn_id", "supplier", "sku", "qty")
HEADER_FIELDS = ("warehouse", "supplier", "expected_date")


def _sscc(value: str) -> str:
    try:
        Sscc.parse(value)
    except ParseError as exc:
        raise ValueError(f"not a valid SSCC: {exc}") from None
    return value


SsccCode = Annotated[
    str,
    StringConstraints(min_length=18, max_length=18, pattern=r"^[0-9]{18}$"),
    AfterValidator(_sscc),
]
"""18 digits with a correct GS1 check digit (the pallet label's AI 00)."""


class ExpectedUnits(BaseModel):
    """Units of one SKU expected: on an ASN line, or in a container."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1, max_length=64)
    qty: Annotated[int, Strict()] = Field(ge=1, le=MAX_QTY)
    lot: Gs1Lot | None = None
    expiry: DateText | None = None


class ExpectedContainer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sscc: SsccCode
    kind: Literal["pallet", "carton"] = "pallet"
    contents: list[ExpectedUnits] = Field(min_length=1, max_length=MAX_LINES)


class AsnIn(BaseModel):
    """An ASN: the supplier's delivery announced to one warehouse (an edge)."""

    model_config = ConfigDict(extra="forbid")

    asn_id: str = Field(min_length=1, max_length=64, pattern=ASN_ID_PATTERN)
    warehouse: str | None = Field(
        default=None, min_length=1, max_length=64, description="The edge it is addressed to."
    )
    supplier: str = Field(min_length=1, max_length=200)
    expected_date: DateText | None = None
    lines: list[ExpectedUnits] = Field(min_length=1, max_length=MAX_LINES)
    containers: list[ExpectedContainer] = Field(default=[], max_length=MAX_CONTAINERS)

    @model_validator(mode="after")
    def _containers_match(self) -> AsnIn:
        seen: set[str] = set()
        skus = {ln.sku for ln in self.lines}
        for i, c in enumerate(self.containers):
            if c.sscc in seen:
                raise ValueError(f"containers.{i}.sscc {c.sscc} appears twice")
            seen.add(c.sscc)
            for j, unit in enumerate(c.contents):
                if unit.sku not in skus:
                    raise ValueError(
                        f"containers.{i}.contents.{j}.sku {unit.sku} is on none of the lines"
                    )
        return self


def document(asn: AsnIn) -> dict[str, Any]:
    """The ASN as the change feed carries it (`asn_upserted`) and the edge stores it."""

    def units(u: ExpectedUnits) -> dict[str, Any]:
        expiry = u.expiry.isoformat() if u.expiry else None
        return {"sku": u.sku, "qty": u.qty, "lot": u.lot, "expiry": expiry}

    return {
        "asn_id": asn.asn_id,
        "supplier": asn.supplier,
        "expected_date": asn.expected_date.isoformat() if asn.expected_date else None,
        "lines": [{"line_no": n} | units(ln) for n, ln in enumerate(asn.lines, 1)],
        "containers": [
            {"sscc": c.sscc, "kind": c.kind, "contents": [units(u) for u in c.contents]}
            for c in asn.containers
        ],
    }


def first_problem(exc: ValidationError) -> tuple[tuple[Any, ...], str]:
    """Where (a path into the ASN) and what, of a validation error's first fault."""
    first = exc.errors()[0]
    where = tuple(first["loc"])
    message = str(first["msg"]).removeprefix("Value error, ")
    if not where and " " in message and "." in message.split(" ")[0]:  # _containers_match
        path, _, message = message.partition(" ")
        where = tuple(int(p) if p.isdigit() else p for p in path.split("."))
    return where, message


# --- the CSV layout


@dataclass(frozen=True)
class RowError:
    row: int  # the file's line number (the header is line 1)
    field: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.reason}"


@dataclass
class ParsedAsn:
    """An ASN read from CSV rows and the row each of its parts came from."""

    asn: AsnIn
    line_rows: list[int]
    container_rows: list[int]

    def row_of(self, where: tuple[Any, ...]) -> int:
        """The row a fault at `where` (a path into the ASN) points at."""
        if len(where) > 1 and where[0] == "lines" and isinstance(where[1], int):
            return self.line_rows[min(where[1], len(self.line_rows) - 1)]
        if len(where) > 1 and where[0] == "containers" and isinstance(where[1], int):
            return self.container_rows[min(where[1], len(self.container_rows) - 1)]
        return self.line_rows[0]


@dataclass
class _Group:
    asn_id: str
    header: dict[str, str]
    rows: list[int] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    container_rows: dict[str, int] = field(default_factory=dict)


def parse_csv(text: str) -> tuple[list[ParsedAsn], list[RowError]]:
    """The ASNs of the file that read well and the faults of its rows (each with its line
    number). A file with any fault imports nothing: the caller refuses it whole."""
    reader = csv.DictReader(text.lstrip("\ufeff").splitlines())
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [], [RowError(1, ", ".join(missing), "column missing from the header row")]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        return [], [RowError(1, ", ".join(unknown), f"unknown column; use {CSV_COLUMNS}")]
    groups: dict[str, _Group] = {}
    errors: list[RowError] = []
    for number, raw in enumerate(reader, start=2):
        if number - 1 > MAX_CSV_ROWS:
            return [], [RowError(number, "file", f"more than {MAX_CSV_ROWS} rows")]
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        errors += _take_row(groups, number, row)
    asns: list[ParsedAsn] = []
    for group in groups.values():
        if not group.lines:  # its every row is refused already
            continue
        parsed = _asn_of(group)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        else:
            asns.append(parsed)
    errors.sort(key=lambda e: e.row)
    return asns, errors


def _take_row(groups: dict[str, _Group], number: int, row: dict[str, str]) -> list[RowError]:
    asn_id = row.get("asn_id", "")
    if not asn_id:
        return [RowError(number, "asn_id", "is empty")]
    group = groups.setdefault(asn_id, _Group(asn_id, {k: row.get(k, "") for k in HEADER_FIELDS}))
    for key in HEADER_FIELDS:
        given = row.get(key, "")
        if given and group.header[key] and given != group.header[key]:
            first = group.rows[0] if group.rows else number
            return [RowError(number, key, f"differs from row {first} of ASN {asn_id}")]
        group.header[key] = group.header[key] or given
    qty_text = row.get("qty", "")
    try:
        qty: Any = int(qty_text)
    except ValueError:
        return [RowError(number, "qty", f"must be a whole number, got {qty_text!r}")]
    unit = {"sku": row.get("sku", ""), "qty": qty}
    for key in ("lot", "expiry"):
        if row.get(key):
            unit[key] = row[key]
    group.rows.append(number)
    group.lines.append(unit)
    sscc = row.get("sscc", "")
    if sscc:
        kind = row.get("container_kind") or "pallet"
        container = group.containers.setdefault(sscc, {"sscc": sscc, "kind": kind, "contents": []})
        group.container_rows.setdefault(sscc, number)
        if container["kind"] != kind:
            first = group.container_rows[sscc]
            return [RowError(number, "container_kind", f"differs from row {first}")]
        container["contents"].append(unit)
    elif row.get("container_kind"):
        return [RowError(number, "container_kind", "given without an sscc")]
    return []


def _asn_of(group: _Group) -> ParsedAsn | RowError:
    body: dict[str, Any] = {k: v for k, v in group.header.items() if v}
    body |= {"asn_id": group.asn_id, "lines": group.lines}
    body["containers"] = list(group.containers.values())
    parsed = ParsedAsn(
        asn=AsnIn.model_construct(),
        line_rows=group.rows,
        container_rows=list(group.container_rows.values()),
    )
    try:
        parsed.asn = AsnIn.model_validate(body)
    except ValidationError as exc:
        where, reason = first_problem(exc)
        return RowError(parsed.row_of(where), csv_column(where), reason)
    return parsed


def csv_column(where: tuple[Any, ...]) -> str:
    """The CSV column a fault at `where` is about (contents map back to their row's column)."""
    names = [p for p in where if isinstance(p, str)]
    column = names[-1] if names else "asn_id"
    return {"lines": "sku", "containers": "sscc", "contents": "sku"}.get(column, column)
