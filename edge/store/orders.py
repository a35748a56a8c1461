"""Orders and their lines in the store; stock candidates for allocation; the put-backs and the
exceptions raised on orders, as the supervisor lists them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from edge.domain.allocation import Candidate
from edge.domain.kit import KitRef
from edge.domain.order import OrderStatus
from edge.domain.shelf_life import ShelfRules
from edge.store.db import rows
from edge.store.writer import Tx


@dataclass(frozen=True)
class NewLine:
    sku: str
    qty: int
    lot: str = ""
    # a kit line as central sends it: its components (sku, qty per kit); stored as them
    components: tuple[tuple[str, int], ...] = ()
    kit: KitRef | None = None  # a component line: the kit it belongs to
    gift: bool = False  # added by a gift rule (赠品), price 0


# An order line's kit, read with it (`kit_of`): a kit's component names its kit.
KIT_COLUMNS = "kit_sku, kit_line_no, per_kit, kit_parts"


def kit_of(row: Any) -> KitRef | None:
    """The kit of an order line's row read with KIT_COLUMNS (None: not a kit's component)."""
    if not row["kit_sku"]:
        return None
    return KitRef(row["kit_sku"], row["kit_line_no"], row["per_kit"], row["kit_parts"])


@dataclass(frozen=True)
class NewOrder:
    channel: str
    channel_order_id: str
    lines: tuple[NewLine, ...]
    id: str = ""
    priority: int = 0
    ship_by: str | None = None
    customer_ref: str = ""
    ship_to: dict[str, Any] = field(default_factory=dict)
    carrier: str = ""
    service: str = ""
    buyer_note: str = ""  # the buyer's message on the channel, shown at the pack bench
    seller_note: str = ""  # the seller's own memo (e.g. "ship by SF")


def find_order(conn: sqlite3.Connection | Tx, channel: str, channel_order_id: str) -> str | None:
    row = conn.execute(
        "SELECT id FROM orders WHERE channel = ? AND channel_order_id = ?",
        (channel, channel_order_id),
    ).fetchone()
    return row["id"] if row else None


def insert_order(
    tx: Tx, order: NewOrder, order_id: str, *, operator_id: int | None, device_id: str | None
) -> list[str]:
    """The order as released to this warehouse, with its first status history row; line ids."""
    tx.execute(
        "INSERT INTO orders (id, channel, channel_order_id, status, priority, ship_by, customer_ref,"
        " ship_to, carrier, service, buyer_note, seller_note, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            order_id,
            order.channel,
            order.channel_order_id,
            OrderStatus.RELEASED.value,
            order.priority,
            order.ship_by,
            order.customer_ref,
            json.dumps(order.ship_to, ensure_ascii=False),
            order.carrier,
            order.service,
            order.buyer_note,
            order.seller_note,
            tx.at,
            tx.at,
        ),
    )
    line_ids = []
    for n, line in enumerate(order.lines, start=1):
        line_id = f"{order_id}-{n}"
        kit = line.kit or KitRef("", 0, 0, 0)
        tx.execute(
            "INSERT INTO order_lines (id, order_id, line_no, sku, lot, qty_ordered, kit_sku,"
            " kit_line_no, kit_qty, per_kit, kit_parts, gift) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                *(line_id, order_id, n, line.sku, line.lot, line.qty),
                *(kit.sku, kit.line_no, line.qty // kit.per_kit if kit.per_kit else 0),
                *(kit.per_kit, kit.parts, int(line.gift)),
            ),
        )
        line_ids.append(line_id)
    tx.execute(
        "INSERT INTO order_status_history (order_id, from_status, to_status, operator_id, device_id, at)"
        " VALUES (?,NULL,?,?,?,?)",
        (order_id, OrderStatus.RELEASED.value, operator_id, device_id, tx.at),
    )
    return line_ids


def released_orders(conn: sqlite3.Connection | Tx, limit: int) -> list[str]:
    """The oldest orders still waiting to be picked (released), oldest first."""
    rows = conn.execute(
        "SELECT id FROM orders WHERE status = 'released' ORDER BY created_at, id LIMIT ?", (limit,)
    )
    return [r[0] for r in rows]


def resolve_order_id(conn: sqlite3.Connection | Tx, key: str) -> str | None:
    """The order a person or a scan names: its id, its channel order id, or both as
    `channel:channel_order_id` (central's ids carry the prefix, a shop's packing slip does not).
    None when nothing, or more than one order (one number in two channels), matches. Index
    probes only: this runs on the scan path."""
    row = conn.execute("SELECT id FROM orders WHERE id = ?", (key,)).fetchone()
    if row is not None:
        return str(row["id"])
    rows = conn.execute(
        "SELECT id FROM orders WHERE channel_order_id = ? LIMIT 2", (key,)
    ).fetchall()
    if len(rows) == 1:
        return str(rows[0]["id"])
    channel, colon, number = key.partition(":")
    if rows or not colon:
        return None
    row = conn.execute(
        "SELECT id FROM orders WHERE channel = ? AND channel_order_id = ?", (channel, number)
    ).fetchone()
    return str(row["id"]) if row is not None else None


def order_row(conn: sqlite3.Connection | Tx, order_id: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM orders WHERE id = ?", (order_id,)
    ).fetchone()
    return row


def set_ship_to(tx: Tx, order_id: str, ship_to: dict[str, Any]) -> None:
    tx.execute(
        "UPDATE orders SET ship_to = ?, updated_at = ? WHERE id = ?",
        (json.dumps(ship_to, ensure_ascii=False), tx.at, order_id),
    )


def order_lines(conn: sqlite3.Connection | Tx, order_id: str) -> list[sqlite3.Row]:
    return list(
        conn.execute("SELECT * FROM order_lines WHERE order_id = ? ORDER BY line_no", (order_id,))
    )


def line_reservations(
    conn: sqlite3.Connection | Tx, line_id: str
) -> dict[tuple[str, str, str, str], int]:
    rows = conn.execute(
        "SELECT sku, location, container, lot, qty FROM allocations WHERE order_line_id = ?",
        (line_id,),
    )
    return {(r["sku"], r["location"], r["container"], r["lot"]): r["qty"] for r in rows}


def candidates(conn: sqlite3.Connection | Tx, skus: Sequence[str]) -> dict[str, list[Candidate]]:
    """Free on_hand per SKU in active bins (not benches, returns or quarantine), with lot expiry."""
    marks = ",".join("?" * len(skus))
    rows = conn.execute(
        f"""
        SELECT b.sku, b.location, b.lot, l.pick_seq, lots.expiry,
               b.qty - (SELECT COALESCE(SUM(a.qty), 0) FROM allocations a
                        WHERE a.sku = b.sku AND a.location = b.location
                          AND a.container = b.container AND a.lot = b.lot) AS free
        FROM balances b
        JOIN locations l ON l.code = b.location AND l.type = 'bin' AND l.active
        LEFT JOIN lots ON lots.sku = b.sku AND lots.lot = b.lot
        WHERE b.sku IN ({marks}) AND b.bucket = 'on_hand' AND b.container = ''
        """,
        tuple(skus),
    )
    out: dict[str, list[Candidate]] = {sku: [] for sku in skus}
    for r in rows:
        if r["free"] > 0:
            out[r["sku"]].append(
                Candidate(r["location"], r["free"], r["pick_seq"], r["lot"], r["expiry"])
            )
    return out


def line_min_shelf_days(
    conn: sqlite3.Connection | Tx, order_id: str, skus: Sequence[str], rules: ShelfRules
) -> dict[str, int]:
    """Per SKU of an order: its minimum remaining shelf life (the product's or the channel's)."""
    row = order_row(conn, order_id)
    channel = row["channel"] if row is not None else ""
    marks = ",".join("?" * len(skus))
    found = dict(
        conn.execute(
            f"SELECT sku, min_shelf_life_days FROM products WHERE sku IN ({marks})", tuple(skus)
        ).fetchall()
    )
    return {sku: rules.min_days(int(found.get(sku, 0)), channel) for sku in skus}


def order_detail(conn: sqlite3.Connection, order_id: str) -> dict[str, Any] | None:
    """An order with its lines, allocations and status history, for the API."""
    row = order_row(conn, order_id)
    if row is None:
        return None
    lines = [
        dict(line)
        | {
            "allocations": [
                {"location": loc, "lot": lot, "qty": q}
                for (_, loc, _, lot), q in line_reservations(conn, line["id"]).items()
            ]
        }
        for line in order_lines(conn, order_id)
    ]
    history = [
        dict(h)
        for h in conn.execute(
            "SELECT from_status, to_status, reason, operator_id, device_id, scan_id, at"
            " FROM order_status_history WHERE order_id = ? ORDER BY id",
            (order_id,),
        )
    ]
    tote = conn.execute(
        "SELECT container FROM container_bindings WHERE order_id = ? AND closed_at IS NULL",
        (order_id,),
    ).fetchone()
    out = dict(row) | {"ship_to": json.loads(row["ship_to"]), "lines": lines, "history": history}
    return out | {"tote": tote["container"] if tote else None}


def picked_in_totes(tx: Tx, order_id: str) -> list[dict[str, Any]]:
    """Units picked for the order, still in its totes."""
    rows = tx.execute(
        "SELECT b.container, b.sku, b.lot, b.qty FROM balances b JOIN container_bindings cb"
        " ON cb.container = b.container AND cb.closed_at IS NULL"
        " WHERE cb.order_id = ? AND b.bucket = 'picked' AND b.qty > 0",
        (order_id,),
    )
    return [dict(r) for r in rows]


def open_putbacks(
    conn: sqlite3.Connection | Tx, *, list_id: str | None = None, order_id: str | None = None
) -> list[dict[str, Any]]:
    """Open put-backs of cancelled orders on a pick list (or of one order): which units go from
    which tote back to which bin (the one they were picked from, else none suggested)."""
    where = (
        "p.order_id IN (SELECT order_id FROM pick_list_orders WHERE list_id = ?)"
        if list_id is not None
        else "p.order_id = ?"
    )
    rows = conn.execute(
        "SELECT p.id, p.order_id, o.channel_order_id, p.container AS tote, p.sku, p.lot, p.qty,"
        " COALESCE((SELECT t.location FROM pick_tasks t WHERE t.order_id = p.order_id"
        " AND t.sku = p.sku AND t.lot = p.lot AND t.picked > 0 ORDER BY t.id LIMIT 1), '')"
        " AS location FROM putback_tasks p JOIN orders o ON o.id = p.order_id"
        f" WHERE p.status = 'open' AND {where} ORDER BY p.id",
        (list_id if list_id is not None else order_id,),
    )
    return [dict(r) for r in rows]


def pickers_of(conn: sqlite3.Connection | Tx, order_id: str) -> list[tuple[str, int]]:
    """(list, picker) of every assigned pick list the order is on."""
    rows = conn.execute(
        "SELECT l.id, l.assignee FROM pick_lists l JOIN pick_list_orders p ON p.list_id = l.id"
        " WHERE p.order_id = ? AND l.assignee IS NOT NULL ORDER BY l.id",
        (order_id,),
    )
    return [(r[0], int(r[1])) for r in rows]


def hold_open_tasks(tx: Tx, order_id: str) -> None:
    tx.execute(
        "UPDATE pick_tasks SET status = 'held' WHERE order_id = ? AND status = 'open'", (order_id,)
    )
    finish_emptied_lists(tx, order_id)


def finish_emptied_lists(tx: Tx, order_id: str) -> None:
    """A list of this order left with no open task is finished, or its picker would be offered it
    again forever."""
    tx.execute(
        "UPDATE pick_lists SET status = 'done', finished_at = ? WHERE status = 'open'"
        " AND id IN (SELECT list_id FROM pick_list_orders WHERE order_id = ?)"
        " AND NOT EXISTS (SELECT 1 FROM pick_tasks t WHERE t.list_id = pick_lists.id AND t.status = 'open')",
        (tx.at, order_id),
    )


def add_putback(tx: Tx, order_id: str, units: dict[str, Any]) -> None:
    tx.execute(
        "INSERT INTO putback_tasks (order_id, container, sku, lot, qty, created_at) VALUES (?,?,?,?,?,?)",
        (order_id, units["container"], units["sku"], units["lot"], units["qty"], tx.at),
    )


def putback(tx: Tx, putback_id: int) -> sqlite3.Row | None:
    row: sqlite3.Row | None = tx.execute(
        "SELECT * FROM putback_tasks WHERE id = ?", (putback_id,)
    ).fetchone()
    return row


def close_putback(tx: Tx, putback_id: int, location: str) -> None:
    tx.execute(
        "UPDATE putback_tasks SET status = 'done', done_at = ?, location = ? WHERE id = ?",
        (tx.at, location, putback_id),
    )


def release_empty_tote(tx: Tx, tote: str) -> None:
    """A tote with nothing left in it is free for the next order."""
    left = tx.execute(
        "SELECT COALESCE(SUM(qty), 0) FROM balances WHERE container = ?", (tote,)
    ).fetchone()[0]
    if left == 0:
        tx.execute(
            "UPDATE container_bindings SET closed_at = ? WHERE container = ? AND closed_at IS NULL",
            (tx.at, tote),
        )


def bound_totes(tx: Tx, order_id: str) -> list[str]:
    rows = tx.execute(
        "SELECT container FROM container_bindings WHERE order_id = ? AND closed_at IS NULL",
        (order_id,),
    )
    return [r["container"] for r in rows]


def bound_containers(conn: sqlite3.Connection | Tx) -> list[dict[str, Any]]:
    """The containers bound to an order now (container, order_id), by container."""
    rows = conn.execute(
        "SELECT container, order_id FROM container_bindings WHERE closed_at IS NULL"
        " ORDER BY container"
    )
    return [dict(r) for r in rows]


def allocated_bins(conn: sqlite3.Connection | Tx) -> list[str]:
    """The locations orders are allocated from, in pick order."""
    rows = conn.execute(
        "SELECT DISTINCT a.location FROM allocations a JOIN locations l ON l.code = a.location"
        " ORDER BY l.pick_seq, a.location"
    )
    return [r["location"] for r in rows]


def putbacks(conn: sqlite3.Connection, *, status: str) -> list[dict[str, Any]]:
    return rows(
        conn, "SELECT * FROM putback_tasks WHERE status = ? ORDER BY id LIMIT 500", (status,)
    )


def cut_line(tx: Tx, line_id: str, qty: int) -> None:
    """`qty` more units of the line are cancelled (they will not ship)."""
    tx.execute(
        "UPDATE order_lines SET qty_cancelled = qty_cancelled + ? WHERE id = ?", (qty, line_id)
    )


def shrink_open_tasks(tx: Tx, line_id: str, location: str, lot: str, qty: int) -> None:
    """`qty` fewer units to pick for the line at `location`: open tasks shrink (last first); one
    left with nothing to pick is done if it picked some, else gone."""
    tasks = tx.execute(
        "SELECT id, qty, picked FROM pick_tasks WHERE order_line_id = ? AND location = ?"
        " AND lot = ? AND status = 'open' ORDER BY id DESC",
        (line_id, location, lot),
    ).fetchall()
    left = qty
    for t in tasks:
        take = min(left, t["qty"] - t["picked"])
        left -= take
        if t["qty"] - take > t["picked"]:
            tx.execute("UPDATE pick_tasks SET qty = qty - ? WHERE id = ?", (take, t["id"]))
        elif t["picked"] > 0:
            tx.execute(
                "UPDATE pick_tasks SET qty = picked, status = 'done' WHERE id = ?", (t["id"],)
            )
        else:
            tx.execute("DELETE FROM pick_tasks WHERE id = ?", (t["id"],))
        if left <= 0:
            return


def task_states(conn: sqlite3.Connection | Tx, order_id: str) -> list[str]:
    """The status of each of the order's pick tasks."""
    rows = conn.execute("SELECT status FROM pick_tasks WHERE order_id = ?", (order_id,))
    return [r["status"] for r in rows]


def promised_putbacks(
    conn: sqlite3.Connection | Tx, order_id: str
) -> dict[tuple[str, str, str], int]:
    """Units of the order's totes already due back to bins by open put-backs."""
    rows = conn.execute(
        "SELECT container, sku, lot, SUM(qty) AS qty FROM putback_tasks"
        " WHERE order_id = ? AND status = 'open' GROUP BY container, sku, lot",
        (order_id,),
    )
    return {(r["container"], r["sku"], r["lot"]): int(r["qty"]) for r in rows}


def cut_recorded(conn: sqlite3.Connection | Tx, order_id: str, cancel_id: str) -> bool:
    """Central's cut `cancel_id` was applied (or refused) here already."""
    row = conn.execute(
        "SELECT 1 FROM outbox WHERE order_id = ? AND type IN"
        " ('order_lines_cancelled', 'order_lines_cancel_refused')"
        " AND json_extract(payload, '$.cancel_id') = ?",
        (order_id, cancel_id),
    ).fetchone()
    return row is not None
