"""Kits (组合装) central is the master of: `kits` and their `kit_components`, and each kit order
line's components as they were when the order came in (`order_line_components`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from central_sync.store import demand
from central_sync.store.db import Tx


def _in(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))


def kit(tx: Tx, sku: str) -> dict[str, Any] | None:
    return tx.one("SELECT sku, name, name_zh, updated_at FROM kits WHERE sku = ?", (sku,))


def all_kits(tx: Tx) -> list[dict[str, Any]]:
    return tx.all("SELECT sku, name, name_zh, updated_at FROM kits ORDER BY sku")


def replace_kit(
    tx: Tx, sku: str, *, name: str, name_zh: str, components: Sequence[tuple[str, int]], now: str
) -> None:
    """Create the kit or replace it whole (its components too)."""
    tx.execute(
        "INSERT INTO kits (sku, name, name_zh, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (sku) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh,"
        " updated_at = excluded.updated_at",
        (sku, name, name_zh, now),
    )
    tx.execute("DELETE FROM kit_components WHERE kit_sku = ?", (sku,))
    tx.many(
        "INSERT INTO kit_components (kit_sku, sku, qty) VALUES (?, ?, ?)",
        [(sku, c, q) for c, q in components],
    )


def components_of(
    tx: Tx, kit_skus: Iterable[str] | None = None
) -> dict[str, list[tuple[str, int]]]:
    """kit sku → [(component sku, qty per kit)] of the kits named (None: every kit)."""
    listed = sorted(set(kit_skus)) if kit_skus is not None else None
    if listed == []:
        return {}
    sql = "SELECT kit_sku, sku, qty FROM kit_components"
    if listed is not None:
        sql += f" WHERE kit_sku IN ({_in(listed)})"
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in tx.all(sql + " ORDER BY kit_sku, sku", listed or ()):
        out[r["kit_sku"]].append((r["sku"], int(r["qty"])))
    return dict(out)


def kits_containing(tx: Tx, skus: Iterable[str]) -> set[str]:
    """The kits with a component among `skus`."""
    listed = sorted(set(skus))
    if not listed:
        return set()
    rows = tx.all(
        f"SELECT DISTINCT kit_sku FROM kit_components WHERE sku IN ({_in(listed)})", listed
    )
    return {r["kit_sku"] for r in rows}


def kit_skus(tx: Tx, skus: Iterable[str]) -> set[str]:
    """Those of `skus` that are kits."""
    listed = sorted(set(skus))
    if not listed:
        return set()
    return {r["sku"] for r in tx.all(f"SELECT sku FROM kits WHERE sku IN ({_in(listed)})", listed)}


def insert_line_components(tx: Tx, rows: Iterable[tuple[str, int, str, int]]) -> None:
    """Rows of (order_id, line_no, component sku, per kit)."""
    listed = list(rows)
    tx.many(
        "INSERT INTO order_line_components (order_id, line_no, sku, per_kit) VALUES (?, ?, ?, ?)",
        listed,
    )
    demand.touch_orders(tx, (r[0] for r in listed))  # its open demand is now its components


def line_components(tx: Tx, order_id: str) -> dict[int, list[tuple[str, int]]]:
    """line_no → [(component sku, per kit)] of the order's kit lines."""
    out: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for r in tx.all(
        "SELECT line_no, sku, per_kit FROM order_line_components WHERE order_id = ?"
        " ORDER BY line_no, sku",
        (order_id,),
    ):
        out[int(r["line_no"])].append((r["sku"], int(r["per_kit"])))
    return dict(out)
