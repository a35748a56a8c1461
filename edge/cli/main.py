"""`warehouse-edge`: the edge server's command line."""

from __future__ import annotations

from pathlib import Path

import click

from edge.cli import admin
from edge.cli.common import config_option, reports_errors, settings_from, setup_logging, store_of
from edge.cli.scan import scan
from edge.config import describe_keys
from kernel.cli_errors import BilingualGroup


@click.group(
    cls=BilingualGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="warehouse-edge")
def cli() -> None:
    """Warehouse edge server: scanners, label printers, handheld terminals and a real-time stock
    ledger that keeps working when the WAN is down.

    Start with `warehouse-edge demo`; in production, `init`, `import` and `serve --config FILE`.
    """


@cli.command()
@config_option
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Override edge.data_dir."
)
@reports_errors
def init(config_path: Path | None, data_dir: Path | None) -> None:
    """Create the database (or migrate an existing one) and print where it is."""
    with store_of(settings_from(config_path, {"edge.data_dir": data_dir}), create=True) as store:
        click.echo(f"database {store.path} ready (edge {store.edge_id}, epoch {store.epoch})")


@cli.command()
@config_option
@click.option("--host", help="Override server.host.")
@click.option("--port", type=int, help="Override server.port (0 picks a free port).")
@reports_errors
def serve(config_path: Path | None, host: str | None, port: int | None) -> None:
    """Run the edge server until Ctrl-C or SIGTERM."""
    # the API (FastAPI, uvicorn), the restore check and the sync agent:
    # loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.api.serving import run_server
    from edge.cli.backup_cmd import reconcile_or_exit
    from edge.store.backup import sole_user

    settings = settings_from(config_path, {"server.host": host, "server.port": port})
    setup_logging(settings.logging.level, as_json=settings.logging.json)
    with sole_user(settings.db_path):  # no restore (and no second serve) under a running edge
        reconcile_or_exit(settings)  # after a restore: never serve before central was asked
        run_server(settings)


@cli.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("keys")
def config_keys() -> None:
    """List every config key with its environment variable and default."""
    for key, env, default, description in describe_keys():
        click.echo(f"{key:<45} {env:<50} {default:<12} {description}")


@config.command("check")
@config_option
def config_check(config_path: Path | None) -> None:
    """Load the config (file + environment) and report the first problem, or OK."""
    settings = settings_from(config_path)
    click.echo(f"config OK: edge {settings.edge.id}, database {settings.db_path}")


cli.add_command(scan)


for command in admin.COMMANDS:  # the subcommands that live in their own modules
    cli.add_command(command)


def main() -> None:
    cli(prog_name="warehouse-edge")
