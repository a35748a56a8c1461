"""`warehouse-edge devices`: find scanners and watch what they send (the installer's first step)."""

from __future__ import annotations

import asyncio
import glob
import importlib
import os
import socket
import sys
from pathlib import Path
from typing import Any

import click

from edge.cli.common import config_option, settings_from
from edge.config import PrinterSettings
from edge.devices.adapters import adapter_for
from edge.devices.framing import FramedLine, visible
from edge.devices.keymap import LAYOUTS
from edge.devices.scanner import DeviceState, ScanEvent, ScannerConfig
from edge.domain.errors import EdgeError
from edge.domain.scan import Scan, parse_scan
from kernel.number_option import Baud, Seconds

SERIAL_BY_ID = "/dev/serial/by-id/*"
HID_BY_ID = "/dev/input/by-id/*kbd*"


@click.group()
def devices() -> None:
    """Scanners, printers, scales: list what this machine has, watch what a scanner sends; a
    one-time code to enrol a device; a new credential for a station's screen."""


@devices.command("list")
@config_option
@click.option(
    "--serial",
    "serial_paths",
    multiple=True,
    metavar="PATH",
    help="A serial scanner to check; repeatable.",
)
@click.option(
    "--hid",
    "hid_paths",
    multiple=True,
    metavar="PATH",
    help="A HID scanner (input device) to check; repeatable.",
)
@click.option(
    "--tcp",
    "tcp_addresses",
    multiple=True,
    metavar="HOST:PORT",
    help="A TCP scanner to try to reach; repeatable.",
)
def list_devices(
    config_path: Path | None,
    serial_paths: tuple[str, ...],
    hid_paths: tuple[str, ...],
    tcp_addresses: tuple[str, ...],
) -> None:
    """List serial ports, HID keyboard devices, and whether the configured scanners (and any given
    here), printers and scales are there. Printers are asked their state (ZPL ~HS, lpstat);
    scanner and scale ports are not opened (a running server may hold them). A running edge
    shows live states at /api/v1/stations and /metrics."""
    settings = settings_from(config_path)
    configs = [s.adapter_config() for s in settings.scanners]
    configs += [ScannerConfig(f"serial-{i + 1}", path=p) for i, p in enumerate(serial_paths)]
    configs += [ScannerConfig(f"hid-{i + 1}", kind="hid", path=p) for i, p in enumerate(hid_paths)]
    configs += [
        ScannerConfig(f"tcp-{i + 1}", kind="tcp-client", host=host, port=port)
        for i, (host, port) in enumerate(map(_host_port, tcp_addresses))
    ]
    _echo_serial_ports()
    _echo_hid_devices()
    click.echo(
        "scanners:"
        if configs
        else "scanners: none configured or given (use --serial, --hid, --tcp)"
    )
    for config in configs:
        click.echo(f"  {config.name:<10} {config.kind:<10} {config.where}  {probe(config)}")
    _echo_printers(settings.printers)
    _echo_scales(settings.scales)


def _echo_printers(printers: tuple[Any, ...]) -> None:
    """Each configured printer, where it is and the state it reports now."""
    # the device drivers: loaded when this command runs, not at each `warehouse-edge` start-up
    from edge.devices.printers import printer_for

    click.echo("printers:" if printers else "printers: none configured ([[printers]])")
    for settings in printers:
        status = printer_for(settings).status()
        said = f"{status.state}" + (f": {status.reason}" if status.reason else "")
        click.echo(f"  {settings.name:<14} {settings.kind:<10} {_printer_where(settings)}  {said}")


def _printer_where(settings: PrinterSettings) -> str:
    if settings.kind == "zpl-tcp":
        return f"{settings.host}:{settings.port}"
    return settings.queue if settings.kind == "cups" else settings.path


def _echo_scales(scales: tuple[Any, ...]) -> None:
    """Each configured scale and whether its port is there (not opened)."""
    click.echo("scales:" if scales else "scales: none configured ([[scales]])")
    for scale in scales:
        click.echo(
            f"  {scale.name:<14} {scale.protocol:<10} {scale.path}  {_port_state(scale.path)}"
        )


