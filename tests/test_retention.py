"""Retention on real SQLite files: the outbox loses only events central acknowledged past the
age, behind a low-water mark that verify understands; the ledger's archive writes old movements
to a checksummed file and carries their sums forward, so balances still equal the ledger."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.retention_bench import run as retention_bench
from edge.api.app import create_app
from edge.cli.main import cli
from edge.config import load_settings
from edge.config.retention import RetentionSettings
from edge.domain.stock import MoveStock, ReceiveStock
from edge.service.retention import archive_ledger, prune, pruned_through
from edge.service.stock import move, receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.ledger import Actor, movement_hash
from edge.store.retention import prune_outbox
from edge.store.sync_state import mark_delivered
from edge.store.verify import Problem, open_read_only, verify
from edge.store.writer import Tx

NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=90)
RETAIN = RetentionSettings(outbox_days=30, prune_batch=10)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "edge.db")
    s.writer.call(catalogue)
    yield s
    s.close()


def catalogue(tx: Tx) -> None:
    catalog.upsert_product(tx, sku="SKU-1", name="Green tea 100g")
    for code in ("A-01", "A-02"):
        catalog.upsert_location(tx, code=code, type="bin")


def receipts(store: Store, n: int, *, at: datetime = LONG_AGO) -> None:
    """`n` receipts of one unit into A-01, each its own event (seq 1..n of epoch 1)."""
    for _ in range(n):
        store.writer.call(
            lambda tx: receive(tx.as_of(at), ReceiveStock("SKU-1", "A-01", 1), Actor())
        )


def acknowledge(store: Store, through_seq: int, *, at: datetime) -> None:
    """Central's high water reached `through_seq` at `at`."""
    store.writer.call(lambda tx: mark_delivered(tx.as_of(at), [{"epoch": 1, "seq": through_seq}]))


def seqs(store: Store) -> list[int]:
    return [r[0] for r in store.read().execute("SELECT seq FROM outbox ORDER BY seq")]


def problems(store: Store) -> list[Problem]:
    with closing(open_read_only(store.path)) as conn:
        return verify(conn)


def balances(store: Store) -> list[tuple[Any, ...]]:
    sql = "SELECT sku, location, container, lot, bucket, qty FROM balances ORDER BY 1, 2, 3, 4, 5"
    return [tuple(r) for r in store.read().execute(sql)]


# --- the outbox ----------------------------------------------------------------------------


def test_only_events_central_acknowledged_past_the_age_are_pruned_and_verify_passes(
    store: Store,
) -> None:
    receipts(store, 10)
    acknowledge(store, 6, at=LONG_AGO)
    acknowledge(store, 7, at=NOW)  # acknowledged yesterday: kept; 8-10 not acknowledged: kept

    pruned = prune(store, RETAIN)

    assert pruned == 6
    assert seqs(store) == [7, 8, 9, 10]
    assert pruned_through(store) == {1: 6}
    assert problems(store) == []


def test_the_newest_event_of_an_epoch_stays_so_the_next_one_numbers_on(store: Store) -> None:
    receipts(store, 5)
    acknowledge(store, 5, at=LONG_AGO)

    prune(store, RETAIN)
    receipts(store, 1, at=NOW)

    assert seqs(store) == [5, 6]
    assert pruned_through(store) == {1: 4}
    assert problems(store) == []


def test_one_prune_transaction_takes_at_most_its_batch(store: Store) -> None:
    receipts(store, 25)
    acknowledge(store, 25, at=LONG_AGO)

    first = store.writer.call(lambda tx: prune_outbox(tx, older_than=timedelta(days=30), limit=10))

    assert first == 10
    assert seqs(store)[0] == 11
    assert prune(store, RETAIN) == 14  # the rest, ten at a time
    assert seqs(store) == [25]


def test_an_outbox_days_of_0_keeps_every_event(store: Store) -> None:
    receipts(store, 5)
    acknowledge(store, 5, at=LONG_AGO)

    assert prune(store, RetentionSettings(outbox_days=0)) == 0
    assert seqs(store) == [1, 2, 3, 4, 5]


