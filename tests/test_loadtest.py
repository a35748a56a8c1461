"""`warehouse-edge loadtest` against a real `warehouse-edge serve` syncing (its own agent) to a
real central on SQLite: handhelds pick, pack and receive returns through the public routes while
buyers flood central, the summary's figures and verdict; bad options refused before anything is
seeded; Ctrl-C ends with the summary of what ran."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.config import Settings
from edge.domain.operator import Role
from edge.loadtest.buyers import oversold
from edge.loadtest.run import failures, split
from edge.service.rehearsal import Plan, seed
from edge.store.database import Store
from tests.central.servers import CentralServer, add_edge, running_central
from tests.servers import (
    EdgeServer,
    clean_env,
    run_cli,
    serve_edge,
    stopping,
    venv_script,
    write_config,
)

KEYS = {
    "scans",
    "scans_per_s",
    "scan_to_feedback",
    "errors",
    "errors_by_code",
    "outbox",
    "edge_memory",
    "edge_oversold",
    "oversells",
    "units_picked",
    "parcels_packed",
    "returns_closed",
    "ok",
}
QUIET = {"logging": {"level": "WARNING"}}


def bench_config(data_dir: Path, sections: dict[str, dict[str, object]] | None = None) -> Path:
    """edge.toml (quiet, `sections` over it) with a pack bench whose printer writes files."""
    path = write_config(data_dir, QUIET | (sections or {}))
    labels = json.dumps(str(data_dir / "labels"))
    with path.open("a", encoding="utf-8") as f:
        f.write('\n[[stations]]\nname = "BENCH-01"\ntype = "pack_bench"\n')
        f.write(
            f'\n[[printers]]\nname = "p-01"\nkind = "file"\nstation = "BENCH-01"\npath = {labels}\n'
        )
    return path


@dataclass
class Rehearsal:
    """A central on SQLite and an edge syncing to it (the agent inside `serve`)."""

    edge: EdgeServer
    central: CentralServer


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rehearsal]:
    data_dir = tmp_path_factory.mktemp("rehearsal")
    db = str(data_dir / "central.db")
    with running_central(db, data_dir) as central:
        token = add_edge(db, "edge-1")
        synced = {"url": central.url, "token": token, "sync_interval_s": 0.5, "long_poll_s": 2}
        config = bench_config(data_dir, {"central": synced})
        with stopping(serve_edge(config, data_dir / "serve.log")) as edge:
            yield Rehearsal(edge, central)


def loadtest(server: EdgeServer, *args: str) -> subprocess.CompletedProcess[str]:
    base = ["loadtest", "--edge", server.url, "--config", str(server.config_path)]
    return run_cli(*base, *args, timeout=180)


def test_handhelds_and_a_flood_of_buyers_at_central_end_with_no_error_no_oversell_and_all_synced(
    rehearsal: Rehearsal, tmp_path: Path
) -> None:
    out, edge, central = tmp_path / "report.json", rehearsal.edge, rehearsal.central
    flood = ["--central", central.url, "--central-token", central.admin_token, "--buyers", "200"]

    done = loadtest(
        edge,
        "--terminals",
        "5",
        "--duration",
        "5",
        "--think",
        "0.02",
        "--hot-stock",
        "20",
        *flood,
        "--json",
        str(out),
    )

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(out.read_text())
    assert KEYS <= set(report)
    assert report["scans"] > 20 and report["errors"] == 0, report["error_samples"]
    assert report["units_picked"] > 0 and report["returns_closed"] > 0
    assert report["parcels_packed"] > 0 and report["pack_benches"] == ["BENCH-01"]
    assert set(report["scan_to_feedback"]) == {"p50_ms", "p95_ms", "p99_ms", "max_ms"}
    orders = report["orders"]
    assert (orders["buyers"], orders["taken"], orders["released"]) == (200, 200, 60)
    assert orders["reached_edge"]["at_edge"] == 60
    assert report["oversells"] == 0 and report["edge_oversold"]["skus_checked"] == 43
    assert report["central_oversold"] == {"below_zero": {}, "released_beyond_stock": {}, "units": 0}
    assert report["outbox"]["drained"] is True and report["outbox"]["left"] == 0
    assert report["edge_memory"]["pid"] == edge.process.pid and report["edge_memory"]["rss_mb"] > 0
    assert "scans/s" in done.stderr and "orders in 200" in done.stderr  # a progress line a second
    assert "PASS" in done.stdout and "oversells        0" in done.stdout
    verified = run_cli("verify", "--db", str(edge.db_path))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def lt_products(db_path: Path) -> int:
    with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)) as conn:
        return int(
            conn.execute("SELECT COUNT(*) FROM products WHERE sku LIKE 'LT-%'").fetchone()[0]
        )


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--terminals", "2"),
        ("--terminals", "5000"),
        ("--duration", "0"),
        ("--think", "-1"),
        ("--drain-timeout", "0"),
        ("--format", "xml"),
    ],
)
def test_an_option_out_of_range_is_refused_before_anything_is_seeded(
    tmp_path: Path, option: str, value: str
) -> None:
    config = bench_config(tmp_path)

    done = CliRunner().invoke(
        cli, ["loadtest", "--edge", "http://127.0.0.1:9", "--config", str(config), option, value]
    )

    assert done.exit_code == 2
    assert f"Invalid value for '{option}'" in done.output
    assert not (tmp_path / "edge.db").exists()


NOBODY = "http://127.0.0.1:9"  # the discard port: nothing listens


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        ([], 1, f"no edge answers at --edge {NOBODY}"),
        (["--edge", "https://edge.local:8443"], 2, "the load generator speaks plain HTTP"),
        (["--central", NOBODY, "--central-token", "t"], 2, "central.url is empty in its config"),
        (["--central", NOBODY], 2, "--central needs central's admin token"),
    ],
    ids=["edge not answering", "https", "edge not syncing", "no central token"],
)
def test_a_run_that_cannot_work_is_refused_with_the_reason_before_anything_is_seeded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], status: int, said: str
) -> None:
    monkeypatch.delenv("WAREHOUSE_CENTRAL_ADMIN_TOKEN", raising=False)
    config = bench_config(tmp_path)

    done = CliRunner().invoke(cli, ["loadtest", "--edge", NOBODY, "--config", str(config), *args])

    assert done.exit_code == status
    assert said in done.output
    assert not (tmp_path / "edge.db").exists()


def test_ctrl_c_stops_the_terminals_and_prints_the_summary_of_what_ran(
    rehearsal: Rehearsal,
) -> None:
    edge = rehearsal.edge
    cmd = [venv_script("warehouse-edge"), "loadtest", "--edge", edge.url]
    cmd += ["--config", str(edge.config_path), "--terminals", "3", "--duration", "600"]
    proc = subprocess.Popen(
        [str(c) for c in cmd],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env("WAREHOUSE_EDGE_"),
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    while "running for" not in proc.stderr.readline() and time.monotonic() < deadline:
        pass
    time.sleep(1.5)

    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)

    assert proc.returncode == 130, out + err
    assert "(interrupted)" in out and "scans" in out and "FAIL" in out
    assert lt_products(edge.db_path) >= 40


def test_an_edge_without_a_pack_bench_is_seeded_with_its_returns_shipped(
    store: Store, settings: Settings
) -> None:
    # the edge.toml install-systemd places has no [[stations]]: no packers, returns clerks still
    terminals = split(6, packing=False)
    plan = Plan(run="ab12", terminals=terminals, orders=4, returns=3)

    rehearsal = seed(store, settings, plan)

    assert terminals[Role.PACKER] == 0
    shipped = store.read().execute(
        "SELECT id, status FROM orders WHERE id IN (?, ?, ?) ORDER BY id", list(rehearsal.returns)
    )
    assert [status for _, status in shipped] == ["shipped"] * 3
    assert {h.role for h in rehearsal.handhelds} == {Role.PICKER, Role.RETURNS}


def test_central_figures_below_zero_and_releases_beyond_the_stock_count_as_oversold() -> None:
    rows = [
        {"warehouse": "edge-1", "sku": "HOT-1", "available": -2},
        {"warehouse": "edge-2", "sku": "HOT-1", "available": 3},
        {"warehouse": "edge-1", "sku": "OTHER", "available": -9},  # not the buyers' SKU
    ]

    found = oversold(rows, ["HOT-1", "HOT-2"], {"HOT-1": 5, "HOT-2": 4}, Counter({"HOT-2": 6}))

    assert found == {
        "below_zero": {"edge-1/HOT-1": -2},
        "released_beyond_stock": {"HOT-2": 2},
        "units": 4,
    }


def test_a_run_fails_for_each_broken_promise_and_says_which() -> None:
    report = {
        "oversells": 3,
        "errors": 1,
        "outbox": {"drained": False, "left": 7},
        "orders": {"reached_edge": {"released": 10, "at_edge": 8}},
        "interrupted": False,
    }

    assert failures(report) == [
        "3 units oversold",
        "1 requests failed",
        "the outbox did not drain (7 events left)",
        "2 released orders never reached the edge",
    ]
    clean = report | {"oversells": 0, "errors": 0, "outbox": {"drained": None}, "orders": {}}
    assert failures(clean) == []
