"""A hand-made week of history (2026-W48, Mon 23 – Sun 29 November 2026, UTC) written straight
into a real edge database: orders against their ship-by, their status changes, picks and a short
pick, shipped and returned units in the ledger, scans (one refused) and two closed counts.
tests/test_kpi.py computes every KPI of it by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from edge.store.database import Store
from tests.support import seed_floor

WEEK = "2026-W48"
NOW = datetime(2026, 12, 1, tzinfo=UTC)

# order: channel, ship-by, [(status, at)], [(line id, sku, qty)]
ORDERS: dict[str, tuple[str, str, list[tuple[str, str]], list[tuple[str, str, int]]]] = {
    "O1": (
        "tmall",
        "2026-11-23T18:00:00Z",
        [
            ("released", "2026-11-23T08:00"),
            ("picking", "2026-11-23T10:00"),
            ("picked", "2026-11-23T12:00"),
            ("packed", "2026-11-23T13:00"),
            ("shipped", "2026-11-23T15:00"),
        ],
        [("O1-1", "SKU-1", 2)],
    ),
    "O2": (
        "tmall",
        "2026-11-23T18:00:00Z",
        [
            ("released", "2026-11-23T08:00"),
            ("picking", "2026-11-24T06:00"),
            ("picked", "2026-11-24T07:00"),
            ("packed", "2026-11-24T08:00"),
            ("shipped", "2026-11-24T09:00"),
        ],
        [("O2-1", "SKU-2", 1)],
    ),
    "O3": (
        "tmall",
        "2026-11-24T18:00:00Z",
        [("released", "2026-11-24T08:00")],
        [("O3-1", "SKU-2", 1)],
    ),
    "O4": (
        "jd",
        "2026-11-24T18:00:00+00:00",
        [
            ("released", "2026-11-24T08:00"),
            ("picking", "2026-11-24T08:30"),
            ("picked", "2026-11-24T09:00"),
            ("packed", "2026-11-24T09:30"),
            ("shipped", "2026-11-24T10:00"),
        ],
        [("O4-1", "SKU-1", 3)],
    ),
    "O5": (
        "jd",
        "2026-11-30T18:00:00Z",
        [("released", "2026-11-29T08:00")],
        [("O5-1", "SKU-1", 1)],
    ),
}

# type, reason, sku, qty, from (location, bucket), to (location, bucket), badge, order, line, at
MOVES: list[tuple[str, str, str, int, tuple[str, str], tuple[str, str], str, str, str, str]] = [
    (
        "pick",
        "",
        "SKU-1",
        1,
        ("A-01-01", "on_hand"),
        ("A-01-01", "picked"),
        "B-PICK",
        "O1",
        "O1-1",
        "2026-11-23T10:10",
    ),
    (
        "pick",
        "",
        "SKU-1",
        1,
        ("A-01-01", "on_hand"),
        ("A-01-01", "picked"),
        "B-PICK",
        "O1",
        "O1-1",
        "2026-11-23T10:40",
    ),
    (
        "ship",
        "",
        "SKU-1",
        2,
        ("BENCH", "picked"),
        ("", "shipped"),
        "B-PACK",
        "O1",
        "O1-1",
        "2026-11-23T15:00",
    ),
    (
        "count_hold",
        "short_pick",
        "SKU-2",
        1,
        ("A-01-02", "on_hand"),
        ("A-01-02", "frozen"),
        "B-PICK",
        "O2",
        "O2-1",
        "2026-11-24T06:30",
    ),
    (
        "pick",
        "",
        "SKU-2",
        1,
        ("B-02-01", "on_hand"),
        ("B-02-01", "picked"),
        "B-PICK",
        "O2",
        "O2-1",
        "2026-11-24T06:50",
    ),
    (
        "ship",
        "",
        "SKU-2",
        1,
        ("BENCH", "picked"),
        ("", "shipped"),
        "B-PACK",
        "O2",
        "O2-1",
        "2026-11-24T09:00",
    ),
    (
        "pick",
        "",
        "SKU-1",
        3,
        ("A-01-01", "on_hand"),
        ("A-01-01", "picked"),
        "B-PICK",
        "O4",
        "O4-1",
        "2026-11-24T08:40",
    ),
    (
        "ship",
        "",
        "SKU-1",
        3,
        ("BENCH", "picked"),
        ("", "shipped"),
        "B-PACK",
        "O4",
        "O4-1",
        "2026-11-24T10:00",
    ),
    (
        "return_announced",
        "RMA-1",
        "SKU-1",
        1,
        ("", "customer"),
        ("RETURNS", "returns_in_transit"),
        "",
        "O1",
        "",
        "2026-11-25T10:00",
    ),
]

# badge, refusal code ('' for a good scan), at
SCANS = [
    ("B-PICK", "", "2026-11-23T10:10"),
    ("B-PICK", "wrong_item", "2026-11-23T10:20"),
    ("B-PICK", "", "2026-11-23T10:40"),
    ("B-PACK", "", "2026-11-24T09:10"),
    ("B-PACK", "", "2026-11-24T09:20"),
]

# location, sku, held (what the records said), found, closed at
COUNTS = [
    ("A-01-02", "SKU-2", 1, 1, "2026-11-24T12:00"),
    ("A-01-01", "SKU-1", 2, 0, "2026-11-25T12:00"),
]

# kind, raised at, resolved at
EXCEPTIONS = [
    ("short_pick", "2026-11-24T06:30", "2026-11-24T12:00"),
    ("sync", "2026-11-25T08:00", None),
]


def stored(text: str, shift: timedelta = timedelta()) -> str:
    """'2026-11-23T10:10' (or a ship-by with its offset) → the stored form, `shift` later."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    at = (at if at.tzinfo else at.replace(tzinfo=UTC)) + shift
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def write_history(store: Store, *, seeded: bool = False, shift: timedelta = timedelta()) -> None:
    """The week's history (`shift` later: whole weeks keep its weekdays); `seeded`: the floor
    (products, bins, operators) is there already."""
    if not seeded:
        store.writer.call(seed_floor)
    store.writer.call(lambda tx: _write(tx, shift))


