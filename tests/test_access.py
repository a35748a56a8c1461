"""Access control through the real app: tokens only where they belong, logins that tell an
attacker nothing, lockouts of the source before the badge, token lifetimes and revocation."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.cli.main import cli
from edge.config import load_settings
from edge.domain.operator import hash_pin
from edge.store.database import Store
from edge.store.operators import add_operator
from tests.support import PIN, Floor, log_in_on, new_device


def build(tmp_path: Path, **auth: Any) -> Iterator[Floor]:
    overrides = {"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10} | {
        f"auth.{k}": v for k, v in auth.items()
    }
    settings = load_settings(env={}, overrides=overrides)
    store = Store(settings.db_path, edge_id=settings.edge.id)
    with TestClient(create_app(settings, store=store)) as client:
        yield Floor.build(store, client)
    store.close()


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[Floor]:
    """Three free failures per source; a badge locks at its fourth wrong PIN from anywhere."""
    yield from build(tmp_path, max_pin_attempts=3, badge_lock_attempts=4)


def elsewhere(floor: Floor, address: str) -> TestClient:
    """The same running app seen from another client address (another handheld's IP)."""
    return TestClient(floor.client.app, client=(address, 50000))


def attempt(client: TestClient, floor: Floor | dict[str, str], badge: str, pin: str) -> Any:
    device = floor.device if isinstance(floor, Floor) else floor
    return client.post("/api/v1/auth/login", json={"badge": badge, "pin": pin} | device)


def answer(resp: Any) -> tuple[int, dict[str, Any], str | None]:
    return resp.status_code, resp.json(), resp.headers.get("retry-after")


def test_a_token_in_the_query_string_is_refused_on_every_route_but_the_event_stream(
    floor: Floor,
) -> None:
    token = floor.login()["Authorization"].removeprefix("Bearer ")

    me = floor.client.get("/api/v1/auth/me", params={"access_token": token})
    stock = floor.client.get("/api/v1/stock/SKU-1", params={"access_token": token})

    assert (me.status_code, me.json()["code"]) == (401, "not_authenticated")
    assert (stock.status_code, stock.json()["code"]) == (401, "not_authenticated")
    assert floor.client.get("/api/v1/auth/me", headers=floor.login()).status_code == 200


def test_an_unknown_badge_and_a_wrong_pin_get_the_same_answer(floor: Floor) -> None:
    unknown = attempt(floor.client, floor, "B-NOBODY", "0000")
    wrong = attempt(floor.client, floor, "B-PICK", "0000")

    assert answer(unknown) == answer(wrong)
    assert (wrong.status_code, wrong.json()["code"], wrong.json()["params"]) == (
        401,
        "bad_credentials",
        {},
    )


def test_an_unknown_badge_takes_as_long_as_a_wrong_pin_at_the_production_hash_cost(
    tmp_path: Path,
) -> None:
    pin_hash = hash_pin(PIN, salt=b"0123456789abcdef", cost=14)
    for floor in build(tmp_path, pin_hash_cost=14, max_pin_attempts=20, badge_lock_attempts=40):
        floor.store.writer.call(
            lambda tx: add_operator(
                tx, badge="B-REAL", name="Real", role="picker", pin_hash=pin_hash
            )
        )
        took: dict[str, list[float]] = {"B-REAL": [], "B-NOBODY": []}
        for i in range(10):
            badge = ("B-REAL", "B-NOBODY")[i % 2]
            started = time.perf_counter()
            attempt(elsewhere(floor, f"10.0.0.{i}"), floor, badge, "0000")
            took[badge].append(time.perf_counter() - started)

        # The fastest of five: a busy machine only ever adds time, so the minimum is the cost of
        # the work itself (the median of three failed under a load average of 5).
        ratio = min(took["B-NOBODY"]) / min(took["B-REAL"])

        assert 0.5 < ratio < 2, took


def test_failed_logins_make_their_source_wait_longer_each_time_and_leave_the_badge_usable(
    strict: Floor,
) -> None:
    answers = [attempt(strict.client, strict, "B-PICK", "0000") for _ in range(5)]

    codes = [(r.status_code, r.json()["code"]) for r in answers]
    assert codes == [(401, "bad_credentials")] * 3 + [(429, "too_many_attempts")] * 2
    assert answers[3].headers["retry-after"] == "1"
    assert answers[3].json()["params"] == {"retry_after_s": 1}
    other = elsewhere(strict, "10.0.0.7")
    device = new_device(other, "HH-2")
    assert log_in_on(other, device, "B-PICK")  # the badge itself is not locked


def test_an_anonymous_guesser_cannot_lock_an_admins_badge(strict: Floor) -> None:
    pin_hash = hash_pin("9999", salt=b"0123456789abcdef", cost=10)
    strict.store.writer.call(
        lambda tx: add_operator(tx, badge="B-ADMIN", name="Admin", role="admin", pin_hash=pin_hash)
    )

    for _ in range(50):
        attempt(strict.client, strict, "B-ADMIN", "0000")

    failed = (
        strict.store.read()
        .execute("SELECT failed_pins, locked_until FROM operators WHERE badge = 'B-ADMIN'")
        .fetchone()
    )
    assert tuple(failed) == (3, None)
    other = elsewhere(strict, "10.0.0.8")
    assert log_in_on(other, new_device(other, "HH-2"), "B-ADMIN", "9999")


def test_wrong_pins_from_several_sources_lock_the_badge_end_its_sessions_and_hide_the_lock(
    strict: Floor,
) -> None:
    session = strict.login("B-PICK")
    sources = {a: (elsewhere(strict, a), new_device(strict.client, a)) for a in ("A", "B", "C")}
    for address in ("A", "A", "A", "B"):
        client, device = sources[address]
        assert attempt(client, device, "B-PICK", "0000").status_code == 401
    fresh, device = sources["C"]

    wrong = attempt(fresh, device, "B-PICK", "1357")
    right = attempt(fresh, device, "B-PICK", PIN)

    assert (wrong.status_code, wrong.json()["code"]) == (401, "bad_credentials")
    assert (right.status_code, right.json()["code"]) == (423, "operator_locked")
    me = strict.client.get("/api/v1/auth/me", headers=session)
    assert (me.status_code, me.json()["code"]) == (401, "not_authenticated")


def test_a_supervisor_unlocks_a_locked_badge_and_a_picker_may_not(strict: Floor) -> None:
    strict.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE operators SET locked_until = '2999-01-01T00:00:00Z' WHERE badge = 'B-PICK'"
        )
    )
    picker = strict.login("B-PACK")

    refused = strict.client.post("/api/v1/operators/B-PICK/unlock", headers=picker)
    unlocked = strict.client.post("/api/v1/operators/B-PICK/unlock", headers=strict.login("B-SUP"))

    assert (refused.status_code, refused.json()["code"]) == (403, "not_authorized")
    assert unlocked.json() == {"badge": "B-PICK", "status": "unlocked"}
    assert strict.login("B-PICK")


