"""The KPIs and the weekly report over a busy warehouse's history: N orders a day for D days
(each released, picked, packed and shipped, one unit picked and shipped per order, a short pick,
a return and a count now and then, two scans per order), on a real edge database.

    .venv/bin/python bench/kpi_bench.py [--orders-per-day N] [--days D] [--repeat N] [--out FILE]

Prints one JSON document (also written to --out): milliseconds, median of --repeat, for the
KPIs of the last 28 days by day (what the KPI screen asks, with its charts), of the last 12 weeks
by week, and for the weekly report's PDF of the last week.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import emit, machine, median_ms  # noqa: E402
from edge.config import load_settings  # noqa: E402
from edge.service import kpis  # noqa: E402
from edge.service.reports import weekly_pdf  # noqa: E402
from edge.store.database import Store  # noqa: E402

START = datetime(2026, 9, 1, 8, tzinfo=UTC)
STATES = ("released", "picking", "picked", "packed", "shipped")


def stored(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fill(store: Store, per_day: int, days: int) -> int:
    """The history; returns how many orders it holds."""

    def write(tx: Any) -> None:
        for i in range(200):
            tx.execute(
                "INSERT INTO products (sku, name, updated_at) VALUES (?, 'Item', ?)",
                (f"SKU-{i}", tx.at),
            )
        tx.execute(
            "INSERT INTO operators (badge, name, role, pin_hash) VALUES ('P1','P','picker','x')"
        )
        tx.execute("INSERT INTO locations (code, type) VALUES ('A', 'bin')")
        seq = 0
        for day in range(days):
            for n in range(per_day):
                order = f"O{day}-{n}"
                sku = f"SKU-{(day * per_day + n) % 200}"
                released = START + timedelta(days=day, minutes=n * 600 / per_day)
                ship_by = released + timedelta(hours=8)
                channel = ("tmall", "jd", "shopify")[n % 3]
                tx.execute(
                    "INSERT INTO orders (id, channel, channel_order_id, status, ship_by,"
                    " created_at, updated_at) VALUES (?,?,?,?,?,?,?)",
                    (
                        order,
                        channel,
                        order,
                        "shipped",
                        stored(ship_by),
                        stored(released),
                        stored(released),
                    ),
                )
                tx.execute(
                    "INSERT INTO order_lines (id, order_id, line_no, sku, qty_ordered)"
                    " VALUES (?,?,1,?,1)",
                    (f"{order}-1", order, sku),
                )
                late = n % 25 == 0
                for k, state in enumerate(STATES):
                    at = released + timedelta(hours=(k * 2.5 if late else k * 0.5))
                    tx.execute(
                        "INSERT INTO order_status_history (order_id, from_status, to_status, at)"
                        " VALUES (?,?,?,?)",
                        (order, STATES[k - 1] if k else None, state, stored(at)),
                    )
                moves = [("pick", "on_hand", "picked", 1), ("ship", "picked", "shipped", 2)]
                if n % 40 == 0:
                    moves.append(("count_hold", "on_hand", "frozen", 1))
                if n % 15 == 0:
                    moves.append(("return_announced", "customer", "returns_in_transit", 48))
                for kind, src, dst, hours in moves:
                    seq += 1
                    reason = "short_pick" if kind == "count_hold" else ""
                    tx.execute(
                        "INSERT INTO movements (type, reason, sku, qty, from_location,"
                        " from_bucket, to_location, to_bucket, operator_id, order_id,"
                        " order_line_id, event_epoch, event_seq, at, hash)"
                        " VALUES (?,?,?,1,'A',?,'A',?,1,?,?,1,?,?,'')",
                        (
                            kind,
                            reason,
                            sku,
                            src,
                            dst,
                            order,
                            f"{order}-1",
                            seq,
                            stored(released + timedelta(hours=hours)),
                        ),
                    )
                for s in range(2):
                    tx.execute(
                        "INSERT INTO answers (key, kind, request_hash, body, code, operator_id,"
                        " at) VALUES (?, 'scan', '', '{}', ?, 1, ?)",
                        (
                            f"{order}-{s}",
                            "wrong_item" if (n + s) % 30 == 0 else "",
                            stored(released + timedelta(hours=1, minutes=s)),
                        ),
                    )
                if n % 50 == 0:
                    tx.execute(
                        "INSERT INTO count_tasks (location, sku, reason, status, created_at,"
                        " closed_at, held, found) VALUES ('A', ?, 'short_pick', 'done', ?, ?, 1, ?)",
                        (sku, stored(released), stored(released + timedelta(hours=3)), n % 100),
                    )

    store.writer.call(write)
    return per_day * days


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders-per-day", type=int, default=1000, help="orders shipped a day")
    parser.add_argument("--days", type=int, default=35, help="days of history")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(env={}, overrides={"edge.data_dir": tmp})
        store = Store(settings.db_path, edge_id="edge-bench")
        try:
            started = time.perf_counter()
            orders = fill(store, args.orders_per_day, args.days)
            filled_s = round(time.perf_counter() - started, 1)
            conn = store.read()
            last: date = (START + timedelta(days=args.days - 1)).date()
            now = START + timedelta(days=args.days)
            by_day = kpis.Query(last - timedelta(days=27), last, "day")
            by_week = kpis.Query(last - timedelta(days=83), last, "week")
            year, number, _ = (last - timedelta(days=7)).isocalendar()
            week = f"{year}-W{number:02d}"
            result = machine() | {
                "orders": orders,
                "orders_per_day": args.orders_per_day,
                "days": args.days,
                "fill_s": filled_s,
                "kpis_28_days_by_day_with_svg_ms": median_ms(
                    lambda: kpis.kpis(conn, settings, by_day, now, svg=True), args.repeat, digits=1
                ),
                "kpis_12_weeks_by_week_ms": median_ms(
                    lambda: kpis.kpis(conn, settings, by_week, now), args.repeat, digits=1
                ),
                "weekly_report_pdf_ms": median_ms(
                    lambda: weekly_pdf(conn, settings, week, now), args.repeat, digits=1
                ),
            }
        finally:
            store.close()
    emit(result, args.out)


if __name__ == "__main__":
    main()
