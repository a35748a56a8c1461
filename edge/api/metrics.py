"""Prometheus metrics: scans, errors by code, scan and request latency, outbox depth and age,
writer commits and batch sizes, devices enrolled, scanners, printers and their jobs by state,
scales, the sync with central, exceptions active by kind and their pushes pending.

Counters and histograms are bumped in memory as requests are served; every other figure is read
at scrape time by a collector (a few store reads per scrape, none per request)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector
from starlette.types import Scope

from central_sync.agent.status import sync_status
from edge.config import Settings
from edge.devices.printers import STATES
from edge.service.printing import Spooler
from edge.store import exceptions, sync_state
from edge.store.database import Store
from edge.store.operators import active_devices_by_kind
from edge.store.print_jobs import queue_summary, waiting_by_state
from edge.store.writer import BATCH_BUCKETS
from kernel.request_times import RequestTimes

DEVICE_KINDS = ("handheld", "scanner", "printer", "scale", "desktop")
PRINT_JOB_STATES = ("queued", "sent", "retrying", "needs_attention")


class StoreCollector(Collector):
    """Figures read from the store at scrape time."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def collect(self) -> Iterator[Any]:
        status = sync_state.outbox_status(self._store.read(), datetime.now(UTC))
        depth = GaugeMetricFamily("edge_outbox_depth", "Events waiting to be delivered to central")
        depth.add_metric([], status["queued"])
        age = GaugeMetricFamily(
            "edge_outbox_oldest_age_seconds", "Age of the oldest undelivered event"
        )
        age.add_metric([], status["oldest_age_s"])
        writer = self._store.writer
        commits = CounterMetricFamily("edge_writer_commits", "Transactions committed by the writer")
        commits.add_metric([], writer.commits)
        commands = CounterMetricFamily("edge_writer_commands", "Commands committed by the writer")
        commands.add_metric([], writer.commands)
        batches = HistogramMetricFamily(
            "edge_writer_batch_size", "Commands per commit (one fsync serves a batch)"
        )
        cumulative, buckets = 0, []
        for bound, count in zip(
            (*map(str, BATCH_BUCKETS), "+Inf"), writer.batch_sizes, strict=True
        ):
            cumulative += count
            buckets.append((bound, cumulative))
        batches.add_metric([], buckets, sum_value=writer.commands)
        pending = GaugeMetricFamily(
            "edge_writer_pending_commands", "Commands submitted, not yet taken into a commit"
        )
        pending.add_metric([], writer.pending)
        alive = GaugeMetricFamily("edge_writer_up", "1 while the writer thread runs, else 0")
        alive.add_metric([], 1.0 if writer.alive else 0.0)
        full = GaugeMetricFamily(
            "edge_storage_full", "1 while writes are refused for want of disk space, else 0"
        )
        full.add_metric([], 0.0 if writer.storage_full_since is None else 1.0)
        yield from (commits, commands, batches, pending, alive, full, *_disk(self._store.path))
        conn = self._store.read()
        devices = GaugeMetricFamily(
            "edge_devices_enrolled", "Devices enrolled and not retired, by kind", labels=["kind"]
        )
        enrolled = active_devices_by_kind(conn)
        for kind in sorted({*DEVICE_KINDS, *enrolled}):
            devices.add_metric([kind], enrolled.get(kind, 0))
        active = GaugeMetricFamily(
            "edge_exceptions_active", "Exceptions open or acknowledged, by kind", labels=["kind"]
        )
        for kind, count in sorted(exceptions.active_by_kind(conn).items()):
            active.add_metric([kind], count)
        pushes = GaugeMetricFamily(
            "edge_exception_pushes_pending", "Changes of exceptions some webhook has still to take"
        )
        pushes.add_metric([], exceptions.pending_pushes(conn))
        yield from (depth, age, devices, active, pushes)


def _disk(path: Path) -> Iterator[GaugeMetricFamily]:
    """The size and free space of the filesystem holding the database."""
    fs = os.statvfs(path.parent)
    for name, text, value in (
        ("edge_data_disk_size_bytes", "Size of the filesystem holding the database", fs.f_blocks),
        ("edge_data_disk_free_bytes", "Bytes free to the edge there", fs.f_bavail),
    ):
        gauge = GaugeMetricFamily(name, text)
        gauge.add_metric([], value * fs.f_frsize)
        yield gauge


