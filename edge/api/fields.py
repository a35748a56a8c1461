"""The edge's own input types: stock quantities within the ledger's range, and the configured
limit of one command. The bounds that central declares too come from `kernel.fields`, and are
named here again so that the edge's routes take every input type from one module."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, Strict

from edge.domain.errors import EdgeError
from edge.domain.ledger import MAX_QUANTITY
from kernel.fields import (
    INT64_MAX,
    ONE_LINE,
    PAGE_DEFAULT,
    PAGE_MAX,
    PRINTABLE,
    TEXT,
    ClientId,
    Code,
    Grams,
    Int64Id,
    Limit,
    Lot,
    Name,
    Note,
    OptionalCode,
    Pieces,
    Priority,
    RawScan,
    Reason,
    Seq,
    Word,
    ZonedTime,
)

__all__ = [
    "INT64_MAX",
    "PRINTABLE",
    "ONE_LINE",
    "TEXT",
    "PAGE_DEFAULT",
    "PAGE_MAX",
    "Priority",
    "Grams",
    "Pieces",
    "Int64Id",
    "Seq",
    "Limit",
    "Code",
    "OptionalCode",
    "Lot",
    "ClientId",
    "Name",
    "Reason",
    "Note",
    "Word",
    "RawScan",
    "ZonedTime",
    "Quantity",
    "Delta",
    "within_limit",
]

Quantity = Annotated[int, Strict(), Field(ge=1, le=MAX_QUANTITY)]
"""Units one command moves; the configured `stock.max_quantity` may ask for less."""
Delta = Annotated[int, Strict(), Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
"""A signed change of a bin's stock (zero is refused by the domain: it changes nothing)."""


def within_limit(quantity: int, limit: int) -> None:
    """Refuse a command that moves more than `stock.max_quantity` units at once."""
    if abs(quantity) > limit:
        raise EdgeError("quantity_too_large", quantity=quantity, limit=limit)
