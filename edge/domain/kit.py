"""Kits and bundles (组合装) at the edge (pure): a kit line of an order is allocated, picked and
verified as its components, and leaves as one line again in what is reported shipped.

A component line carries a `KitRef`: which kit it belongs to, the kit's line as the channel sent
it, the units of this component per kit and how many components the kit has. A kit never
contains a kit (central refuses one), so one level is all there is."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from edge.domain.errors import EdgeError
from edge.domain.ledger import MAX_QUANTITY


@dataclass(frozen=True)
class KitRef:
    sku: str  # the kit's SKU, as the channel sold it
    line_no: int  # the kit's line in the order as the channel sent it (1-based)
    per_kit: int  # units of this line's component in one kit
    parts: int  # components in the kit


@dataclass(frozen=True)
class Part:
    """One component line of a kit line: `qty` units of `sku` for `kits` kits."""

    sku: str
    qty: int
    kits: int
    kit: KitRef


def explode(
    kit_sku: str, kits: int, line_no: int, components: Sequence[tuple[str, int]]
) -> tuple[Part, ...]:
    """The component lines of `kits` kits of `kit_sku` (components: (sku, qty per kit))."""
    if not components:
        raise EdgeError("unknown_sku", sku=kit_sku)
    parts = []
    for sku, per in components:
        if kits * per > MAX_QUANTITY:
            raise EdgeError("quantity_too_large", quantity=kits * per, limit=MAX_QUANTITY)
        parts.append(Part(sku, kits * per, kits, KitRef(kit_sku, line_no, per, len(components))))
    return tuple(parts)


def shipped_lines(units: Iterable[tuple[str, int, KitRef | None]]) -> list[dict[str, object]]:
    """What a parcel holds as the channel sold it, from (sku, qty, kit) units: a SKU's units
    summed; a kit's components as whole kits `{"sku": kit, "qty": kits, "kit": true}`, and
    components beyond whole kits (a kit split over parcels) as themselves naming the kit."""
    loose: dict[str, int] = {}
    kits: dict[tuple[str, int], dict[str, tuple[int, int]]] = {}
    sizes: dict[tuple[str, int], int] = {}
    for sku, qty, kit in units:
        if kit is None:
            loose[sku] = loose.get(sku, 0) + qty
            continue
        key = (kit.sku, kit.line_no)
        have = kits.setdefault(key, {}).get(sku, (0, kit.per_kit))[0]
        kits[key][sku] = (have + qty, kit.per_kit)
        sizes[key] = kit.parts
    out: list[dict[str, object]] = [{"sku": s, "qty": q} for s, q in sorted(loose.items())]
    for key, parts in sorted(kits.items()):
        whole = min(q // per for q, per in parts.values()) if len(parts) == sizes[key] else 0
        if whole:
            out.append({"sku": key[0], "qty": whole, "kit": True})
        out += [
            {"sku": s, "qty": q - whole * per, "kit_sku": key[0]}
            for s, (q, per) in sorted(parts.items())
            if q > whole * per
        ]
    return out
