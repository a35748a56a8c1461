"""`warehouse-edge sync`: the sync with central as the store records it, and one round by hand."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from edge.cli.common import (
    config_option,
    refuse_config,
    reports_errors,
    settings_from,
    setup_logging,
    store_of,
)

if TYPE_CHECKING:  # the store is loaded when a command needs it
    from edge.config import Settings
    from edge.store.database import Store


@click.group()
def sync() -> None:
    """The sync with the central order store: status, and one round by hand."""


@sync.command("status")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
def status(config_path: Path | None, as_json: bool) -> None:
    """Show central's URL (or standalone), online or "central offline since …", events queued and
    the oldest, the feed cursor, the last error and the alert. Reads the database directly, so it
    works while the server runs; exits 4 while it says "needs a person", else 3 while the alert
    is raised."""
    # the sync agent, the store:
    # loaded when this command runs, not at each `warehouse-edge` start-up
    from central_sync.agent.status import status_lines, sync_status
    from edge.store.db import Readers

    settings = settings_from(config_path)
    if not settings.db_path.is_file():
        click.echo(f"error: no database at {settings.db_path}; run warehouse-edge init", err=True)
        sys.exit(2)
    readers = Readers(settings.db_path)
    try:
        found = sync_status(readers.get(), settings.central, settings.edge.zone)
    except Exception as exc:  # noqa: BLE001 - an old schema: say what to do
        click.echo(f"error: cannot read the sync state in {settings.db_path}: {exc}", err=True)
        click.echo("run warehouse-edge init (or start the server) to migrate it", err=True)
        sys.exit(2)
    finally:
        readers.close()
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        for line in status_lines(found):
            click.echo(line)
    sys.exit(4 if found["attention"] else 3 if found["alert"] else 0)


@sync.command("reconcile")
@config_option
def reconcile(config_path: Path | None) -> None:
    """After `warehouse-edge restore` could not reach central: ask central for this edge's events
    past the backup, re-apply them and start a new epoch above central's (exit 4 if central
    cannot be asked; the server will not start until this was done)."""
    # the restore check and the sync agent:
    # loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.cli.backup_cmd import reconcile_or_exit

    settings = settings_from(config_path)
    setup_logging(settings.logging.level, as_json=settings.logging.json)
    reconcile_or_exit(settings)


@sync.command("run-once")
@config_option
@reports_errors
def run_once(config_path: Path | None) -> None:
    """Send every queued event to central and apply its change feed until it is empty, then exit
    (the server does this continuously; this is for a stopped edge or a manual catch-up)."""
    # the sync agent, the settings, the store:
    # loaded when this command runs, not at each `warehouse-edge` start-up
    from central_sync.agent.client import Refused, Unreachable
    from edge.config import ConfigError

    settings = settings_from(config_path)
    setup_logging(settings.logging.level, as_json=settings.logging.json)
    if not settings.central.url:
        click.echo("error: central.url is not set: this edge runs standalone", err=True)
        sys.exit(2)
    with store_of(settings) as store:
        try:
            click.echo(f"syncing edge {store.edge_id} with {settings.central.url} …")
            done = asyncio.run(_once(store, settings))
        except ConfigError as exc:
            refuse_config(exc)
        except (Unreachable, Refused) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
    click.echo(
        f"sent {done['sent']} events, applied {done['changes']} changes,"
        f" feed cursor {done['feed_cursor']}"
    )


async def _once(store: Store, settings: Settings) -> dict[str, int]:
    # the sync agent: loaded when this command runs, not at each `warehouse-edge` start-up
    from central_sync.agent.agent import SyncAgent

    agent = SyncAgent(store, settings)
    try:
        return await agent.sync_once()
    finally:
        await agent.client.close()
