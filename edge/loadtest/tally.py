"""What a load test counts while it runs: every floor request's time to its answer, errors by
the answer's `code`, the buyers' orders taken and released."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SAMPLES = 5  # error answers kept whole, to show


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def code_of(status: int, content: bytes) -> str:
    """The problem's `code` of an error answer, else `http_<status>`."""
    try:
        found = json.loads(content).get("code") if content else None
    except (ValueError, AttributeError):
        found = None
    return str(found) if found else f"http_{status}"


@dataclass
class Tally:
    started: float = field(default_factory=time.perf_counter)
    stopped: float | None = None  # when the floor stopped (the buyers may order on)
    latencies: list[float] = field(default_factory=list)  # every floor request, seconds
    by_kind: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    ran_dry: int = 0  # a picker asked for a list when none was left (waits, not an error)
    units_picked: int = 0
    parcels_packed: int = 0
    returns_closed: int = 0
    orders_sent: int = 0  # buyers' orders answered by central
    orders_taken: int = 0  # new orders (201)
    orders_released: Counter[str] = field(default_factory=Counter)  # per SKU
    flood_s: float = 0.0  # how long the buyers took, first order sent to last answered
    released_ids: list[str] = field(default_factory=list)  # central's ids of those orders
    buyer_errors: Counter[str] = field(default_factory=Counter)  # also in `errors`

    def answered(self, kind: str, took: float, status: int, content: bytes) -> None:
        self.latencies.append(took)
        self.by_kind[kind] += 1
        if status < 400:
            return
        code = code_of(status, content)
        if code == "no_pick_list":
            self.ran_dry += 1
            return
        self.error(code, f"{kind} {status} {content[:300]!r}")

    def error(self, code: str, sample: str) -> None:
        self.errors[code] += 1
        if len(self.samples) < SAMPLES:
            self.samples.append(sample)

    def elapsed(self) -> float:
        return (self.stopped or time.perf_counter()) - self.started

    def stop_floor(self) -> None:
        self.stopped = self.stopped or time.perf_counter()

    def scans(self) -> int:
        return len(self.latencies)

    def progress(self, last: tuple[float, int]) -> tuple[str, tuple[float, int]]:
        """One line for stderr: elapsed, scans/s since the last line, errors, orders in."""
        now, count = time.perf_counter() - self.started, self.scans()
        rate = (count - last[1]) / (now - last[0]) if now > last[0] else 0.0
        line = (
            f"[{now:6.1f} s] scans/s {rate:7.1f}  scans {count:7d}  errors {sum(self.errors.values())}"
            f"  orders in {self.orders_taken}"
        )
        return line, (now, count)

    def figures(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        elapsed = self.elapsed()
        ms = {f"p{q}_ms": round(1000 * percentile(ordered, q / 100), 1) for q in (50, 95, 99)}
        return {
            "scans": len(ordered),
            "scans_per_s": round(len(ordered) / elapsed, 1) if elapsed > 0 else 0.0,
            "scan_to_feedback": ms | {"max_ms": round(1000 * (ordered[-1] if ordered else 0), 1)},
            "by_kind": dict(sorted(self.by_kind.items())),
            "errors": sum(self.errors.values()),
            "errors_by_code": dict(sorted(self.errors.items())),
            "error_samples": self.samples,
            "ran_dry": self.ran_dry,
            "units_picked": self.units_picked,
            "parcels_packed": self.parcels_packed,
            "returns_closed": self.returns_closed,
        }
