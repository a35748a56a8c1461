"""`warehouse-edge labels`: render labels without a running server or a store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from edge.cli.common import config_option, reports_errors, settings_from
from edge.domain.classify import COMMANDS
from edge.domain.gtin import check_digit

if TYPE_CHECKING:
    from labels.sheet import SheetSection

# Fixed sample data: the kinds of code the floor scans, Chinese names included.
SAMPLE_BADGES = (
    ("P001", "Li Na · picker"),
    ("P002", "王芳 · 拣货员"),
    ("S001", "Liu Yang · supervisor"),
)
SAMPLE_ITEMS = (
    ("690123456789", "龙井绿茶 100克"),
    ("400638133393", "Blue mug 350 ml / 蓝色马克杯"),
    ("590123412345", "Jasmine tea / 茉莉花茶"),
    ("694201234567", "Chrysanthemum tea 60 g / 菊花茶"),
    ("871234567890", "Pack of 10 pens / 10支装"),
)


def sample_sections(command_prefix: str = "CMD:") -> list[SheetSection]:
    """The sample sheet's sections: badges, totes, locations, items (EAN-13) and commands."""
    # the label renderers (reportlab):
    # loaded when this command runs, not at each `warehouse-edge` start-up
    from labels.sheet import SheetItem, SheetSection

    items = [SheetItem(_ean13(stem), _ean13(stem), name) for stem, name in SAMPLE_ITEMS]
    locations = [f"A-{aisle:02d}-{bay:02d}" for aisle in (1, 2) for bay in range(1, 6)]
    return [
        SheetSection("Operator badges", [SheetItem(b, b, who) for b, who in SAMPLE_BADGES]),
        SheetSection("Totes", [SheetItem(f"T-{n:04d}", f"T-{n:04d}") for n in range(1, 5)]),
        SheetSection("Locations", [SheetItem(code, code) for code in locations]),
        SheetSection("Items", items),
        SheetSection(
            "Commands",
            [SheetItem(command_prefix + name, name.title()) for name in COMMANDS],
        ),
    ]


@click.group()
def labels() -> None:
    """Render labels and barcode sheets to files (no server or database needed)."""


@labels.group()
def sample() -> None:
    """Render sample documents with fixed data, to check that a printer and a scanner agree."""


@sample.command("sheet")
@config_option
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="PDF file to write.",
)
@reports_errors
def sample_sheet(config_path: Path | None, out: Path) -> None:
    """Write a PDF sheet of sample barcodes (badges, totes, locations, EAN-13 items, commands).

    Print it at 100 % and scan each code to check that a scanner reads our labels and sends
    exactly the text printed under the bars. Command barcodes use scans.command_prefix.
    """
    # the label renderers (reportlab):
    # loaded when this command runs, not at each `warehouse-edge` start-up
    from labels.sheet import barcode_sheet

    settings = settings_from(config_path)
    sections = sample_sections(settings.scans.command_prefix)
    pdf = barcode_sheet(sections, title="warehouse-edge sample barcodes / 样例条码")
    try:
        out.write_bytes(pdf)
    except OSError as err:
        raise click.ClickException(f"cannot write {out}: {err.strerror}") from None
    count = sum(len(section.items) for section in sections)
    click.echo(f"wrote {out}: {count} barcodes")


@sample.command("waybill")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["pdf", "zpl"]),
    default="pdf",
    show_default=True,
    help="PDF (vector, fonts embedded) or ZPL II for a Zebra-compatible label printer.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write.",
)
@click.option(
    "--dpi",
    type=click.Choice(["203", "300"]),
    default="203",
    show_default=True,
    help="The printer's density: bars and text are placed on its dots.",
)
@click.option(
    "--zpl-text",
    type=click.Choice(["font", "graphic"]),
    default="font",
    show_default=True,
    help="ZPL only: text in the printer's Unicode font (^A@ --zpl-font), or as bitmaps (^GF) "
    "for a printer without one.",
)
@click.option(
    "--zpl-font",
    default="E:ANMDJ.TTF",
    show_default=True,
    help="ZPL only: the printer's Unicode TrueType font for --zpl-text font.",
)
def sample_waybill_cmd(fmt: str, out: Path, dpi: str, zpl_text: str, zpl_font: str) -> None:
    """Write a sample 4×6 in waybill (Chinese recipient, tracking and order barcodes).

    Send the file to a label printer (ZPL over port 9100, or the PDF at 100 %) and scan both
    barcodes: the tracking number is RR123456785CN, the order number SO-2025-000123.
    """
    # labels (and reportlab) load when a label is drawn, not at every command's start-up
    from labels.document import Label
    from labels.samples import sample_waybill
    from labels.waybill import waybill_pdf, waybill_zpl

    waybill, label = sample_waybill(), Label(dpi=int(dpi))
    if fmt == "pdf":
        data = waybill_pdf(waybill, label)
    else:
        data = waybill_zpl(waybill, label, font=zpl_font, text=zpl_text).encode()
    try:
        out.write_bytes(data)
    except OSError as err:
        raise click.ClickException(f"cannot write {out}: {err.strerror}") from None
    click.echo(f"wrote {out}: waybill {waybill.tracking_no}, {fmt.upper()} at {dpi} dpi")


def _ean13(stem: str) -> str:
    return stem + check_digit(stem)