def test_a_supervisor_sees_the_badges_wrong_pins_locked_and_a_picker_may_not(
    strict: Floor,
) -> None:
    sources = {a: (elsewhere(strict, a), new_device(strict.client, a)) for a in ("A", "B")}
    for address in ("A", "A", "A", "B"):  # the fourth wrong PIN, from two handhelds, locks it
        client, device = sources[address]
        assert attempt(client, device, "B-PACK", "0000").status_code == 401
    supervisor = strict.login("B-SUP")

    listed = strict.client.get("/api/v1/operators/locked", headers=supervisor).json()
    refused = strict.client.get("/api/v1/operators/locked", headers=strict.login("B-PICK"))

    assert [(b["badge"], b["role"]) for b in listed] == [("B-PACK", "packer")]
    assert listed[0]["locked_until"] > time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    assert (refused.status_code, refused.json()["code"]) == (403, "not_authorized")
    strict.client.post("/api/v1/operators/B-PACK/unlock", headers=supervisor)
    assert strict.client.get("/api/v1/operators/locked", headers=supervisor).json() == []
    assert strict.login("B-PACK")


def test_the_cli_unlocks_a_locked_badge(strict: Floor) -> None:
    strict.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE operators SET locked_until = '2999-01-01T00:00:00Z', failed_pins = 3"
            " WHERE badge = 'B-SUP'"
        )
    )
    db = str(strict.store.path)

    result = CliRunner().invoke(cli, ["operators", "unlock", "B-SUP", "--db", db])

    assert result.exit_code == 0, result.output
    assert "B-SUP unlocked" in result.output
    assert strict.login("B-SUP")
    unknown = CliRunner().invoke(cli, ["operators", "unlock", "B-NOBODY", "--db", db])
    assert unknown.exit_code == 1 and "B-NOBODY" in unknown.output


