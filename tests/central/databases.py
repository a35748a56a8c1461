"""The two backends for central's contract suite: a SQLite file, or a fresh schema in the test
PostgreSQL (`WAREHOUSE_CENTRAL_TEST_PG`). An unreachable PostgreSQL fails the test, never skips it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

PG_ENV = "WAREHOUSE_CENTRAL_TEST_PG"
PG_DEFAULT = "postgresql://warehouse:warehouse@127.0.0.1:5432/warehouse_test"
BACKENDS = ("sqlite", "postgresql")

_reachable: dict[str, str | None] = {}


def pg_base_url() -> str:
    return os.environ.get(PG_ENV) or PG_DEFAULT


def _pg_error(url: str) -> str | None:
    """None when PostgreSQL answers at `url`, else why not (checked once per run)."""
    if url not in _reachable:
        import psycopg

        try:
            psycopg.connect(url, connect_timeout=5).close()
            _reachable[url] = None
        except Exception as exc:
            _reachable[url] = str(exc).strip().splitlines()[0] if str(exc) else type(exc).__name__
    return _reachable[url]


def with_search_path(url: str, schema: str) -> str:
    """`url` whose connections use `schema` (libpq's options parameter)."""
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options={quote(f'-csearch_path={schema}')}"


@contextmanager
def pg_schema() -> Iterator[str]:
    """A database URL on a new, empty schema, dropped on the way out."""
    import psycopg

    base = pg_base_url()
    error = _pg_error(base)
    if error is not None:
        pytest.fail(
            f"PostgreSQL is unreachable at {base} ({error}). Start it with "
            f"`bash scripts/services.sh` (or point {PG_ENV} at a server); these tests do not skip.",
            pytrace=False,
        )
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(base, schema)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of `backend`; its URL."""
    if backend == "sqlite":
        yield str(tmp_path / "central.db")
    else:
        with pg_schema() as url:
            yield url
