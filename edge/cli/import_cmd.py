"""`warehouse-edge import KIND FILE`: master data and opening stock from CSV, all or nothing."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from edge.cli.common import (
    config_option,
    db_option,
    example_option,
    print_example,
    reports_errors,
    required_file,
    settings_from,
    store_of,
)
from edge.store.importer import COLUMNS, KINDS, ImportRefused
from kernel.input_file import InputFile

SHOWN_BAD_ROWS = 50


def _columns_help() -> str:
    lines = [f"  {kind:<11} {', '.join(req + opt)}" for kind, (req, opt) in COLUMNS.items()]
    return "\n".join(lines)


HELP = f"""Import KIND from the CSV file FILE (UTF-8, a header row naming the columns).

\b
Columns per KIND (the first ones of each line are required):
{_columns_help()}

\b
products:   lot_tracked / expiry_tracked are true or false; weight_g in grams;
            min_shelf_life_days: a lot with fewer days left is not allocated (default 0).
barcodes:   a code shaped like a GTIN (8, 12, 13 or 14 digits) must have a correct check
            digit; pack_qty is the units one scan counts (a case of 12: 12); default 1.
locations:  type is bin, bench, returns, quarantine, dock or staging; pick_seq orders picking.
containers: type is tote, parcel, pallet or cart (default tote); sscc optional.
stock:      opening stock, received into the location from the `received` account (with
            outbox events); lot and expiry (YYYY-MM-DD) for lot- and expiry-tracked items.
operators:  role is picker, packer, returns, supervisor or admin; pin is digits only;
            language is en, zh or empty.

\b
The whole file is checked first: if any row is bad, every bad row is listed with its line
number and nothing is imported (exit 1). Import products before barcodes and stock, and
locations before stock. Existing rows with the same key are updated.

\b
`warehouse-edge import KIND --example` prints a small example file for KIND (they fit
together: products, barcodes, locations, containers, stock, operators) to start from.
"""


@click.command("import", help=HELP)
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=InputFile(), required=False)
@example_option("KIND")
@config_option
@db_option
@reports_errors
def import_(
    kind: str, file: Path | None, example: bool, config_path: Path | None, db_path: Path | None
) -> None:
    if example:
        print_example(kind, file)
        return
    file = required_file(file)
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.imports import import_file

    settings = settings_from(config_path, {"store.path": db_path})
    with store_of(settings) as store:
        try:
            result = import_file(
                store,
                kind,
                file,
                pin_cost=settings.auth.pin_hash_cost,
                pin_min_length=settings.auth.pin_min_length,
                progress=_progress,
            )
        except ImportRefused as refused:
            _report(file, refused)
            sys.exit(1)
        except (UnicodeDecodeError, csv.Error) as exc:
            click.echo(
                f"error: {file}: not a readable UTF-8 CSV file ({exc}); nothing was imported."
                " Save it as CSV UTF-8 (Excel: Save As → CSV UTF-8) and import it again.\n"
                f"  {file}：不是可读的 UTF-8 CSV 文件；未导入任何内容。请另存为 CSV UTF-8"
                "（Excel：另存为 → CSV UTF-8）后重新导入。",
                err=True,
            )
            sys.exit(1)
    click.echo(result.summary())


def _progress(done: int, total: int) -> None:
    click.echo(f"imported {done:,} / {total:,} rows", err=True)


def _report(file: Path, refused: ImportRefused) -> None:
    bad = refused.bad_rows
    click.echo(
        f"error: {file}: {len(bad):,} bad row(s); nothing was imported. Correct the rows below"
        f" and import the file again.\n  {file}：{len(bad):,} 行有误；未导入任何内容。"
        "请更正以下各行后重新导入。",
        err=True,
    )
    for row in bad[:SHOWN_BAD_ROWS]:
        click.echo(f"  {row}", err=True)
    if len(bad) > SHOWN_BAD_ROWS:
        click.echo(f"  ... and {len(bad) - SHOWN_BAD_ROWS:,} more bad rows", err=True)
