"""`warehouse-edge stock`: expired and soon-expiring lots, and moving the expired into quarantine."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click

from edge.cli.common import config_option, reports_errors, settings_from, store_of
from edge.domain.messages import prompt
from kernel.number_option import INT64_MAX, RowId


@click.group(help="Stock that needs a supervisor: expired and soon-expiring lots, count holds.")
def stock() -> None:
    """Stock that needs a supervisor."""


@stock.command(
    "expiring",
    help="List on-hand and picked units of lots that have expired on the warehouse's date "
    "(edge.timezone) or have --days or fewer days left (default stock.expiring_soon_days).",
)
@config_option
@click.option("--days", type=click.IntRange(0, 3650), default=None, help="Days ahead to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the listing as JSON.")
@reports_errors
def expiring(config_path: Path | None, days: int | None, as_json: bool) -> None:
    """Expired lots first, then those expiring soon; exit 3 when anything has expired."""
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.expiry import expiring_stock, shelf_rules

    settings = settings_from(config_path)
    with store_of(settings) as store:
        found = expiring_stock(
            store.read(), shelf_rules(settings.edge, settings.stock), datetime.now(UTC), days=days
        )
    if as_json:
        click.echo(json.dumps(found, ensure_ascii=False, indent=2))
    else:
        click.echo(f"today {found['today']} ({found['timezone']})")
        for title, rows in (
            ("EXPIRED", found["expired"]),
            ("EXPIRING SOON", found["expiring_soon"]),
        ):
            click.echo(f"{title}: {sum(r['qty'] for r in rows)} units")
            for r in rows:
                where = r["location"] + (f"/{r['container']}" if r["container"] else "")
                click.echo(
                    f"  {r['expiry']}  {r['days_left']:>4} d  {r['sku']:<14} lot {r['lot']:<12}"
                    f" {where:<14} {r['bucket']:<8} {r['qty']:>6}"
                    f" (allocated {r['allocated']})"
                )
    raise SystemExit(3 if found["expired"] else 0)


@stock.command(
    "quarantine-expired",
    help="Move every on-hand unit of an expired lot (on the warehouse's date) to frozen, in one "
    "transaction with its ledger rows and outbox events; their orders are allocated again from "
    "eligible stock. Stop the server first or run it beside a quiet edge.",
)
@config_option
@click.option("--to", "target", default=None, help="A quarantine location to move them to.")
@reports_errors
def quarantine(config_path: Path | None, target: str | None) -> None:
    """Freeze the expired and print what moved."""
    # the services, the store: loaded when this command runs, not at each `warehouse-edge` start-up
    import asyncio

    from edge.service.expiry import quarantine, shelf_rules
    from edge.store.ledger import Actor

    settings = settings_from(config_path)
    with store_of(settings) as store:
        rules = shelf_rules(settings.edge, settings.stock)
        done = asyncio.run(quarantine(store, rules, Actor(device_id="cli"), target=target))
    for f in done["frozen"]:
        click.echo(
            f"frozen {f['qty']:>6} × {f['sku']} lot {f['lot']} (expired {f['expiry']})"
            f" at {f['location']} → {f['target']}"
        )
    click.echo(prompt(done["prompt"], "en", done["params"]))


@stock.command("counts", help="List the count tasks short picks opened, with the units each holds.")
@config_option
@click.option("--done", is_flag=True, help="List the closed ones instead, with what was found.")
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON.")
@reports_errors
def counts(config_path: Path | None, done: bool, as_json: bool) -> None:
    """Open (or done) count tasks, oldest first."""
    # the store: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.store.counts import count_tasks

    with store_of(settings_from(config_path)) as store:
        tasks = count_tasks(store.read(), status="done" if done else "open")
    if as_json:
        click.echo(json.dumps(tasks, ensure_ascii=False, indent=2))
        return
    for t in tasks:
        found = f"  found {t['found']}" if done else ""
        click.echo(
            f"{t['id']:>6}  {t['location']:<12} {t['sku']:<14} lot {t['lot'] or '-':<10}"
            f" held {t['held']:>5}  {t['reason']}{found}"
        )


@stock.command(
    "count-result",
    help="Record the count of a count task: FOUND of the held units are back in stock, the rest "
    "are written off (one transaction: balances, ledger, outbox), and the task closes.",
)
@click.argument("task_id", type=RowId)
@click.option(
    "--found", type=click.IntRange(0, INT64_MAX), required=True, help="Units found in the bin."
)
@config_option
@reports_errors
def count_result(task_id: int, found: int, config_path: Path | None) -> None:
    """Close one count task with what was found."""
    # the services, the store: loaded when this command runs, not at each `warehouse-edge` start-up
    import asyncio

    from edge.service.counts import count_result as record_count_result
    from edge.store.ledger import Actor

    with store_of(settings_from(config_path)) as store:
        done = asyncio.run(record_count_result(store, task_id, found, Actor(device_id="cli")))
    click.echo(prompt(done["prompt"], "en", done["params"]))
