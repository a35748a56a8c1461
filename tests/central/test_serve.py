"""`warehouse-central serve` as a real process on 127.0.0.1: it answers, and an edge and an admin
talk to it over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.central.servers import add_edge, run_central, running_central
from tests.central.support import AT, channel_order, move, product

pytestmark = pytest.mark.slow


def test_serve_answers_healthz_and_readyz(db_url: str, tmp_path: Path) -> None:
    with running_central(db_url, tmp_path) as server:
        health = httpx.get(f"{server.url}/healthz")
        ready = httpx.get(f"{server.url}/readyz")
        status = server.stop()

    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    assert health.json() == {"ok": True, "service": "warehouse-central", "backend": backend}
    assert ready.status_code == 200
    assert status == 0


def test_an_edge_stock_event_releases_an_order_it_long_polls_for(
    db_url: str, tmp_path: Path
) -> None:
    with running_central(db_url, tmp_path) as server:
        edge = {"Authorization": f"Bearer {add_edge(db_url, 'edge-1')}"}
        admin = {"Authorization": f"Bearer {server.admin_token}"}
        with httpx.Client(base_url=server.url, timeout=60) as http:
            http.put("/api/v1/products/TEA-0001", json=product("TEA-0001"), headers=admin)
            order = http.post(
                "/api/v1/orders", json=channel_order("9", ("TEA-0001", 2)), headers=admin
            )
            after = http.get("/api/v1/edges/edge-1/changes", headers=edge).json()["next"]
            polled: list[Any] = []
            poll = threading.Thread(
                target=lambda: polled.append(
                    http.get(
                        "/api/v1/edges/edge-1/changes",
                        params={"after": after, "wait": 30},
                        headers=edge,
                    ).json()
                )
            )
            poll.start()
            sent = http.post(
                "/api/v1/edges/edge-1/events",
                headers=edge,
                json={
                    "events": [
                        {
                            "event_id": "e-1",
                            "edge_id": "edge-1",
                            "epoch": 1,
                            "seq": 1,
                            "schema_version": 1,
                            "type": "receipt",
                            "occurred_at": AT,
                            "order_id": None,
                            "sku": "TEA-0001",
                            "payload": {
                                "movements": [move("TEA-0001", 5, "received", "A-01-01/on_hand")]
                            },
                        }
                    ]
                },
            )
            poll.join(60)

    assert (order.json()["order_status"], sent.json()["applied"]) == ("unassigned", 1)
    (change,) = polled[0]["changes"]
    assert (change["type"], change["order_id"], change["data"]["lines"]) == (
        "order_released",
        "shop:9",
        [{"sku": "TEA-0001", "qty": 2, "lot": ""}],
    )


def test_a_client_that_hangs_up_mid_request_is_one_warning_line_not_a_traceback(
    db_url: str, tmp_path: Path
) -> None:
    with running_central(db_url, tmp_path) as server:
        token = add_edge(db_url, "edge-1")
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v1/edges/edge-1/events HTTP/1.1\r\nHost: central\r\n"
                + f"Authorization: Bearer {token}\r\n".encode()
                + b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                + b'{"events": [{"event_id": "e-1", '
            )
            time.sleep(0.5)  # the route is reading the body when the edge hangs up
        time.sleep(1.0)
        after = httpx.get(f"{server.url}/readyz")
        status = server.stop()
        log = server.log()

    assert (after.status_code, status) == (200, 0)
    assert "Traceback" not in log and "ERROR" not in log, log
    (line,) = [ln for ln in log.splitlines() if "hung up" in ln]
    assert " WARNING " in line and "POST /api/v1/edges/edge-1/events" in line, log


def test_a_second_serve_on_one_sqlite_file_is_refused_at_start_naming_db(tmp_path: Path) -> None:
    db = str(tmp_path / "central.db")
    with running_central(db, tmp_path) as first:
        second = run_central("serve", "--db", db, "--port", "0", timeout=60)
        still = httpx.get(f"{first.url}/readyz", timeout=10)

    assert second.returncode == 1
    assert f"another warehouse-central serve (pid {first.process.pid}) serves" in second.stderr
    assert "SQLite is served by one process" in second.stderr and "(--db)" in second.stderr
    assert still.status_code == 200
