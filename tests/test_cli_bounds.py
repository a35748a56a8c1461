"""`warehouse-edge verify` and `warehouse-central verify-demand` on a database changed from
outside (a table dropped, a value of the wrong type written by hand, a file that is not SQLite,
a folder, a locked file, no file): each stops with a non-zero exit and a message in English and
Chinese naming what to do, never a traceback, and leaves the file as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from central_sync.cli import cli as central_cli
from central_sync.server.central import Central
from edge.cli.main import cli as edge_cli
from tests.support import migrated_copy


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def changed_by_hand(*sql: str) -> Callable[[Path], None]:
    def change(path: Path) -> None:
        conn = sqlite3.connect(path)
        conn.executescript(";".join(sql))
        conn.close()

    return change


def not_sqlite(path: Path) -> None:
    path.write_bytes(b"name,qty\nSKU-1,3\n" * 100)


def empty(path: Path) -> None:
    path.write_bytes(b"")


def folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def gone(path: Path) -> None:
    path.unlink()


EDGE_BROKEN: dict[str, tuple[Callable[[Path], None], int]] = {
    "movements dropped": (changed_by_hand("DROP TABLE movements"), 2),
    "not SQLite": (not_sqlite, 2),
    "an empty file": (empty, 2),
    "no file": (gone, 2),
    "a balance of text": (
        changed_by_hand(
            "INSERT INTO balances(sku, location, container, lot, bucket, qty)"
            " VALUES ('X', 'A-01-01', '', '', 'on_hand', 'abc')",
        ),
        1,
    ),
}


@pytest.mark.parametrize("kind", list(EDGE_BROKEN))
def test_edge_verify_on_a_database_changed_from_outside_stops_clearly_and_changes_nothing(
    tmp_path: Path, kind: str
) -> None:
    db = migrated_copy(tmp_path / "edge.db")
    change, exit_code = EDGE_BROKEN[kind]
    change(db)
    before = digest(db)

    result = CliRunner().invoke(edge_cli, ["verify", "--db", str(db)])

    assert result.exit_code == exit_code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    if exit_code == 2:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in result.stderr), result.stderr
    else:
        assert "balances sku=X" in result.stdout
    assert digest(db) == before


@contextmanager
def held_exclusively(path: Path) -> Iterator[None]:
    """Another process's write lock on `path` (rollback journal) for the duration."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_edge_verify_on_a_locked_database_stops_naming_the_lock_in_both_languages(
    tmp_path: Path,
) -> None:
    db = migrated_copy(tmp_path / "edge.db")

    with held_exclusively(db):
        result = CliRunner().invoke(edge_cli, ["verify", "--db", str(db)])

    assert result.exit_code == 2, result.output
    assert "locked" in result.stderr and "锁定" in result.stderr


@pytest.fixture
def central_db(tmp_path: Path) -> Path:
    path = tmp_path / "central.db"
    central = Central(f"sqlite:///{path}")
    central.open()
    central.close()
    return path


CENTRAL_BROKEN: dict[str, Callable[[Path], None]] = {
    "open_demand dropped": changed_by_hand("DROP TABLE open_demand"),
    "not SQLite": not_sqlite,
    "a folder": folder,
    "no file": gone,
}


@pytest.mark.parametrize("kind", list(CENTRAL_BROKEN))
def test_central_verify_demand_on_a_database_changed_from_outside_stops_clearly(
    central_db: Path, kind: str
) -> None:
    CENTRAL_BROKEN[kind](central_db)
    before = digest(central_db)

    result = CliRunner().invoke(central_cli, ["verify-demand", "--db", str(central_db)])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stderr.startswith("Error: "), result.stderr
    assert digest(central_db) == before  # a check makes no database where there was none


