"""The storage layer on both backends: migrations, a newer schema refused, concurrent batches of one
edge serialised; and the `--db` URL forms."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.server.central import Central
from central_sync.server.errors import CentralError
from central_sync.store.dialect import DatabaseUrl, parse_db_url
from central_sync.store.schema import SCHEMA_VERSION, migrate, schema_version
from tests.central.support import EdgeSide, move


def test_migrations_run_once_and_leave_the_current_version(central: Central) -> None:
    again = migrate(central.db)

    assert (again, schema_version(central.db)) == (SCHEMA_VERSION, SCHEMA_VERSION)


def test_a_database_from_a_newer_version_is_refused(db_url: str, central: Central) -> None:
    with central.write() as tx:
        tx.execute(
            "UPDATE central_meta SET value = ? WHERE key = 'schema_version'",
            (str(SCHEMA_VERSION + 1),),
        )
    newer = Central(db_url)

    with pytest.raises(CentralError) as refused:
        newer.open()

    newer.close()
    assert (refused.value.code, refused.value.params) == (
        "database_too_new",
        {"found": SCHEMA_VERSION + 1, "known": SCHEMA_VERSION},
    )


def test_readyz_answers_when_the_schema_is_current(client: TestClient, central: Central) -> None:
    resp = client.get("/readyz")

    assert resp.json() == {"ok": True, "schema_version": SCHEMA_VERSION, "backend": central.backend}


def test_the_same_batch_posted_at_once_from_many_connections_is_applied_once(
    edge: EdgeSide, central: Central
) -> None:
    events = [
        edge.event("receipt", move("TEA-0001", 1, "received", "A/on_hand")) for _ in range(50)
    ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: edge.post(events).json(), range(4)))

    assert sorted(a["applied"] for a in answers) == [0, 0, 0, 50]
    assert sorted(a["duplicates"] for a in answers) == [0, 50, 50, 50]
    assert central.stock(sku="TEA-0001")[0]["on_hand"] == 50


def test_a_failed_transaction_leaves_its_connection_usable(central: Central) -> None:
    with pytest.raises(RuntimeError), central.write() as tx:
        tx.execute("INSERT INTO admin_tokens (token_hash, created_at) VALUES ('x', 'y')")
        raise RuntimeError("abandon")

    with central.read() as tx:
        count = tx.value("SELECT COUNT(*) FROM admin_tokens")

    assert count == 0


URLS = [
    ("central.db", DatabaseUrl("sqlite", "central.db")),
    ("sqlite:///data/central.db", DatabaseUrl("sqlite", "data/central.db")),
    ("sqlite:////var/lib/central.db", DatabaseUrl("sqlite", "/var/lib/central.db")),
    (
        "postgresql://u:p@db.local/central",
        DatabaseUrl("postgresql", "postgresql://u:p@db.local/central"),
    ),
    ("postgres://u@127.0.0.1:5433/c", DatabaseUrl("postgresql", "postgres://u@127.0.0.1:5433/c")),
]


@pytest.mark.parametrize(("text", "url"), URLS, ids=[u[0] for u in URLS])
def test_database_urls_are_read_as_a_file_or_a_postgresql_server(text: str, url: Any) -> None:
    assert parse_db_url(text) == url


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mysql://x/y", "scheme mysql:// is not supported (sqlite:/// or postgresql://)"),
        ("", "is empty; give a file path, sqlite:///PATH or postgresql://…"),
        ("sqlite:///", "sqlite:/// needs a file path after it"),
        (
            "postgresql:///db",
            "'postgresql:///db' names no host (postgresql://USER:PASSWORD@HOST/DB)",
        ),
    ],
)
def test_a_wrong_database_url_says_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        parse_db_url(text)

    assert str(refused.value) == message


def test_the_displayed_url_hides_the_password() -> None:
    url = parse_db_url("postgresql://warehouse:secret@127.0.0.1/warehouse_test")

    assert url.display() == "postgresql://warehouse:***@127.0.0.1/warehouse_test"
