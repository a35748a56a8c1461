"""`warehouse-edge devices print-test` and `devices scale`: check a pack bench's printer and scale
while installing it, with no server running."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from edge.cli.common import config_option, settings_from
from edge.cli.devices_cmd import devices
from kernel.number_option import Baud, Seconds


@devices.command("print-test")
@click.argument("name")
@config_option
def print_test(name: str, config_path: Path | None) -> None:
    """Print the sample waybill (CJK recipient, both barcodes) on the configured printer NAME
    now, in its format, density and label size, and show what the printer says about itself."""
    # the device drivers, the services, the label renderers (reportlab):
    # loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.devices.printers import CONTENT_TYPES, printer_for
    from edge.service.documents import render_document, waybill_document
    from labels.samples import sample_waybill

    settings = settings_from(config_path)
    found = next((p for p in settings.printers if p.name == name), None)
    if found is None:
        known = ", ".join(p.name for p in settings.printers) or "none configured"
        click.echo(f"error: no printer {name!r} in [[printers]] (printers: {known})", err=True)
        sys.exit(2)
    printer = printer_for(found)
    before = printer.status()
    click.echo(
        f"{name} ({found.kind}, {found.format}, {found.dpi} dpi): {before.state}"
        f"{' — ' + before.reason if before.reason else ''}"
    )
    data = render_document("waybill", found.format, waybill_document(sample_waybill()), found)
    result = printer.send(data, content_type=CONTENT_TYPES[found.format], job_name="print-test")
    if not result.ok:
        click.echo(f"not printed: {result.reason}", err=True)
        sys.exit(1)
    click.echo(f"sent the sample waybill ({len(data):,} bytes); tracking RR123456785CN should scan")


@devices.command("scale")
@click.argument("path")
@click.option("--baud", type=Baud, default=9600, show_default=True, help="Serial speed.")
@click.option(
    "--protocol",
    type=click.Choice(["continuous", "request"]),
    default="continuous",
    show_default=True,
    help="continuous: the scale streams; request: it answers a command.",
)
@click.option(
    "--request-command",
    default="W\r",
    show_default=True,
    help="request: what to send for each reading (MT-SICS scales take SI\\r\\n).",
)
@click.option(
    "--seconds",
    type=Seconds(0.5, 24 * 3600),
    default=10,
    show_default=True,
    help="How long to watch.",
)
def scale(path: str, baud: int, protocol: str, request_command: str, seconds: float) -> None:
    """Watch a bench scale on PATH: each reading in grams, marked steady or settling, as the pack
    bench will see it (only steady readings count when a parcel closes)."""
    # the device drivers: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.devices.scale import ScaleConfig, ScaleReader

    def said(_name: str, state: object, reason: str) -> None:
        click.echo(f"scale: {getattr(state, 'value', state)} {reason}".rstrip())

    config = ScaleConfig(
        "cli",
        path=path,
        baud=baud,
        protocol=protocol,
        request_command=request_command.replace("\\r", "\r").replace("\\n", "\n"),
    )
    last = None
    with ScaleReader(config, on_state=said) as reader:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            latest = reader.latest()
            if latest is not None and latest != last:
                reading = latest[0]
                mark = "steady" if reading.stable else "settling"
                click.echo(
                    f"{reading.grams:>8} g  {mark}{'  OVERLOAD' if reading.overload else ''}"
                )
                last = latest
            time.sleep(0.1)