# --- token lifetimes and revocation ---


def sql(floor: Floor, statement: str) -> None:
    floor.store.writer.call(lambda tx: tx.execute(statement))


def me(floor: Floor, headers: dict[str, str]) -> tuple[int, str]:
    resp = floor.client.get("/api/v1/auth/me", headers=headers)
    return resp.status_code, resp.json().get("code", "")


def test_a_session_idle_longer_than_the_idle_timeout_expires(floor: Floor) -> None:
    headers = floor.login()
    idle = floor.client.app.state.settings.auth.idle_minutes
    sql(
        floor,
        f"UPDATE login_sessions SET last_seen_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now',"
        f" '-{idle + 1} minutes')",
    )

    assert me(floor, headers) == (401, "session_expired")


def test_a_used_session_stays_open_past_the_idle_timeout_counted_from_login(
    tmp_path: Path,
) -> None:
    for floor in build(tmp_path, idle_minutes=1):
        headers = floor.login()
        sql(
            floor,
            "UPDATE login_sessions SET created_at = '2000-01-01T00:00:00.000000Z',"
            " last_seen_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-20 seconds')",
        )

        assert me(floor, headers) == (200, "")
        seen = floor.store.read().execute("SELECT last_seen_at FROM login_sessions").fetchone()[0]
        assert seen > "2001"  # touched: the idle clock starts again


def test_a_session_past_its_absolute_lifetime_expires_however_busy(tmp_path: Path) -> None:
    for floor in build(tmp_path, session_hours=1):
        headers = floor.login()
        opened = (
            floor.store.read()
            .execute(
                "SELECT (julianday(expires_at) - julianday(created_at)) * 24 FROM login_sessions"
            )
            .fetchone()[0]
        )
        sql(
            floor,
            "UPDATE login_sessions SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now',"
            " '-1 seconds')",
        )

        assert me(floor, headers) == (401, "session_expired")
        assert round(opened, 3) == 1.0  # the absolute lifetime is auth.session_hours


@pytest.mark.parametrize(
    "args", [["disable", "B-PICK"], ["role", "B-PICK", "packer"]], ids=["disable", "role"]
)
def test_disabling_a_badge_or_changing_its_role_from_the_cli_ends_its_sessions_at_once(
    floor: Floor, args: list[str]
) -> None:
    headers = floor.login()
    assert me(floor, headers) == (200, "")

    done = CliRunner().invoke(cli, ["operators", *args, "--db", str(floor.store.path)])

    assert done.exit_code == 0, done.output
    assert me(floor, headers) == (401, "not_authenticated")


def test_a_role_changed_by_an_operators_import_ends_that_operators_sessions(
    floor: Floor, tmp_path: Path
) -> None:
    picker, packer = floor.login("B-PICK"), floor.login("B-PACK")
    csv = tmp_path / "operators.csv"
    csv.write_text("badge,name,role,pin\nB-PICK,Picker,supervisor,2468\n", encoding="utf-8")

    done = CliRunner().invoke(cli, ["import", "operators", str(csv), "--db", str(floor.store.path)])

    assert done.exit_code == 0, done.output
    assert me(floor, picker) == (401, "not_authenticated")
    assert me(floor, packer) == (200, "")