class Metrics:
    def __init__(self, store: Store) -> None:
        self.registry = CollectorRegistry()
        self.scans = Counter(
            "edge_scans", "Scans answered, by outcome", ["outcome"], registry=self.registry
        )
        self.errors = Counter(
            "edge_errors", "Refusals and errors, by code", ["code"], registry=self.registry
        )
        self.scan_latency = Histogram(
            "edge_scan_latency_seconds",
            "Scan request to answer, including the commit",
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.requests = RequestTimes(
            "edge", (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0), self.registry
        )
        self._outcomes: dict[str, Any] = {}
        self.registry.register(StoreCollector(store))

    def count_scan(self, outcome: str) -> None:
        """One scan answered with `outcome` (good, refused, replayed); the series looked up once
        (prometheus_client's labels() takes a lock: ~10 µs a scan)."""
        child = self._outcomes.get(outcome)
        if child is None:
            child = self._outcomes[outcome] = self.scans.labels(outcome)
        child.inc()

    def observe_request(self, scope: Scope, status: int, seconds: float) -> None:
        """One HTTP request answered (kernel.logs.RequestIds calls it)."""
        self.requests.observe(scope, status, seconds)


class ScannerCollector(Collector):
    """Each configured scanner's state (1 for the state it is in) and its refused lines."""

    def __init__(self, hub: Any) -> None:
        self._hub = hub

    def collect(self) -> Iterator[Any]:
        states = GaugeMetricFamily(
            "edge_scanner_state",
            "Scanner state: 1 for the state it is in",
            labels=["scanner", "state"],
        )
        rejected = CounterMetricFamily(
            "edge_scanner_rejected_lines",
            "Lines refused (garbled, over-long, cut by an unplug)",
            labels=["scanner"],
        )
        for name, (state, _reason) in self._hub.states.items():
            for candidate in ("connecting", "connected", "disconnected", "error"):
                states.add_metric([name, candidate], 1.0 if candidate == state else 0.0)
            rejected.add_metric([name], self._hub.rejected[name])
        yield from (states, rejected)


class PrinterCollector(Collector):
    """Each printer's state, its jobs still to print (and how many need attention, how old the
    oldest is), and what it printed and failed since start."""

    def __init__(self, spooler: Spooler, store: Store) -> None:
        self._spooler = spooler
        self._store = store

    def collect(self) -> Iterator[Any]:
        conn = self._store.read()
        summary = queue_summary(conn, datetime.now(UTC))
        by_state = waiting_by_state(conn)
        jobs = GaugeMetricFamily(
            "edge_print_jobs",
            "Print jobs still to print, by printer and state (printed ones: edge_print_jobs_printed)",
            labels=["printer", "state"],
        )
        state = GaugeMetricFamily(
            "edge_printer_state",
            "Printer state: 1 for the state it is in",
            labels=["printer", "state"],
        )
        gauges = {
            key: GaugeMetricFamily(name, text, labels=["printer"])
            for key, name, text in (
                ("waiting", "edge_print_queue_depth", "Print jobs not yet printed"),
                (
                    "needs_attention",
                    "edge_print_jobs_needs_attention",
                    "Print jobs past their retry budget, waiting for the printer to be ready",
                ),
                (
                    "oldest_age_s",
                    "edge_print_queue_oldest_age_seconds",
                    "Age of the oldest print job not yet printed",
                ),
            )
        }
        printed = CounterMetricFamily(
            "edge_print_jobs_printed", "Labels printed since start", labels=["printer"]
        )
        failed = CounterMetricFamily(
            "edge_print_attempts_failed", "Failed print attempts since start", labels=["printer"]
        )
        for name, (current, _reason) in self._spooler.states.items():
            for candidate in STATES:
                state.add_metric([name, candidate], 1.0 if candidate == current else 0.0)
            figures = summary.get(name, {})
            for key, gauge in gauges.items():
                gauge.add_metric([name], figures.get(key, 0))
            for job_state in PRINT_JOB_STATES:
                jobs.add_metric([name, job_state], by_state.get((name, job_state), 0))
            printed.add_metric([name], self._spooler.printed[name])
            failed.add_metric([name], self._spooler.failures[name])
        yield from (state, *gauges.values(), jobs, printed, failed)


SCALE_STATES = ("connecting", "connected", "silent", "disconnected", "error")


class ScaleCollector(Collector):
    """Each bench scale's state (1 for the state it is in) and whether it offers a weight now."""

    def __init__(self, readers: dict[str, Any], max_age_s: float) -> None:
        self._readers = readers  # by station
        self._max_age_s = max_age_s

    def collect(self) -> Iterator[Any]:
        states = GaugeMetricFamily(
            "edge_scale_state", "Scale state: 1 for the state it is in", labels=["scale", "state"]
        )
        steady = GaugeMetricFamily(
            "edge_scale_weight_offered",
            "1 when the scale offers a steady, fresh weight now",
            labels=["scale"],
        )
        for reader in self._readers.values():
            name, state = reader.config.name, reader.state.value
            for candidate in SCALE_STATES:
                states.add_metric([name, candidate], 1.0 if candidate == state else 0.0)
            offered = reader.current(self._max_age_s) is not None
            steady.add_metric([name], 1.0 if offered else 0.0)
        yield from (states, steady)


class SyncCollector(Collector):
    """The sync with central, read from the store at scrape time (as `sync status` shows it)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings

    def collect(self) -> Iterator[Any]:
        status = sync_status(self._store.read(), self._settings.central, self._settings.edge.zone)
        figures = (
            (
                "edge_sync_queued_events",
                "Outbox events not yet acknowledged by central",
                status["queued"],
            ),
            (
                "edge_sync_oldest_queued_age_seconds",
                "Age of the oldest event waiting for central",
                status["oldest_queued_age_s"],
            ),
            (
                "edge_sync_central_up",
                "1 when central answered the last call, else 0",
                1.0 if status["online"] else 0.0,
            ),
            (
                "edge_sync_offline_seconds",
                "Seconds since central stopped answering (0 when up)",
                status["offline_seconds"],
            ),
            (
                "edge_sync_needs_person",
                "1 while the sync needs a person (a refusal, a restore)",
                1.0 if status["attention"] else 0.0,
            ),
        )
        for name, text, value in figures:
            gauge = GaugeMetricFamily(name, text)
            gauge.add_metric([], value)
            yield gauge
