"""The administrator's commands at the edge box (`warehouse-edge operators …`, `devices
station-credential`): each calls the service function that owns its transaction, against the
real database file of a running app, and says plainly when there is nothing to change."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edge.cli.main import cli
from edge.config import Settings, StationSettings, load_settings
from edge.service.stations import station_device_id
from tests.support import PIN, Floor, log_in_on

STATION = "BENCH-1"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The edge of conftest's fixture, with pack bench BENCH-1 configured."""
    base = load_settings(env={}, overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10})
    return base.model_copy(update={"stations": (StationSettings(name=STATION, type="pack_bench"),)})


def admin(floor: Floor, tmp_path: Path, *args: str) -> Any:
    """`warehouse-edge ARGS` on the floor's database, with a config naming the same station."""
    config = tmp_path / "edge.toml"
    config.write_text(f'[[stations]]\nname = "{STATION}"\ntype = "pack_bench"\n')
    db = str(floor.store.path)
    return CliRunner().invoke(cli, [*args, "--config", str(config), "--db", db])


def operators_of(floor: Floor) -> list[tuple[Any, ...]]:
    rows = floor.store.read().execute("SELECT * FROM operators ORDER BY id")
    return [tuple(r) for r in rows]


def test_a_station_credential_from_the_command_line_lets_the_screen_in_and_stops_the_one_before(
    floor: Floor, tmp_path: Path
) -> None:
    before = floor.login("B-PACK", station=STATION)
    old = floor.at_station(STATION)

    made = admin(floor, tmp_path, "devices", "station-credential", STATION)

    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret and secret != old["device_secret"]
    assert floor.client.get("/api/v1/auth/me", headers=before).status_code == 401
    screen = {"device_id": station_device_id(STATION), "device_secret": secret}
    assert log_in_on(floor.client, screen, "B-PACK")
    stale = floor.client.post("/api/v1/auth/login", json={"badge": "B-PACK", "pin": PIN} | old)
    assert (stale.status_code, stale.json()["code"]) == (401, "bad_device_credential")


def test_a_station_credential_for_a_station_not_configured_is_refused_and_changes_nothing(
    floor: Floor, tmp_path: Path
) -> None:
    before = floor.login("B-PACK", station=STATION)

    refused = admin(floor, tmp_path, "devices", "station-credential", "BENCH-9")

    assert refused.exit_code == 1
    assert "no station BENCH-9 in the config ([[stations]])" in refused.output
    assert floor.client.get("/api/v1/auth/me", headers=before).status_code == 200


@pytest.mark.parametrize(
    "args",
    [["disable"], ["enable"], ["role", "B-NOBODY", "packer"], ["unlock"]],
    ids=["disable", "enable", "role", "unlock"],
)
def test_an_operators_command_for_an_unknown_badge_exits_1_and_changes_nothing(
    floor: Floor, tmp_path: Path, args: list[str]
) -> None:
    command = args if len(args) > 1 else [*args, "B-NOBODY"]
    before = operators_of(floor)

    refused = admin(floor, tmp_path, "operators", *command)

    assert refused.exit_code == 1
    assert "error: no operator with badge B-NOBODY" in refused.output
    assert operators_of(floor) == before


def test_enabling_a_disabled_badge_from_the_command_line_lets_it_log_in_again(
    floor: Floor, tmp_path: Path
) -> None:
    off = admin(floor, tmp_path, "operators", "disable", "B-PICK")
    refused = floor.client.post(
        "/api/v1/auth/login", json={"badge": "B-PICK", "pin": PIN} | floor.device
    )

    on = admin(floor, tmp_path, "operators", "enable", "B-PICK")

    assert (off.exit_code, on.exit_code) == (0, 0)
    assert "B-PICK disabled; its sessions ended" in off.output
    assert "B-PICK enabled" in on.output
    assert refused.status_code == 401
    assert floor.login("B-PICK")