def test_a_disabled_badge_cannot_log_in(floor: Floor) -> None:
    CliRunner().invoke(cli, ["operators", "disable", "B-PICK", "--db", str(floor.store.path)])

    refused = attempt(floor.client, floor, "B-PICK", PIN)

    assert (refused.status_code, refused.json()["code"]) == (401, "bad_credentials")


# --- enrolment ---


def enrol(floor: Floor, **body: Any) -> Any:
    return floor.client.post("/api/v1/devices", json={"name": "HH-9"} | body)


def test_enrolment_without_a_supervisor_is_refused_and_enrols_nothing(floor: Floor) -> None:
    devices = floor.store.read().execute("SELECT COUNT(*) FROM devices").fetchone()[0]

    bare = enrol(floor)
    picker = enrol(floor, supervisor_badge="B-PICK", supervisor_pin=PIN)
    wrong = enrol(floor, supervisor_badge="B-SUP", supervisor_pin="0000")
    by_picker = floor.client.post(
        "/api/v1/devices", json={"name": "HH-10"}, headers=floor.login("B-PICK")
    )

    assert (bare.status_code, bare.json()["code"]) == (401, "enrolment_needs_supervisor")
    assert (picker.status_code, picker.json()["code"]) == (403, "not_authorized")
    assert (wrong.status_code, wrong.json()["code"]) == (401, "bad_credentials")
    assert (by_picker.status_code, by_picker.json()["code"]) == (403, "not_authorized")
    assert floor.store.read().execute("SELECT COUNT(*) FROM devices").fetchone()[0] == devices


def test_a_supervisors_token_enrols_a_device(floor: Floor) -> None:
    made = floor.client.post(
        "/api/v1/devices", json={"name": "HH-11"}, headers=floor.login("B-SUP")
    )

    assert made.status_code == 201
    assert log_in_on(floor.client, made.json(), "B-PICK")


def test_a_one_time_code_from_the_cli_enrols_one_device_once(floor: Floor) -> None:
    made = CliRunner().invoke(cli, ["devices", "enrol-code", "--db", str(floor.store.path)])
    code = made.stdout.strip()

    first = enrol(floor, enrolment_code=code)
    again = enrol(floor, name="HH-12", enrolment_code=code)

    assert made.exit_code == 0 and first.status_code == 201, made.output + first.text
    assert (again.status_code, again.json()["code"]) == (401, "bad_enrolment_code")
    assert log_in_on(floor.client, first.json(), "B-PICK")


def test_a_blank_name_is_refused_with_a_clear_message(floor: Floor) -> None:
    refused = enrol(floor, name="   ", supervisor_badge="B-SUP", supervisor_pin=PIN)

    assert (refused.status_code, refused.json()["code"]) == (400, "device_name_needed")
    assert refused.json()["detail"].startswith("Give this device a name")


def test_enrolment_is_rate_limited_per_client_address(tmp_path: Path) -> None:
    for floor in build(tmp_path, enrol_per_minute=3):
        vouch = {"supervisor_badge": "B-SUP", "supervisor_pin": PIN}
        answers = [enrol(floor, name=f"HH-{n}", **vouch).status_code for n in range(4)]
        from_elsewhere = elsewhere(floor, "10.0.0.9").post(
            "/api/v1/devices", json={"name": "HH-Y", **vouch}
        )

        # Floor.build enrolled HH-1 from this address already: two more fit the minute.
        assert answers == [201, 201, 429, 429]
        assert from_elsewhere.status_code == 201


def test_a_fresh_login_finds_no_task_without_an_error_answer(floor: Floor) -> None:
    current = floor.client.get("/api/v1/work-sessions/current", headers=floor.login())

    assert (current.status_code, current.content) == (204, b"")
