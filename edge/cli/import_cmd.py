"""`warehouse-edge import` (being written)."""

from __future__ import annotations

import click


@click.command("import")
def import_() -> None:
    """Not yet available."""
    raise click.ClickException("not yet available")
