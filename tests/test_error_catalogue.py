"""Every code of the message catalogue, triggered for real: the right code, HTTP status and
problem+json, a detail in English or Simplified Chinese, and nothing changed in the ledger.

A code with no scenario here fails `test_every_catalogue_code_has_a_scenario`; a code that no
code path can raise yet is listed in NOT_REACHABLE with the marker that would make it reachable.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from edge.api.errors import PROBLEM, status_of
from edge.cli.main import cli
from edge.domain.errors import EdgeError
from edge.domain.messages import CATALOGUE, render
from edge.store.catalog import add_barcode
from edge.store.store import Store
from tests.support import CASE_GTIN, EAN13, PIN, Floor, scan_id, snapshot

Outcome = httpx.Response | EdgeError
Act = Callable[[dict[str, str]], Outcome]  # language headers -> the refusal, triggered once
Scenario = Callable[[Floor], Act]  # arranges the floor, returns the act
LANGUAGE_HEADERS = {"en": {}, "zh": {"Accept-Language": "zh-CN"}, "operator": {}}
EDGE = Path(__file__).resolve().parents[1] / "edge"


def mover(f: Floor, *bins: str) -> dict[str, str]:
    """A picker logged in with a move task open, the given bins already scanned."""
    headers = f.login()
    f.start(headers)
    for code in bins:
        assert f.scan(headers, code).status_code == 200
    return headers


def raised(fn: Callable[[], Any]) -> EdgeError:
    with pytest.raises(EdgeError) as caught:
        fn()
    return caught.value


def sql(f: Floor, statement: str, params: tuple[Any, ...] = ()) -> None:
    f.store.writer.call(lambda tx: tx.execute(statement, params))


def login_body(f: Floor, pin: str, *, device_id: str | None = None) -> dict[str, str]:
    return {"badge": "B-PICK", "pin": pin, "device_id": device_id or f.device_id}


# --- scans ---


def unknown_barcode(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, "NO-SUCH-LABEL")


def bad_check_digit(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, "9506000134353")


def malformed_barcode(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, "]C10109506000134352179")


def empty_scan(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, "")


def scan_id_reused(f: Floor) -> Act:
    h = mover(f)
    sid = scan_id()
    f.scan(h, "A-01-01", sid)
    return lambda lang: f.scan(h | lang, "A-01-02", sid)


def unexpected_scan(f: Floor) -> Act:
    h = mover(f)
    return lambda lang: f.scan(h | lang, EAN13)


def insufficient_stock(f: Floor) -> Act:
    h = mover(f, "A-01-01", "A-01-02")
    return lambda lang: f.scan(h | lang, CASE_GTIN)


def same_location(f: Floor) -> Act:
    h = mover(f, "A-01-01")
    return lambda lang: f.scan(h | lang, "A-01-01")


def storage_full(f: Floor) -> Act:
    """The file may not grow by one page; refused scans' answers fill the last free space."""
    h = mover(f, "A-01-01", "A-01-02")
    pages = f.store.writer.call(lambda tx: tx.execute("PRAGMA page_count").fetchone()[0])
    f.store.writer.call(lambda tx: tx.execute(f"PRAGMA max_page_count = {pages}").fetchone())
    filler = (f.scan(h, f"FILLER-{n:04d}-" + "X" * 200) for n in range(1000))
    assert any(resp.status_code == 507 for resp in filler)
    return lambda lang: f.scan(h | lang, EAN13)


def internal_error(f: Floor) -> Act:
    """A task state of a shape this version does not know (as left by another version)."""
    h = mover(f)
    sql(f, "UPDATE work_sessions SET state = ?", ('{"step": "source", "from_another_version": 1}',))
    crashing = TestClient(f.client.app, raise_server_exceptions=False)
    return lambda lang: crashing.post(
        "/api/v1/scans", json={"scan_id": scan_id(), "raw": "A-01-01"}, headers=h | lang
    )


# --- stock ---


