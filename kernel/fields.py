"""The input types the routes of the edge and of central declare: each integer with its range,
each text with the length its meaning allows, times with a zone. One place, so OpenAPI shows the
same bounds the code enforces. The edge's stock quantities, bounded by its ledger, are in
`edge.api.fields`.

Body integers are strict: JSON `true`, `"1"` and `1.5` are refused, not coerced. Path and query
integers arrive as text and are parsed whole, within their range (int64 for ids and sequence
numbers, so no value ever overflows SQLite's INTEGER).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated

from fastapi import Query
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
)

from kernel.text import code_problem, name_problem, note_problem

INT64_MAX = 2**63 - 1
PAGE_DEFAULT = 100
PAGE_MAX = 1000

# --- integers in a JSON body (strict); the edge's quantities are in edge/api/fields.py ---
Priority = Annotated[int, Strict(), Field(ge=-1000, le=1000)]
Grams = Annotated[int, Strict(), Field(ge=1, le=100_000)]
Pieces = Annotated[int, Strict(), Field(ge=1, le=99)]

# --- integers in a path or a query (text, parsed whole) ---
Int64Id = Annotated[int, Field(ge=1, le=INT64_MAX)]
Seq = Annotated[int, Field(ge=0, le=INT64_MAX)]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description=f"At most {PAGE_MAX}.")]


# --- what a text may hold (kernel/text.py) ---
def _checked(problem: Callable[[str], str | None]) -> AfterValidator:
    def check(value: str) -> str:
        if (why := problem(value)) is not None:
            raise ValueError(why)
        return value

    return AfterValidator(check)


PRINTABLE = _checked(code_problem)
ONE_LINE = _checked(name_problem)
TEXT = _checked(note_problem)

# --- texts, each as long as its meaning allows ---
Code = Annotated[str, StringConstraints(min_length=1, max_length=64), PRINTABLE]
"""A SKU, a location, a container, an order id: the codes printed on labels."""
OptionalCode = Annotated[str, StringConstraints(max_length=64), PRINTABLE]
Lot = Annotated[str, StringConstraints(max_length=20), PRINTABLE]
"""A batch/lot number: GS1 AI (10) is at most 20 characters."""
GS1_LOT = r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$"
"""What a lot printed as GS1 AI (10) may hold: GS1's character set 82 (no space, no control)."""
Gs1Lot = Annotated[str, StringConstraints(min_length=1, max_length=20, pattern=GS1_LOT)]
"""A lot a supplier announces: it must be printable, and scannable back, as GS1 AI (10)."""
ClientId = Annotated[
    str, StringConstraints(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
]
"""A client-made idempotency key (scan_id, request_id, close_id)."""
Name = Annotated[str, StringConstraints(min_length=1, max_length=80), ONE_LINE]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200), TEXT]
Note = Annotated[str, StringConstraints(max_length=500), TEXT]
Word = Annotated[str, StringConstraints(min_length=1, max_length=32), PRINTABLE]
"""A channel, a workflow, a station, a status filter: short words."""
RawScan = Annotated[str, StringConstraints(max_length=4096)]
"""What a scanner typed: a 2D symbol holds at most a few thousand characters."""


def _to_utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


if TYPE_CHECKING:  # what the route receives is the text the validator returns
    ZonedTime = str
else:
    ZonedTime = Annotated[AwareDatetime, AfterValidator(_to_utc_text)]
"""An ISO 8601 time with its zone (`Z` or `+08:00`), kept as UTC text."""


def _date_text(value: object) -> object:
    if isinstance(value, (int, float)):
        raise ValueError("a date is YYYY-MM-DD text, not a number")
    return value


DateText = Annotated[date, BeforeValidator(_date_text)]
"""A calendar date given as `YYYY-MM-DD` (a JSON number is refused, not read as a timestamp)."""
