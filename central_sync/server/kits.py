"""Kits and bundles (组合装): a channel SKU sold as component SKUs in fixed quantities
(docs/central.md, "Kits and bundles"). Defined here, sent to every edge as `kit_upserted`; an
order line for a kit is stored as the channel sent it, its components recorded beside it
(`order_line_components`) so demand, assignment and the edge count the units that move.

Rules: a kit's SKU is not a product's; each component is a product of the catalogue, named once,
1-1,000 per kit; a kit never contains a kit (so there are no cycles). Replacing a kit changes
only orders taken after it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, Field

from central_sync.server.catalogue import SKU_PATTERN
from central_sync.server.errors import CentralError
from central_sync.server.feed import add_change, add_to_every_edge
from central_sync.store import catalogue as products
from central_sync.store import kits as stored
from central_sync.store.db import Tx, utc_now
from kernel.fields import ONE_LINE, PRINTABLE

MAX_COMPONENTS = 20
MAX_PER_KIT = 1_000


class Component(BaseModel):
    sku: Annotated[str, PRINTABLE] = Field(pattern=SKU_PATTERN)
    qty: int = Field(ge=1, le=MAX_PER_KIT)


class KitIn(BaseModel):
    name: Annotated[str, ONE_LINE] = Field(min_length=1, max_length=200)
    name_zh: Annotated[str, ONE_LINE] = Field(default="", max_length=200)
    components: list[Component] = Field(min_length=1, max_length=MAX_COMPONENTS)


class KitWithSku(KitIn):
    sku: Annotated[str, PRINTABLE] = Field(pattern=SKU_PATTERN)


def kit_data(sku: str, kit: KitIn) -> dict[str, Any]:
    """The `kit_upserted` change's data (docs/sync.md)."""
    parts = sorted((c.sku, c.qty) for c in kit.components)
    return {
        "sku": sku,
        "name": kit.name,
        "name_zh": kit.name_zh,
        "components": [{"sku": s, "qty": q} for s, q in parts],
    }


def _check(tx: Tx, kits: Sequence[tuple[str, KitIn]]) -> None:
    """Refuse the first kit that breaks a rule (`kit_invalid`), before anything is written."""
    named = [c.sku for _, k in kits for c in k.components]
    is_product = set(products.known_skus(tx, named + [s for s, _ in kits]))
    is_kit = stored.kit_skus(tx, named) | {s for s, _ in kits}
    for sku, kit in kits:
        seen: set[str] = set()
        for c in kit.components:
            reason = None
            if c.sku == sku:
                reason = "a kit cannot contain itself"
            elif c.sku in is_kit:
                reason = f"component {c.sku} is a kit; a kit cannot contain a kit"
            elif c.sku not in is_product:
                reason = f"component {c.sku} is not in central's catalogue (add the product first)"
            elif c.sku in seen:
                reason = f"component {c.sku} is named twice (give its quantity once)"
            if reason:
                raise CentralError("kit_invalid", sku=sku, reason=reason)
            seen.add(c.sku)
        if sku in is_product:
            raise CentralError(
                "kit_invalid", sku=sku, reason="it is a product's SKU; a kit needs its own SKU"
            )


def upsert_kits(tx: Tx, kits: Sequence[tuple[str, KitIn]]) -> dict[str, int]:
    """Create or replace kits whole (all or none); only a real change reaches the edges."""
    if len({s for s, _ in kits}) != len(kits):
        raise CentralError("kit_invalid", sku="?", reason="the same kit SKU is listed twice")
    _check(tx, kits)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    have = stored.components_of(tx, [s for s, _ in kits])
    for sku, kit in kits:
        data = kit_data(sku, kit)
        row = stored.kit(tx, sku)
        if row is not None and _stored(row, have.get(sku, [])) == data:
            counts["unchanged"] += 1
            continue
        counts["created" if row is None else "updated"] += 1
        parts = [(c["sku"], c["qty"]) for c in data["components"]]
        stored.replace_kit(
            tx, sku, name=kit.name, name_zh=kit.name_zh, components=parts, now=utc_now()
        )
        add_to_every_edge(tx, "kit_upserted", data)
    return counts


def _stored(row: Mapping[str, Any], parts: Iterable[tuple[str, int]]) -> dict[str, Any]:
    return {
        "sku": row["sku"],
        "name": row["name"],
        "name_zh": row["name_zh"],
        "components": [{"sku": s, "qty": q} for s, q in sorted(parts)],
    }


def list_kits(tx: Tx) -> list[dict[str, Any]]:
    parts = stored.components_of(tx)
    return [_stored(r, parts.get(r["sku"], [])) for r in stored.all_kits(tx)]


def send_kits(tx: Tx, edge_id: str) -> int:
    """Queue every kit for a newly added edge (after its products)."""
    kits = list_kits(tx)
    for data in kits:
        add_change(tx, edge_id, "kit_upserted", data, order_id=None)
    return len(kits)


def units(
    lines: Iterable[tuple[str, int]], kits: Mapping[str, Sequence[tuple[str, int]]]
) -> dict[str, int]:
    """Physical units per SKU of (sku, qty) lines, a kit line counted as its components (pure)."""
    need: dict[str, int] = {}
    for sku, qty in lines:
        for part, per in kits.get(sku) or [(sku, 1)]:
            need[part] = need.get(part, 0) + qty * per
    return need


def kit_available(free: Mapping[str, int], parts: Sequence[tuple[str, int]]) -> int:
    """What a kit's components allow: min over its components of floor(free / qty) (pure)."""
    return min((max(0, free.get(s, 0)) // q for s, q in parts), default=0)