def _write(tx: Any, shift: timedelta) -> None:
    def ts(text: str) -> str:
        return stored(text, shift)

    ops = {r["badge"]: r["id"] for r in tx.execute("SELECT id, badge FROM operators")}
    for order, (channel, ship_by, changes, lines) in ORDERS.items():
        tx.execute(
            "INSERT INTO orders (id, channel, channel_order_id, status, ship_by, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?)",
            (
                order,
                channel,
                order,
                changes[-1][0],
                ship_by if not shift else ts(ship_by),
                ts(changes[0][1]),
                ts(changes[-1][1]),
            ),
        )
        for n, (line, sku, qty) in enumerate(lines, 1):
            tx.execute(
                "INSERT INTO order_lines (id, order_id, line_no, sku, qty_ordered) VALUES (?,?,?,?,?)",
                (line, order, n, sku, qty),
            )
        before = None
        for status, at in changes:
            tx.execute(
                "INSERT INTO order_status_history (order_id, from_status, to_status, at)"
                " VALUES (?,?,?,?)",
                (order, before, status, ts(at)),
            )
            before = status
    for n, (kind, reason, sku, qty, src, dst, badge, order, line, at) in enumerate(MOVES, 1):
        tx.execute(
            "INSERT INTO movements (type, reason, sku, qty, from_location, from_bucket,"
            " to_location, to_bucket, operator_id, order_id, order_line_id, event_epoch,"
            " event_seq, at, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?,?,'')",
            (
                kind,
                reason,
                sku,
                qty,
                src[0],
                src[1],
                dst[0],
                dst[1],
                ops.get(badge),
                order,
                line or None,
                1000 + n,
                ts(at),
            ),
        )
    for n, (badge, code, at) in enumerate(SCANS):
        body = '{"workflow": "pick"}' if badge == "B-PICK" else '{"workflow": "pack"}'
        tx.execute(
            "INSERT INTO answers (key, kind, request_hash, body, code, operator_id, at)"
            " VALUES (?,?,?,?,?,?,?)",
            (f"scan-{n}", "scan", "", body, code, ops[badge], ts(at)),
        )
    for location, sku, held, found, at in COUNTS:
        tx.execute(
            "INSERT INTO count_tasks (location, sku, reason, status, created_at, closed_at, held,"
            " found) VALUES (?,?,'short_pick','done',?,?,?,?)",
            (location, sku, ts(at), ts(at), held, found),
        )
    for kind, raised, resolved in EXCEPTIONS:
        tx.execute(
            "INSERT INTO exceptions (kind, detail, status, created_at, resolved_at)"
            " VALUES (?, '{}', ?, ?, ?)",
            (kind, "resolved" if resolved else "open", ts(raised), resolved and ts(resolved)),
        )
