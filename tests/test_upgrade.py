"""Upgrades in place: the edge's and central's databases of every release kept under
tests/fixtures/releases/ (made by scripts/make_release_fixture.py) migrate with today's code,
keep every row of every table, and the edge's ledger verifies; a database from a newer release
is refused by name, the edge's and central's alike, and left as it was."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from central_sync.cli import cli as central_cli
from central_sync.server.central import Central
from central_sync.store.schema import SCHEMA_VERSION
from edge.cli.main import cli as edge_cli
from edge.store.database import Store
from edge.store.schema import MIGRATIONS
from edge.store.verify import open_read_only, verify

RELEASES = sorted((Path(__file__).parent / "fixtures" / "releases").iterdir())


def unpacked(release: Path, name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    with gzip.open(release / f"{name}.gz", "rb") as packed, target.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return target


def manifest(release: Path) -> dict[str, Any]:
    return json.loads((release / "manifest.json").read_text())


def row_counts(db: Path) -> dict[str, int]:
    with closing(sqlite3.connect(db)) as conn:
        names = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for (t,) in names}


def schema(db: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()


def kept(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int | None]]:
    """The tables of `before` whose rows are not all there `after` (a migration's own table,
    which gains a row per migration, aside)."""
    lost = {t: (n, after.get(t)) for t, n in before.items() if after.get(t, -1) < n}
    return {t: counts for t, counts in lost.items() if t != "_sqlite_migrations"}


def test_every_kept_release_is_small_and_says_what_it_holds() -> None:
    for release in RELEASES:
        made = manifest(release)

        assert {p.name for p in release.iterdir()} == {
            "edge.db.gz",
            "central.db.gz",
            "manifest.json",
        }
        assert max((release / n).stat().st_size for n in ("edge.db.gz", "central.db.gz")) < 2**21
        assert made["edge_rows"]["movements"] > 0 and made["central_rows"]["orders"] > 0


@pytest.mark.parametrize("release", RELEASES, ids=lambda p: p.name)
def test_an_edge_database_of_a_release_migrates_keeping_every_row_and_verifies(
    release: Path, tmp_path: Path
) -> None:
    db = unpacked(release, "edge.db", tmp_path)
    before = row_counts(db)

    Store(db).close()

    assert before == manifest(release)["edge_rows"]
    assert kept(before, row_counts(db)) == {}
    with closing(open_read_only(db)) as conn:
        assert verify(conn) == []
        applied = [n for (n,) in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert applied[-1] == MIGRATIONS._migrations[-1].name


@pytest.mark.parametrize("release", RELEASES, ids=lambda p: p.name)
def test_a_central_database_of_a_release_migrates_keeping_every_row(
    release: Path, tmp_path: Path
) -> None:
    db = unpacked(release, "central.db", tmp_path)
    before = row_counts(db)
    central = Central(f"sqlite:///{db}")

    try:
        version = central.open()
    finally:
        central.close()

    assert before == manifest(release)["central_rows"]
    assert kept(before, row_counts(db)) == {}
    assert version == SCHEMA_VERSION


def test_the_edge_refuses_a_database_of_a_newer_release_naming_both_and_changes_nothing(
    tmp_path: Path,
) -> None:
    db = unpacked(RELEASES[-1], "edge.db", tmp_path)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('warehouse-edge', '9999_from_the_future', '2099-01-01 00:00:00+00:00')"
        )
    before = (row_counts(db), schema(db))

    result = CliRunner().invoke(edge_cli, ["init", "--data-dir", str(tmp_path)])

    assert result.exit_code == 1
    last = MIGRATIONS._migrations[-1].name
    assert "error: database_too_new: " in result.output
    assert "(migration 9999_from_the_future) than this one (warehouse-edge " in result.output
    assert f", migrations up to {last}); nothing was changed." in result.output
    assert (row_counts(db), schema(db)) == before  # (the file may have turned to WAL mode)


def test_central_refuses_a_database_of_a_newer_release_naming_both_and_changes_nothing(
    tmp_path: Path,
) -> None:
    db = unpacked(RELEASES[-1], "central.db", tmp_path)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE central_meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    before = row_counts(db)

    result = CliRunner().invoke(central_cli, ["init", "--db", f"sqlite:///{db}"])

    assert result.exit_code == 1
    assert (
        f"The database is at schema version {SCHEMA_VERSION + 1}, newer than this program "
        f"knows ({SCHEMA_VERSION}). Upgrade warehouse-central." in result.output
    )
    assert row_counts(db) == before


@pytest.mark.parametrize("release", RELEASES, ids=lambda p: p.name)
def test_verify_checks_a_release_s_database_as_it_is_without_migrating_it(
    release: Path, tmp_path: Path
) -> None:
    """A backup made by an older release, checked before it is restored: verify opens it
    read-only and reads what that release had (no retention tables yet), changing nothing."""
    db = unpacked(release, "edge.db", tmp_path)
    before = (row_counts(db), schema(db))

    with closing(open_read_only(db)) as conn:
        found = verify(conn)

    assert found == []
    assert (row_counts(db), schema(db)) == before
