"""`warehouse-edge asns import FILE`: a standalone edge's advance shipping notices from a file."""

from __future__ import annotations

import json
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
from kernel.asn import CSV_COLUMNS
from kernel.input_file import InputFile

SHOWN_PROBLEMS = 50

IMPORT_HELP = f"""Import advance shipping notices (ASNs) from FILE, for an edge that central
does not feed (a synced edge gets its ASNs from central).

\b
FILE.csv (UTF-8, a header row naming the columns; asn_id, supplier, sku, qty required):
  {", ".join(CSV_COLUMNS)}
One row per expected line; rows with the same asn_id are one ASN (supplier and
expected_date may be left empty after its first row). lot is at most 20 characters,
expiry and expected_date are YYYY-MM-DD. A row with an sscc (18 digits, GS1 check digit)
travels in that pallet or carton (container_kind pallet or carton, default pallet);
rows naming the same SSCC are one mixed container.

\b
FILE.json: one ASN as central's POST /api/v1/asns takes it, a list of them, or
{{"asns": [...]}}.

\b
The whole file is checked first (every SKU must be in this edge's catalogue): if anything
is wrong, each problem is listed with its line (or ASN) and nothing is imported (exit 1).
An ASN imported again replaces its lines while nothing is received against it; once the
dock is receiving it, or it is closed, it is kept as it is.

\b
`warehouse-edge asns import --example` prints an example CSV (for the SKUs of
`warehouse-edge import products --example`) to start from.
"""


@click.group("asns")
def asns() -> None:
    """Advance shipping notices (ASNs) the dock receives against."""


@asns.command("import", help=IMPORT_HELP)
@click.argument("file", type=InputFile(), required=False)
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what it would do; change nothing."
)
@example_option("ASN")
@config_option
@db_option
@reports_errors
def import_asns_cmd(
    file: Path | None, example: bool, dry_run: bool, config_path: Path | None, db_path: Path | None
) -> None:
    if example:
        print_example("asns", file)
        return
    file = required_file(file)
    # the services: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.service.asn_import import AsnFileRefused, import_asns

    settings = settings_from(config_path, {"store.path": db_path})
    with store_of(settings) as store:
        try:
            result = import_asns(store, file, dry_run=dry_run)
        except AsnFileRefused as refused:
            _report(file, refused.problems)
            sys.exit(1)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            click.echo(
                f"error: {file}: not a readable UTF-8 file ({exc}); nothing was imported. Save it"
                " as UTF-8 (Excel: CSV UTF-8) and import it again.\n"
                f"  {file}：不是可读的 UTF-8 文件；未导入任何内容。请另存为 UTF-8（Excel：CSV UTF-8）"
                "后重新导入。",
                err=True,
            )
            sys.exit(1)
    click.echo(result.summary(dry_run=dry_run))


def _report(file: Path, problems: list[str]) -> None:
    click.echo(
        f"error: {file}: {len(problems):,} problem(s); nothing was imported. Correct them and"
        f" import the file again.\n  {file}：{len(problems):,} 处问题；未导入任何内容。"
        "请更正后重新导入。",
        err=True,
    )
    for line in problems[:SHOWN_PROBLEMS]:
        click.echo(f"  {line}", err=True)
    if len(problems) > SHOWN_PROBLEMS:
        click.echo(f"  ... and {len(problems) - SHOWN_PROBLEMS:,} more", err=True)
