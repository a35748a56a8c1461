"""`verify` on real SQLite files: a sound ledger is green, every hand edit is named by its row."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from edge.domain.stock import AdjustStock, FreezeStock, MoveStock, ReceiveStock
from edge.service.stock import adjust, freeze, move, receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor, movement_hash
from edge.store.verify import Counts, counts, verify
from edge.store.writer import Tx

CLI = Path(sys.executable).with_name("warehouse-edge")

# What the ledger fixture leaves, for reading the expected problems below:
#   movement/event 1: receive 10 × SKU-1 into A-01
#   movement/event 2: receive 5 × SKU-2 into A-02
#   movement/event 3: move 3 × SKU-1 A-01 → A-02
#   movement/event 4: adjust SKU-1 at A-01 by -1
#   movement/event 5: freeze 2 × SKU-2 A-02 → Q-01
# balances: SKU-1 A-01 on_hand 6, SKU-1 A-02 on_hand 3, SKU-2 A-02 on_hand 3, SKU-2 Q-01 frozen 2
SKU1_A01 = "sku=SKU-1 location=A-01 container='' lot=''"
SKU1_A02 = "sku=SKU-1 location=A-02 container='' lot=''"
SKU2_A01 = "sku=SKU-2 location=A-01 container='' lot=''"
SKU2_A02 = "sku=SKU-2 location=A-02 container='' lot=''"
SKU2_Q01 = "sku=SKU-2 location=Q-01 container='' lot=''"
HASH_BROKEN = "hash does not match the row's columns and the hash before it (edited by hand?)"


def allocation_sql(line_allocated: int, allocated: int) -> str:
    """An order line for SKU-1 with its `qty_allocated`, and an allocation row at A-01."""
    return (
        "INSERT INTO orders (id, channel, channel_order_id, status, created_at, updated_at)"
        " VALUES ('O-1', 'web', '1001', 'released', '2025-01-01T00:00Z', '2025-01-01T00:00Z');"
        "INSERT INTO order_lines (id, order_id, line_no, sku, qty_ordered, qty_allocated)"
        f" VALUES ('L-1', 'O-1', 1, 'SKU-1', 8, {line_allocated});"
        "INSERT INTO allocations (order_line_id, sku, location, qty)"
        f" VALUES ('L-1', 'SKU-1', 'A-01', {allocated});"
    )


def build_ledger(tx: Tx) -> None:
    catalog.upsert_product(tx, sku="SKU-1", name="Green tea 100g")
    catalog.upsert_product(tx, sku="SKU-2", name="Jasmine tea 50g")
    for code, kind in (("A-01", "bin"), ("A-02", "bin"), ("Q-01", "quarantine")):
        catalog.upsert_location(tx, code=code, type=kind)
    receive(tx, ReceiveStock("SKU-1", "A-01", 10), Actor())
    receive(tx, ReceiveStock("SKU-2", "A-02", 5), Actor())
    move(tx, MoveStock("SKU-1", "A-01", "A-02", 3), Actor())
    adjust(tx, AdjustStock("SKU-1", "A-01", -1, "count"), Actor(), request_id="adj-1")
    freeze(tx, FreezeStock("SKU-2", "A-02", 2, "damaged", target="Q-01"), Actor())


@pytest.fixture
def ledger(store: Store) -> Store:
    store.writer.call(build_ledger)
    return store


def by_hand(path: Path, sql: str) -> None:
    """What a person with the sqlite3 shell would do, triggers and CHECKs notwithstanding."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.executescript(sql)
    finally:
        conn.close()


def problems(store: Store) -> list[str]:
    return [str(p) for p in verify(store.read())]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "verify", *args], capture_output=True, text=True, timeout=60)


def test_a_sound_ledger_has_no_problems(ledger: Store) -> None:
    found = problems(ledger)

    assert (found, counts(ledger.read())) == ([], Counts(movements=5, balances=4, events=5))


