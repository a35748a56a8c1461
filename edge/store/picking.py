"""Pick lists in the store: building them from allocations, loading them for a decision."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from edge.domain.order import OrderStatus
from edge.domain.pick import PickList, PickSlot, PickTask
from edge.store.kits import MARK_COLUMNS, MARK_JOIN, mark_of
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx


def load_pick_list(conn: Conn, list_id: str) -> PickList | None:
    found = read_pick_list(conn, list_id)
    return None if found is None else found.pick_list


@dataclass(frozen=True)
class PickListRead:
    """A pick list with what its screen shows beside it, read in the same two statements."""

    pick_list: PickList
    channel_ids: dict[str, str]  # order id -> the order's id in its channel
    names: dict[str, tuple[str, str]]  # sku -> (name, name_zh) of each task's product
    marks: dict[str, dict[str, Any]]  # each task's order line -> its kit and gift marks


def read_pick_list(conn: Conn, list_id: str) -> PickListRead | None:
    """The list, its slots (each order's tote and status) and its tasks: two statements, one
    for the list and its orders, one for its tasks (a scan reads it before and after its write)."""
    # A zone's list has a tote of its own per order (the order's other zones have theirs).
    rows = conn.execute(
        "SELECT l.kind, l.zone, p.slot, p.order_id, o.status, o.channel_order_id,"
        " (SELECT container FROM container_bindings b WHERE b.order_id = p.order_id"
        " AND b.closed_at IS NULL AND (l.zone IS NULL OR b.list_id = p.list_id)) AS tote"
        " FROM pick_lists l LEFT JOIN pick_list_orders p ON p.list_id = l.id"
        " LEFT JOIN orders o ON o.id = p.order_id WHERE l.id = ? ORDER BY p.slot",
        (list_id,),
    ).fetchall()
    if not rows:
        return None
    kind, zone = rows[0]["kind"], rows[0]["zone"]
    orders = [r for r in rows if r["order_id"] is not None]
    slots = tuple(PickSlot(r["slot"], r["order_id"], r["tote"]) for r in orders)
    status = {r["order_id"]: OrderStatus(r["status"]) for r in orders if r["status"] is not None}
    channel_ids = {r["order_id"]: r["channel_order_id"] for r in orders if r["status"] is not None}
    tasks, names, marks = [], {}, {}
    for r in conn.execute(
        f"SELECT t.*, lots.expiry, pr.name, pr.name_zh, {MARK_COLUMNS} FROM pick_tasks t"
        " LEFT JOIN lots ON lots.sku = t.sku AND lots.lot = t.lot AND t.lot != ''"
        " LEFT JOIN products pr ON pr.sku = t.sku"
        f" LEFT JOIN order_lines l ON l.id = t.order_line_id {MARK_JOIN}"
        " WHERE t.list_id = ? ORDER BY t.seq, t.id",
        (list_id,),
    ):
        tasks.append(
            PickTask(
                r["id"],
                r["order_id"],
                r["order_line_id"],
                r["sku"],
                r["location"],
                r["qty"],
                r["picked"],
                r["lot"],
                r["status"],
                r["expiry"],
            )
        )
        if r["name"] is not None:
            names[r["sku"]] = (r["name"], r["name_zh"])
        marks[r["order_line_id"]] = mark_of(r)
    elsewhere = _units_elsewhere(conn, list_id) if zone is not None else {}
    pick_list = PickList(
        list_id, slots, tuple(tasks), status, cart=kind == "cart", zone=zone, elsewhere=elsewhere
    )
    return PickListRead(pick_list, channel_ids, names, marks)


def _units_elsewhere(conn: Conn, list_id: str) -> dict[str, int]:
    """Per order of a zone's list: its units reserved and not yet picked outside this list (on
    its other zones' lists, or on none yet)."""
    rows = conn.execute(
        """
        SELECT p.order_id,
          (SELECT COALESCE(SUM(a.qty), 0) FROM allocations a JOIN order_lines l
             ON l.id = a.order_line_id WHERE l.order_id = p.order_id)
          - (SELECT COALESCE(SUM(t.qty - t.picked), 0) FROM pick_tasks t
             WHERE t.list_id = p.list_id AND t.order_id = p.order_id AND t.status = 'open') AS n
        FROM pick_list_orders p WHERE p.list_id = ?
        """,
        (list_id,),
    )
    return {r["order_id"]: max(r["n"], 0) for r in rows}


def list_assignee(conn: Conn, list_id: str) -> tuple[bool, int | None]:
    """(whether the list exists, its assignee)."""
    row = conn.execute("SELECT assignee FROM pick_lists WHERE id = ?", (list_id,)).fetchone()
    return (row is not None, row["assignee"] if row else None)


def assign_list(tx: Tx, list_id: str, operator_id: int) -> None:
    tx.execute(
        "UPDATE pick_lists SET assignee = ? WHERE id = ? AND assignee IS NULL",
        (operator_id, list_id),
    )


def open_list_of(conn: Conn, operator_id: int, zone: str | None = None) -> str | None:
    """The picker's oldest open list (of `zone` when one is given)."""
    where, args = ("", ()) if zone is None else (" AND zone = ?", (zone,))
    row = conn.execute(
        f"SELECT id FROM pick_lists WHERE assignee = ? AND status = 'open'{where}"
        " ORDER BY created_at LIMIT 1",
        (operator_id, *args),
    ).fetchone()
    return row["id"] if row else None


def pick_queue(fields: str) -> str:
    """The query of released, fully allocated orders in no open pick list, most urgent first,
    selecting `fields` of `o` (the orders)."""
    return f"""
        SELECT {fields} FROM orders o INDEXED BY orders_pick_queue
        WHERE o.status = 'released'
          AND EXISTS (SELECT 1 FROM order_lines l JOIN allocations a ON a.order_line_id = l.id
                      WHERE l.order_id = o.id)
          AND NOT EXISTS (SELECT 1 FROM pick_list_orders p JOIN pick_lists pl ON pl.id = p.list_id
                          WHERE p.order_id = o.id AND pl.status = 'open')
        ORDER BY o.priority DESC, o.ship_by IS NULL, o.ship_by, o.created_at, o.id
        """


# Reservations no open task of an open list covers yet: the work a zone's next list takes.
_UNLISTED = """
    SELECT l.order_id, loc.zone FROM allocations a
    JOIN order_lines l ON l.id = a.order_line_id JOIN locations loc ON loc.code = a.location
    WHERE a.qty > 0 AND NOT EXISTS (
        SELECT 1 FROM pick_tasks t JOIN pick_lists pl ON pl.id = t.list_id
        WHERE pl.status = 'open' AND t.status = 'open' AND t.order_line_id = a.order_line_id
          AND t.location = a.location AND t.lot = a.lot)
    GROUP BY l.order_id, loc.zone
    """


def zone_queue(fields: str, *, zone: bool) -> str:
    """The query of released or picking orders with units in a zone that no open list takes,
    one row per (order, zone), most urgent first, selecting `fields` of `o` and `w.zone`;
    `zone`: one parameter, the zone asked for."""
    where = " AND w.zone = ?" if zone else ""
    return f"""
        SELECT {fields}, w.zone AS zone FROM ({_UNLISTED}) w
        JOIN orders o ON o.id = w.order_id
        WHERE o.status IN ('released', 'picking'){where}
        ORDER BY o.priority DESC, o.ship_by IS NULL, o.ship_by, o.created_at, o.id, w.zone
        """


def zone_work(conn: Conn, zone: str | None) -> list[tuple[str, str]]:
    """(order, zone) pairs still to list, most urgent first (only `zone`'s when given)."""
    args = () if zone is None else (zone,)
    rows = conn.execute(zone_queue("o.id", zone=zone is not None), args)
    return [(r["id"], r["zone"]) for r in rows]


def zones_of(conn: Conn, order_id: str) -> list[dict[str, Any]]:
    """The order's zones as packing sees them: each zone's list (open or done) with the tote
    it was picked into, and its zones with units on no list yet (list None)."""
    rows = conn.execute(
        "SELECT pl.zone, pl.id AS list_id, pl.status, (SELECT b.container FROM"
        " container_bindings b WHERE b.list_id = pl.id AND b.order_id = p.order_id"
        " ORDER BY b.id DESC LIMIT 1) AS tote FROM pick_list_orders p"
        " JOIN pick_lists pl ON pl.id = p.list_id WHERE p.order_id = ? AND pl.zone IS NOT NULL"
        " ORDER BY pl.zone, pl.created_at",
        (order_id,),
    )
    out = [dict(r) for r in rows]
    unlisted = conn.execute(
        f"SELECT zone FROM ({_UNLISTED}) WHERE order_id = ? ORDER BY zone", (order_id,)
    )
    out += [{"zone": r[0], "list_id": None, "status": "unlisted", "tote": None} for r in unlisted]
    return out


def pickable_orders(conn: Conn, limit: int) -> list[str]:
    """Released, fully allocated orders in no open pick list: most urgent first."""
    rows = conn.execute(pick_queue("o.id") + " LIMIT ?", (limit,))
    return [r["id"] for r in rows]


def in_open_list(conn: Conn, order_id: str) -> str | None:
    row = conn.execute(
        "SELECT p.list_id FROM pick_list_orders p JOIN pick_lists pl ON pl.id = p.list_id"
        " WHERE p.order_id = ? AND pl.status = 'open'",
        (order_id,),
    ).fetchone()
    return row["list_id"] if row else None


def create_pick_list(
    tx: Tx,
    order_ids: Sequence[str],
    *,
    assignee: int | None,
    created_by: int | None,
    cart: bool = False,
    zone: str | None = None,
) -> str:
    """One list for the orders (a cart list: all in one cart); one task per reservation, in
    walking order (pick sequence). A zone's list takes only the reservations in that zone that
    no open list takes yet."""
    list_id = f"PL-{uuid.uuid4().hex[:10].upper()}"
    tx.execute(
        "INSERT INTO pick_lists (id, status, assignee, created_by, created_at, kind, zone)"
        " VALUES (?,?,?,?,?,?,?)",
        (list_id, "open", assignee, created_by, tx.at, "cart" if cart else "totes", zone),
    )
    for slot, order_id in enumerate(order_ids, start=1):
        tx.execute(
            "INSERT INTO pick_list_orders (list_id, order_id, slot) VALUES (?,?,?)",
            (list_id, order_id, slot),
        )
    marks = ",".join("?" * len(order_ids))
    in_zone = (
        " AND loc.zone = ? AND NOT EXISTS (SELECT 1 FROM pick_tasks t JOIN pick_lists pl"
        " ON pl.id = t.list_id WHERE pl.status = 'open' AND t.status = 'open'"
        " AND t.order_line_id = a.order_line_id AND t.location = a.location AND t.lot = a.lot)"
        if zone is not None
        else ""
    )
    rows = tx.execute(
        f"""
        SELECT l.order_id, a.order_line_id, a.sku, a.location, a.lot, a.qty
        FROM allocations a JOIN order_lines l ON l.id = a.order_line_id
        JOIN locations loc ON loc.code = a.location
        JOIN pick_list_orders p ON p.order_id = l.order_id AND p.list_id = ?
        WHERE l.order_id IN ({marks}) AND a.qty > 0{in_zone}
        ORDER BY loc.pick_seq, a.location, p.slot, l.line_no, a.lot
        """,
        (list_id, *order_ids, *(() if zone is None else (zone,))),
    ).fetchall()
    for seq, r in enumerate(rows, start=1):
        tx.execute(
            "INSERT INTO pick_tasks (list_id, order_id, order_line_id, sku, location, lot, qty, seq)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (
                list_id,
                r["order_id"],
                r["order_line_id"],
                r["sku"],
                r["location"],
                r["lot"],
                r["qty"],
                seq,
            ),
        )
    return list_id


def tote_owner(conn: Conn, tote: str) -> str | None:
    row = conn.execute(
        "SELECT order_id FROM container_bindings WHERE container = ? AND closed_at IS NULL", (tote,)
    ).fetchone()
    return row["order_id"] if row else None


def list_summaries(
    conn: Conn, *, assignee: int | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    where: list[str] = []
    params: list[object] = []
    if assignee is not None:
        where.append("pl.assignee = ?")
        params.append(assignee)
    if status:
        where.append("pl.status = ?")
        params.append(status)
    sql = (
        "SELECT pl.*, (SELECT COUNT(*) FROM pick_list_orders p WHERE p.list_id = pl.id) AS orders,"
        " (SELECT COUNT(*) FROM pick_tasks t WHERE t.list_id = pl.id) AS tasks,"
        " (SELECT COUNT(*) FROM pick_tasks t WHERE t.list_id = pl.id AND t.status != 'open') AS tasks_done"
        " FROM pick_lists pl"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY pl.created_at DESC LIMIT 200"
    )
    return [dict(r) for r in conn.execute(sql, params)]
