"""What a Prometheus scraping a real central (`warehouse-central serve`) sees after an order, a
refused order, an edge's batch, the same batch again, a batch out of step and a long-poll held
open: every family docs/monitoring.md lists for central, with values that add up; and central's
Grafana dashboard and alert rules in docs/ name only metrics central exports (`promtool check
rules` passes where Debian's prometheus package put promtool on PATH)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from central_sync.server.metrics import EDGE_STATES
from tests.central.servers import add_edge, running_central
from tests.central.support import EdgeSide, channel_order, move, product
from tests.test_monitoring import Scraped, promtool_check, scrape

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "docs" / "grafana" / "warehouse-central.json"
ALERTS = ROOT / "docs" / "prometheus" / "central-alerts.yml"
METRIC = re.compile(r"\bcentral_[a-z0-9_]+\b")


@pytest.fixture(scope="module")
def scraped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scraped]:
    data_dir = tmp_path_factory.mktemp("central")
    db = f"sqlite:///{data_dir / 'central.db'}"
    with running_central(db, data_dir) as server:
        admin = {"Authorization": f"Bearer {server.admin_token}"}
        with httpx.Client(base_url=server.url, timeout=30) as http:
            edge = EdgeSide(http, "edge-1", add_edge(db, "edge-1"))  # type: ignore[arg-type]
            resp = http.post(
                "/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin
            )
            assert resp.status_code == 200, resp.text
            receipt = edge.event(
                "receipt", move("TEA-0001", 5, "received", "A-01-01/on_hand", kind="receive")
            )
            assert edge.post([receipt]).status_code == 200
            assert edge.post([receipt]).status_code == 200  # sent again: a duplicate
            gap = edge.event("receipt") | {"seq": 9}
            assert edge.post([gap]).json()["code"] == "sequence_gap"
            order = channel_order("1", ("TEA-0001", 1))
            assert http.post("/api/v1/orders", json=order, headers=admin).status_code == 201
            bad = channel_order("2", ("TEA-0001", 0))
            assert http.post("/api/v1/orders", json=bad, headers=admin).status_code == 422
            assert http.get("/api/v1/orders").status_code == 401
            cursor = edge.changes(0, limit=500)["next"]

            held: dict[str, Any] = {}
            poll = threading.Thread(
                target=lambda: held.update(edge.changes(cursor, wait=6)), daemon=True
            )
            poll.start()
            deadline = time.monotonic() + 5
            seen = scrape(server.url)
            while seen.value("central_feed_long_polls_waiting") < 1 < deadline - time.monotonic():
                time.sleep(0.05)  # until central holds the long-poll
                seen = scrape(server.url)
            yield seen
            poll.join(15)
            assert held == {"changes": [], "next": cursor}


def test_a_scrape_of_central_has_every_family_with_values_that_add_up(scraped: Scraped) -> None:
    v = scraped.value
    assert v("central_orders_total", channel="shop", outcome="imported") == 1
    assert v("central_orders_total", channel="shop", outcome="rejected") == 1
    assert v("central_order_assignments_total", stage="intake", outcome="released") == 1
    assert v("central_intake_batch_size_count") == v("central_intake_commit_seconds_count") >= 2
    assert v("central_intake_batch_size_sum") == 2
    assert 0 < v("central_intake_commit_seconds_sum") < 10
    assert v("central_event_batches_total", edge="edge-1", outcome="applied") == 2
    assert v("central_event_batches_total", edge="edge-1", outcome="refused") == 1
    assert v("central_events_total", edge="edge-1", outcome="applied") == 1
    assert v("central_events_total", edge="edge-1", outcome="duplicate") == 1
    assert v("central_errors_total", code="sequence_gap") == 1
    assert v("central_errors_total", code="order_rejected") == 1
    assert v("central_errors_total", code="not_authenticated") == 1
    orders = {"method": "POST", "route": "/api/v1/orders"}
    assert v("central_http_request_duration_seconds_count", **orders) == 2
    assert v("central_feed_long_polls_waiting") == 1
    # one process serves a SQLite file: nothing to listen for, no sample
    assert not scraped.families["central_feed_listening"].samples
    # heard a moment ago; its events occurred at support.AT, long before they arrived
    states = {s: v("central_edge_state", edge="edge-1", state=s) for s in EDGE_STATES}
    assert states == {"in_step": 0, "catching_up": 1, "quiet": 0}
    assert v("central_edge_behind_seconds", edge="edge-1") > 3600
    assert v("central_edge_silent_seconds", edge="edge-1") < 60
    assert v("central_edge_feed_waiting_changes", edge="edge-1") == 0  # it asked past them all
    assert v("central_exceptions_open", kind="out_of_step") == 1
    assert v("central_exception_pushes_pending") == 0
    assert v("central_db_pool_size") == 8
    assert 1 <= v("central_db_connections_open") <= 8
    assert v("central_db_pool_waiting") == 0
    assert {"central_channel_pushes", "central_channel_push_oldest_age_seconds"} <= set(
        scraped.families
    )


def _expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = [target["expr"] for p in dashboard["panels"] for target in p.get("targets", [])]
    return panels + [rule["expr"] for rule in _rules()]


def _rules() -> list[dict[str, Any]]:
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in rules["groups"] for rule in group["rules"]]


def test_centrals_dashboard_and_alerts_name_only_metrics_central_exports(
    scraped: Scraped,
) -> None:
    named = {name for expr in _expressions() for name in METRIC.findall(expr)}

    assert len(named) >= 12
    assert named - scraped.names() == set()
    alerts = {rule["alert"] for rule in _rules()}
    assert {"CentralEdgeQuiet", "CentralChannelPushesFailing", "CentralDatabaseBusy"} <= alerts
    for rule in _rules():
        assert rule["annotations"]["summary"] and rule["labels"]["severity"]


def test_promtool_accepts_centrals_alert_rules() -> None:
    promtool_check(ALERTS)
