"""Importing master data and opening stock from CSV: every row checked, then all or nothing.

A file is read into a `Table`, parsed row by row into records (bad values collected, not
raised), then validated against the store and applied in ONE writer command. Each row runs in
its own savepoint so that one bad row does not hide the next; if any row is bad the command
raises `ImportRefused` and its savepoint takes the whole file back out. Opening stock is
received through the stock service, like any receipt.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from edge.domain.errors import EdgeError
from edge.domain.stock import ReceiveStock
from edge.service.stock import receive
from edge.store.database import Store
from edge.store.importer import (
    APPLIERS,
    PROGRESS_EVERY,
    Bad,
    BadRow,
    ImportRefused,
    ImportResult,
    Opening,
    Table,
    check_opening,
    hash_operator_pins,
    parse_table,
    pin_hashes,
    read_csv,
)
from edge.store.ledger import Actor
from edge.store.writer import Tx

Progress = Callable[[int, int], None]


def _apply_opening(tx: Tx, s: Opening) -> bool:
    check_opening(tx, s)
    receive(tx, ReceiveStock(s.sku, s.location, s.qty, lot=s.lot), Actor())
    return True


def _applier(kind: str) -> Callable[[Tx, Any], bool]:
    return _apply_opening if kind == "stock" else APPLIERS[kind]


def apply_records(
    tx: Tx,
    kind: str,
    records: Sequence[tuple[int, Any]],
    *,
    bad: Sequence[BadRow] = (),
    progress: Progress | None = None,
) -> ImportResult:
    """Check every record against the store and apply it; any bad row raises `ImportRefused`.

    Run this as one writer command: the raise rolls the command's savepoint back, whole.
    """
    found, changed, apply = list(bad), 0, _applier(kind)
    for done, (line, record) in enumerate(records, start=1):
        try:
            with tx.savepoint():
                changed += apply(tx, record)
        except Bad as exc:
            found.append(BadRow(line, str(exc)))
        except EdgeError as exc:
            found.append(BadRow(line, exc.message("en")))
        except sqlite3.IntegrityError as exc:
            found.append(BadRow(line, f"refused by the database: {exc}"))
        if progress and done % PROGRESS_EVERY == 0:
            progress(done, len(records))
    if found:
        raise ImportRefused(kind, found)
    return ImportResult(kind, len(records), changed)


def import_table(
    store: Store,
    kind: str,
    table: Table,
    *,
    pin_cost: int = 14,
    pin_min_length: int = 4,
    progress: Progress | None = None,
) -> ImportResult:
    """Parse, check and apply `table` as `kind` in one writer command; raises `ImportRefused`."""
    records, bad = parse_table(kind, table, pin_min_length=pin_min_length)
    if any(b.line == 1 for b in bad):  # a bad header: the rows cannot be read at all
        raise ImportRefused(kind, bad)
    if kind == "operators":
        if bad:  # nothing to check in the store: refuse before paying for the hashes
            raise ImportRefused(kind, bad)
        badges = [op.badge for _, op in records]
        existing = pin_hashes(store.read(), badges)
        records = hash_operator_pins(records, cost=pin_cost, existing=existing)
    return store.writer.call(
        lambda tx: apply_records(tx, kind, records, bad=bad, progress=progress)
    )


def import_file(store: Store, kind: str, path: Path, **options: Any) -> ImportResult:
    """`import_table` on a CSV file."""
    return import_table(store, kind, read_csv(path), **options)
