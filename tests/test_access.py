"""Access control through the real app: tokens only where they belong, logins that tell an
attacker nothing, lockouts of the source before the badge, token lifetimes and revocation."""

from __future__ import annotations

import statistics
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
from edge.store.operators import add_operator
from edge.store.store import Store
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
        401, "bad_credentials", {},
    )  # fmt: skip


def test_an_unknown_badge_takes_as_long_as_a_wrong_pin_at_the_production_hash_cost(
    tmp_path: Path,
) -> None:
    pin_hash = hash_pin(PIN, salt=b"0123456789abcdef", cost=14)
    for floor in build(tmp_path, pin_hash_cost=14):
        floor.store.writer.call(lambda tx: add_operator(
            tx, badge="B-REAL", name="Real", role="picker", pin_hash=pin_hash))  # fmt: skip
        took: dict[str, list[float]] = {"B-REAL": [], "B-NOBODY": []}
        for i in range(6):
            badge = ("B-REAL", "B-NOBODY")[i % 2]
            started = time.perf_counter()
            attempt(elsewhere(floor, f"10.0.0.{i}"), floor, badge, "0000")
            took[badge].append(time.perf_counter() - started)

        ratio = statistics.median(took["B-NOBODY"]) / statistics.median(took["B-REAL"])

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
    strict.store.writer.call(lambda tx: add_operator(
        tx, badge="B-ADMIN", name="Admin", role="admin", pin_hash=pin_hash))  # fmt: skip

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
    strict.store.writer.call(lambda tx: tx.execute(
        "UPDATE operators SET locked_until = '2999-01-01T00:00:00Z' WHERE badge = 'B-PICK'"))  # fmt: skip
    picker = strict.login("B-PACK")

    refused = strict.client.post("/api/v1/operators/B-PICK/unlock", headers=picker)
    unlocked = strict.client.post("/api/v1/operators/B-PICK/unlock", headers=strict.login("B-SUP"))

    assert (refused.status_code, refused.json()["code"]) == (403, "not_authorized")
    assert unlocked.json() == {"badge": "B-PICK", "status": "unlocked"}
    assert strict.login("B-PICK")


def test_the_cli_unlocks_a_locked_badge(strict: Floor) -> None:
    strict.store.writer.call(lambda tx: tx.execute(
        "UPDATE operators SET locked_until = '2999-01-01T00:00:00Z', failed_pins = 3"
        " WHERE badge = 'B-SUP'"))  # fmt: skip
    db = str(strict.store.path)

    result = CliRunner().invoke(cli, ["operators", "unlock", "B-SUP", "--db", db])

    assert result.exit_code == 0, result.output
    assert "B-SUP unlocked" in result.output
    assert strict.login("B-SUP")
    unknown = CliRunner().invoke(cli, ["operators", "unlock", "B-NOBODY", "--db", db])
    assert unknown.exit_code == 1 and "B-NOBODY" in unknown.output
