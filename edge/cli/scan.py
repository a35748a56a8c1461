"""`scan` commands: read a barcode the way the edge reads one from a device."""

from __future__ import annotations

import json
import sys

import click

from edge.cli.common import said
from edge.domain.errors import EdgeError
from edge.domain.scan import parse_scan


@click.group(help="Read barcodes as the edge reads them from scanners.")
def scan() -> None:
    """Read barcodes as the edge reads them from scanners."""


@scan.command(
    "parse",
    help=(
        "Show how RAW is read (kind, symbology, GS1 values) as JSON. "
        "Without RAW, or with '-', read the raw bytes from standard input, "
        "so GS (FNC1) and CR/LF bytes arrive as the scanner sends them."
    ),
)
@click.argument("raw", required=False)
@click.option("--prefix", default="", help="Prefix the scanner adds before each code.")
@click.option("--suffix", default="", help="Suffix the scanner adds after each code.")
@click.option(
    "--gs-substitute",
    "gs_substitutes",
    multiple=True,
    help="Text that stands for the GS (FNC1) character; repeatable. Default: <GS>.",
)
def parse(raw: str | None, prefix: str, suffix: str, gs_substitutes: tuple[str, ...]) -> None:
    """Print the reading of one scan as JSON; exit 2 with the refusal if it cannot be read."""
    if raw is None or raw == "-":
        # latin-1 maps every byte to one character, so GS (0x1d) and CR survive unchanged.
        raw = sys.stdin.buffer.read().decode("latin-1")
    try:
        reading = parse_scan(
            raw, prefix=prefix, suffix=suffix, gs_substitutes=gs_substitutes or ("<GS>",)
        )
    except EdgeError as exc:
        click.echo(f"error: {said(exc)}", err=True)
        raise SystemExit(2) from None
    click.echo(json.dumps(reading.to_json(), ensure_ascii=False, indent=2))
