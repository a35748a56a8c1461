"""The crash proof's short variant (bench/crash_bench.py; the long run is `--iterations 1000`,
docs/reliability.md): the edge, central on SQLite and on PostgreSQL, and the sync agent, each a
real process SIGKILLed at random moments and restarted on the same database; nothing
acknowledged is lost or doubled. Each test then shows its check can fail: a loss planted after
the run is counted."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Any

import pytest

from bench.crash_bench import (
    CENTRAL_ENTRY,
    EDGE_ENTRY,
    CentralCrash,
    EdgeCrash,
    Launcher,
    SyncCrash,
)
from tests.central.databases import pg_schema

pytestmark = pytest.mark.slow

FAILURES = ("lost", "duplicates", "half_applied", "verify_failures", "replay_mismatches")


@pytest.fixture(scope="module")
def edge_launcher() -> Iterator[Launcher]:
    """One parent that imported the edge, forking its servers and sync agents for every test."""
    with Launcher("warehouse-edge", EDGE_ENTRY) as launcher:
        yield launcher


@pytest.fixture(scope="module")
def central_launcher() -> Iterator[Launcher]:
    with Launcher("warehouse-central", CENTRAL_ENTRY) as launcher:
        yield launcher


def assert_survived(report: dict[str, Any], iterations: int) -> None:
    assert report["problems"] == []
    assert {k: report[k] for k in FAILURES} == dict.fromkeys(FAILURES, 0)
    assert report["iterations_survived"] == iterations
    assert report["acknowledged"] > 0
    assert report["ok"] is True


def test_every_scan_answered_before_ten_sigkills_of_the_edge_is_in_the_ledger_once(
    tmp_path: Path, edge_launcher: Launcher
) -> None:
    crash = EdgeCrash(tmp_path, 3, random.Random(), edge_launcher)
    report = crash.run(10, max_kill_s=0.4, verify_every=5, sample=3)

    assert_survived(report, 10)
    assert report["replayed"] == 30
    assert report["verify_command_runs"] == 3

    crash.acked["answered-but-never-applied"] = {}
    crash.check()
    assert crash.tally.lost == 1


@pytest.mark.parametrize("victim", ["server", "writer"])
def test_with_the_writer_process_every_scan_answered_before_a_sigkill_is_in_the_ledger_once(
    tmp_path: Path, edge_launcher: Launcher, victim: str
) -> None:
    crash = EdgeCrash(tmp_path, 3, random.Random(), edge_launcher, writer="process", victim=victim)
    report = crash.run(2, max_kill_s=0.6, verify_every=2, sample=3)

    assert_survived(report, 2)
    assert report["replayed"] == 6
    if victim == "writer":  # the scans it held were answered 500 and retried by their scan_id
        assert report["retried_after_kill"] > 0

    crash.acked["answered-but-never-applied"] = {}
    crash.check()
    assert crash.tally.lost == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_order_and_event_batch_central_acknowledged_survives_its_sigkills(
    tmp_path: Path, backend: str, central_launcher: Launcher
) -> None:
    with ExitStack() as stack:
        db = (
            stack.enter_context(pg_schema())
            if backend == "postgresql"
            else str(tmp_path / "central.db")
        )
        crash = CentralCrash(tmp_path, db, backend, random.Random(), central_launcher)
        report = crash.run(2, shoppers=3, max_kill_s=0.5)
        crash.orders["C999999999"] = "crash:C999999999"
        crash.check(command=False)

    assert_survived(report, 2)
    assert report["verify_command_runs"] == 1  # at the end; its code in-process after each kill
    assert report["oversold"] == 0
    assert report["events_acknowledged"] >= 3  # the opening stock at least
    assert crash.tally.lost == 1  # the planted order


def test_the_sync_agent_killed_mid_batch_delivers_every_event_once_in_order(
    tmp_path: Path, edge_launcher: Launcher
) -> None:
    crash = SyncCrash(tmp_path, random.Random(), edge_launcher)
    report = crash.run(3, events=120, max_kill_s=0.8)

    assert_survived(report, 3)
    assert report["events_at_central"] == report["events_made"] == 360

    with closing(sqlite3.connect(crash.central_db)) as conn, conn:
        conn.execute("DELETE FROM events WHERE seq = (SELECT MAX(seq) FROM events)")
    crash.check(whole=True)
    assert crash.tally.lost == 1
