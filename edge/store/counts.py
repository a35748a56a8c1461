"""Count tasks in the store: the bins to count after a short pick, and the units each one holds."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.store.catalog import barcode_key
from edge.store.writer import Tx

# `held` NULL: a task opened before holds were counted; it froze the SKU's whole free stock in
# the bin, so its hold is the SKU's frozen balance there (every lot).
_HELD = """
    COALESCE(t.held, (SELECT COALESCE(SUM(b.qty), 0) FROM balances b
                       WHERE b.sku = t.sku AND b.location = t.location AND b.container = ''
                         AND b.bucket = 'frozen'))"""


def count_tasks(conn: sqlite3.Connection, *, status: str = "open") -> list[dict[str, Any]]:
    """Count tasks with the units each holds frozen, oldest first."""
    sql = (
        f"SELECT t.id, t.location, t.sku, t.lot, t.reason, t.status, {_HELD} AS held, t.found,"
        " t.created_at, t.closed_at, t.closed_by FROM count_tasks t WHERE t.status = ?"
        " ORDER BY t.id LIMIT 1000"
    )
    return [dict(r) for r in conn.execute(sql, (status,))]


def count_task(tx: Tx, task_id: int) -> sqlite3.Row | None:
    return tx.one("SELECT * FROM count_tasks WHERE id = ?", (task_id,))


def frozen_lots(tx: Tx, sku: str, location: str) -> list[tuple[str, int]]:
    """The SKU's frozen units in the bin, lot by lot (for a task opened before holds counted)."""
    rows = tx.execute(
        "SELECT lot, qty FROM balances WHERE sku = ? AND location = ? AND container = ''"
        " AND bucket = 'frozen' AND qty > 0 ORDER BY lot",
        (sku, location),
    )
    return [(r["lot"], r["qty"]) for r in rows]


# --- blind cycle counts -------------------------------------------------------------------

_COUNTER_FIELDS = "id, location, sku, reason, status, created_at"


def open_task_at(tx: Tx, location: str, sku: str | None) -> int | None:
    """The open (or in review) count of the bin (and SKU, None: the whole bin), if any."""
    row = tx.one(
        "SELECT id FROM count_tasks WHERE location = ? AND sku IS ? AND status IN ('open','review')"
        " ORDER BY id LIMIT 1",
        (location, sku),
    )
    return None if row is None else int(row["id"])


def add_task(tx: Tx, location: str, sku: str | None, reason: str, opened_by: int | None) -> int:
    cur = tx.execute(
        "INSERT INTO count_tasks (location, sku, reason, created_at, opened_by) VALUES (?,?,?,?,?)",
        (location, sku, reason, tx.at, opened_by),
    )
    return int(cur.lastrowid or 0)


