"""Kits keep the ledger's invariants (hypothesis): any sequence of kit orders, whole picks,
short picks and cancellations through the real store leaves every balance equal to its movements,
nothing negative, `verify` clean, and each released kit line reserved or picked in whole kits;
a kit's available-to-sell never exceeds what its components allow; what ships names whole kits
and loses no unit."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_sync.server.kits import kit_available, units
from edge.domain.kit import KitRef, shipped_lines
from edge.service.scripted import pick_orders_whole
from edge.store import catalog
from edge.store.database import Store
from edge.store.verify import verify
from tests.support import seed_floor
from tests.sync.feed import apply, cancelled, change, released, rows

KIT = {
    "sku": "KIT-GIFT",
    "name": "Tea gift box",
    "components": [{"sku": "SKU-1", "qty": 2}, {"sku": "SKU-2", "qty": 1}],
}

orders = st.tuples(st.just("order"), st.integers(1, 3), st.integers(0, 2))
cancels = st.tuples(st.just("cancel"), st.integers(0, 5), st.just(0))
picks = st.tuples(st.just("pick"), st.integers(0, 5), st.booleans())
actions = st.lists(st.one_of(orders, orders, cancels, picks), min_size=1, max_size=8)


def floor(path: Path) -> Store:
    store = Store(path / "edge.db", edge_id="edge-1")

    def seed(tx: Any) -> None:
        seed_floor(tx)
        for n in range(2, 10):
            catalog.upsert_container(tx, code=f"T-{n:04d}", type="tote")

    store.writer.call(seed)
    apply(store, change(1, "kit_upserted", KIT))
    return store


def kits_whole(store: Store) -> list[tuple[Any, ...]]:
    """Kit lines of orders released or picked whose components are not reserved or picked in
    the same number of whole kits (none, when all is well)."""
    found = rows(
        store,
        "SELECT l.order_id, l.kit_line_no, l.per_kit, l.qty_allocated + l.qty_picked"
        " FROM order_lines l JOIN orders o ON o.id = l.order_id"
        " WHERE l.kit_sku != '' AND o.status IN ('released', 'picking', 'picked')",
    )
    kits: dict[tuple[str, int], set[float]] = {}
    for order_id, line_no, per, held in found:
        kits.setdefault((order_id, line_no), set()).add(held / per)
    return [(k, v) for k, v in kits.items() if len(v) != 1 or not float(next(iter(v))).is_integer()]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(actions)
def test_any_sequence_of_kit_orders_picks_short_picks_and_cancels_keeps_the_ledger_sound(
    steps: list[tuple[str, int, Any]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = floor(Path(tmp))
        made: list[str] = []
        for cursor, (kind, n, extra) in enumerate(steps, start=2):
            if kind == "order":
                order_id = f"O-{cursor}"
                body = released(
                    cursor, order_id, [("KIT-GIFT", n)] + ([("SKU-1", extra)] if extra else [])
                )
                body["data"]["lines"][0]["components"] = KIT["components"]
                apply(store, body)
                made.append(order_id)
            elif kind == "cancel" and made:
                apply(store, cancelled(cursor, made[n % len(made)]))
            elif kind == "pick" and made:
                order_id = made[n % len(made)]
                status = rows(store, "SELECT status FROM orders WHERE id = ?", (order_id,))
                if status[0][0] == "released":
                    pick_orders_whole(store, [order_id], badge="B-PICK", short=extra)

            assert verify(store.read()) == []
            assert kits_whole(store) == []
            negative = rows(store, "SELECT * FROM balances WHERE qty < 0")
            assert negative == []
        store.close()


parts = st.lists(
    st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(1, 5)),
    min_size=1,
    max_size=4,
    unique_by=lambda p: p[0],
)


@given(parts, st.dictionaries(st.sampled_from(["A", "B", "C", "D"]), st.integers(-3, 40)))
def test_a_kits_figure_never_exceeds_what_its_components_allow(
    components: list[tuple[str, int]], free: dict[str, int]
) -> None:
    kits = kit_available(free, components)

    need = units([("KIT", kits)], {"KIT": components})
    assert kits >= 0
    assert all(need[s] <= max(0, free.get(s, 0)) for s, _ in components)
    one_more = units([("KIT", kits + 1)], {"KIT": components})
    assert any(one_more[s] > free.get(s, 0) for s, _ in components)


@given(parts, st.integers(0, 4), st.lists(st.integers(0, 3), min_size=4, max_size=4))
def test_what_ships_names_whole_kits_and_loses_no_unit(
    components: list[tuple[str, int]], kits: int, spare: list[int]
) -> None:
    contents = [
        (sku, kits * per + extra, KitRef("KIT", 1, per, len(components)))
        for (sku, per), extra in zip(components, spare, strict=False)
    ]

    lines = shipped_lines(contents)

    whole = min(q // ref.per_kit for _, q, ref in contents)
    assert [ln["qty"] for ln in lines if ln.get("kit")] == ([whole] if whole else [])
    per = dict(components)
    counted = {s: whole * per[s] for s in per}
    for ln in lines:
        if not ln.get("kit"):
            counted[str(ln["sku"])] += int(str(ln["qty"]))
    assert counted == {sku: q for sku, q, _ in contents}