@devices.command()
@click.argument("path", required=False)
@click.option("--baud", type=Baud, default=9600, show_default=True, help="Serial speed.")
@click.option(
    "--parity",
    type=click.Choice(list("NEOMS")),
    default="N",
    show_default=True,
    help="Serial parity: none, even, odd, mark, space.",
)
@click.option(
    "--terminator",
    default="cr",
    show_default=True,
    help="cr, lf, crlf, tab, etx, or the text itself.",
)
@click.option("--prefix", default="", help="Prefix the scanner is set to send; checked and shown.")
@click.option("--suffix", default="", help="Suffix the scanner is set to send; checked and shown.")
@click.option(
    "--tcp", metavar="HOST:PORT", help="Connect to a TCP scanner instead of a serial port."
)
@click.option("--tcp-listen", metavar="HOST:PORT", help="Wait for a TCP scanner to connect here.")
@click.option(
    "--hid",
    is_flag=True,
    help="PATH is a keyboard-wedge scanner (/dev/input/...), read with evdev.",
)
@click.option(
    "--layout",
    type=click.Choice(sorted(LAYOUTS)),
    default="us",
    show_default=True,
    help="HID keyboard layout.",
)
@click.option("--count", type=click.IntRange(min=1), help="Stop after this many scans.")
@click.option("--seconds", type=Seconds(0, 366 * 24 * 3600), help="Stop after this many seconds.")
def listen(path: str | None, **options: object) -> None:
    """Print each scan a scanner sends, decoded: prefix, AIM id, GS as <GS>, what it reads as.

    PATH is a serial port (best its /dev/serial/by-id/... name). Refused lines (garbled,
    over-long, cut off) and the scanner's state are printed as lines starting with '--'.
    Runs until Ctrl-C, --count scans or --seconds.
    """
    config = _listen_config(path, options)
    try:
        state = asyncio.run(
            _listen(
                config,
                prefix=str(options["prefix"]),
                suffix=str(options["suffix"]),
                count=options["count"],  # type: ignore[arg-type]
                seconds=options["seconds"],  # type: ignore[arg-type]
            )
        )
    except KeyboardInterrupt:
        click.echo("-- stopped")
        return
    if state is DeviceState.ERROR:
        sys.exit(1)


def describe_scan(raw: str, *, prefix: str = "", suffix: str = "") -> str:
    """One scan as an installer wants to see it: the text as sent, then how the edge reads it."""
    parts = [visible(raw)]
    if prefix:
        parts.append(
            "prefix ok" if raw.startswith(prefix) else f"prefix {visible(prefix)!r} missing"
        )
    if suffix:
        parts.append("suffix ok" if raw.endswith(suffix) else f"suffix {visible(suffix)!r} missing")
    try:
        scan = parse_scan(raw, prefix=prefix, suffix=suffix)
    except EdgeError as err:
        return " | ".join([*parts, f"error {err.code}: {err.message('en')}"])
    parts.append(f"AIM {scan.symbology}" if scan.symbology else "no AIM id")
    parts.append(_reading(scan))
    return " | ".join(parts)


def _reading(scan: Scan) -> str:
    if scan.kind == "gs1":
        return f"gs1 {scan.display}"
    if scan.kind == "gtin":
        return f"gtin {scan.gtin}"
    wrong = f" (as a GTIN the check digit should be {scan.check_digit_error})"
    return f"raw {visible(scan.code)}" + (wrong if scan.check_digit_error else "")


def probe(config: ScannerConfig) -> str:
    """A scanner as seen from here, without opening its port (a running server may hold it)."""
    if config.kind == "tcp-listen":
        return "listener: its scanners connect while the server runs"
    if config.kind == "tcp-client":
        try:
            with socket.create_connection((config.host, config.port), timeout=1.0):
                return "reachable"
        except OSError as exc:
            return f"unreachable: {exc.strerror or exc}"
    there = _port_state(config.path)
    if there != "present":
        return there
    if config.kind == "hid" and not _has_evdev():
        return "present, but evdev is not installed to read it"
    return "present"