PRODUCTS = "sku,name,weight_g\n"
# A file a person might give `warehouse-edge import products`, and what the answer must name.
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "a weight past int64": (
        f"{PRODUCTS}SKU-9,Tea,{2**64}\n".encode(),
        "weight_g 18446744073709551616 is above 10,000,000",
    ),
    "an RTL override in a SKU": (
        f"{PRODUCTS}SKU\u202e-9,Tea,1\n".encode(),
        "sku holds U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
    "an escape in a name": (f"{PRODUCTS}SKU-9,T\x1b[31mea,1\n".encode(), "name holds U+001B"),
    "a number in Arabic-Indic digits": (
        f"{PRODUCTS}SKU-9,Tea,\u0661\n".encode(),
        "weight_g '\u0661' is not a whole number",
    ),
    "GB18030": (f"{PRODUCTS}SKU-9,茶叶,1\n".encode("gb18030"), "CSV UTF-8"),
    "UTF-16": (f"{PRODUCTS}SKU-9,Tea,1\n".encode("utf-16"), "CSV UTF-8"),
    "a binary file": (bytes(range(256)) * 40, "CSV UTF-8"),
    "a missing column": (b"sku\nSKU-9\n", "missing required column 'name'"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_an_import_file_a_person_might_give_is_refused_naming_the_fix_and_imports_nothing(
    tmp_path: Path, kind: str
) -> None:
    db = migrated_copy(tmp_path / "edge.db")
    content, named = BAD_FILES[kind]
    (tmp_path / "products.csv").write_bytes(content)
    before = kept(db)

    result = CliRunner().invoke(
        edge_cli, ["import", "products", str(tmp_path / "products.csv"), "--db", str(db)]
    )

    assert result.exit_code == 1, result.output
    assert named in result.stderr
    assert "未导入任何内容" in result.stderr
    assert kept(db) == before


def kept(db: Path) -> list[list[tuple[object, ...]]]:
    """The catalogue and the outbox, as an import would change them."""
    conn = sqlite3.connect(db)
    found = [conn.execute(f"SELECT * FROM {t}").fetchall() for t in ("products", "outbox")]
    conn.close()
    return found


def test_an_import_with_a_byte_order_mark_and_cjk_names_is_taken(tmp_path: Path) -> None:
    db = migrated_copy(tmp_path / "edge.db")
    (tmp_path / "p.csv").write_bytes(f"\ufeff{PRODUCTS}SKU-9,龙井\u3000绿茶,160\n".encode())

    result = CliRunner().invoke(
        edge_cli, ["import", "products", str(tmp_path / "p.csv"), "--db", str(db)]
    )

    assert result.exit_code == 0, result.output
    assert sqlite3.connect(db).execute("SELECT name FROM products").fetchall() == [
        ("龙井\u3000绿茶",)
    ]


SAMPLES = Path(__file__).resolve().parents[1] / "central_sync" / "channels" / "samples"
BAD_EXPORTS: dict[str, bytes] = {
    "nested 100000 deep": b"[" * 100_000 + b"]" * 100_000,
    "NaN": b'{"trade_fullinfo_get_response": {"trade": {"tid": NaN}}}',
    "a binary file": bytes(range(256)) * 40,
    "GB18030": (SAMPLES / "taobao.json").read_text(encoding="utf-8").encode("gb18030"),
}


@pytest.mark.parametrize("kind", list(BAD_EXPORTS))
def test_a_channel_export_that_is_not_strict_json_is_refused_in_both_languages(
    central_db: Path, tmp_path: Path, kind: str
) -> None:
    (tmp_path / "export.json").write_bytes(BAD_EXPORTS[kind])
    args = ["import-orders", str(tmp_path / "export.json"), "--channel", "taobao"]

    result = CliRunner().invoke(central_cli, [*args, "--db", str(central_db)])

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "is not a JSON file" in result.stderr and "不是 JSON 文件" in result.stderr
    assert sqlite3.connect(central_db).execute("SELECT COUNT(*) FROM orders").fetchone() == (0,)


def test_a_channel_export_with_a_byte_order_mark_is_read(central_db: Path, tmp_path: Path) -> None:
    (tmp_path / "export.json").write_bytes(b"\xef\xbb\xbf" + (SAMPLES / "taobao.json").read_bytes())
    args = ["import-orders", str(tmp_path / "export.json"), "--channel", "taobao"]

    result = CliRunner().invoke(central_cli, [*args, "--db", str(central_db)])

    assert "orders mapped and sent to the store" in result.output, result.output


# An option out of its range stops at the command line (exit 2), before anything runs.
OUT_OF_RANGE: dict[str, tuple[Any, list[str]]] = {
    "listen --baud -5": (edge_cli, ["devices", "listen", "/dev/null", "--baud", "-5"]),
    "listen --baud 2^64": (edge_cli, ["devices", "listen", "/dev/null", "--baud", str(2**64)]),
    "listen --seconds nan": (edge_cli, ["devices", "listen", "/dev/null", "--seconds", "nan"]),
    "listen --seconds inf": (edge_cli, ["devices", "listen", "/dev/null", "--seconds", "inf"]),
    "scale --seconds nan": (edge_cli, ["devices", "scale", "/dev/null", "--seconds", "nan"]),
    "count-result 2^63": (edge_cli, ["stock", "count-result", str(2**63), "--found", "1"]),
    "count-result --found 2^63": (edge_cli, ["stock", "count-result", "1", "--found", str(2**63)]),
    "demo --port 70000": (edge_cli, ["demo", "--port", "70000"]),
    "loadtest --duration nan": (edge_cli, ["loadtest", "--duration", "nan"]),
    "loadtest --think inf": (edge_cli, ["loadtest", "--think", "inf"]),
    "central serve --busy-timeout nan": (central_cli, ["serve", "--busy-timeout", "nan"]),
    "edges list --quiet-after nan": (central_cli, ["edges", "list", "--quiet-after", "nan"]),
}


@pytest.mark.parametrize("case", list(OUT_OF_RANGE))
def test_an_option_out_of_its_range_is_refused_before_the_command_runs(case: str) -> None:
    cli, args = OUT_OF_RANGE[case]

    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Invalid value for" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 40, f"{PRODUCTS}SKU-9,茶叶,1\n".encode("gb18030"), b"sku,name\n\xff\n"],
    ids=["binary", "GB18030", "a stray byte"],
)
def test_central_catalog_import_of_a_file_that_is_not_utf8_is_refused_in_both_languages(
    central_db: Path, tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "products.csv").write_bytes(content)
    args = ["catalog", "import", str(tmp_path / "products.csv"), "--db", str(central_db)]

    result = CliRunner().invoke(central_cli, args)

    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "CSV UTF-8" in result.stderr and "未导入任何内容" in result.stderr
    assert sqlite3.connect(central_db).execute("SELECT COUNT(*) FROM products").fetchone() == (0,)