def unknown_sku(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.client.get("/api/v1/stock/NO-SUCH-SKU", headers=h | lang)


def unknown_location(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.client.get("/api/v1/locations/Z-99-99", headers=h | lang)


def invalid_quantity(f: Floor) -> Act:
    h = f.login("B-SUP")
    body = {
        "request_id": scan_id(),
        "sku": "SKU-1",
        "location": "A-01-01",
        "delta": 0,
        "reason": "count",
    }
    return lambda lang: f.client.post("/api/v1/stock/adjustments", json=body, headers=h | lang)


# --- operators, devices, sessions ---


def not_authenticated(f: Floor) -> Act:
    return lambda lang: f.client.get("/api/v1/auth/me", headers=lang)


def session_expired(f: Floor) -> Act:
    h = f.login()
    sql(f, "UPDATE login_sessions SET expires_at = '2000-01-01T00:00:00Z'")
    return lambda lang: f.client.get("/api/v1/auth/me", headers=h | lang)


def bad_credentials(f: Floor) -> Act:
    return lambda lang: f.client.post(
        "/api/v1/auth/login", json=login_body(f, "0000"), headers=lang
    )


def operator_locked(f: Floor) -> Act:
    for _ in range(f.client.app.state.settings.auth.max_pin_attempts - 1):
        assert f.client.post("/api/v1/auth/login", json=login_body(f, "0000")).status_code == 401
    return lambda lang: f.client.post(
        "/api/v1/auth/login", json=login_body(f, "0000"), headers=lang
    )


def unknown_device(f: Floor) -> Act:
    body = login_body(f, PIN, device_id="no-such-device")
    return lambda lang: f.client.post("/api/v1/auth/login", json=body, headers=lang)


def not_authorized(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.client.get("/api/v1/movements", headers=h | lang)


def no_work_session(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.scan(h | lang, "A-01-01")


def unknown_workflow(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.start(h | lang, "dance")


# --- requests and records ---


def invalid_request(f: Floor) -> Act:
    h = f.login()
    return lambda lang: f.client.post("/api/v1/scans", json={"raw": "A-01-01"}, headers=h | lang)


def not_found(f: Floor) -> Act:
    return lambda lang: f.client.get("/api/v1/no-such-thing", headers=lang)


def duplicate(f: Floor) -> Act:
    """No route registers barcodes yet; the catalogue store refuses it."""
    return lambda _: raised(
        lambda: f.store.writer.call(lambda tx: add_barcode(tx, code=EAN13, sku="SKU-2"))
    )


def database_too_new(f: Floor) -> Act:
    sql(
        f,
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES (?, ?, ?)",
        ("warehouse-edge", "9999_from_the_future", "2099-01-01 00:00:00+00:00"),
    )
    return lambda _: raised(lambda: Store(f.store.path))


SCENARIOS: dict[str, Scenario] = {
    fn.__name__: fn
    for fn in (
        unknown_barcode, bad_check_digit, malformed_barcode, empty_scan, scan_id_reused,
        unexpected_scan, insufficient_stock, same_location, storage_full, internal_error,
        unknown_sku, unknown_location, invalid_quantity, not_authenticated, session_expired,
        bad_credentials, operator_locked, unknown_device, not_authorized, no_work_session,
        unknown_workflow, invalid_request, not_found, duplicate, database_too_new,
    )
}  # fmt: skip

# Refusals to a logged-in operator: their own language setting decides, without any header.
BY_OPERATOR = (
    "unknown_barcode", "bad_check_digit", "malformed_barcode", "empty_scan", "scan_id_reused",
    "unexpected_scan", "insufficient_stock", "same_location", "storage_full", "internal_error",
    "unknown_sku", "unknown_location", "invalid_quantity", "session_expired", "not_authorized",
    "no_work_session", "unknown_workflow", "invalid_request",
)  # fmt: skip

# Codes no route, service, store or CLI can raise yet. The markers are what would make them
# reachable: once one appears in edge/ outside the allowed files, this list must lose the code.
NOT_REACHABLE: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "bad_transition": (
        "no route, service or CLI changes an order's status yet",
        "change_status(",
        ("domain/order.py",),
    ),
}

CASES = [(code, lang) for code in SCENARIOS for lang in ("en", "zh")] + [
    (c, "operator") for c in BY_OPERATOR
]


def is_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def placeholders(code: str) -> set[str]:
    texts = (CATALOGUE[code].en, CATALOGUE[code].zh)
    return {field for text in texts for _, field, _, _ in string.Formatter().parse(text) if field}


def check_text(code: str, params: dict[str, Any], detail: str, lang: str) -> None:
    """The detail is the catalogue text in `lang` with every placeholder filled."""
    given = set(params) | ({"expected"} if "expected_prompt" in params else set())
    assert placeholders(code) <= given
    assert detail == render(code, lang, params)
    assert is_chinese(detail) == (lang == "zh")


def check_problem(resp: httpx.Response, code: str, lang: str) -> None:
    body, status = resp.json(), status_of(code)
    assert resp.headers["content-type"] == PROBLEM
    assert (resp.status_code, body["status"], body["code"]) == (status, status, code)
    assert body["type"] == f"urn:warehouse-edge:problem:{code}"
    assert body["messages"] == {
        "en": render(code, "en", body["params"]),
        "zh": render(code, "zh", body["params"]),
    }
    check_text(code, body["params"], body["detail"], lang)


@pytest.mark.parametrize(("code", "mode"), CASES, ids=[f"{c}-{m}" for c, m in CASES])
def test_a_refusal_has_its_code_and_text_and_changes_nothing(
    floor: Floor, code: str, mode: str
) -> None:
    if mode == "operator":
        sql(floor, "UPDATE operators SET language = 'zh'")
    act = SCENARIOS[code](floor)
    before = snapshot(floor.store)

    outcome = act(LANGUAGE_HEADERS[mode])

    lang = "en" if mode == "en" else "zh"
    if isinstance(outcome, EdgeError):
        assert outcome.code == code
        check_text(code, outcome.params, outcome.message(lang), lang)
    else:
        check_problem(outcome, code, lang)
    assert snapshot(floor.store) == before


def test_every_catalogue_code_has_a_scenario() -> None:
    missing = set(CATALOGUE) - set(SCENARIOS) - set(NOT_REACHABLE)

    assert sorted(missing) == []
    assert set(SCENARIOS) & set(NOT_REACHABLE) == set()


@pytest.mark.parametrize("code", sorted(NOT_REACHABLE))
def test_a_code_listed_as_not_reachable_is_still_raised_nowhere(code: str) -> None:
    _, marker, allowed = NOT_REACHABLE[code]
    exempt = {"domain/messages.py", "api/errors.py", *allowed}

    users = [
        str(p.relative_to(EDGE))
        for p in sorted(EDGE.rglob("*.py"))
        if str(p.relative_to(EDGE)) not in exempt and marker in p.read_text(encoding="utf-8")
    ]

    assert users == [], (
        f"{code} is reachable now: give it a scenario and drop it from NOT_REACHABLE"
    )


def test_the_cli_refuses_a_database_from_a_newer_version_by_name(floor: Floor) -> None:
    database_too_new(floor)
    data_dir = floor.store.path.parent

    result = CliRunner().invoke(cli, ["init", "--data-dir", str(data_dir)])

    assert result.exit_code == 1
    assert "error: database_too_new: The database " in result.output
    assert "(migration 9999_from_the_future)" in result.output