def _port_state(path: str) -> str:
    """A device path as seen from here: present, missing, or there but not ours to open."""
    if not os.path.exists(path):
        return "missing: not plugged in, or a wrong path"
    if not os.access(path, os.R_OK | os.W_OK):
        return "no permission: is the edge user in group dialout (serial) or input (HID)?"
    return "present"


def _has_evdev() -> bool:
    try:
        importlib.import_module("evdev")
    except ImportError:
        return False
    return True


def _echo_serial_ports() -> None:
    # pyserial's port list: loaded when this command runs, not at each `warehouse-edge` start-up
    from serial.tools.list_ports import comports

    ports = sorted(comports(), key=lambda port: port.device)
    by_id = {os.path.realpath(link): link for link in glob.glob(SERIAL_BY_ID)}
    click.echo("serial ports:" if ports else "serial ports: none found")
    for port in ports:
        stable = by_id.get(os.path.realpath(port.device), "")
        click.echo(f"  {port.device:<16} {port.description}  {stable}".rstrip())


def _echo_hid_devices() -> None:
    keyboards = sorted(glob.glob(HID_BY_ID))
    evdev_note = "" if _has_evdev() else " (evdev not installed: cannot read them)"
    click.echo(f"HID keyboards:{evdev_note}" if keyboards else "HID keyboards: none found")
    for path in keyboards:
        click.echo(f"  {path}")


def _host_port(address: str) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise click.BadParameter(f"expected HOST:PORT, got {address!r}")
    return host or "127.0.0.1", int(port)


def _listen_config(path: str | None, options: dict[str, object]) -> ScannerConfig:
    sources = [bool(path), bool(options["tcp"]), bool(options["tcp_listen"])]
    if sum(sources) != 1:
        raise click.UsageError("give exactly one of PATH, --tcp HOST:PORT, --tcp-listen HOST:PORT")
    if options["hid"] and not path:
        raise click.UsageError("--hid needs the input device PATH")
    kind = "hid" if options["hid"] else "serial"
    host, port = "", 0
    for option, tcp_kind in (("tcp", "tcp-client"), ("tcp_listen", "tcp-listen")):
        if options[option]:
            kind, (host, port) = tcp_kind, _host_port(str(options[option]))
    baud = options["baud"]
    assert isinstance(baud, int)  # click parsed --baud as type=int
    try:
        return ScannerConfig(
            "listen",
            kind=kind,
            path=path or "",
            host=host,
            port=port,
            baud=baud,
            parity=str(options["parity"]),
            terminator=str(options["terminator"]),
            layout=str(options["layout"]),
        )
    except ValueError as err:
        raise click.UsageError(str(err)) from None


async def _listen(
    config: ScannerConfig, *, prefix: str, suffix: str, count: int | None, seconds: float | None
) -> DeviceState | None:
    """Run the adapter, printing as it goes; return the last state reported."""
    adapter = adapter_for(config)
    seen = 0
    last: DeviceState | None = None

    async def emit(event: ScanEvent) -> None:
        nonlocal seen
        seen += 1
        click.echo(f"#{seen} {describe_scan(event.raw, prefix=prefix, suffix=suffix)}")
        if count is not None and seen >= count:
            adapter.stop()

    def on_state(_name: str, state: DeviceState, reason: str) -> None:
        nonlocal last
        last = state
        click.echo(f"-- {state.value}: {reason}")

    def on_reject(_name: str, line: FramedLine) -> None:
        click.echo(f"-- refused ({line.reason}): {visible(line.text)}")

    task = asyncio.create_task(adapter.run(emit, on_state, on_reject=on_reject))
    try:
        await asyncio.wait_for(asyncio.shield(task), seconds)
    except TimeoutError:
        adapter.stop()
        await task
    return last
