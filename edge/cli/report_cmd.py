"""`warehouse-edge report weekly`: the weekly report as a PDF, written, kept and mailed."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from edge.cli.common import config_option, reports_errors, settings_from, store_of


@click.group(help="Reports for the supervisor and the managers.")
def report() -> None:
    """Reports for the supervisor and the managers."""


@report.command(
    "weekly",
    help="Make the weekly report (KPIs against their thresholds, exceptions, the problem-order"
    " review) of an ISO week as a PDF. With --out it is written there; without, it is kept in"
    " the report directory (report.dir) like the scheduled run's. --mail also sends it to"
    " report.recipients (exit 3 if the mail fails; the PDF is still written).",
)
@config_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF file to write (default: the report directory, keeping the last report.keep).",
)
@click.option(
    "--week",
    metavar="YYYY-Www",
    help="ISO week such as 2026-W48 (default: last week, in edge.timezone).",
)
@click.option("--mail", is_flag=True, help="Also e-mail it to report.recipients.")
@reports_errors
def weekly(config_path: Path | None, out: Path | None, week: str | None, mail: bool) -> None:
    """Make the weekly report of an ISO week."""
    # the store and the report: loaded when this command runs, not at each start-up
    from edge.domain.kpi import week_bounds
    from edge.service import weekly_run
    from edge.service.reports import weekly_pdf

    settings = settings_from(config_path)
    if week is not None:
        week_bounds(week)  # bad_period before the database is opened
    if mail and not settings.report.to:
        click.echo("error: --mail needs report.recipients (and report.smtp_host)", err=True)
        sys.exit(2)
    with store_of(settings) as store:
        made = weekly_pdf(store.read(), settings, week, datetime.now(UTC))
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(made.pdf)
        path = out
    else:
        path = weekly_run.keep(made, settings.report_path, settings.report.keep)
    click.echo(f"weekly report {made.week} written to {path} ({len(made.pdf):,} bytes)")
    if mail:
        try:
            weekly_run.mail(made, settings.report, settings.edge.name)
        except weekly_run.MailError as err:
            click.echo(f"error: not mailed: {err}", err=True)
            sys.exit(3)
        click.echo(f"mailed to {', '.join(settings.report.to)}")
