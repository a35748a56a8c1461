"""The HTTP contract: probes, metrics, OpenAPI, login lockout and problem+json errors."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.support import Floor

PROBLEM = "application/problem+json"
PROBES = {"/healthz", "/readyz", "/metrics"}
FAMILIES = {
    "edge_scans_total",
    "edge_errors_total",
    "edge_scan_latency_seconds",
    "edge_outbox_depth",
    "edge_outbox_oldest_age_seconds",
}


def wrong_login(floor: Floor, pin: str = "0000") -> object:
    body = {"badge": "B-PICK", "pin": pin} | floor.device
    return floor.client.post("/api/v1/auth/login", json=body)


def test_healthz_says_the_process_is_alive(client: TestClient) -> None:
    resp = client.get("/healthz")

    assert (resp.status_code, resp.json()) == (200, {"status": "ok"})


def test_readyz_says_ready_with_the_edge_id(client: TestClient) -> None:
    resp = client.get("/readyz")

    assert resp.status_code == 200
    assert resp.json() == {"status": "ready", "edge_id": "edge-1", "pending": [], "reason": ""}


def fill_the_disk(floor: Floor) -> dict[str, str]:
    """The database file may not grow by one page; refused scans fill the last free space."""
    h = floor.login()
    floor.start(h)
    pages = floor.store.writer.call(lambda tx: tx.execute("PRAGMA page_count").fetchone()[0])
    floor.store.writer.call(lambda tx: tx.execute(f"PRAGMA max_page_count = {pages}").fetchone())
    filler = (floor.scan(h, f"FILLER-{n:04d}-" + "X" * 200) for n in range(1000))
    assert any(resp.status_code == 507 for resp in filler)
    return h


def test_readyz_is_503_while_the_disk_is_full_and_ready_again_once_writes_succeed(
    floor: Floor,
) -> None:
    h = fill_the_disk(floor)

    full = floor.client.get("/readyz")
    alive = floor.client.get("/healthz")
    floor.store.writer.call(lambda tx: tx.execute("PRAGMA max_page_count = 1000000").fetchone())
    floor.scan(h, "A-01-01")
    again = floor.client.get("/readyz")

    assert (full.status_code, full.json()["status"], alive.status_code) == (
        503,
        "storage_full",
        200,
    )
    assert "the disk is full since" in full.json()["reason"]
    assert (again.status_code, again.json()["status"]) == (200, "ready")


def test_readyz_is_503_when_the_writer_has_stopped(floor: Floor) -> None:
    floor.store.writer.close()

    resp = floor.client.get("/readyz")

    assert (resp.status_code, resp.json()["status"]) == (503, "writer_down")


def test_metrics_after_a_scan_are_prometheus_text_with_every_family(floor: Floor) -> None:
    headers = floor.login()
    floor.start(headers)
    floor.scan(headers, "A-01-01")
    floor.scan(headers, "NO-SUCH-LABEL")

    resp = floor.client.get("/metrics")

    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain; version=")
    text = resp.text
    families = set(re.findall(r"^# TYPE (\S+) ", text, flags=re.MULTILINE))
    assert FAMILIES <= families
    assert 'edge_scans_total{outcome="good"} 1.0' in text
    assert 'edge_scans_total{outcome="refused"} 1.0' in text
    assert 'edge_errors_total{code="unknown_barcode"} 1.0' in text
    assert "edge_scan_latency_seconds_count 2.0" in text
    queued = floor.store.read().execute("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
    assert f"edge_outbox_depth {float(queued.fetchone()[0])}" in text


def test_the_docs_and_the_openapi_document_are_served(client: TestClient) -> None:
    docs = client.get("/docs")

    openapi = client.get("/openapi.json")

    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert openapi.status_code == 200
    assert openapi.json()["info"]["title"] == "Warehouse edge"


def test_every_documented_path_but_the_probes_is_under_api_v1(client: TestClient) -> None:
    paths = set(client.get("/openapi.json").json()["paths"])

    assert {p for p in paths if not p.startswith("/api/v1/")} == PROBES


def test_a_scan_without_scan_id_is_400_invalid_request_naming_the_field(floor: Floor) -> None:
    headers = floor.login()

    resp = floor.client.post("/api/v1/scans", json={"raw": "A-01-01"}, headers=headers)

    assert resp.status_code == 400
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert (body["code"], body["params"]) == (
        "invalid_request",
        {"reason": "scan_id: Field required"},
    )
    assert body["detail"] == (
        "The request is not valid: scan_id: Field required. Correct it and send it again."
    )


def test_an_unknown_path_is_404_problem_json(client: TestClient) -> None:
    resp = client.get("/api/v1/no-such-thing")

    assert resp.status_code == 404
    assert resp.headers["content-type"] == PROBLEM
    body = resp.json()
    assert (body["code"], body["status"], body["params"]) == (
        "not_found",
        404,
        {"what": "path", "key": "/api/v1/no-such-thing"},
    )