def test_verify_still_names_an_event_missing_above_the_low_water_mark(store: Store) -> None:
    receipts(store, 10)
    acknowledge(store, 5, at=LONG_AGO)
    prune(store, RETAIN)
    with closing(sqlite3.connect(store.path)) as conn, conn:
        conn.execute("DELETE FROM outbox WHERE seq = 8")

    found = [str(p) for p in problems(store)]

    assert found == [
        "movements id=8: its outbox event epoch=1 seq=8 is missing",
        "outbox epoch=1 seq=8: missing: seq jumps from 7 to 9",
    ]


# --- the ledger's archive ------------------------------------------------------------------


def history(store: Store) -> None:
    """Ten receipts and five moves three months ago, two receipts last week, one today; all
    acknowledged but today's."""
    receipts(store, 10)
    for _ in range(5):
        store.writer.call(
            lambda tx: move(tx.as_of(LONG_AGO), MoveStock("SKU-1", "A-01", "A-02", 1), Actor())
        )
    receipts(store, 2, at=NOW - timedelta(days=7))
    acknowledge(store, 17, at=NOW - timedelta(days=6))
    receipts(store, 1, at=NOW)


def test_archiving_the_ledger_writes_a_checksummed_file_and_balances_still_equal_it(
    store: Store, tmp_path: Path
) -> None:
    history(store)
    before = balances(store)
    out = tmp_path / "ledger-2026.jsonl"

    done = archive_ledger(store, before=NOW - timedelta(days=30), out=out)

    assert (done.rows, done.first_id, done.through_id) == (15, 1, 15)
    lines = out.read_text().splitlines()
    header, rows = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert (header["through_id"], header["previous_hash"], len(rows)) == (15, "", 15)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == done.sha256
    assert (tmp_path / "ledger-2026.jsonl.sha256").read_text() == f"{done.sha256}  {out.name}\n"
    chained = ""
    for row in rows:  # the file carries the hash chain: each row checks against the one before
        assert movement_hash(chained, row) == row["hash"]
        chained = row["hash"]
    assert [r[0] for r in store.read().execute("SELECT id FROM movements")] == [16, 17, 18]
    assert balances(store) == before
    assert problems(store) == []


def test_the_ledger_goes_on_after_an_archive_and_a_second_archive_continues_the_chain(
    store: Store, tmp_path: Path
) -> None:
    history(store)
    archive_ledger(store, before=NOW - timedelta(days=30), out=tmp_path / "first.jsonl")
    receipts(store, 3, at=NOW)
    acknowledge(store, 21, at=NOW)

    second = archive_ledger(store, before=NOW + timedelta(days=1), out=tmp_path / "second.jsonl")

    header = json.loads((tmp_path / "second.jsonl").read_text().splitlines()[0])
    first_rows = (tmp_path / "first.jsonl").read_text().splitlines()
    assert header["previous_hash"] == json.loads(first_rows[-1])["hash"]
    assert (second.first_id, second.through_id) == (16, 20)  # 21, the newest, stays
    assert problems(store) == []


def test_movements_whose_events_central_has_not_acknowledged_stay_in_the_ledger(
    store: Store, tmp_path: Path
) -> None:
    receipts(store, 4)
    acknowledge(store, 2, at=LONG_AGO)

    done = archive_ledger(store, before=NOW, out=tmp_path / "a.jsonl")

    assert done.through_id == 2
    assert [r[0] for r in store.read().execute("SELECT id FROM movements")] == [3, 4]
    assert problems(store) == []


def test_movements_stay_append_only_for_everything_but_the_archive(store: Store) -> None:
    receipts(store, 2)

    with closing(sqlite3.connect(store.path)) as conn, pytest.raises(sqlite3.IntegrityError):
        conn.execute("DELETE FROM movements WHERE id = 1")


