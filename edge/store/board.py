"""The task board's rows: orders on the floor (and lately shipped or returned), open pick lists,
put-backs and return parcels at the desk (count and replenishment tasks: edge.store.counts.
open_floor_tasks); and the moves a supervisor makes on it (reassigning a pick list, reprioritising orders), with their audit rows."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge.store.writer import Tx

Conn = sqlite3.Connection | Tx

_FLOOR = ("released", "picking", "picked", "packed", "on_hold")
_SHIPPED = ("shipped", "completed")
_AFTER_SALES = ("return_expected", "return_received", "return_graded")


def order_rows(conn: Conn, *, shipped_since: str, returns_since: str, limit: int) -> list[Any]:
    """Orders on the floor, and those shipped or in after-sales since the given times: most
    urgent first, at most `limit`; each with its open pick list and that list's assignee."""
    return conn.execute(
        f"""
        SELECT o.id, o.channel, o.channel_order_id, o.status, o.hold_reason, o.hold_code,
               o.hold_params, o.priority,
               o.ship_by, o.updated_at, pl.id AS list_id, pl.assignee,
               op.name AS assignee_name
        FROM orders o
        LEFT JOIN pick_list_orders p INDEXED BY pick_list_orders_order ON p.order_id = o.id
             AND EXISTS (SELECT 1 FROM pick_lists x WHERE x.id = p.list_id AND x.status = 'open')
        LEFT JOIN pick_lists pl ON pl.id = p.list_id
        LEFT JOIN operators op ON op.id = pl.assignee
        WHERE o.status IN ({_marks(_FLOOR)})
           OR (o.status IN ({_marks(_SHIPPED)}) AND o.updated_at >= ?)
           OR (o.status IN ({_marks(_AFTER_SALES)}) AND o.updated_at >= ?)
        ORDER BY o.ship_by IS NULL, o.ship_by, o.priority DESC, o.id
        LIMIT ?
        """,
        (*_FLOOR, *_SHIPPED, shipped_since, *_AFTER_SALES, returns_since, limit),
    ).fetchall()


def open_exception_kinds(conn: Conn) -> dict[str, list[str]]:
    """Per order, the kinds of its exceptions still open or acknowledged (why it is blocked)."""
    out: dict[str, list[str]] = {}
    for r in conn.execute(
        "SELECT order_id, kind FROM exceptions WHERE status IN ('open','acked')"
        " AND order_id IS NOT NULL ORDER BY id"
    ):
        out.setdefault(r["order_id"], []).append(r["kind"])
    return out


def open_lists(conn: Conn, limit: int) -> list[Any]:
    """Open pick lists with their assignee, progress, orders, earliest ship-by and top priority."""
    return conn.execute(
        """
        SELECT pl.id, pl.assignee, op.name AS assignee_name, pl.created_at,
               (SELECT COUNT(*) FROM pick_list_orders p WHERE p.list_id = pl.id) AS orders,
               (SELECT COUNT(*) FROM pick_tasks t WHERE t.list_id = pl.id) AS tasks,
               (SELECT COUNT(*) FROM pick_tasks t WHERE t.list_id = pl.id
                  AND t.status != 'open') AS tasks_done,
               (SELECT COALESCE(SUM(t.picked), 0) FROM pick_tasks t
                  WHERE t.list_id = pl.id) AS units_picked,
               (SELECT MIN(o.ship_by) FROM orders o JOIN pick_list_orders p ON p.order_id = o.id
                  WHERE p.list_id = pl.id) AS ship_by,
               (SELECT MAX(o.priority) FROM orders o JOIN pick_list_orders p
                  ON p.order_id = o.id WHERE p.list_id = pl.id) AS priority,
               (SELECT GROUP_CONCAT(DISTINCT o.channel) FROM orders o JOIN pick_list_orders p
                  ON p.order_id = o.id WHERE p.list_id = pl.id) AS channels
        FROM pick_lists pl LEFT JOIN operators op ON op.id = pl.assignee
        WHERE pl.status = 'open'
        ORDER BY pl.created_at, pl.id
        LIMIT ?
        """,
        (limit,),
    ).fetchall()


def open_putbacks(conn: Conn, limit: int) -> list[Any]:
    return conn.execute(
        "SELECT t.id, t.order_id, t.container, t.sku, t.qty, t.created_at, o.channel"
        " FROM putback_tasks t LEFT JOIN orders o ON o.id = t.order_id"
        " WHERE t.status = 'open' ORDER BY t.id LIMIT ?",
        (limit,),
    ).fetchall()


