"""The writer in its own process ([store] writer = "process", edge/store/writer_process.py):
a named command runs there and is answered after its commit, refusals come back as they were
raised, and a killed writer process is replaced. The routes' behaviour with it is held by the
API tests that run with both writers (WRITERS in tests/test_move_api.py, test_pick_api.py,
test_scan_to_print.py; test_scan_lean_route.py, test_monitoring.py, test_disk_full.py) and
its crash proof by tests/test_crash_bench.py."""

from __future__ import annotations

import fcntl
import os
import pickle
import signal
import socket
import sqlite3
import sys
import time
import types
from collections.abc import Iterator
from concurrent.futures import wait
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from edge.domain.errors import EdgeError
from edge.service.floor import FloorSettings
from edge.store.database import Store, meta_value
from edge.store.importer import BadRow, ImportRefused
from edge.store.scan_answers import Answer
from edge.store.writer import Tx
from edge.store.writer_process import ProcessWriter, WriterGone, turns_file
from tests.servers import run_cli, seed, serve_edge, stopping, write_config


def note(tx: Tx, key: str, value: str) -> int:
    """Write edge_meta[key] and say which process did it."""
    tx.execute(
        "INSERT INTO edge_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )
    return os.getpid()


HELD: list[FloorSettings] = []  # in the writer process: every settings object it was given


def settings_seen(_tx: Tx, settings: FloorSettings, prefix: str) -> tuple[int, int, str]:
    """How many settings objects, and how many distinct ones, this process has been given."""
    HELD.append(settings)
    return len(HELD), len({id(s) for s in HELD}), settings.prefix + prefix


def note_then_refuse(tx: Tx, key: str) -> None:
    note(tx, key, "half")
    raise EdgeError("no_work_session")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "edge.db", writer="process")
    yield s
    s.close()


def stored(store: Store, key: str) -> str | None:
    with closing(sqlite3.connect(store.path)) as conn:
        return meta_value(conn, key)


def test_a_named_command_runs_in_the_writer_process_and_is_answered_after_its_commit(
    store: Store,
) -> None:
    pid = store.writer.submit_call(note, "colour", "green").result()

    assert pid not in (os.getpid(), None)
    assert isinstance(store.writer, ProcessWriter) and pid == store.writer._proc.pid
    assert stored(store, "colour") == "green"  # on disk when the answer came


def test_a_refusal_comes_back_as_raised_and_its_command_leaves_nothing(store: Store) -> None:
    with pytest.raises(EdgeError) as refused:
        store.writer.submit_call(note_then_refuse, "colour").result()

    assert (refused.value.code, refused.value.params) == ("no_work_session", {})
    assert stored(store, "colour") is None


def test_a_refusal_pickles_with_its_code_params_extra_and_own_members() -> None:
    err = EdgeError("over_pick", sku="SKU-1", remaining=2)
    err.extra["line"] = 3
    bad = ImportRefused("products", [BadRow(4, "no sku")])

    again, bad_again = pickle.loads(pickle.dumps(err)), pickle.loads(pickle.dumps(bad))

    assert (again.code, again.params, again.extra, str(again)) == (
        "over_pick",
        {"sku": "SKU-1", "remaining": 2},
        {"line": 3},
        str(err),
    )
    assert (bad_again.code, bad_again.kind, bad_again.bad_rows) == (
        "invalid_request",
        "products",
        [BadRow(4, "no sku")],
    )


def test_an_answer_crosses_as_its_stored_text_and_reads_as_its_replay_would() -> None:
    body = {"ok": True, "at": datetime(2026, 1, 2, tzinfo=UTC), "pair": (1, 2), 3: "x"}

    again = pickle.loads(pickle.dumps(Answer(body, "wrong_item", False), protocol=5))

    stored = '{"ok":true,"at":"2026-01-02 00:00:00+00:00","pair":[1,2],"3":"x"}'
    assert (again, again.text) == (Answer(orjson.loads(stored), "wrong_item", False), stored)


def test_a_command_the_writer_process_cannot_import_is_refused_and_the_next_one_runs(
    store: Store,
) -> None:
    only_here = types.ModuleType("only_in_this_process")
    exec("def fn(tx):\n    return 1\n", only_here.__dict__)
    sys.modules["only_in_this_process"] = only_here
    try:
        with pytest.raises(RuntimeError, match="not a command"):
            store.writer.submit_call(only_here.fn).result()
    finally:
        del sys.modules["only_in_this_process"]

    assert store.writer.submit_call(note, "after", "yes").result() > 0
    assert stored(store, "after") == "yes"


