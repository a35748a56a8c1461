"""Pick lists in the store: building them from allocations, loading them for a decision."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any

from edge.domain.order import OrderStatus
from edge.domain.pick import PickList, PickSlot, PickTask
from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx


def load_pick_list(conn: Conn, list_id: str) -> PickList | None:
    row = conn.execute("SELECT id, kind FROM pick_lists WHERE id = ?", (list_id,)).fetchone()
    if row is None:
        return None
    slots = tuple(
        PickSlot(r["slot"], r["order_id"], r["tote"])
        for r in conn.execute(
            "SELECT p.slot, p.order_id, (SELECT container FROM container_bindings b"
            " WHERE b.order_id = p.order_id AND b.closed_at IS NULL) AS tote"
            " FROM pick_list_orders p WHERE p.list_id = ? ORDER BY p.slot",
            (list_id,),
        )
    )
    tasks = tuple(
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
        for r in conn.execute(
            "SELECT t.*, lots.expiry FROM pick_tasks t"
            " LEFT JOIN lots ON lots.sku = t.sku AND lots.lot = t.lot AND t.lot != ''"
            " WHERE t.list_id = ? ORDER BY t.seq, t.id",
            (list_id,),
        )
    )
    status = {
        r["id"]: OrderStatus(r["status"])
        for r in conn.execute(
            "SELECT o.id, o.status FROM orders o JOIN pick_list_orders p ON p.order_id = o.id"
            " WHERE p.list_id = ?",
            (list_id,),
        )
    }
    return PickList(list_id, slots, tasks, status, cart=row["kind"] == "cart")


def list_assignee(conn: Conn, list_id: str) -> tuple[bool, int | None]:
    """(whether the list exists, its assignee)."""
    row = conn.execute("SELECT assignee FROM pick_lists WHERE id = ?", (list_id,)).fetchone()
    return (row is not None, row["assignee"] if row else None)


def assign_list(tx: Tx, list_id: str, operator_id: int) -> None:
    tx.execute(
        "UPDATE pick_lists SET assignee = ? WHERE id = ? AND assignee IS NULL",
        (operator_id, list_id),
    )


def open_list_of(conn: Conn, operator_id: int) -> str | None:
    row = conn.execute(
        "SELECT id FROM pick_lists WHERE assignee = ? AND status = 'open' ORDER BY created_at LIMIT 1",
        (operator_id,),
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
) -> str:
    """One list for the orders (a cart list: all in one cart); one task per reservation, in
    walking order (pick sequence)."""
    list_id = f"PL-{uuid.uuid4().hex[:10].upper()}"
    tx.execute(
        "INSERT INTO pick_lists (id, status, assignee, created_by, created_at, kind)"
        " VALUES (?,?,?,?,?,?)",
        (list_id, "open", assignee, created_by, tx.at, "cart" if cart else "totes"),
    )
    for slot, order_id in enumerate(order_ids, start=1):
        tx.execute(
            "INSERT INTO pick_list_orders (list_id, order_id, slot) VALUES (?,?,?)",
            (list_id, order_id, slot),
        )
    marks = ",".join("?" * len(order_ids))
    rows = tx.execute(
        f"""
        SELECT l.order_id, a.order_line_id, a.sku, a.location, a.lot, a.qty
        FROM allocations a JOIN order_lines l ON l.id = a.order_line_id
        JOIN locations loc ON loc.code = a.location
        JOIN pick_list_orders p ON p.order_id = l.order_id AND p.list_id = ?
        WHERE l.order_id IN ({marks}) AND a.qty > 0
        ORDER BY loc.pick_seq, a.location, p.slot, l.line_no, a.lot
        """,
        (list_id, *order_ids),
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


def product_names(conn: Conn, skus: Sequence[str]) -> dict[str, tuple[str, str]]:
    marks = ",".join("?" * len(skus))
    rows = conn.execute(
        f"SELECT sku, name, name_zh FROM products WHERE sku IN ({marks})", tuple(skus)
    )
    return {r["sku"]: (r["name"], r["name_zh"]) for r in rows}


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