def open_return_parcels(conn: Conn, limit: int) -> list[Any]:
    return conn.execute(
        "SELECT r.id, r.rma, r.order_id, r.unexpected, r.opened_at, r.operator_id,"
        " op.name AS operator_name, o.channel"
        " FROM return_parcels r LEFT JOIN operators op ON op.id = r.operator_id"
        " LEFT JOIN orders o ON o.id = r.order_id"
        " WHERE r.status = 'open' ORDER BY r.opened_at, r.id LIMIT ?",
        (limit,),
    ).fetchall()


def pickers(conn: Conn) -> list[dict[str, Any]]:
    """Active pickers a card can be given to: id, badge, name."""
    rows = conn.execute(
        "SELECT id, badge, name FROM operators WHERE role = 'picker' AND active = 1"
        " ORDER BY name, badge"
    )
    return [dict(r) for r in rows]


def operator_role(conn: Conn, operator_id: int) -> str | None:
    """An active operator's role, or None (unknown or inactive)."""
    row = conn.execute(
        "SELECT role FROM operators WHERE id = ? AND active = 1", (operator_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def list_state(conn: Conn, list_id: str) -> Any:
    """An open list's assignee, whether picking began (units picked or tasks closed), and the
    highest priority of its orders; None for a list that is not open."""
    return conn.execute(
        "SELECT pl.assignee, (SELECT COUNT(*) FROM pick_tasks t WHERE t.list_id = pl.id"
        " AND (t.picked > 0 OR t.status != 'open')) AS started,"
        " (SELECT MAX(o.priority) FROM orders o JOIN pick_list_orders p ON p.order_id = o.id"
        "  WHERE p.list_id = pl.id) AS priority"
        " FROM pick_lists pl WHERE pl.id = ? AND pl.status = 'open'",
        (list_id,),
    ).fetchone()


def list_orders(conn: Conn, list_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT order_id FROM pick_list_orders WHERE list_id = ? ORDER BY slot", (list_id,)
    )
    return [r["order_id"] for r in rows]


def reassign_list(tx: Tx, list_id: str, operator_id: int) -> None:
    tx.execute("UPDATE pick_lists SET assignee = ? WHERE id = ?", (operator_id, list_id))


def end_pick_sessions_on(tx: Tx, list_id: str, *, keep: int) -> list[int]:
    """End the open pick tasks (work sessions) that hold `list_id` on others' devices than
    operator `keep`; returns those operators."""
    rows = tx.execute(
        "SELECT w.id, s.operator_id FROM work_sessions w"
        " JOIN login_sessions s ON s.token_hash = w.login_token_hash"
        " WHERE w.ended_at IS NULL AND w.workflow = 'pick'"
        " AND json_extract(w.state, '$.list_id') = ? AND s.operator_id != ?",
        (list_id, keep),
    ).fetchall()
    for r in rows:
        tx.execute("UPDATE work_sessions SET ended_at = ? WHERE id = ?", (tx.at, r["id"]))
    return sorted({int(r["operator_id"]) for r in rows})


def set_priority(tx: Tx, order_ids: list[str], priority: int) -> None:
    tx.execute(
        f"UPDATE orders SET priority = ?, updated_at = ? WHERE id IN ({_marks(order_ids)})",
        (priority, tx.at, *order_ids),
    )


def record_move(
    tx: Tx,
    card: str,
    action: str,
    before: str | None,
    after: str | None,
    *,
    operator_id: int | None,
    device_id: str | None,
) -> int:
    """The audit row of one move on the board."""
    return int(
        tx.execute(
            "INSERT INTO board_moves (card, action, before, after, operator_id, device_id, at)"
            " VALUES (?,?,?,?,?,?,?)",
            (card, action, before, after, operator_id, device_id, tx.at),
        ).lastrowid
        or 0
    )


def moves(conn: Conn, card: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT m.*, op.name AS operator_name FROM board_moves m"
        " LEFT JOIN operators op ON op.id = m.operator_id WHERE m.card = ? ORDER BY m.id",
        (card,),
    )
    return [dict(r) for r in rows]


def _marks(items: Any) -> str:
    return ",".join("?" * len(items))
