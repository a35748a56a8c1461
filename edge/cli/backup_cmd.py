"""`warehouse-edge backup` and `warehouse-edge restore`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from edge.cli.common import config_option, reports_errors, settings_from
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
@reports_errors
def backup(config_path: Path | None, db_path: Path | None, out: Path | None) -> None:
    """Copy the live database to a backup file while the server keeps running."""
    settings = settings_from(config_path)
    source = db_path or settings.db_path
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = out or settings.backup_path / f"edge-{stamp}.db"

    def progress(done: int, total: int) -> None:
        click.echo(f"\rbackup: {done:,} / {total:,} pages", nl=False, err=True)

    backup_db(source, target, progress=progress)
    click.echo("", err=True)
    click.echo(f"backup written to {target} ({target.stat().st_size:,} bytes, integrity ok)")


@click.command()
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@config_option
@db_option
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database.")
@reports_errors
def restore(backup_file: Path, config_path: Path | None, db_path: Path | None, yes: bool) -> None:
    """Replace the database by BACKUP_FILE (stop the server first) and start a new sync epoch."""
    settings = settings_from(config_path)
    target = db_path or settings.db_path
    if not yes:
        click.confirm(f"Replace {target} by {backup_file}?", abort=True)
    epoch = restore_db(backup_file, target)
    click.echo(f"restored {backup_file} to {target}; new sync epoch {epoch}")