def test_the_server_prunes_in_the_background_from_its_start(tmp_path: Path) -> None:
    overrides = {"edge.data_dir": tmp_path, "report.schedule": "", "retention.outbox_days": 30}
    config = load_settings(env={}, overrides=overrides)
    store = Store(config.db_path, edge_id=config.edge.id)
    store.writer.call(catalogue)
    receipts(store, 5)
    acknowledge(store, 5, at=LONG_AGO)

    try:
        with TestClient(create_app(config, store=store)):
            deadline = time.monotonic() + 30
            while seqs(store) != [5] and time.monotonic() < deadline:
                time.sleep(0.05)
        pruned = (seqs(store), pruned_through(store))
    finally:
        store.close()

    assert pruned == ([5], {1: 4})


# --- by hand, from the command line --------------------------------------------------------


def test_the_commands_prune_and_archive_and_say_what_they_did(store: Store, tmp_path: Path) -> None:
    history(store)
    config = tmp_path / "edge.toml"
    config.write_text(
        f'[edge]\ndata_dir = "{tmp_path}"\n[retention]\noutbox_days = 5\nprune_batch = 10\n'
    )
    out = tmp_path / "old.jsonl"
    runner = CliRunner()

    pruned = runner.invoke(cli, ["retention", "prune", "--config", str(config)])
    archived = runner.invoke(
        cli,
        ["ledger", "archive", "--before", f"{NOW - timedelta(days=30):%Y-%m-%d}", "--out", str(out)]
        + ["--config", str(config)],
    )
    again = runner.invoke(
        cli,
        ["ledger", "archive", "--before", "2000-01-01", "--out", str(out), "--config", str(config)],
    )

    assert pruned.output.splitlines() == [
        "pruned 17 acknowledged outbox events (kept: 5 days)",
        "  epoch 1: events up to seq 17 pruned",
    ]
    assert archived.exit_code == 0, archived.output
    assert archived.output.startswith(f"archived movements 1..15 (15) to {out} (sha256 ")
    assert (again.exit_code, again.output) == (
        1,
        f"Error: {out} exists; give a new file for --out\n",
    )
    assert problems(store) == []


# --- a property: whatever the order, verify holds and balances do not move -----------------

STEPS = st.lists(
    st.sampled_from(["receive", "move", "acknowledge", "prune", "archive"]), min_size=1, max_size=20
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the catalogue, copied for each example (migrating is slow)."""
    path = tmp_path_factory.mktemp("template") / "edge.db"
    made = Store(path)
    made.writer.call(catalogue)
    made.close()  # checkpointed: the file alone holds it
    return path


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=STEPS)
def test_any_mix_of_scans_acknowledgements_prunes_and_archives_keeps_the_ledger_sound(
    tmp_path_factory: pytest.TempPathFactory, template: Path, steps: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("mix")
    shutil.copy(template, folder / "edge.db")
    store = Store(folder / "edge.db")
    in_a01 = 0
    try:
        for n, step in enumerate(steps):
            if step == "receive" or (step == "move" and in_a01 == 0):
                receipts(store, 1)
                in_a01 += 1
            elif step == "move":
                store.writer.call(
                    lambda tx: move(
                        tx.as_of(LONG_AGO), MoveStock("SKU-1", "A-01", "A-02", 1), Actor()
                    )
                )
                in_a01 -= 1
            elif step == "acknowledge" and seqs(store):
                acknowledge(store, max(seqs(store)), at=LONG_AGO)
            elif step == "prune":
                prune(store, RetentionSettings(outbox_days=1, prune_batch=10))
            elif step == "archive":
                before = balances(store)
                archive_ledger(store, before=NOW, out=folder / f"archive-{n}.jsonl")
                assert balances(store) == before
            assert problems(store) == [], steps[: n + 1]
    finally:
        store.close()


def test_the_retention_bench_reports_batches_archive_and_a_sound_ledger() -> None:
    report = retention_bench(events=120, batch=50)

    assert (report["pruned"], report["archived_movements"], report["verify_problems"]) == (
        119,
        119,
        0,
    )
    assert report["batch_hold_ms_max"] >= report["batch_hold_ms_p50"] > 0