def test_commands_that_cannot_cross_a_process_run_in_this_ones_writer(store: Store) -> None:
    before = store.writer.commands
    local = store.writer.call(lambda tx: note(tx, "here", "1"))
    remote = store.writer.submit_call(note, "there", "2").result()

    assert local == os.getpid() != remote
    assert store.writer.commands == before + 2  # both writers' figures, added up
    assert sum(store.writer.batch_sizes) == store.writer.commits


def test_the_floor_settings_cross_to_the_writer_process_once_not_with_every_scan(
    store: Store,
) -> None:
    assert isinstance(store.writer, ProcessWriter)
    floor, other = FloorSettings(prefix="]"), FloorSettings(prefix="#")

    answers = [store.writer.submit_call(settings_seen, floor, str(i)).result() for i in range(3)]
    changed = store.writer.submit_call(settings_seen, other, "x").result()
    again = store.writer.submit_call(settings_seen, floor, "y").result()

    assert answers == [(1, 1, "]0"), (2, 1, "]1"), (3, 1, "]2")]  # one object, kept
    assert changed == (4, 2, "#x")  # another object (a new config): sent, kept apart
    assert again == (5, 2, "]y")


def test_a_new_writer_process_is_sent_the_kept_settings_again(store: Store) -> None:
    assert isinstance(store.writer, ProcessWriter)
    floor = FloorSettings(prefix="]")
    first = store.writer.submit_call(note, "k", "1").result()
    assert store.writer.submit_call(settings_seen, floor, "a").result() == (1, 1, "]a")

    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while (store.writer._proc.pid == first or not store.writer.alive) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.02)

    assert store.writer.submit_call(settings_seen, floor, "b").result() == (1, 1, "]b")


def test_a_killed_writer_process_is_replaced_and_the_next_command_runs(store: Store) -> None:
    assert isinstance(store.writer, ProcessWriter)
    first = store.writer.submit_call(note, "k", "1").result()

    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while store.writer._proc.pid == first and time.monotonic() < deadline:
        time.sleep(0.02)
    while not store.writer.alive and time.monotonic() < deadline:
        time.sleep(0.02)
    second = store.writer.submit_call(note, "k", "2").result()

    assert second != first
    assert stored(store, "k") == "2"


def test_a_command_sent_while_no_writer_process_runs_is_refused_not_left_waiting(
    store: Store,
) -> None:
    assert isinstance(store.writer, ProcessWriter)
    store.writer._sock.shutdown(socket.SHUT_RDWR)  # as if the writer process had just gone

    with pytest.raises(WriterGone):
        store.writer.submit_call(note, "k", "1").result(timeout=30)


def test_both_writers_wait_their_turn_on_the_turns_lock(store: Store) -> None:
    store.writer.submit_call(note, "warm", "1").result()  # the writer process is up
    held = os.open(turns_file(store.path), os.O_RDWR)
    fcntl.flock(held, fcntl.LOCK_EX)
    try:
        remote = store.writer.submit_call(note, "remote", "1")
        local = store.writer.submit(lambda tx: note(tx, "local", "1"))
        waited = wait([remote, local], timeout=0.5)
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)

    assert waited.done == set()  # neither wrote while another held the turn
    assert remote.result(timeout=30) != local.result(timeout=30)  # two processes wrote
    assert (stored(store, "remote"), stored(store, "local")) == ("1", "1")


def writer_processes(pid: int) -> list[int]:
    """The writer processes server `pid` runs (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if b"edge.store.writer_process" in cmdline:
                found.append(int(child))
    return found


def gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not Path(f"/proc/{pid}").exists() or " Z" in Path(f"/proc/{pid}/stat").read_text():
            return True
        time.sleep(0.05)
    return False


def test_a_served_edge_writes_in_a_writer_process_of_its_own_unless_told_thread(
    tmp_path: Path,
) -> None:

    seed(tmp_path / "edge.db", lambda _tx: None)
    config = write_config(tmp_path)  # no [store] writer: the default
    with stopping(serve_edge(config, tmp_path / "serve.log")) as server:
        (child,) = writer_processes(server.process.pid)
        checked = run_cli("verify", "--config", str(config))  # while it serves

        killed = server.stop(signal.SIGKILL)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert killed == -signal.SIGKILL
    assert gone(child, within_s=10), "the writer process outlived its killed server"
    threaded = write_config(tmp_path, {"store": {"writer": "thread"}})
    with stopping(serve_edge(threaded, tmp_path / "again.log")) as server:  # the lock is free
        assert writer_processes(server.process.pid) == []
        assert server.stop() == 0