TAMPERS = [
    pytest.param(
        "UPDATE balances SET qty = 7 WHERE sku = 'SKU-1' AND location = 'A-01';",
        [f"balances {SKU1_A01} bucket=on_hand: qty 7 but its movements sum to 6"],
        id="a balance edited by hand",
    ),
    pytest.param(
        "DROP TRIGGER movements_no_delete; DELETE FROM movements WHERE id = 3;",
        [
            f"balances {SKU1_A01} bucket=on_hand: qty 6 but its movements sum to 9",
            f"balances {SKU1_A02} bucket=on_hand: qty 3 but its movements sum to 0",
            "movements id=3: missing: ids jump from 2 to 4 (deleted?)",
            "outbox epoch=1 seq=3: lists movement 3, which does not exist",
        ],
        id="a deleted movement",
    ),
    pytest.param(
        "DROP TRIGGER movements_no_delete; DELETE FROM movements WHERE id = 5;",
        [
            f"balances {SKU2_A02} bucket=on_hand: qty 3 but its movements sum to 5",
            f"balances {SKU2_Q01} bucket=frozen: qty 2 but its movements sum to 0",
            "outbox epoch=1 seq=5: lists movement 5, which does not exist",
        ],
        id="the newest movement deleted",
    ),
    pytest.param(
        "DROP TRIGGER movements_no_update; UPDATE movements SET qty = 4 WHERE id = 3;",
        [
            f"balances {SKU1_A01} bucket=on_hand: qty 6 but its movements sum to 5",
            f"balances {SKU1_A02} bucket=on_hand: qty 3 but its movements sum to 4",
            f"movements id=3: {HASH_BROKEN}",
        ],
        id="a movement's qty altered",
    ),
    pytest.param(
        "DROP TRIGGER movements_no_update; UPDATE movements SET sku = 'SKU-2' WHERE id = 3;",
        [
            f"balances {SKU1_A01} bucket=on_hand: qty 6 but its movements sum to 9",
            f"balances {SKU1_A02} bucket=on_hand: qty 3 but its movements sum to 0",
            f"balances {SKU2_A01} bucket=on_hand: no balance row but its movements sum to -3",
            f"balances {SKU2_A02} bucket=on_hand: qty 3 but its movements sum to 6",
            f"movements id=3: {HASH_BROKEN}",
        ],
        id="a movement's sku altered",
    ),
    pytest.param(
        "DROP TRIGGER movements_no_update; UPDATE movements SET reason = 'found' WHERE id = 4;",
        [f"movements id=4: {HASH_BROKEN}"],
        id="a movement's reason altered",
    ),
    pytest.param(
        allocation_sql(8, 8),
        [f"allocations {SKU1_A01}: allocated 8 is above on_hand 6"],
        id="allocated above on_hand",
    ),
    pytest.param(
        allocation_sql(2, 5),
        ["order_lines id=L-1: qty_allocated 2 but its allocations sum to 5"],
        id="a line's qty_allocated not its allocations",
    ),
    pytest.param(
        "PRAGMA ignore_check_constraints = ON;"
        "UPDATE balances SET qty = -1 WHERE sku = 'SKU-2' AND location = 'Q-01';",
        [
            f"balances {SKU2_Q01} bucket=frozen: qty -1 but its movements sum to 2",
            f"balances {SKU2_Q01} bucket=frozen: qty -1 is negative",
        ],
        id="a negative bucket",
    ),
    pytest.param(
        "DELETE FROM outbox WHERE seq = 5;",
        ["movements id=5: its outbox event epoch=1 seq=5 is missing"],
        id="a movement without its outbox event",
    ),
    pytest.param(
        "UPDATE outbox SET payload = json_set(payload, '$.movements', json('[]')) WHERE seq = 4;",
        ["movements id=4: its outbox event epoch=1 seq=4 does not list it"],
        id="an event that no longer lists its movement",
    ),
    pytest.param(
        "UPDATE outbox SET payload = '{not json' WHERE seq = 4;",
        [
            "outbox epoch=1 seq=4: payload is not valid JSON",
            "movements id=4: its outbox event epoch=1 seq=4 does not list it",
        ],
        id="an event payload that is not JSON",
    ),
    pytest.param(
        "DELETE FROM outbox WHERE seq IN (2, 3);",
        [
            "movements id=2: its outbox event epoch=1 seq=2 is missing",
            "movements id=3: its outbox event epoch=1 seq=3 is missing",
            "outbox epoch=1 seq=2..3: missing: seq jumps from 1 to 4",
        ],
        id="a gap in outbox seq",
    ),
]


