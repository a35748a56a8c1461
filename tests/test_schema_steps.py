"""The first migration, written as readable steps, makes exactly the schema it always made: every
table, index and trigger of a fresh database's sqlite_master, in the same order with the same
SQL text, as dumped from the one-function migration it replaced."""

from __future__ import annotations

import json
from pathlib import Path

from sqlite_utils import Database

from edge.store.schema import m0001_initial

DUMP = Path(__file__).parent / "fixtures" / "schema" / "m0001_initial.json"


def master(db: Database) -> list[list[object]]:
    rows = db.execute(
        "SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid"
    ).fetchall()
    return [list(row) for row in rows]


def test_the_first_migration_makes_the_schema_of_the_stored_dump(tmp_path: Path) -> None:
    db = Database(tmp_path / "fresh.db")
    m0001_initial(db)
    expected = json.loads(DUMP.read_text(encoding="utf-8"))
    assert len(expected) == 65  # 26 tables with their indexes and triggers
    assert master(db) == expected
