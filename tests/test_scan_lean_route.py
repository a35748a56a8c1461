"""`POST /api/v1/scans` is answered by a lean route in front of the documented one (routes/scans.py
`LeanScan`, for a scan's CPU); every kind of request gets the answer the documented route gives
(status, body, headers), and whatever is not a valid scan body is left to that route."""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.api.routes.scans import LeanScan
from edge.config import load_settings
from edge.store.database import Store
from tests.support import CASE_GTIN, EAN13, Floor, migrated_copy

VARYING = {"x-request-id", "date"}


def documented_route_only(client: TestClient) -> None:
    """The app without its lean route: every request goes to the documented `scan`."""
    routes = client.app.router.routes  # type: ignore[attr-defined]
    (lean,) = [r for r in routes if isinstance(r, LeanScan)]
    routes.remove(lean)


def a_floor(tmp_path: Path, writer: str = "thread") -> Generator[Floor]:
    tmp_path.mkdir()
    overrides = {"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10, "report.schedule": ""}
    settings = load_settings(env={}, overrides=overrides)
    store = Store(migrated_copy(settings.db_path), edge_id=settings.edge.id, writer=writer)
    try:
        with TestClient(create_app(settings, store=store)) as client:
            yield Floor.build(store, client)
    finally:
        store.close()


def requests(floor: Floor) -> list[dict[str, Any]]:
    """One of each kind of request to the path, in an order that makes each one mean something
    (a move task open, its bins scanned; the session expired last)."""
    h = floor.login()
    floor.start(h)
    zh = h | {"Accept-Language": "zh"}
    as_json = {"Content-Type": "application/json"}

    def scan(sid: str, raw: str, headers: dict[str, str] = h, **extra: Any) -> dict[str, Any]:
        return {"json": {"scan_id": sid, "raw": raw, **extra}, "headers": headers}

    return [
        scan("scan-0001", "A-01-01"),  # from bin
        scan("scan-0002", "A-01-02"),  # to bin
        scan("scan-0003", EAN13),  # an item: moves one
        scan("scan-0003", EAN13),  # the same again: replayed
        scan("scan-0004", CASE_GTIN),  # a case: twelve, more than there are
        scan("scan-0005", EAN13, quantity=2),  # a quantity
        scan("scan-0006", "NOPE-404"),  # unknown barcode
        scan("scan-0007", "NOPE-404", zh),  # unknown barcode, in Chinese
        scan("scan-0003", "A-01-01"),  # a scan_id again with another scan
        scan("scan-0008", "CMD:CANCEL"),  # a command
        scan("scan-0009", "CMD:DESTROY", reason="expired"),  # a command with a reason
        scan("scan-0010", "A-01-01", extra_field=1),  # an unknown field is ignored
        scan("short", EAN13),  # scan_id too short
        scan("scan 0011", EAN13),  # scan_id with a space
        scan("scan-0012", "X" * 4097),  # raw too long
        scan("scan-0013", EAN13, quantity=0),  # out of range
        scan("scan-0014", EAN13, quantity=10_000),  # out of range
        scan("scan-0015", EAN13, quantity="2"),  # wrong type (strict)
        scan("scan-0016", EAN13, quantity=1.5),  # wrong type
        scan("scan-0017", EAN13, reason=""),  # empty reason
        {"json": {"scan_id": "scan-0018"}, "headers": h},  # raw missing
        {"json": {"raw": EAN13}, "headers": h},  # scan_id missing
        {"json": [1, 2], "headers": h},  # not an object
        {"content": b'{"scan_id": ', "headers": h | as_json},  # not JSON
        {"content": b"", "headers": h},  # no body
        {"content": b"\xff\xfe", "headers": h | as_json},  # not UTF-8
        {
            "content": json.dumps({"scan_id": "scan-0019", "raw": "A-01-01"}).encode(),
            "headers": h | {"Content-Type": "application/json; charset=utf-8"},
        },
        {
            "content": json.dumps({"scan_id": "scan-0020", "raw": "A-01-01"}).encode(),
            "headers": h | {"Content-Type": "text/plain"},  # wrong content type
        },
        {"content": b'{"raw": "' + b"x" * (1 << 20) + b'"}', "headers": h | as_json},  # 1 MiB
        scan("scan-0021", EAN13, {}),  # no token
        scan("scan-0022", EAN13, {"Authorization": "Bearer not-a-token"}),  # unknown token
        scan("scan-0023", EAN13, {"Authorization": "Basic abc"}),  # not a bearer
        scan("scan-0024", EAN13, {"Authorization": f"Bearer {floor.device_secret}"}),
        {"json": {"raw": 1}, "headers": {}},  # bad body and no token
        {"method": "GET", "headers": h},  # 405
        {"method": "PUT", "json": {"scan_id": "scan-0025", "raw": EAN13}, "headers": h},
        {"expire": True},  # the sessions expire here
        scan("scan-0026", EAN13),  # expired
        scan("scan-0027", EAN13, zh),  # expired, in Chinese
    ]


def answers(floor: Floor) -> list[tuple[int, Any, dict[str, str]]]:
    """(status, body, headers but the request id and date) of each request."""
    found = []
    for kw in requests(floor):
        if kw.pop("expire", False):
            floor.store.writer.call(
                lambda tx: tx.execute(
                    "UPDATE login_sessions SET expires_at = '2000-01-01T00:00:00.000Z'"
                )
            )
            continue
        resp = floor.client.request(kw.pop("method", "POST"), "/api/v1/scans", **kw)
        headers = {k: v for k, v in resp.headers.items() if k not in VARYING}
        found.append((resp.status_code, resp.text, headers))
    return found


@pytest.mark.parametrize("writer", ["thread", "process"])
def test_every_request_to_the_scans_path_gets_the_documented_routes_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writer: str
) -> None:
    """The lean route with either writer ([store] writer) answers as the documented route
    with the thread writer does."""
    handed_on: list[str] = []
    hand_on = LeanScan.hand_on

    async def counted(self: LeanScan, scope: Any, body: bytes, receive: Any, send: Any) -> None:
        handed_on.append(scope["method"])
        await hand_on(self, scope, body, receive, send)

    monkeypatch.setattr(LeanScan, "hand_on", counted)
    lean_floor = a_floor(tmp_path / "lean", writer)
    lean = answers(next(lean_floor))
    lean_floor.close()
    documented_floor = a_floor(tmp_path / "documented")
    floor = next(documented_floor)
    documented_route_only(floor.client)
    documented = answers(floor)
    documented_floor.close()

    for i, (got, want) in enumerate(zip(lean, documented, strict=True)):
        assert got == want, i
    codes = [(status, json.loads(text).get("code")) for status, text, _ in lean]
    bad_body = [(400, "invalid_request")] * 14
    assert codes == [
        *[(200, None)] * 4,
        (409, "insufficient_stock"),
        (422, "quantity_not_allowed"),
        (422, "unknown_barcode"),
        (422, "unknown_barcode"),
        (409, "scan_id_reused"),
        (200, None),
        (422, "unexpected_scan"),
        (200, None),
        *bad_body,
        (422, "same_location"),  # application/json; charset=utf-8: a scan
        (400, "invalid_request"),  # text/plain
        (413, "request_too_large"),
        *[(401, "not_authenticated")] * 5,
        (405, "method_not_allowed"),
        (405, "method_not_allowed"),
        (401, "session_expired"),
        (401, "session_expired"),
    ]
    assert [h.get("idempotent-replayed") for _, _, h in lean].count("true") == 1
    # the documented route answered only the bodies that are not a valid scan (the bad ones,
    # text/plain, a bad body without a token); the guard refused the 1 MiB body as it was read,
    # and the two that are not JSON (kernel/json_body.py) before either route saw them
    assert handed_on == ["POST"] * (len(bad_body) + 2 - 2)


def test_the_lean_route_is_not_in_the_openapi_schema(tmp_path: Path) -> None:
    settings = load_settings(env={}, overrides={"edge.data_dir": tmp_path})
    app = create_app(settings)
    schema = app.openapi()
    lean = [r for r in app.router.routes if isinstance(r, LeanScan)]
    assert len(lean) == 1 and app.router.routes[0] is lean[0]
    assert list(schema["paths"]["/api/v1/scans"]) == ["post"]
    app.router.routes.remove(lean[0])
    app.openapi_schema = None
    assert app.openapi() == schema
