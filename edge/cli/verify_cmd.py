"""`warehouse-edge verify` (being written)."""

from __future__ import annotations

import click


@click.command()
def verify() -> None:
    """Not yet available."""
    raise click.ClickException("not yet available")
