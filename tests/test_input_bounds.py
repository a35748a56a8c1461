"""Every numeric input of the edge tried with the values a careless or hostile client sends:
each is refused or accepted as its declared range says, a refusal is problem+json and changes
nothing, and `warehouse-edge verify` passes afterwards."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from central_sync.server.app import create_app as create_central
from central_sync.server.central import Central
from central_sync.server.errors import http_protocol as central_protocol
from edge.api.app import create_app
from edge.api.errors import PROBLEM
from edge.api.errors import http_protocol as edge_protocol
from edge.cli.main import cli
from edge.store.database import Store
from edge.store.verify import verify
from tests.live import serving
from tests.servers import running_server
from tests.support import SUPERVISOR, Floor, scan_id, snapshot

MAX = 2**63 - 1
VALUES: dict[str, Any] = {
    "2^63-1": MAX,
    "2^63": 2**63,
    "2^64": 2**64,
    "-1": -1,
    "0": 0,
    "true": True,
    "'1'": "1",
    "1.5": 1.5,
}
Request = Callable[[Floor, dict[str, str], Any], Any]  # floor, supervisor headers, value


def adjust(f: Floor, h: dict[str, str], v: Any) -> Any:
    body = {
        "request_id": scan_id(),
        "sku": "SKU-1",
        "location": "A-01-01",
        "delta": v,
        "reason": "count",
    }
    return f.client.post("/api/v1/stock/adjustments", json=body, headers=h)


def order(field: str, line_field: bool = False) -> Request:
    def send(f: Floor, h: dict[str, str], v: Any) -> Any:
        line = {"sku": "SKU-1", "qty": 1} | ({field: v} if line_field else {})
        body = {"channel": "shop", "channel_order_id": scan_id(), "lines": [line]}
        return f.client.post(
            "/api/v1/orders", json=body | ({} if line_field else {field: v}), headers=h
        )

    return send


def scan_quantity(f: Floor, h: dict[str, str], v: Any) -> Any:
    body = {"scan_id": scan_id(), "raw": "A-01-01", "quantity": v}
    return f.client.post("/api/v1/scans", json=body, headers=h)


def close(field: str) -> Request:
    def send(f: Floor, h: dict[str, str], v: Any) -> Any:
        body = {"close_id": scan_id(), "package": "BOX-S", field: v}
        return f.client.post("/api/v1/pack/close", json=body, headers=h)

    return send


def count_found(f: Floor, h: dict[str, str], v: Any) -> Any:
    return f.client.post("/api/v1/count-tasks/1/result", json={"found": v}, headers=h)


def path(template: str, method: str = "post", body: Any = None) -> Request:
    def send(f: Floor, h: dict[str, str], v: Any) -> Any:
        text = "true" if v is True else str(v)
        kwargs = {"json": body} if body is not None else {}
        return getattr(f.client, method)(template.format(text), headers=h, **kwargs)

    return send


# field -> (request, the values accepted; every other value is refused with invalid_request)
# "Accepted" means the range let it through: the command may still be refused for what it
# names (no such print job: 404), never with a 5xx.
FIELDS: dict[str, tuple[Request, set[str]]] = {
    "adjustment.delta": (adjust, {"-1"}),
    "order.lines.qty": (order("qty", line_field=True), set()),
    "order.priority": (order("priority"), {"-1", "0"}),
    "scan.quantity": (scan_quantity, set()),
    "pack.close.weight_g": (close("weight_g"), set()),
    "pack.close.pieces": (close("pieces"), set()),
    "print-jobs/{id}/reprint": (path("/api/v1/print-jobs/{}/reprint"), {"2^63-1", "'1'"}),
    "putbacks/{id}/done": (
        path("/api/v1/putbacks/{}/done", body={"location": "A-01-01"}),
        {"2^63-1", "'1'"},
    ),
    "count-tasks/{id}/result": (
        path("/api/v1/count-tasks/{}/result", body={"found": 0}),
        {"2^63-1", "'1'"},
    ),
    "count-tasks.found": (count_found, {"0"}),
    "stock/expiring?days": (path("/api/v1/stock/expiring?days={}", "get"), {"0", "'1'"}),
    "outbox?after_seq": (path("/api/v1/outbox?after_seq={}", "get"), {"2^63-1", "0", "'1'"}),
    "outbox?limit": (path("/api/v1/outbox?limit={}", "get"), {"'1'"}),
    "movements?limit": (path("/api/v1/movements?limit={}", "get"), {"'1'"}),
}
CASES = [(f, v) for f in FIELDS for v in VALUES]


@pytest.fixture
def verified(store: Store) -> Iterator[None]:
    yield
    assert verify(store.read()) == []


@pytest.mark.usefixtures("verified")
@pytest.mark.parametrize(("field", "value"), CASES, ids=[f"{f}={v}" for f, v in CASES])
def test_a_number_is_refused_or_accepted_by_its_declared_range(
    floor: Floor, field: str, value: str
) -> None:
    send, accepted = FIELDS[field]
    sup = floor.login("B-SUP")
    before = snapshot(floor.store)

    resp = send(floor, sup, VALUES[value])

    assert resp.status_code < 500, resp.text
    if value in accepted:
        assert resp.status_code != 400 or resp.json()["code"] != "invalid_request", resp.text
    else:
        problem = resp.json()
        assert (resp.status_code, resp.headers["content-type"]) == (400, PROBLEM), resp.text
        # A zero adjustment is in the type's range; the domain refuses it (it changes nothing).
        assert problem["code"] == (
            "invalid_quantity"
            if field == "adjustment.delta" and value == "0"
            else "invalid_request"
        )
        assert snapshot(floor.store) == before


def test_stock_cannot_be_adjusted_past_int64_and_verify_stays_green(
    floor: Floor, settings: Any
) -> None:
    sup = floor.login("B-SUP")
    before = snapshot(floor.store)

    answers = [adjust(floor, sup, v).status_code for v in (MAX, MAX, 2**62)]

    assert answers == [400, 400, 400]
    assert snapshot(floor.store) == before
    result = CliRunner().invoke(cli, ["verify", "--db", str(settings.db_path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value", [True, "1", 1.5, "2"])
def test_a_json_number_field_takes_no_boolean_text_or_fraction(floor: Floor, value: Any) -> None:
    sup = floor.login("B-SUP")
    before = snapshot(floor.store)

    resp = adjust(floor, sup, value)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert snapshot(floor.store) == before


def release(f: Floor, h: dict[str, str], **extra: Any) -> Any:
    body = {"channel": "shop", "channel_order_id": scan_id(), "lines": [{"sku": "SKU-1", "qty": 1}]}
    return f.client.post("/api/v1/orders", json=body | extra, headers=h)


@pytest.mark.parametrize("ship_by", ["next tuesday", "2026-12-03T10:00:00", "2026-13-40T10:00:00Z"])
def test_an_order_time_without_a_zone_or_unparseable_is_refused(floor: Floor, ship_by: str) -> None:
    sup = floor.login("B-SUP")
    before = snapshot(floor.store)

    resp = release(floor, sup, ship_by=ship_by)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert snapshot(floor.store) == before


def test_an_order_time_with_a_zone_is_kept_as_utc(floor: Floor) -> None:
    sup = floor.login("B-SUP")

    order_id = release(floor, sup, ship_by="2026-12-03T18:00:00+08:00").json()["order_id"]

    detail = floor.client.get(f"/api/v1/orders/{order_id}", headers=sup).json()
    assert detail["ship_by"] == "2026-12-03T10:00:00Z"


@pytest.mark.parametrize(
    ("field", "length"), [("lot", 21), ("reason", 201), ("sku", 65), ("location", 65)]
)
def test_a_text_longer_than_its_meaning_allows_is_refused(
    floor: Floor, field: str, length: int
) -> None:
    sup = floor.login("B-SUP")
    before = snapshot(floor.store)
    body = {
        "request_id": scan_id(),
        "sku": "SKU-1",
        "location": "A-01-01",
        "delta": 1,
        "reason": "count",
    } | {field: "L" * length}

    resp = floor.client.post("/api/v1/stock/adjustments", json=body, headers=sup)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request")
    assert field in resp.json()["params"]["reason"]
    assert snapshot(floor.store) == before


def test_a_page_of_the_ledger_is_capped_and_has_a_default(floor: Floor) -> None:
    sup = floor.login("B-SUP")

    asked = [
        floor.client.get("/api/v1/movements", params=p, headers=sup)
        for p in ({}, {"limit": 1000}, {"limit": 1001}, {"limit": 10_000_000})
    ]

    assert [r.status_code for r in asked] == [200, 200, 400, 400]


SCAN_BODY = b'{"scan_id": "%s", "raw": "A-01-01"}'
ADJUST_BODY = (
    b'{"request_id": "%s", "sku": "SKU-1", "location": "A-01-01", "delta": 1, "reason": "count"}'
)
# A body no reader may take: each is refused whole by the guard in front of every route.
NOT_STRICT_JSON: dict[str, bytes] = {
    "nested 100000 deep": b"[" * 100_000 + b"]" * 100_000,
    "objects nested 5000 deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "nested 990 deep": b'{"raw": ' + b"[" * 990 + b"]" * 990 + b"}",
    "NaN": b'{"quantity": NaN, "raw": "A-01-01"}',
    "Infinity": b'{"quantity": Infinity, "raw": "A-01-01"}',
    "a lone surrogate": b'{"raw": "A-01-01\\ud800"}',
    "invalid UTF-8": b'{"raw": "A-01-01\xff\xfe"}',
    "a byte-order mark": b'\xef\xbb\xbf{"raw": "A-01-01"}',
    "a key twice": b'{"raw": "A-01-01", "raw": "SKU-1", "scan_id": "0123456789abcdef"}',
}
JSON_ROUTES = {"scans (lean route)": "/api/v1/scans", "adjustments": "/api/v1/stock/adjustments"}


@pytest.mark.parametrize("route", JSON_ROUTES.values(), ids=list(JSON_ROUTES))
@pytest.mark.parametrize("body", NOT_STRICT_JSON.values(), ids=list(NOT_STRICT_JSON))
def test_a_body_that_is_not_strict_json_is_refused_before_any_route_reads_it(
    floor: Floor, route: str, body: bytes
) -> None:
    sup = floor.login("B-SUP")
    floor.start(sup)
    before = snapshot(floor.store)

    resp = floor.client.post(
        route, content=body, headers=sup | {"content-type": "application/json"}
    )

    assert (resp.status_code, resp.headers["content-type"]) == (400, PROBLEM), resp.text
    problem = resp.json()
    assert problem["code"] == "invalid_request"
    assert "JSON" in problem["messages"]["en"] or "twice" in problem["messages"]["en"]
    assert problem["messages"]["zh"] != problem["messages"]["en"]
    assert snapshot(floor.store) == before
    assert floor.scan(sup, "A-01-01").status_code == 200  # and the edge serves on


def test_a_key_named_twice_is_refused_naming_the_key_in_both_languages(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    body = ADJUST_BODY % scan_id().encode()
    twice = body[:-1] + b', "delta": 500}'

    resp = floor.client.post(
        "/api/v1/stock/adjustments",
        content=twice,
        headers=sup | {"content-type": "application/json"},
    )

    assert resp.json()["messages"] == {
        "en": "The request is not valid: the key 'delta' appears twice in one object; send each"
        " key once. Correct it and send it again.",
        "zh": "请求无效：同一对象中键 'delta' 出现了两次；每个键只能出现一次。请更正后重新发送。",
    }


@pytest.mark.parametrize("owner", [str(2**63), "9" * 19, "²", "-1", "picker", "admin\n"])
def test_an_exception_owner_is_a_manager_role_or_an_operator_id_within_int64(
    floor: Floor, owner: str
) -> None:
    sup = floor.login("B-SUP")

    resp = floor.client.get("/api/v1/exceptions", params={"owner": owner}, headers=sup)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request"), resp.text


@pytest.mark.parametrize("owner", ["supervisor", "admin", "1", "999999999999999999"])
def test_an_exception_owner_in_range_lists_exceptions(floor: Floor, owner: str) -> None:
    sup = floor.login("B-SUP")

    resp = floor.client.get("/api/v1/exceptions", params={"owner": owner}, headers=sup)

    assert (resp.status_code, resp.json()) == (200, []), resp.text


# What makes one code look like another, or a name print what it does not say.
INVISIBLE = {
    "NUL": "SKU\x00-1",
    "ESC": "SKU-1\x1b[31m",
    "RTL override": "\u202eSKU-1",
    "zero-width space": "SKU\u200b-1",
    "byte-order mark": "\ufeffSKU-1",
    "line separator": "SKU\u2028-1",
}


def order_with(**fields: Any) -> dict[str, Any]:
    line = {"sku": fields.pop("sku", "SKU-1"), "qty": 1}
    return {"channel": "shop", "channel_order_id": scan_id(), "lines": [line]} | fields


TEXT_FIELDS: dict[str, Callable[[str], tuple[str, dict[str, Any]]]] = {
    "order line sku": lambda v: ("/api/v1/orders", order_with(sku=v)),
    "channel order id": lambda v: ("/api/v1/orders", order_with(channel_order_id=v)),
    "carrier": lambda v: ("/api/v1/orders", order_with(carrier=v)),
    "buyer note": lambda v: ("/api/v1/orders", order_with(buyer_note=v)),
    "adjustment reason": lambda v: (
        "/api/v1/stock/adjustments",
        {"request_id": scan_id(), "sku": "SKU-1", "location": "A-01-01", "delta": 1, "reason": v},
    ),
    "device name": lambda v: ("/api/v1/devices", {"name": v, **SUPERVISOR}),
}
TEXT_CASES = [(f, v) for f in TEXT_FIELDS for v in INVISIBLE]


@pytest.mark.parametrize(("field", "value"), TEXT_CASES, ids=[f"{f}={v}" for f, v in TEXT_CASES])
def test_a_code_or_name_with_a_control_or_invisible_character_is_refused(
    floor: Floor, field: str, value: str
) -> None:
    sup = floor.login("B-SUP")
    route, body = TEXT_FIELDS[field](INVISIBLE[value])
    before = snapshot(floor.store), devices(floor.store)

    resp = floor.client.post(route, json=body, headers=sup)

    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_request"), resp.text
    assert f"U+{ord(next(c for c in INVISIBLE[value] if not c.isprintable())):04X}" in resp.text
    assert (snapshot(floor.store), devices(floor.store)) == before


def devices(store: Store) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in store.read().execute("SELECT * FROM devices ORDER BY 1")]


def test_names_and_notes_keep_cjk_spaces_joiners_and_line_breaks(floor: Floor) -> None:
    sup = floor.login("B-SUP")
    body = order_with(buyer_note="请轻放\n谢谢 👨\u200d👩\u200d👧", ship_to={"name": "李\u3000雷"})

    resp = floor.client.post("/api/v1/orders", json=body, headers=sup)
    named = floor.client.post("/api/v1/devices", json={"name": "包装台\u3000一号", **SUPERVISOR})

    assert (resp.status_code, named.status_code) == (201, 201), resp.text + named.text


MALFORMED_HTTP = {
    "a 200 KB query": b"GET /api/v1/movements?x=" + b"q" * 200_000 + b" HTTP/1.1\r\n",
    "a raw NUL in the path": b"GET /api/v1/orders/a\x00b HTTP/1.1\r\n",
    "invalid UTF-8 in the path": b"GET /api/v1/orders/\xff\xfe HTTP/1.1\r\n",
    "a negative Content-Length": b"POST /api/v1/orders HTTP/1.1\r\nContent-Length: -1\r\n",
}


@pytest.mark.parametrize("side", ["edge", "central"])
def test_a_request_the_http_parser_refuses_is_answered_as_problem_json(
    settings: Any, store: Store, tmp_path: Path, side: str
) -> None:
    if side == "edge":
        app, protocol = create_app(settings, store=store), edge_protocol()
    else:
        central = Central(f"sqlite:///{tmp_path / 'central.db'}")
        app, protocol = create_central(central), central_protocol()

    with serving(app, http=protocol) as (host, port):
        answers = [raw_http(host, port, head) for head in MALFORMED_HTTP.values()]
        after = raw_http(host, port, b"GET /healthz HTTP/1.1\r\n")

    for status, kind, body in answers:
        assert (status, kind) == (400, PROBLEM), body
        assert json.loads(body)["code"] == "invalid_request"
        assert "请求不是有效的 HTTP" in json.loads(body)["messages"]["zh"]
    assert after[0] == 200


def raw_http(host: str, port: int, head: bytes) -> tuple[int, str, bytes]:
    """Send `head` (a request line and headers) as bytes; the status, content type and body."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head + b"Host: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    top, _, body = answer.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers.get("content-type", ""), body


def test_a_handheld_that_hangs_up_mid_body_is_one_warning_line_and_changes_nothing(
    tmp_path: Path,
) -> None:
    with running_server(tmp_path) as server:
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /api/v1/stock/adjustments HTTP/1.1\r\nHost: edge\r\n"
                b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
                b'{"request_id": "r-1", "sku": '
            )
            time.sleep(0.5)  # the guard is reading the body when the handheld's link drops
        time.sleep(1.0)
        after = httpx.get(f"{server.url}/readyz")
        status = server.stop()
        log = server.log()

    assert (after.status_code, status) == (200, 0)
    assert "Traceback" not in log and "ERROR" not in log, log
    (line,) = [ln for ln in log.splitlines() if "hung up" in ln]
    assert "POST /api/v1/stock/adjustments" in line and "nothing applied" in line
