"""Subcommands that live in their own modules, registered on the main group."""

from __future__ import annotations

import click

from edge.cli import bench_devices_cmd  # noqa: F401  (adds print-test and scale to devices)
from edge.cli.access_cmd import operators
from edge.cli.asns_cmd import asns
from edge.cli.backup_cmd import backup, restore
from edge.cli.demo_cmd import demo
from edge.cli.devices_cmd import devices
from edge.cli.import_cmd import import_
from edge.cli.install_cmd import install_systemd
from edge.cli.labels_cmd import labels
from edge.cli.loadtest_cmd import loadtest
from edge.cli.report_cmd import report
from edge.cli.retention_cmd import ledger, retention
from edge.cli.stock_cmd import stock
from edge.cli.sync_cmd import sync
from edge.cli.tls_cmd import tls
from edge.cli.verify_cmd import verify

COMMANDS: list[click.Command] = [
    import_,
    asns,
    verify,
    demo,
    backup,
    restore,
    tls,
    labels,
    devices,
    sync,
    stock,
    operators,
    report,
    install_systemd,
    retention,
    ledger,
    loadtest,
]
