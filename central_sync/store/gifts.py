"""Gift rules (赠品) central keeps, and the gift lines they added to orders."""

from __future__ import annotations

from typing import Any

from central_sync.store.db import Tx

COLUMNS = (
    "channel", "trigger_sku", "min_total", "min_qty", "starts_at", "ends_at", "gift_sku",
    "gift_qty",
)  # fmt: skip


def add_rule(tx: Tx, values: dict[str, Any], now: str) -> int:
    row = tx.one(
        f"INSERT INTO gift_rules ({', '.join(COLUMNS)}, created_at)"
        f" VALUES ({', '.join('?' * (len(COLUMNS) + 1))}) RETURNING id",
        [values[c] for c in COLUMNS] + [now],
    )
    assert row is not None
    return int(row["id"])


def rules(tx: Tx, *, active_only: bool) -> list[dict[str, Any]]:
    where = " WHERE active = 1" if active_only else ""
    return tx.all(f"SELECT * FROM gift_rules{where} ORDER BY id")


def end_rule(tx: Tx, rule_id: int) -> bool:
    """Stop the rule (kept for the orders that name it); False when there is no such rule."""
    row = tx.one("UPDATE gift_rules SET active = 0 WHERE id = ? RETURNING id", (rule_id,))
    return row is not None


def set_gift_lines(tx: Tx, rows: list[tuple[int, str, int]]) -> None:
    """Rows of (rule id, order id, line no): the lines the rules added."""
    tx.many(
        "UPDATE order_lines SET gift_rule = ? WHERE order_id = ? AND line_no = ?",
        rows,
    )


def gift_lines(tx: Tx, order_id: str) -> dict[int, int]:
    """line_no → gift rule id of the order's gift lines."""
    rows = tx.all(
        "SELECT line_no, gift_rule FROM order_lines WHERE order_id = ? AND gift_rule IS NOT NULL",
        (order_id,),
    )
    return {int(r["line_no"]): int(r["gift_rule"]) for r in rows}
