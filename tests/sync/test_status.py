"""The sync status: standalone, central unreachable (offline since, queue, alert once), through
the API, the metrics and `warehouse-edge sync status` reading the same database."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.store.database import Store
from tests.servers import free_port, run_cli, write_config
from tests.support import Floor
from tests.sync.running import edge_settings, eventually


def metric(client: TestClient, name: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


def test_a_standalone_edge_says_so_and_counts_its_queue(floor: Floor) -> None:
    headers = floor.login("B-PICK")

    found = floor.client.get("/api/v1/sync/status", headers=headers).json()

    oldest = found["oldest_queued_at"]
    assert found | {"oldest_queued_local": None, "oldest_queued_age_s": 0} == {
        "central_url": None,
        "mode": "standalone",
        "online": None,
        "offline_since": None,
        "offline_since_local": None,
        "offline_seconds": 0,
        "last_contact_at": None,
        "queued": 2,
        "oldest_queued_at": oldest,
        "oldest_queued_local": None,
        "oldest_queued_age_s": 0,
        "feed_cursor": 0,
        "last_error": "",
        "last_error_at": None,
        "attention": "",
        "sync_exceptions": 0,
        "alert": False,
        "alert_after_s": 900,
    }
    assert oldest.endswith("Z")


def test_the_status_needs_a_login(client: TestClient) -> None:
    resp = client.get("/api/v1/sync/status")

    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")


@pytest.fixture
def unreachable(tmp_path: Path, store: Store) -> Iterator[tuple[TestClient, Any]]:
    """The app with central at a port nobody listens on; alert after 1 s."""
    settings = edge_settings(
        tmp_path, f"http://127.0.0.1:{free_port()}", "edge-token", offline_alert_s=1
    )
    with TestClient(create_app(settings, store=store)) as client:
        yield client, settings


def test_central_unreachable_shows_offline_since_and_raises_the_alert_once(
    unreachable: tuple[TestClient, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="central_sync.agent")
    client, settings = unreachable
    floor = Floor.build(client.app.state.store, client)  # type: ignore[attr-defined]
    headers = floor.login("B-SUP")

    def warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    def alerted() -> dict[str, Any] | None:
        # The status shows the alert from the outage's length; the agent's watch logs it on its
        # next tick (every second), so both are awaited: under load the tick can come late.
        found = client.get("/api/v1/sync/status", headers=headers).json()
        due = found["alert"] and found["offline_seconds"] >= 2 and warnings()
        return found if due else None

    found = eventually(alerted, what="the offline alert on the status and in the log")
    time.sleep(2.5)  # two more ticks of the watch: the alert must not be logged again

    assert (found["mode"], found["online"], found["queued"]) == ("synced", False, 2)
    assert found["offline_since"] and found["offline_since_local"].endswith("UTC")
    assert "ConnectError" in found["last_error"]
    logged = warnings()
    assert len(logged) == 1 and logged[0].startswith("ALERT: central http://127.0.0.1:")
    assert (metric(client, "edge_sync_central_up"), metric(client, "edge_sync_queued_events")) == (
        0.0,
        2.0,
    )
    assert metric(client, "edge_sync_offline_seconds") >= 2
    assert metric(client, "edge_sync_oldest_queued_age_seconds") > 0


def test_sync_status_on_the_command_line_reads_the_same_database(
    unreachable: tuple[TestClient, Any], tmp_path: Path
) -> None:
    client, settings = unreachable
    Floor.build(client.app.state.store, client)  # type: ignore[attr-defined]
    config = write_config(
        tmp_path,
        {"central": {"url": settings.central.url, "token": "edge-token", "offline_alert_s": 1}},
    )
    eventually(
        lambda: json.loads(run_cli("sync", "status", "--config", str(config), "--json").stdout)[
            "alert"
        ],
        what="the alert in sync status --json",
    )

    text = run_cli("sync", "status", "--config", str(config))

    lines = text.stdout.splitlines()
    assert text.returncode == 3
    assert lines[0].startswith(f"central: {settings.central.url}, offline since ")
    assert lines[1] == "queued: 2 events"
    assert lines[2].startswith("oldest queued: ")
    assert lines[3] == "feed cursor: 0"
    assert re.match(r"last error: (POST|GET) /api/v1/edges/edge-1/\S+: ConnectError", lines[4])
    assert lines[-1] == "ALERT: central unreachable for more than 1 s"


def test_sync_status_without_a_database_says_how_to_make_one(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    config = write_config(tmp_path / "empty")

    result = run_cli("sync", "status", "--config", str(config))

    assert result.returncode == 2
    assert result.stderr == (
        f"error: no database at {tmp_path / 'empty' / 'edge.db'}; run warehouse-edge init\n"
    )
