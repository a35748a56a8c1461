"""`warehouse-edge demo`: a seeded edge on this machine, in the foreground."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import click

from central_sync.server.environment import ADMIN_ENV
from edge.cli.common import reports_errors, settings_from, setup_logging
from edge.config.keys import CONFIG_ENV, ENV_PREFIX
from kernel.number_option import Port
from kernel.serving import stop_on_signals

ENVIRONMENT = f"""\b
Environment:
  {ENV_PREFIX}<SECTION>_<KEY>
      sets any config key of the demo's edge (`warehouse-edge config keys`
      lists them), e.g. {ENV_PREFIX}PACKING_WEIGHT_TOLERANCE_G=50; the
      options above win over it.
  {CONFIG_ENV}
      is not read: the demo uses no config file.
  {ADMIN_ENV}
      when set, is one more admin token of the demo's central.
  HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, NO_PROXY
      as for any edge, the sync with central honours them; the demo adds
      its central's address, 127.0.0.1, to NO_PROXY.
"""


@click.command(epilog=ENVIRONMENT)
@click.option(
    "--port", type=Port, default=8080, show_default=True, help="TCP port; 0 picks a free one."
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo here (seeded on first use, reused after); default: a temp dir.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Log what happens at INFO: seeding, each order central assigns, each sync request. "
    "Default: warnings and errors only.",
)
@reports_errors
def demo(port: int, host: str, data_dir: Path | None, verbose: bool) -> None:
    """Start an edge with realistic demo data and print its URL and demo logins.

    Seeds about 300 products with valid GTINs, about 300 locations, totes, operators of every
    role and a history of over 1,000 stock movements; starts a central order store beside it
    (SQLite in the data dir) that ingests four sample channel exports and releases their orders
    to this edge; picks two of them for the pack bench; then serves the API and web terminal
    until Ctrl-C or SIGTERM (exit 0).
    """
    # the demo: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.demo import run as demo_data

    temporary = data_dir is None
    root = Path(tempfile.mkdtemp(prefix="warehouse-edge-demo-")) if temporary else data_dir
    assert root is not None
    overrides = {
        "edge.data_dir": root,
        "store.path": root / "edge.db",
        "server.port": port,
        "server.host": host,
        "logging.level": None if verbose else "WARNING",
    }
    # No config file: a WAREHOUSE_EDGE_CONFIG set for a real edge must not bring its printers in.
    env = {k: v for k, v in os.environ.items() if k != CONFIG_ENV}
    settings = settings_from(None, overrides, env=env)
    # The demo's central listens on 127.0.0.1: its sync must not go through a proxy.
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = ",".join(filter(None, [os.environ.get(name), "127.0.0.1"]))
    setup_logging(settings.logging.level, as_json=settings.logging.json)
    if verbose:  # --verbose promises each sync request: httpx's own INFO line for it
        logging.getLogger("httpx").setLevel(logging.INFO)
    # On stderr: stdout is the banner, which scripts and tests read from its first line.
    click.echo(f"Starting the demo in {root} (a few seconds)…", err=True)
    try:
        with stop_on_signals():
            demo_data.run(settings, echo=click.echo, temporary=temporary)
    except demo_data.DemoDirInUse as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if temporary:
            shutil.rmtree(root, ignore_errors=True)
