"""`warehouse-edge backup` and `warehouse-edge restore`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from edge.cli.common import config_option, reports_errors, settings_from
from edge.config import Settings
from edge.store.backup import BACKUP_NAME, drop_old_backups
from edge.store.backup import backup as backup_db
from edge.store.backup import restore as restore_db

db_option = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: from the config).",
)


@click.command()
@config_option
@db_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Backup file (default: store.backup_dir/edge-<UTC time>.db).",
)
@click.option(
    "--keep",
    type=click.IntRange(1, 10000),
    help="Then delete all but the N newest backups in the backup's folder.",
)
@click.option(
    "--keep-days",
    type=click.IntRange(1, 3650),
    help="Then delete the backups in the backup's folder older than DAYS days.",
)
@reports_errors
def backup(
    config_path: Path | None,
    db_path: Path | None,
    out: Path | None,
    keep: int | None,
    keep_days: int | None,
) -> None:
    """Copy the live database to a backup file while the server keeps running.

    With --keep or --keep-days (both: either drops), older backups named edge-<UTC time>.db in
    the same folder are deleted once this one is written and checked; the newest always stays.
    The systemd timer installed by `install-systemd` runs `backup --keep 14` daily."""
    settings = settings_from(config_path)
    source = db_path or settings.db_path
    now = datetime.now(UTC)
    target = out or settings.backup_path / now.strftime(BACKUP_NAME)

    def progress(done: int, total: int) -> None:
        click.echo(f"\rbackup: {done:,} / {total:,} pages", nl=False, err=True)

    backup_db(source, target, progress=progress)
    click.echo("", err=True)
    click.echo(f"backup written to {target} ({target.stat().st_size:,} bytes, integrity ok)")
    if keep is not None or keep_days is not None:
        for dropped in drop_old_backups(target.parent, now=now, keep=keep, keep_days=keep_days):
            click.echo(f"deleted old backup {dropped}")


@click.command()
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@config_option
@db_option
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@reports_errors
def restore(backup_file: Path, config_path: Path | None, db_path: Path | None, yes: bool) -> None:
    """Replace the database by BACKUP_FILE, a backup of this edge (stop the server first); then
    ask central for this edge's events past the backup and re-apply them (exit 4 if central
    cannot be asked: the edge will not serve until `warehouse-edge sync reconcile` did)."""
    settings = settings_from(config_path)
    target = db_path or settings.db_path
    if not yes:
        click.confirm(f"Replace {target} by {backup_file}?", abort=True)
    restore_db(backup_file, target, edge_id=settings.edge.id)
    click.echo(f"restored {backup_file} to {target}")
    reconcile_or_exit(settings, target)


def reconcile_or_exit(settings: Settings, db_path: Path | None = None) -> None:
    """Close a pending restore with central now (restore, serve, sync reconcile), or exit 4."""
    # the sync agent: loaded when this command runs, not at each `warehouse-edge` start-up
    from central_sync.agent.outcomes import Refused, Unreachable
    from central_sync.agent.restore import reconcile_before_serving

    try:
        lines = reconcile_before_serving(settings, db_path or settings.db_path)
    except (Unreachable, Refused) as exc:
        click.echo(
            f"error: restored from a backup, but central could not be asked what it holds past "
            f"the backup ({exc}). The edge will not serve until it was: run `warehouse-edge sync "
            "reconcile` once central answers.",
            err=True,
        )
        sys.exit(4)
    for line in lines:
        click.echo(line)
