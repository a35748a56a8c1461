"""What a Prometheus scraping a real edge sees: after a good scan, a refused one and a printed
label, every family docs/monitoring.md lists is there with values that add up; and the Grafana
dashboard and the alert rules in docs/ name only metrics the edge exports (`promtool check rules`
passes on the rules where Debian's prometheus package put promtool on PATH)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.printer_fake import FakeZebra
from tests.servers import free_port, seed, serve_edge, stopping, write_config
from tests.support import Floor, seed_floor

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "docs" / "grafana" / "warehouse-edge.json"
ALERTS = ROOT / "docs" / "prometheus" / "alerts.yml"
# A metric name in a PromQL expression (the edge's all start with edge_).
METRIC = re.compile(r"\bedge_[a-z0-9_]+\b")


@dataclass
class Scraped:
    families: dict[str, Any]  # family name → prometheus_client Metric
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]  # (sample name, labels) → value

    def value(self, name: str, **labels: str) -> float:
        return self.samples[(name, tuple(sorted(labels.items())))]

    def names(self) -> set[str]:
        """Every series name a query may use: the samples', and a family's even when it has no
        sample on this edge (a scanner's counter with no scanner configured)."""
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
        return {name for name, _ in self.samples} | {
            family.name + suffix
            for family in self.families.values()
            for suffix in suffixes.get(family.type, ("",))
        }


def scrape(url: str) -> Scraped:
    text = httpx.get(f"{url}/metrics").raise_for_status().text
    families = {family.name: family for family in text_string_to_metric_families(text)}
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in families.values()
        for s in family.samples
    }
    return Scraped(families, samples)


@pytest.fixture(scope="module", params=["thread", "process"])
def scraped(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Scraped]:
    """A real edge with a 9100 printer, a scale on a pty and central configured (not running),
    scraped after a good scan, a refused scan and a test label printed; its writer a thread or
    a process ([store] writer: the writer's figures add up either way)."""
    data_dir = tmp_path_factory.mktemp("edge")
    seed(data_dir / "edge.db", seed_floor)
    master, slave = os.openpty()
    with FakeZebra() as zebra:
        config = write_config(
            data_dir,
            {
                "central": {"url": f"http://127.0.0.1:{free_port()}", "token": "t" * 32},
                "store": {"writer": request.param},
            },
        )
        with config.open("a") as out:
            out.write(
                '[[stations]]\nname = "BENCH-1"\ntype = "pack_bench"\n'
                '[[printers]]\nname = "bench1"\nkind = "zpl-tcp"\nstation = "BENCH-1"\n'
                f'host = "127.0.0.1"\nport = {zebra.port}\n'
                '[[scales]]\nname = "scale1"\nstation = "BENCH-1"\n'
                f'path = "{os.ttyname(slave)}"\n'
            )
        with stopping(serve_edge(config, data_dir / "serve.log")) as server:
            with httpx.Client(base_url=server.url) as http:
                floor = Floor.enrol(None, http)
                picker = floor.login()
                floor.start(picker).raise_for_status()
                assert floor.scan(picker, "A-01-01").status_code == 200
                assert floor.scan(picker, "NO-SUCH-LABEL").status_code == 422
                supervisor = floor.login("B-SUP")
                http.post("/api/v1/printers/bench1/test-print", headers=supervisor)
                deadline = time.monotonic() + 15
                while not zebra.jobs and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert zebra.jobs, server.log()
                time.sleep(0.2)  # the spooler marks the job done after the send
            yield scrape(server.url)
    os.close(master)
    os.close(slave)


def test_a_scrape_after_a_scan_a_refusal_and_a_label_has_every_family_with_sane_values(
    scraped: Scraped,
) -> None:
    v = scraped.value
    assert v("edge_scans_total", outcome="good") == 1
    assert v("edge_scans_total", outcome="refused") == 1
    assert v("edge_errors_total", code="unknown_barcode") == 1
    assert v("edge_scan_latency_seconds_count") == 2
    assert 0 < v("edge_scan_latency_seconds_sum") < 10
    route = {"method": "POST", "route": "/api/v1/scans"}
    assert v("edge_http_request_duration_seconds_count", **route) == 2
    assert v("edge_http_request_duration_seconds_count", method="GET", route="/readyz") >= 1
    # the writer: every commit counted in one bucket, the commands summed
    commits = v("edge_writer_commits_total")
    assert commits >= 3
    assert v("edge_writer_batch_size_count") == commits
    assert v("edge_writer_batch_size_bucket", le="+Inf") == commits
    assert v("edge_writer_batch_size_sum") == v("edge_writer_commands_total")
    assert (v("edge_writer_up"), v("edge_writer_pending_commands"), v("edge_storage_full")) == (
        1,
        0,
        0,
    )
    assert 0 < v("edge_data_disk_free_bytes") <= v("edge_data_disk_size_bytes")
    # the outbox holds the good scan's events, central is configured and never answered
    assert v("edge_outbox_depth") >= 1 and v("edge_outbox_oldest_age_seconds") >= 0
    assert v("edge_sync_queued_events") == v("edge_outbox_depth")
    assert v("edge_sync_central_up") == 0
    assert v("edge_sync_oldest_queued_age_seconds") >= 0
    # devices: the handheld and the supervisor's enrolment; the printer and the scale
    assert v("edge_devices_enrolled", kind="handheld") == 1
    assert v("edge_devices_enrolled", kind="scale") == 0
    assert v("edge_printer_state", printer="bench1", state="ready") == 1
    assert v("edge_print_jobs_printed_total", printer="bench1") == 1
    for state in ("queued", "sent", "retrying", "needs_attention"):
        assert v("edge_print_jobs", printer="bench1", state=state) == 0
    assert v("edge_print_queue_depth", printer="bench1") == 0
    scale_states = [
        value for (name, labels), value in scraped.samples.items() if name == "edge_scale_state"
    ]
    assert sorted(scale_states) == [0, 0, 0, 0, 1]
    assert v("edge_scale_weight_offered", scale="scale1") == 0
    assert "edge_exceptions_active" in scraped.families
    assert v("edge_exception_pushes_pending") == 0


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def _alert_rules() -> list[dict[str, Any]]:
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in rules["groups"] for rule in group["rules"]]


def test_the_dashboard_and_the_alerts_name_only_metrics_the_edge_exports(
    scraped: Scraped,
) -> None:
    expressions = _dashboard_expressions() + [rule["expr"] for rule in _alert_rules()]
    named = {name for expr in expressions for name in METRIC.findall(expr)}

    assert len(expressions) >= 12 and len(named) >= 15
    assert named - scraped.names() == set()
    alerts = {rule["alert"] for rule in _alert_rules()}
    assert {
        "EdgeWriterStalled",
        "EdgeOutboxOldEvents",
        "EdgeSyncLagging",
        "EdgePrinterDown",
        "EdgeDiskNearlyFull",
        "EdgeErrorRateHigh",
    } <= alerts
    for rule in _alert_rules():
        assert rule["annotations"]["summary"] and rule["labels"]["severity"]


def promtool_check(rules: Path) -> None:
    """`promtool check rules RULES` passes (skipped where promtool is not on PATH)."""
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not on PATH (Debian's prometheus package provides it)")
    done = subprocess.run(
        [promtool, "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_accepts_the_alert_rules() -> None:
    promtool_check(ALERTS)
