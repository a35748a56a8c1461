"""`warehouse-edge operators` (unlock, disable, enable, role) and the device credentials
(`devices enrol-code`, `devices station-credential`): what an administrator at the edge box does
when no supervisor can, e.g. every supervisor's badge is locked. The server may keep running:
each change is one transaction and takes effect at its next request."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from edge.cli.common import config_option, db_option, reports_errors, settings_from, store_of
from edge.cli.devices_cmd import devices
from edge.domain.errors import EdgeError
from edge.domain.operator import Role

if TYPE_CHECKING:
    from edge.store.database import Store


def _on_badge(
    config_path: Path | None,
    db_path: Path | None,
    badge: str,
    change: Callable[[Store], Coroutine[Any, Any, None]],
    said: str,
) -> None:
    """Run the service command `change` (one transaction) and say what became of BADGE (exit 1:
    no such badge)."""
    with store_of(settings_from(config_path, {"store.path": db_path})) as store:
        try:
            asyncio.run(change(store))
        except EdgeError as err:
            if err.code != "not_found":
                raise
            click.echo(f"error: no operator with badge {badge}", err=True)
            sys.exit(1)
    click.echo(f"{badge} {said}")


@click.group()
def operators() -> None:
    """Operators' badges: unlock one locked by wrong PINs, disable or enable one, change a role.
    Disabling a badge or changing its role ends its open sessions at once."""


@operators.command()
@click.argument("badge")
@config_option
@db_option
def unlock(badge: str, config_path: Path | None, db_path: Path | None) -> None:
    """Unlock BADGE (locked after too many wrong PINs) and forget its count of them."""
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.auth import unlock

    _on_badge(config_path, db_path, badge, lambda store: unlock(store, badge), "unlocked")


@operators.command()
@click.argument("badge")
@config_option
@db_option
def disable(badge: str, config_path: Path | None, db_path: Path | None) -> None:
    """Switch BADGE off: it can no longer log in, and its open sessions end."""
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.auth import change_operator

    off = "disabled; its sessions ended"
    _on_badge(
        config_path, db_path, badge, lambda store: change_operator(store, badge, active=False), off
    )


@operators.command()
@click.argument("badge")
@config_option
@db_option
def enable(badge: str, config_path: Path | None, db_path: Path | None) -> None:
    """Switch BADGE on again."""
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.auth import change_operator

    _on_badge(
        config_path,
        db_path,
        badge,
        lambda store: change_operator(store, badge, active=True),
        "enabled",
    )


@operators.command()
@click.argument("badge")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@config_option
@db_option
def role(badge: str, role: str, config_path: Path | None, db_path: Path | None) -> None:
    """Give BADGE another ROLE; its open sessions end (it logs in again with the new role)."""
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.auth import change_operator

    _on_badge(
        config_path,
        db_path,
        badge,
        lambda store: change_operator(store, badge, role=Role(role)),
        f"is now {role}",
    )


@devices.command("enrol-code")
@config_option
@db_option
@reports_errors
def enrol_code(config_path: Path | None, db_path: Path | None) -> None:
    """Print a one-time code that lets one new device enrol (valid auth.enrolment_code_minutes):
    type it on the device's first screen instead of a supervisor's badge and PIN."""
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.enrolment import new_enrolment_code

    settings = settings_from(config_path, {"store.path": db_path})
    with store_of(settings) as store:
        minutes = settings.auth.enrolment_code_minutes
        code = asyncio.run(new_enrolment_code(store, minutes=minutes))
    click.echo(code)
    click.echo(f"(one device, within {minutes} min)", err=True)


@devices.command("station-credential")
@click.argument("station")
@config_option
@db_option
@reports_errors
def station_credential(station: str, config_path: Path | None, db_path: Path | None) -> None:
    """Print a new credential for STATION's screen (its old one, and whoever is logged in there,
    stop at once). Enrolling the station's screen from the screen itself does the same."""
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.enrolment import new_station_credential

    settings = settings_from(config_path, {"store.path": db_path})
    configured = {s.name: s.type for s in settings.stations}
    if station not in configured:
        click.echo(f"error: no station {station} in the config ([[stations]])", err=True)
        sys.exit(1)
    with store_of(settings) as store:
        click.echo(asyncio.run(new_station_credential(store, station, configured[station])))
