"""`warehouse-edge retention prune` and `warehouse-edge ledger archive`: retention by hand
(docs/operations.md, "Retention")."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from edge.cli.common import config_option, reports_errors, settings_from, store_of


@click.group()
def retention() -> None:
    """Prune what the edge need not keep (the server also does it in the background)."""


@retention.command("prune")
@config_option
@reports_errors
def retention_prune(config_path: Path | None) -> None:
    """Delete outbox events central acknowledged more than retention.outbox_days ago, in
    batches of retention.prune_batch (safe while the server runs); print each epoch's low-water
    mark (every event up to it was pruned)."""
    # the service: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.retention import prune, pruned_through

    settings = settings_from(config_path)
    with store_of(settings) as store:
        pruned = prune(store, settings.retention)
        marks = pruned_through(store)
    days = settings.retention.outbox_days
    kept = "every event (retention.outbox_days = 0)" if days == 0 else f"{days} days"
    click.echo(f"pruned {pruned} acknowledged outbox events (kept: {kept})")
    for epoch, seq in sorted(marks.items()):
        click.echo(f"  epoch {epoch}: events up to seq {seq} pruned")


@click.group()
def ledger() -> None:
    """The stock ledger's archive."""


@ledger.command("archive")
@click.option(
    "--before",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Archive movements before this date (YYYY-MM-DD, 00:00 UTC).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive file to write (JSON lines; its SHA-256 goes to FILE.sha256).",
)
@config_option
@reports_errors
def ledger_archive(before: datetime, out: Path, config_path: Path | None) -> None:
    """Write the movements before --before whose events central acknowledged to --out, then take
    them out of the ledger: what they summed to at each place is carried forward, so every
    balance still equals its ledger and `verify` still passes. The newest movement stays."""
    # the service: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.retention import archive_ledger

    if out.exists():
        raise click.ClickException(f"{out} exists; give a new file for --out")
    settings = settings_from(config_path)
    with store_of(settings) as store:
        done = archive_ledger(store, before=before.replace(tzinfo=UTC), out=out)
    if done.rows == 0:
        click.echo(f"nothing to archive before {before:%Y-%m-%d} (nothing acknowledged that old)")
        return
    click.echo(
        f"archived movements {done.first_id}..{done.through_id} ({done.rows}) to {out}"
        f" (sha256 {done.sha256}, also in {out}.sha256)"
    )
