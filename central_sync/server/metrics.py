"""Central's Prometheus metrics (`GET /metrics`): orders taken by channel and outcome, what became
of the new orders, the intake's transactions (orders per commit, seconds per commit), edges'
event batches, refusals by code, request latency, long-polls waiting, the database pool; and,
read from the database at scrape time, each edge's state, lag and feed backlog, the channels'
write-back queues, the exception webhook's queue and the open exceptions.

Per process: counters and histograms count what this process served. Several `serve` processes
on one PostgreSQL are scraped each on its own address (Prometheus's `instance` label tells them
apart; `sum without (instance)` adds them up). The database figures are the same from every
process (take `max without (instance)`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import Scope

from central_sync.store import channel_pushes, exception_pushes, exceptions, feed
from central_sync.store.db import Database, Tx
from kernel.request_times import RequestTimes

EDGE_STATES = ("in_step", "catching_up", "quiet")
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 10000)


class CentralMetrics:
    """The counters and histograms one central process keeps in memory."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.orders = Counter(
            "central_orders",
            "Channel orders taken in, by channel and outcome (imported, duplicate, rejected)",
            ["channel", "outcome"],
            registry=r,
        )
        self.assignments = Counter(
            "central_order_assignments",
            "New orders by what became of them at intake (released, unassigned, held, …) and"
            " waiting orders released after stock moved (stage retry)",
            ["stage", "outcome"],
            registry=r,
        )
        self.intake_seconds = Histogram(
            "central_intake_commit_seconds",
            "One intake transaction (a batch of orders taken in together), commit included",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
            registry=r,
        )
        self.intake_batch = Histogram(
            "central_intake_batch_size",
            "Orders per intake transaction (one commit serves a batch)",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.event_batches = Counter(
            "central_event_batches",
            "Edges' event batches answered, by edge and outcome (applied, refused)",
            ["edge", "outcome"],
            registry=r,
        )
        self.events = Counter(
            "central_events",
            "Edges' events, by edge and outcome (applied; duplicate: sent again, applied once)",
            ["edge", "outcome"],
            registry=r,
        )
        self.errors = Counter(
            "central_errors",
            "Refusals and errors answered, by problem code",
            ["code"],
            registry=r,
        )
        self.requests = RequestTimes(
            "central", (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0, 60.0), r
        )

    def observe_request(self, scope: Scope, status: int, seconds: float) -> None:
        """One HTTP request answered (kernel.logs.RequestIds calls it)."""
        self.requests.observe(scope, status, seconds)

    def refused(self, code: str) -> None:
        self.errors.labels(code).inc()

    def took_in(
        self, raws: Sequence[Any], outcomes: Sequence[Any], seconds: float, first_index: int
    ) -> None:
        """One intake transaction: its size, its time, each order's outcome."""
        self.intake_batch.observe(len(raws))
        self.intake_seconds.observe(seconds)
        for outcome in outcomes:
            at = outcome.index - first_index
            raw = raws[at] if 0 <= at < len(raws) else None
            channel = raw.get("channel") if isinstance(raw, dict) else None
            name = channel if isinstance(channel, str) and len(channel) <= 32 else "-"
            self.orders.labels(name, outcome.status).inc()
            if outcome.status == "imported" and outcome.order_status:
                self.assignments.labels("intake", outcome.order_status).inc()

    def applied(self, edge_id: str, applied: int, duplicates: int) -> None:
        self.event_batches.labels(edge_id, "applied").inc()
        self.events.labels(edge_id, "applied").inc(applied)
        self.events.labels(edge_id, "duplicate").inc(duplicates)


class ProcessCollector(Collector):
    """This process's long-polls waiting, whether it hears other processes' changes, and its
    database pool, read at scrape time."""

    def __init__(
        self, db: Database, long_polls: Callable[[], int], listening: Callable[[], bool | None]
    ) -> None:
        self._db = db
        self._long_polls = long_polls
        self._listening = listening

    def collect(self) -> Iterator[GaugeMetricFamily]:
        listening = GaugeMetricFamily(
            "central_feed_listening",
            "1 while this process LISTENs for other processes' feed changes (PostgreSQL only)",
        )
        heard = self._listening()
        if heard is not None:
            listening.add_metric([], 1.0 if heard else 0.0)
        yield listening
        for name, text, value in (
            (
                "central_feed_long_polls_waiting",
                "Edges' feed requests held open waiting for a change, in this process",
                self._long_polls(),
            ),
            ("central_db_pool_size", "Database connections this process may open", self._db.size),
            ("central_db_connections_open", "Database connections open now", self._db.connections),
            (
                "central_db_connections_in_use",
                "Database connections held by a transaction now",
                self._db.in_use,
            ),
            (
                "central_db_pool_waiting",
                "Transactions waiting for a free database connection",
                self._db.waiting,
            ),
        ):
            gauge = GaugeMetricFamily(name, text)
            gauge.add_metric([], value)
            yield gauge


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time: one read transaction per scrape."""

    def __init__(
        self,
        read: Callable[[], Any],
        edges: Callable[[Tx], list[dict[str, Any]]],
        now: Callable[[], datetime],
    ) -> None:
        self._read = read
        self._edges = edges
        self._now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._now()
        with self._read() as tx:
            overview = self._edges(tx)
            waiting = feed.waiting_by_edge(tx)
            queues = channel_pushes.queue_summary(tx)
            pushes_pending = exception_pushes.pending_count(tx)
            open_exceptions = exceptions.open_by_kind(tx)
        state = GaugeMetricFamily(
            "central_edge_state", "Edge state: 1 for the state it is in", labels=["edge", "state"]
        )
        behind = GaugeMetricFamily(
            "central_edge_behind_seconds",
            "How far the edge's events run behind (newest arrival minus its occurrence)",
            labels=["edge"],
        )
        silent = GaugeMetricFamily(
            "central_edge_silent_seconds",
            "Seconds since the edge was last heard (an event or a feed request)",
            labels=["edge"],
        )
        backlog = GaugeMetricFamily(
            "central_edge_feed_waiting_changes",
            "Changes in the edge's feed past the cursor it last asked from",
            labels=["edge"],
        )
        for e in overview:
            edge_id = e["edge_id"]
            for candidate in EDGE_STATES:
                state.add_metric([edge_id, candidate], 1.0 if candidate == e["state"] else 0.0)
            behind.add_metric([edge_id], float(e["behind_s"] or 0.0))
            if e["silent_s"] is not None:
                silent.add_metric([edge_id], float(e["silent_s"]))
            backlog.add_metric([edge_id], waiting.get(edge_id, 0))
        depth = GaugeMetricFamily(
            "central_channel_pushes",
            "Write-backs to the channels not done, by channel and state (pending, failed)",
            labels=["channel", "state"],
        )
        age = GaugeMetricFamily(
            "central_channel_push_oldest_age_seconds",
            "Age of the oldest write-back still pending, by channel",
            labels=["channel"],
        )
        for row in queues:
            depth.add_metric([row["channel"], row["state"]], int(row["n"]))
            if row["state"] == "pending":
                age.add_metric([row["channel"]], _age(row["oldest"], now))
        pending = GaugeMetricFamily(
            "central_exception_pushes_pending", "Exceptions the exception webhook has still to take"
        )
        pending.add_metric([], pushes_pending)
        opened = GaugeMetricFamily(
            "central_exceptions_open", "Exceptions open for a person, by kind", labels=["kind"]
        )
        for kind, count in sorted(open_exceptions.items()):
            opened.add_metric([kind], count)
        yield from (state, behind, silent, backlog, depth, age, pending, opened)


def _age(stamp: str | None, now: datetime) -> float:
    if not stamp:
        return 0.0
    then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return max((now - then).total_seconds(), 0.0)