def counter_tasks(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """The open counts as a counter sees them: the bin and SKU, never what the records say."""
    sql = f"SELECT {_COUNTER_FIELDS} FROM count_tasks WHERE status = 'open' ORDER BY id LIMIT 1000"
    return [dict(r) for r in conn.execute(sql)]


def on_hand_in_bin(tx: Tx, location: str, skus: list[str] | None) -> dict[tuple[str, str], int]:
    """On_hand units in the bin per (SKU, lot), of `skus` (None: every SKU there)."""
    rows = tx.execute(
        "SELECT sku, lot, SUM(qty) AS qty FROM balances WHERE location = ? AND container = ''"
        " AND bucket = 'on_hand' AND qty > 0 GROUP BY sku, lot",
        (location,),
    )
    return {(r["sku"], r["lot"]): int(r["qty"]) for r in rows if skus is None or r["sku"] in skus}


def unit_values(tx: Tx, skus: list[str]) -> dict[str, int]:
    marks = ",".join("?" * len(skus))
    rows = tx.execute(f"SELECT sku, unit_value FROM products WHERE sku IN ({marks})", tuple(skus))
    return {r["sku"]: int(r["unit_value"]) for r in rows}


def save_count(
    tx: Tx, task_id: int, lines: list[dict[str, Any]], counted_by: int | None, status: str
) -> None:
    """Keep a submitted count's lines and who counted; the task goes to `status`."""
    tx.execute("DELETE FROM count_lines WHERE task_id = ?", (task_id,))
    for x in lines:
        tx.execute(
            "INSERT INTO count_lines (task_id, sku, lot, expected, counted, held)"
            " VALUES (?,?,?,?,?,?)",
            (task_id, x["sku"], x["lot"], x["expected"], x["counted"], x["held"]),
        )
    tx.execute(
        "UPDATE count_tasks SET expected = ?, counted = ?, counted_by = ?, counted_at = ?,"
        " status = ? WHERE id = ?",
        (
            sum(x["expected"] for x in lines),
            sum(x["counted"] for x in lines),
            counted_by,
            tx.at,
            status,
            task_id,
        ),
    )


def saved_lines(conn: sqlite3.Connection | Tx, task_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT sku, lot, expected, counted, held FROM count_lines WHERE task_id = ?"
        " ORDER BY sku, lot",
        (task_id,),
    )
    return [dict(r) for r in rows]


def reopen(tx: Tx, task_id: int) -> None:
    """A rejected count is counted again: its lines go, the task is open."""
    tx.execute("DELETE FROM count_lines WHERE task_id = ?", (task_id,))
    tx.execute(
        "UPDATE count_tasks SET status = 'open', expected = NULL, counted = NULL,"
        " counted_by = NULL, counted_at = NULL WHERE id = ?",
        (task_id,),
    )


def request_approval(tx: Tx, task_id: int, units: int, value: int, by: int | None) -> int:
    cur = tx.execute(
        "INSERT INTO count_approvals (task_id, units, value, requested_by, requested_at)"
        " VALUES (?,?,?,?,?)",
        (task_id, units, value, by, tx.at),
    )
    return int(cur.lastrowid or 0)


def pending_approval(tx: Tx, task_id: int) -> sqlite3.Row | None:
    return tx.one(
        "SELECT * FROM count_approvals WHERE task_id = ? AND status = 'pending'", (task_id,)
    )


def decide_approval(tx: Tx, approval_id: int, status: str, by: int | None, note: str) -> None:
    tx.execute(
        "UPDATE count_approvals SET status = ?, decided_by = ?, decided_at = ?, note = ?"
        " WHERE id = ? AND status = 'pending'",
        (status, by, tx.at, note, approval_id),
    )


def review(conn: sqlite3.Connection, *, status: str = "review") -> list[dict[str, Any]]:
    """Counts with what the records said and what was counted, for the supervisor: those in
    review (waiting for approval) or done, newest first, each with its lines and approval."""
    tasks = conn.execute(
        "SELECT t.id, t.location, t.sku, t.reason, t.status, t.expected, t.counted,"
        " t.counted_at, t.counted_by, c.name AS counted_by_name, t.closed_at,"
        " a.id AS approval_id, a.units, a.value, a.status AS approval, a.decided_by,"
        " a.decided_at, a.note"
        " FROM count_tasks t LEFT JOIN operators c ON c.id = t.counted_by"
        " LEFT JOIN count_approvals a ON a.id ="
        "  (SELECT MAX(id) FROM count_approvals WHERE task_id = t.id)"
        " WHERE t.status = ? AND t.counted IS NOT NULL ORDER BY t.id DESC LIMIT 200",
        (status,),
    )
    out = []
    for t in tasks:
        lines = saved_lines(conn, t["id"])
        out.append(
            dict(t)
            | {
                "lines": [x | {"variance": x["counted"] - x["expected"]} for x in lines],
                "variance": sum(x["counted"] - x["expected"] for x in lines),
            }
        )
    return out


def open_floor_tasks(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Count tasks still to do (open) or waiting for an approval (review), and replenishments
    to do (kind `replenish`, location the pick face), as the task board shows floor tasks:
    kind, id, where, what, why, status and since when. No quantities."""
    rows = conn.execute(
        "SELECT 'count' AS kind, id, location, sku, reason, status, created_at"
        " FROM count_tasks WHERE status IN ('open','review')"
        " UNION ALL SELECT 'replenish', id, location, sku, 'low_stock', status, created_at"
        " FROM replenish_tasks WHERE status = 'open' ORDER BY created_at, kind, id LIMIT 1000"
    )
    return [dict(r) for r in rows]


def item_of(tx: Tx, item: str) -> tuple[str, int] | None:
    """A counted item: a SKU (1 unit each) or a barcode (its SKU and units per scan)."""
    if tx.one("SELECT 1 FROM products WHERE sku = ?", (item,)) is not None:
        return item, 1
    row = tx.one("SELECT sku, pack_qty FROM barcodes WHERE code = ?", (barcode_key(item),))
    return None if row is None else (row["sku"], int(row["pack_qty"]))


def stocked_bins(conn: sqlite3.Connection, limit: int) -> list[tuple[str, str]]:
    """(bin, SKU) pairs holding free on_hand of one lot-less grain, fullest first (a script's
    choice of what to count)."""
    rows = conn.execute(
        "SELECT b.location, b.sku FROM balances b JOIN locations l ON l.code = b.location"
        " WHERE l.type = 'bin' AND b.bucket = 'on_hand' AND b.container = '' AND b.lot = ''"
        " AND b.qty > 5 ORDER BY b.qty DESC, b.location, b.sku LIMIT ?",
        (limit,),
    )
    return [(r[0], r[1]) for r in rows]


def schedule_facts(
    conn: sqlite3.Connection | Tx, since: str
) -> tuple[list[str], dict[str, int], dict[str, str], set[str]]:
    """What the count schedule needs: the active bins, the movements in or out of each since
    `since`, each bin's last count (its time) and the bins with a count open."""
    bins = [r[0] for r in conn.execute("SELECT code FROM locations WHERE type = 'bin' AND active")]
    moves = {
        r[0]: int(r[1])
        for r in conn.execute(
            "SELECT loc, COUNT(*) FROM (SELECT from_location AS loc FROM movements WHERE at >= ?"
            " UNION ALL SELECT to_location FROM movements WHERE at >= ?) GROUP BY loc",
            (since, since),
        )
    }
    last = {
        r[0]: r[1]
        for r in conn.execute(
            "SELECT location, MAX(COALESCE(closed_at, counted_at)) FROM count_tasks"
            " WHERE status = 'done' GROUP BY location"
        )
    }
    busy = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT location FROM count_tasks WHERE status IN ('open','review')"
        )
    }
    return bins, moves, last, busy
