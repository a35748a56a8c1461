"""`warehouse-edge loadtest`: the check to run before a peak."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from edge.cli.common import config_option, reports_errors, settings_from, store_of
from kernel.number_option import Seconds

T = TypeVar("T")
TERMINALS = click.IntRange(3, 2000)
SECONDS = Seconds(1, 24 * 3600)


@click.command()
@click.option(
    "--edge", "edge_url", required=True, help="The running edge, e.g. http://127.0.0.1:8080."
)
@config_option
@click.option(
    "--terminals",
    type=TERMINALS,
    default=50,
    show_default=True,
    help="Simulated handhelds (3-2000): 60 % pickers, 25 % packers, 15 % returns clerks.",
)
@click.option(
    "--duration",
    type=SECONDS,
    default=60,
    show_default=True,
    help="Seconds the terminals work (1-86400).",
)
@click.option(
    "--think",
    type=Seconds(0, 60),
    default=0.5,
    show_default=True,
    help="Seconds each terminal waits between its scans (0-60; 0: flat out).",
)
@click.option(
    "--drain-timeout",
    type=Seconds(1, 3600),
    default=120,
    show_default=True,
    help="Seconds to wait for the outbox to empty afterwards (1-3600).",
)
@click.option(
    "--central",
    "central_url",
    help="Central, e.g. http://central:8090: its buyers order the hot SKUs there (the edge must "
    "sync to it: central.url in its config, the sync agent running in `serve`).",
)
@click.option(
    "--central-token",
    envvar="WAREHOUSE_CENTRAL_ADMIN_TOKEN",
    help="Central's admin token (default: $WAREHOUSE_CENTRAL_ADMIN_TOKEN).",
)
@click.option(
    "--buyers",
    type=click.IntRange(1, 1_000_000),
    default=10_000,
    show_default=True,
    help="With --central: buyers, one order of one unit each, all at once (1-1000000).",
)
@click.option(
    "--hot-skus",
    type=click.IntRange(1, 50),
    default=3,
    show_default=True,
    help="With --central: the hot SKUs the buyers order (1-50), LT-HOT-<run>-1 …, new each run.",
)
@click.option(
    "--hot-stock",
    type=click.IntRange(1, 1_000_000),
    default=100,
    show_default=True,
    help="With --central: units of each hot SKU the seed receives at the edge (1-1000000).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary as JSON to this file.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="The summary on stdout: for people, or JSON.",
)
@reports_errors
def loadtest(
    edge_url: str,
    config_path: Path | None,
    terminals: int,
    duration: float,
    think: float,
    drain_timeout: float,
    central_url: str | None,
    central_token: str | None,
    buyers: int,
    hot_skus: int,
    hot_stock: int,
    json_path: Path | None,
    fmt: str,
) -> None:
    """The check to run before a peak: simulated handhelds pick, pack and receive returns on a
    running edge through the routes the web terminal uses, while (with --central) a flood of
    buyers orders a few hot SKUs at central; then a summary (scans/s, p50/p95/p99
    scan-to-feedback, errors by code, the outbox's drain, memory, orders taken and released,
    oversells). Exit 0 when all held; 1 when anything was oversold, a request failed, the outbox
    did not drain or a released order never reached the edge; 130 after Ctrl-C (with the
    summary of what ran).

    \b
    What it needs:
      - the edge serving over plain HTTP (--edge) and its config (--config): run it on the
        edge's box. It seeds its own floor in the edge's database while the edge serves, and
        enrols a handheld per terminal itself: no badge, PIN or token of the site is asked for;
      - with --central: central's admin token, and the edge syncing to that central
        (central.url in the edge's config; `serve` runs the sync agent);
      - a pack bench with a printer in the config ([[stations]] pack_bench + [[printers]]) for
        packers: without one it runs pickers and returns clerks only.

    \b
    Where to run it: on a rehearsal edge, not the live floor. Its codes all start LT- (products,
    bins, totes, operators with a new random PIN each run, orders of channel "loadtest"), so it
    scans and moves nothing of the site's; but its pickers take the most urgent released orders,
    its packers print waybills, and its stock and orders stay in the ledger and go to central.
    Restore last night's backup into another data dir, serve it on another port, point it at a
    rehearsal central:

    \b
      warehouse-edge loadtest --edge http://127.0.0.1:8081 --config rehearsal/edge.toml \\
          --central http://127.0.0.1:8091 --central-token "$ADMIN_TOKEN" --json peak.json
    """
    # the load test's driver: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.loadtest.report import summary
    from edge.loadtest.run import Options, central_ready, prepare, rehearse

    opts = Options(
        edge=edge_url.rstrip("/"),
        terminals=terminals,
        duration=duration,
        think=think,
        drain_timeout=drain_timeout,
        central=central_url.rstrip("/") if central_url else None,
        central_token=central_token or "",
        buyers=buyers,
        hot_skus=hot_skus,
        hot_stock=hot_stock,
    )
    settings = settings_from(config_path)
    for option, url in (("--edge", opts.edge), ("--central", opts.central)):
        if url and not url.startswith("http://"):
            raise click.UsageError(
                f"{option} {url}: the load generator speaks plain HTTP; give the http:// address"
                " of its listener (e.g. http://127.0.0.1:8080 on the box)"
            )
    if opts.central and not opts.central_token:
        raise click.UsageError("--central needs central's admin token: --central-token")
    if opts.central and not settings.central.url:
        raise click.UsageError(
            "--central: the edge does not sync (central.url is empty in its config), so central's"
            " orders would never reach it"
        )
    _answers_or_exit(opts.edge)
    if opts.central:
        _answers_or_exit(opts.central, what="central")
        _or_exit(lambda: asyncio.run(central_ready(opts)))
    click.echo("seeding the LT- floor in the edge's database …", err=True)
    with store_of(settings) as store:
        rehearsal = _or_exit(lambda: prepare(store, settings, opts))
    # Ctrl-C while the terminals work ends them and reads back; a second one stops it all
    report = _or_exit(lambda: asyncio.run(rehearse(opts, settings, rehearsal)))
    if json_path:
        json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    click.echo(json.dumps(report, indent=2) if fmt == "json" else summary(report))
    sys.exit(130 if report["interrupted"] else 0 if report["ok"] else 1)


def _or_exit(step: Callable[[], T]) -> T:
    """`step`'s result; a refusal by the edge or central (a wrong token, a login refused), a
    connection lost or a wait run out is one line and exit 1, not a traceback."""
    import httpx  # loaded when this command runs, not at each `warehouse-edge` start-up

    try:
        return step()
    except httpx.HTTPStatusError as exc:
        said = exc.response.text[:300]
        click.echo(f"error: {exc.request.method} {exc.request.url}: {said}", err=True)
    except (httpx.HTTPError, TimeoutError, RuntimeError, OSError) as exc:
        click.echo(f"error: {exc}", err=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(1)


def _answers_or_exit(url: str, *, what: str = "edge") -> None:
    """Stop before seeding anything (exit 1) unless the edge (or central) at `url` is ready."""
    import httpx  # loaded when this command runs, not at each `warehouse-edge` start-up

    try:
        status = httpx.get(f"{url}/readyz", timeout=10.0).status_code
    except httpx.HTTPError as exc:
        click.echo(f"error: no {what} answers at --{what} {url} ({exc}); is it serving?", err=True)
        sys.exit(1)
    if status != 200:
        click.echo(f"error: the {what} at --{what} {url} is not ready (/readyz {status})", err=True)
        sys.exit(1)
