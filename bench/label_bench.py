"""Label benchmark: render waybills one after another as PDF and as ZPL (printer-font text and
bitmap text), timing each, and print JSON (see bench/README.md).

    .venv/bin/python bench/label_bench.py [--count 1000] [--dpi 203|300] [--out FILE]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

import PIL  # noqa: E402
import reportlab  # noqa: E402

from bench.common import emit, machine  # noqa: E402
from labels.document import Address, Label, Waybill  # noqa: E402
from labels.samples import sample_waybill  # noqa: E402
from labels.waybill import waybill_pdf, waybill_zpl  # noqa: E402

TARGET_MS = 100.0  # a waybill must render well under this (issue 6)
WARM_UP = 20
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)  # UPU S10 check digit weights
LATIN_RECIPIENT = Address(
    "Jane Doe",
    "221B Baker Street",
    "Flat 2",
    "London",
    "",
    "NW1 6XE",
    "United Kingdom",
    "+44 20 0000",
)


def s10(serial: int) -> str:
    """A UPU S10 tracking number RR########CC with its check digit."""
    digits = f"{serial:08d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, S10_WEIGHTS, strict=True)) % 11
    return f"RR{digits}{ {10: 0, 11: 5}.get(check, check) }CN"


def waybills(count: int) -> list[Waybill]:
    """`count` different waybills: every other one to a Chinese recipient."""
    sample = sample_waybill()
    return [
        replace(
            sample,
            order_number=f"SO-2025-{i:06d}",
            tracking_no=s10(10_000_000 + i),
            recipient=sample.recipient if i % 2 else LATIN_RECIPIENT,
            weight_g=200 + i % 5000,
            piece_no=1 + i % 3,
            piece_count=3,
        )
        for i in range(count)
    ]


def measure(render: Callable[[Waybill], Any], batch: list[Waybill]) -> dict[str, Any]:
    """Render each waybill once; throughput over the whole run, latency per label."""
    for waybill in batch[:WARM_UP]:
        render(waybill)
    times, sizes = [], []
    started, cpu = time.perf_counter(), time.process_time()
    for waybill in batch:
        t0 = time.perf_counter()
        out = render(waybill)
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(out))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    times.sort()
    return {
        "labels": len(batch),
        "labels_per_s": round(len(batch) / wall, 1),
        "p50_ms": round(times[len(times) // 2], 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "max_ms": round(times[-1], 2),
        "cpu_s": round(cpu, 2),
        "mean_bytes": round(sum(sizes) / len(sizes)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--dpi", type=int, choices=(203, 300), default=203)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    label, batch = Label(dpi=args.dpi), waybills(args.count)
    formats: dict[str, Callable[[Waybill], Any]] = {
        "pdf": lambda w: waybill_pdf(w, label),
        "zpl": lambda w: waybill_zpl(w, label),
        "zpl_graphic_text": lambda w: waybill_zpl(w, label, text="graphic"),
    }
    results = [{"format": name, **measure(render, batch)} for name, render in formats.items()]
    report = {
        **machine(),
        "reportlab": reportlab.Version,
        "pillow": PIL.__version__,
        "count": args.count,
        "dpi": args.dpi,
        "label_mm": list(label.size_mm),
        "results": results,
        "target_p99_ms": TARGET_MS,
        "targets_met": all(r["p99_ms"] < TARGET_MS for r in results),
    }
    emit(report, args.out)


if __name__ == "__main__":
    main()
