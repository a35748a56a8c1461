"""Kits (组合装) as central's catalogue defines them: a kit SKU and its component SKUs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from edge.store.writer import Tx


def upsert_kit(
    tx: Tx, *, sku: str, name: str, name_zh: str, components: Sequence[tuple[str, int]]
) -> None:
    """Create the kit or replace it whole, its components too."""
    tx.execute(
        "INSERT INTO kits (sku, name, name_zh, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (sku) DO UPDATE SET name = excluded.name, name_zh = excluded.name_zh,"
        " updated_at = excluded.updated_at",
        (sku, name, name_zh, tx.at),
    )
    tx.execute("DELETE FROM kit_components WHERE kit_sku = ?", (sku,))
    for part, qty in components:
        tx.execute(
            "INSERT INTO kit_components (kit_sku, sku, qty) VALUES (?, ?, ?)", (sku, part, qty)
        )


def components_of(conn: Any, skus: Iterable[str]) -> dict[str, list[tuple[str, int]]]:
    """kit sku → [(component sku, qty per kit)] of those of `skus` that are kits."""
    listed = sorted(set(skus))
    if not listed:
        return {}
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in conn.execute(
        f"SELECT kit_sku, sku, qty FROM kit_components WHERE kit_sku IN"
        f" ({','.join('?' * len(listed))}) ORDER BY kit_sku, sku",
        listed,
    ):
        out[r["kit_sku"]].append((r["sku"], int(r["qty"])))
    return dict(out)


def all_kits(conn: Any) -> list[dict[str, Any]]:
    """Every kit with its components."""
    parts = defaultdict(list)
    for r in conn.execute("SELECT kit_sku, sku, qty FROM kit_components ORDER BY kit_sku, sku"):
        parts[r["kit_sku"]].append({"sku": r["sku"], "qty": int(r["qty"])})
    return [
        {"sku": r["sku"], "name": r["name"], "name_zh": r["name_zh"], "components": parts[r["sku"]]}
        for r in conn.execute("SELECT sku, name, name_zh FROM kits ORDER BY sku")
    ]


# What a line's marks are read from, in a query of order_lines AS l (the kits table joined).
MARK_COLUMNS = (
    "l.kit_sku AS mark_kit_sku, l.per_kit AS mark_per_kit, l.kit_qty AS mark_kit_qty,"
    " l.gift AS mark_gift, k.name AS mark_kit_name, k.name_zh AS mark_kit_name_zh"
)
MARK_JOIN = "LEFT JOIN kits k ON k.sku = l.kit_sku"


def line_marks(conn: Any, line_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """line id → what a screen says of the line beyond its SKU: `kit` (the kit it is a component
    of: sku, names, units per kit, kits ordered) or None, and `gift` (added by a gift rule)."""
    if not line_ids:
        return {}
    rows = conn.execute(
        f"SELECT l.id, {MARK_COLUMNS} FROM order_lines l {MARK_JOIN}"
        f" WHERE l.id IN ({','.join('?' * len(line_ids))})",
        list(line_ids),
    )
    return {r["id"]: mark_of(r) for r in rows}


def mark_of(r: Any) -> dict[str, Any]:
    """A line's marks from a row with MARK_COLUMNS (all NULL: no such line, no marks)."""
    return {
        "kit": {
            "sku": r["mark_kit_sku"],
            "name": r["mark_kit_name"] or r["mark_kit_sku"],
            "name_zh": r["mark_kit_name_zh"] or "",
            "per_kit": r["mark_per_kit"],
            "kits": r["mark_kit_qty"],
        }
        if r["mark_kit_sku"]
        else None,
        "gift": bool(r["mark_gift"]),
    }
