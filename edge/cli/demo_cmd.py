"""`warehouse-edge demo` (being written)."""

from __future__ import annotations

import click


@click.command()
def demo() -> None:
    """Not yet available."""
    raise click.ClickException("not yet available")