@pytest.mark.parametrize(("sql", "expected"), TAMPERS)
def test_each_hand_edit_is_reported_naming_its_row(
    ledger: Store, sql: str, expected: list[str]
) -> None:
    by_hand(ledger.path, sql)

    found = problems(ledger)

    assert found == expected


def test_an_altered_row_with_a_recomputed_hash_breaks_the_link_of_the_next_row(
    ledger: Store,
) -> None:
    conn = ledger.read()
    first_hash = conn.execute("SELECT hash FROM movements WHERE id = 1").fetchone()[0]
    altered = dict(conn.execute("SELECT * FROM movements WHERE id = 2").fetchone()) | {
        "reason": "x"
    }
    forged = movement_hash(first_hash, altered)
    by_hand(
        ledger.path,
        "DROP TRIGGER movements_no_update;"
        f"UPDATE movements SET reason = 'x', hash = '{forged}' WHERE id = 2;",
    )

    found = problems(ledger)

    assert found == [f"movements id=3: {HASH_BROKEN}"]


def test_progress_is_reported_every_n_movements_of_the_chain_walk(ledger: Store) -> None:
    calls: list[tuple[int, int]] = []

    verify(ledger.read(), lambda done, total: calls.append((done, total)), every=2)

    assert calls == [(2, 5), (4, 5)]


def test_the_cli_prints_ok_and_exits_0_on_a_sound_ledger_without_touching_the_file(
    ledger: Store,
) -> None:
    ledger.close()
    before = hashlib.sha256(ledger.path.read_bytes()).hexdigest()

    result = run_cli("--db", str(ledger.path))

    assert (result.returncode, result.stdout) == (
        0,
        "OK: 5 movements, 4 balances, 5 events checked\n",
    )
    assert hashlib.sha256(ledger.path.read_bytes()).hexdigest() == before


def test_the_cli_prints_each_problem_and_exits_1(ledger: Store) -> None:
    by_hand(ledger.path, "UPDATE balances SET qty = 7 WHERE sku = 'SKU-1' AND location = 'A-01';")
    by_hand(ledger.path, "DELETE FROM outbox WHERE seq = 5;")

    result = run_cli("--db", str(ledger.path))

    assert (result.returncode, result.stdout.splitlines()) == (
        1,
        [
            f"balances {SKU1_A01} bucket=on_hand: qty 7 but its movements sum to 6",
            "movements id=5: its outbox event epoch=1 seq=5 is missing",
        ],
    )


def test_the_cli_finds_the_database_through_the_config(ledger: Store, tmp_path: Path) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(f'[edge]\ndata_dir = "{ledger.path.parent}"\n')

    result = run_cli("--config", str(config))

    assert (result.returncode, result.stdout) == (
        0,
        "OK: 5 movements, 4 balances, 5 events checked\n",
    )


def test_the_cli_exits_2_naming_a_missing_database(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "edge.db"

    result = run_cli("--db", str(missing))

    assert (result.returncode, result.stdout) == (2, "")
    assert str(missing) in result.stderr
    assert not missing.parent.exists()


def test_the_cli_exits_2_naming_a_bad_config_key(tmp_path: Path) -> None:
    config = tmp_path / "edge.toml"
    config.write_text("[edge]\nno_such_key = 1\n")

    result = run_cli("--config", str(config))

    assert (result.returncode, result.stdout) == (2, "")
    assert "edge.no_such_key" in result.stderr


def test_the_cli_exits_2_on_a_file_that_is_not_an_edge_database(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("not a database\n")

    result = run_cli("--db", str(junk))

    assert (result.returncode, result.stdout) == (2, "")
    assert f"cannot open database {junk}: file is not a database" in result.stderr
