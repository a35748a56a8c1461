"""`warehouse-central`: the central order store's command line."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="warehouse-edge")
def cli() -> None:
    """Central order store: where orders from every sales channel meet and every warehouse's facts
    arrive. The service itself lands with the central-sync work; this version has none yet."""


@cli.command()
def serve() -> None:
    """Run the central order store (not in this version: it exits with an explanation)."""
    raise click.ClickException(
        "the central order store is not part of this version yet; edges run standalone meanwhile"
    )


def main() -> None:
    cli(prog_name="warehouse-central")
