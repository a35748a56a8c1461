"""`[logging] json = true`: a real `warehouse-edge serve` writes one JSON object per line, and
every line logged while serving a request carries that request's id, which the answer carries
back in X-Request-ID (the caller's when sane, else one the edge made). The same for
`warehouse-central serve --log-format json`."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.config import Settings
from edge.store.database import Store
from kernel.logs import REQUEST_ID, JsonFormatter
from tests.central.servers import start_central
from tests.servers import running_server, stopping


def test_a_json_logging_server_tags_each_requests_lines_with_its_id(tmp_path: Path) -> None:
    config = {"logging": {"json": True, "level": "DEBUG"}}
    with running_server(tmp_path, config=config) as server:
        with httpx.Client(base_url=server.url) as http:
            given = http.get("/healthz", headers={"X-Request-ID": "till-7:abc.DEF_1-2"})
            made = http.get(
                "/api/v1/stock/NOPE"
            )  # refused (no session): still logged, still tagged
            insane = http.get("/healthz", headers={"X-Request-ID": 'a b"<script>'})
            too_long = http.get("/healthz", headers={"X-Request-ID": "x" * 65})
        server.stop()
        lines = [line for line in server.log().splitlines() if line.strip()]

    assert given.headers["X-Request-ID"] == "till-7:abc.DEF_1-2"
    for answer in (made, insane, too_long):
        assert re.fullmatch(r"[0-9a-f]{16}", answer.headers["X-Request-ID"])
    made_ids = {answer.headers["X-Request-ID"] for answer in (made, insane, too_long)}
    assert len(made_ids) == 3

    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
    assert any(r["message"].startswith("listening on") for r in records)  # start-up, no id
    assert any("Application startup complete" in r["message"] for r in records)  # uvicorn's own
    by_id: dict[str, list[str]] = {}
    for record in records:
        if "request_id" in record:
            by_id.setdefault(record["request_id"], []).append(record["message"])
    assert by_id["till-7:abc.DEF_1-2"] == [by_id["till-7:abc.DEF_1-2"][0]]
    assert by_id["till-7:abc.DEF_1-2"][0].startswith("GET /healthz 200 ")
    assert by_id[made.headers["X-Request-ID"]][0].startswith(
        f"GET /api/v1/stock/NOPE {made.status_code} "
    )
    assert "x" * 65 not in by_id and 'a b"<script>' not in by_id


def test_the_json_formatter_writes_the_exception_and_no_id_outside_a_request() -> None:
    formatter = JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError as exc:
        record = logging.LogRecord(
            "edge.x", 40, __file__, 1, "failed %s", ("here",), (type(exc), exc, None)
        )
    line = json.loads(formatter.format(record))
    assert line["message"] == "failed here" and line["level"] == "ERROR"
    assert "ValueError: boom" in line["exception"] and "request_id" not in line
    token = REQUEST_ID.set("r-1")
    try:
        assert json.loads(formatter.format(record))["request_id"] == "r-1"
    finally:
        REQUEST_ID.reset(token)


def test_central_with_json_logs_tags_its_requests_lines_the_same_way(tmp_path: Path) -> None:
    args = ("--log-level", "debug", "--log-format", "json")
    with stopping(start_central(str(tmp_path / "central.db"), tmp_path, args=args)) as central:
        given = httpx.get(f"{central.url}/healthz", headers={"X-Request-ID": "edge-1:42"})
        made = httpx.get(f"{central.url}/api/v1/no-such-route")
        central.stop()
        # stdout's one banner line (scripts read the URL from it) shares the file with stderr's log
        lines = [line for line in central.log().splitlines() if line.strip()]
        records = [
            json.loads(line) for line in lines if not line.startswith("warehouse-central on")
        ]

    assert given.headers["X-Request-ID"] == "edge-1:42"
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["X-Request-ID"]) and made.status_code == 404
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
    tagged = {
        (r["request_id"], r["message"].rsplit(" ", 2)[0]) for r in records if "request_id" in r
    }
    assert ("edge-1:42", "GET /healthz 200") in tagged
    assert (made.headers["X-Request-ID"], "GET /api/v1/no-such-route 404") in tagged
    assert len(lines) == len(records) + 1


def test_an_unexpected_errors_log_line_and_its_500_carry_the_request_id(
    settings: Settings, store: Store
) -> None:
    app = create_app(settings, store=store)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("disk on fire")

    lines: list[dict[str, object]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:  # formatted in the request's context
            lines.append(json.loads(JsonFormatter().format(record)))

    keep = Keep(level=logging.ERROR)
    logging.getLogger().addHandler(keep)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            answer = client.get("/boom", headers={"X-Request-ID": "hh-3:991"})
    finally:
        logging.getLogger().removeHandler(keep)

    assert answer.status_code == 500 and answer.headers["X-Request-ID"] == "hh-3:991"
    error_id = answer.json()["error_id"]
    [line] = [line for line in lines if error_id in str(line["message"])]
    assert line["request_id"] == "hh-3:991" and "disk on fire" in str(line["exception"])
