"""The scan, writer, pick and floor benches run end to end with tiny parameters and print the JSON that
bench/README.md describes (no timing is asserted: figures on a shared CI machine mean nothing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
MACHINE = {"cores", "python", "sqlite"}
FIGURES = {"throughput_rps", "p50_ms", "p99_ms", "max_ms"}

pytestmark = pytest.mark.slow


def bench(tmp_path: Path, script: str, *args: str) -> dict[str, Any]:
    """Run bench/`script` with `args`; its JSON as written to --out (the same it printed)."""
    out = tmp_path / "report.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert json.loads(done.stdout) == report
    return report


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_the_scan_bench_reports_the_scan_route_beside_the_noop_and_bare_sqlite(
    tmp_path: Path, writer: str
) -> None:
    report = bench(
        tmp_path,
        "scan_bench.py",
        *("--clients", "1", "--seconds", "0.3", "--client", "raw", "--writer", writer),
    )

    by_name = {r["name"]: r for r in report["results"]}
    assert MACHINE <= report.keys() and report["writer"] == writer
    assert by_name.keys() == {"noop", "scan", "sqlite_loop"}
    assert FIGURES | {"requests", "errors"} <= by_name["scan"].keys()
    assert by_name["scan"]["requests"] > 0 and by_name["scan"]["errors"] == 0
    assert by_name["noop"]["requests"] > 0
    split = by_name["scan"]["server_cpu_split_s"]
    assert split.keys() == {"event_loop", "threads", "writer_process"}
    if writer == "thread":  # no writer process to count (a short run may show 0 s for one)
        assert split["writer_process"] == 0


def test_the_writer_bench_reports_the_writer_processs_cpu_a_scan(tmp_path: Path) -> None:
    report = bench(tmp_path, "writer_bench.py", "--batch", "2", "--rounds", "3")

    assert MACHINE <= report.keys()
    assert (report["scans"], report["commits"]) == (6, 8)  # five warm-up batches besides
    assert report["cpu_per_scan_ms"].keys() == {"median", "p10", "mean"}
    assert report["cpu_per_scan_ms"]["median"] > 0


def test_the_pick_bench_reports_every_kind_of_scan_and_a_verified_ledger(tmp_path: Path) -> None:
    report = bench(
        tmp_path, "pick_bench.py", "--clients", "1", "--seconds", "0.5", "--orders", "60"
    )

    (phase,) = report["results"]
    assert MACHINE <= report.keys()
    assert phase["scans"].keys() == {"all", "tote", "location", "item"}
    assert FIGURES <= phase["scans"]["all"].keys()
    assert phase["requests"] > 0 and phase["errors"] == 0
    assert (report["server_exit"], report["verify_ok"]) == (0, True)


def test_the_pick_bench_picks_a_released_single_item_wave_on_carts(tmp_path: Path) -> None:
    # 2 s, not 1: on a loaded CI machine the writer process's start-up and a cart of 20 orders'
    # start took the whole of one second (every order still 'released'); 1,000 orders so that
    # an idle machine (~250 orders a second with one picker) does not run dry
    args = ("--clients", "1", "--seconds", "2", "--orders", "1000", "--single-item")
    report = bench(tmp_path, "pick_bench.py", *args)

    (phase,) = report["results"]
    assert report["single_item"] is True
    assert {"orders_picked", "orders_per_s", "scans_per_order"} <= phase.keys()
    assert phase["requests"] > 0 and phase["errors"] == 0
    assert report["orders_by_status"].keys() & {"picking", "picked"}
    assert (report["server_exit"], report["verify_ok"]) == (0, True)


def test_the_floor_bench_reports_each_role_the_noop_and_the_edges_memory(tmp_path: Path) -> None:
    report = bench(
        tmp_path,
        "floor_bench.py",
        *("--terminals", "8", "--interval", "0.25", "--seconds", "1"),
        # orders to spare: on a busy machine the pickers' closed-loop head start can pick the
        # default seeding dry, and a picker finding no list is counted as an error
        *("--orders", "300"),
    )

    noop, floor = report["results"]
    assert MACHINE | {"load_average_before", "offered_rps", "rss_peak_mb"} <= report.keys()
    assert (noop["name"], floor["name"]) == ("noop", "floor")
    assert floor["by_role"].keys() == {"pick", "pack", "move", "lookup"}
    assert all(r["count"] > 0 for r in floor["by_role"].values()), floor["by_role"]
    assert floor["all"]["errors"] == 0, floor["error_samples"]
    kinds = floor["by_kind"]
    assert {"move", "lookup"} <= kinds.keys()
    assert sum(k["count"] for k in kinds.values()) == floor["all"]["count"]
    assert {"over_10_ms", "share_of_over_10_ms", "p99_ms"} <= kinds["move"].keys()
    late = {"late_p50_ms", "late_p99_ms", "late_max_ms", "late_over_1_ms"}
    assert late <= noop["generator"].keys() and late <= floor["generator"].keys()
    assert report["rss_peak_mb"] > 0
    assert report["writer"] == "process" and report["writer_process_rss_mb"] > 0
    assert 0 < report["pss_mb"] <= report["rss_mb"]
    assert report["targets_met"].keys() == {"p99_under_10_ms", "no_errors", "rss_under_200_mb"}
    assert (report["server_exit"], report["verify_ok"]) == (0, True)


def test_the_soak_bench_samples_the_edge_each_window_and_gives_each_metric_a_verdict(
    tmp_path: Path,
) -> None:
    report = bench(
        tmp_path,
        "soak_bench.py",
        *("--minutes", "0.2", "--sample-s", "2", "--terminals", "8", "--interval", "0.25"),
        *("--orders", "300"),
    )

    metrics = {"rss_mb", "open_fds", "threads", "wal_mb", "outbox_depth", "p50_ms", "p99_ms"}
    metrics |= {"cpu_ms_per_request"}
    samples = report["samples"]
    assert len(samples) >= 4
    assert all(metrics | {"t_min", "requests", "errors", "load_1m"} <= s.keys() for s in samples)
    assert all(s["rss_mb"] > 0 and s["open_fds"] > 0 and s["threads"] > 0 for s in samples)
    assert report["verdicts"].keys() == metrics
    assert {v["verdict"] for v in report["verdicts"].values()} <= {"flat", "grew"}
    assert (report["errors"], report["ran_dry"]) == (0, 0), report["error_samples"]
    assert (report["server_exit"], report["verify_ok"], report["central"]) == (0, True, True)
