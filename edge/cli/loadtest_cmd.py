"""`warehouse-edge loadtest`: the check to run before a peak."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from edge.cli.common import config_option, reports_errors, settings_from, store_of

TERMINALS = click.IntRange(3, 2000)
SECONDS = click.FloatRange(1, 24 * 3600)


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
    type=click.FloatRange(0, 60),
    default=0.5,
    show_default=True,
    help="Seconds each terminal waits between its scans (0-60; 0: flat out).",
)
@click.option(
    "--drain-timeout",
    type=click.FloatRange(1, 3600),
    default=120,
    show_default=True,
    help="Seconds to wait for the outbox to empty afterwards (1-3600).",
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
    json_path: Path | None,
    fmt: str,
) -> None:
    """The check to run before a peak: simulated handhelds pick, pack and receive returns on a
    running edge through the routes the web terminal uses, while (with --central) a flood of
    buyers orders a few hot SKUs at central; it ends with a summary (scans/s, p50/p95/p99
    scan-to-feedback, errors by code, the outbox's drain, memory, oversells) and exits 1 when
    anything was oversold or any request failed (130 when stopped by Ctrl-C, after the
    summary of what ran).

    \b
    What it needs:
      - the edge running (`warehouse-edge serve`) and its config (--config, as for serve):
        run it on the edge's box. It seeds its own floor in the edge's database: products,
        bins, totes, operators, handhelds and orders whose codes all start LT-; its operators
        get a new random PIN each run. Nothing of the site's is scanned or moved by it, but its
        pickers take the most urgent released orders, its packers close parcels at the
        config's pack benches (a [[stations]] pack_bench with a printer; none: no packers),
        whose printers print the waybills, and its stock and orders stay in the
        ledger: run it on a rehearsal edge (last night's backup restored into another data dir
        and served on another port, syncing to a rehearsal central), not on the live floor.
    """
    # the load test's driver: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.loadtest.run import Options, load, prepare, shared_for

    opts = Options(
        edge=edge_url.rstrip("/"),
        terminals=terminals,
        duration=duration,
        think=think,
        drain_timeout=drain_timeout,
    )
    settings = settings_from(config_path)
    _answers_or_exit(opts.edge)
    click.echo("seeding the LT- floor in the edge's database …", err=True)
    with store_of(settings) as store:
        rehearsal = prepare(store, settings, opts)
    try:
        report = asyncio.run(load(opts, rehearsal, shared_for(rehearsal, settings)))
    except KeyboardInterrupt:  # a second Ctrl-C, while the results were read back
        click.echo("interrupted", err=True)
        sys.exit(130)
    if json_path:
        json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    click.echo(json.dumps(report, indent=2) if fmt == "json" else summary(report))
    sys.exit(130 if report["interrupted"] else 0 if report["ok"] else 1)


def _answers_or_exit(url: str) -> None:
    """Stop before seeding anything (exit 1) unless the edge at `url` is up and ready."""
    import httpx  # loaded when this command runs, not at each `warehouse-edge` start-up

    try:
        status = httpx.get(f"{url}/readyz", timeout=10.0).status_code
    except httpx.HTTPError as exc:
        click.echo(f"error: no edge answers at --edge {url} ({exc}); is it serving?", err=True)
        sys.exit(1)
    if status != 200:
        click.echo(f"error: the edge at --edge {url} is not ready (/readyz {status})", err=True)
        sys.exit(1)


def summary(r: dict[str, Any]) -> str:
    """The report for people."""
    lat = r["scan_to_feedback"]
    out = r["outbox"]
    mem = r["edge_memory"]
    lines = [
        f"load test of {r['edge']}: {sum(r['terminals'].values())} terminals "
        f"({', '.join(f'{n} {k}' for k, n in r['terminals'].items())}) for {r['duration_s']} s"
        + (" (interrupted)" if r["interrupted"] else ""),
        f"  scans            {r['scans']} ({r['scans_per_s']}/s)",
        f"  scan-to-feedback p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms",
        f"  work done        {r['units_picked']} units picked, {r['parcels_packed']} parcels "
        f"packed, {r['returns_closed']} returns received",
        f"  errors           {r['errors']}" + (f" {r['errors_by_code']}" if r["errors"] else ""),
        f"  outbox           {out['depth_at_end']} at the end"
        + (
            f", {'drained' if out['drained'] else 'NOT drained'} in {out['drain_s']} s"
            if out["mode"] == "synced"
            else " (standalone edge: nothing sends it)"
        ),
        "  edge memory      "
        + (f"{mem['rss_mb']} MB (peak {mem['rss_peak_mb']} MB)" if mem["rss_mb"] else "unknown"),
        f"  oversells        {r['oversells']}",
        "PASS" if r["ok"] else "FAIL",
    ]
    return "\n".join(lines)
