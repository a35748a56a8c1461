"""Both servers' HTTP request-duration histogram: one series per method and route template."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Histogram
from starlette.types import Scope


class RequestTimes:
    """`<prefix>_http_request_duration_seconds` by method and route (unmatched paths as "-");
    `observe` is what kernel.logs.RequestIds calls after each answer (WebSockets are not timed)."""

    def __init__(
        self, prefix: str, buckets: tuple[float, ...], registry: CollectorRegistry
    ) -> None:
        self.histogram = Histogram(
            f"{prefix}_http_request_duration_seconds",
            'HTTP request to answer, by method and route (unmatched paths as route "-")',
            ["method", "route"],
            buckets=buckets,
            registry=registry,
        )
        self._series: dict[tuple[str, str], Any] = {}

    def observe(self, scope: Scope, _status: int, seconds: float) -> None:
        if scope["type"] == "http":
            key = (scope["method"], getattr(scope.get("route"), "path", "-"))
            child = self._series.get(key)
            if child is None:  # prometheus_client's labels() takes a lock: look it up once
                child = self._series[key] = self.histogram.labels(*key)
            child.observe(seconds)
