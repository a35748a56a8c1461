"""`order_lines_cancelled` from central (a refund after release) applied at the edge through the
real store, once per cancel_id: unpicked units give back their reservation and leave the pick
list, picked ones go back by put-back tasks, the pack bench then checks only what is left, and an
order already packed refuses the cut back to central. A Hypothesis run interleaves picks and
cuts and checks the ledger (`warehouse-edge verify`) and the lines' counts after every step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.config import load_settings
from edge.service.orders import complete_putback
from edge.store import packing
from edge.store.database import Store
from edge.store.ledger import Actor
from edge.store.verify import verify
from tests.support import EAN13, Floor
from tests.sync.feed import apply, cancelled, change, dump, released, rows

pytestmark = pytest.mark.usefixtures("ledger_verifies")


def cut(cursor: int, order_id: str, *lines: tuple[int, str, int], cancel_id: str = "") -> dict:
    data = {
        "order_id": order_id,
        "cancel_id": cancel_id or f"C-{cursor}",
        "reason": "refunded on shopify",
        "lines": [{"line_no": n, "sku": s, "qty": q} for n, s, q in lines],
    }
    return change(cursor, "order_lines_cancelled", data, order_id)


def lines(store: Store, order_id: str = "O-1") -> list[tuple[Any, ...]]:
    """(line_no, ordered, cancelled, allocated, picked) per line."""
    return rows(
        store,
        "SELECT line_no, qty_ordered, qty_cancelled, qty_allocated, qty_picked FROM order_lines"
        " WHERE order_id = ? ORDER BY line_no",
        (order_id,),
    )


def to_pack(store: Store, order_id: str = "O-1") -> list[int]:
    order = packing.pack_order(store.read(), order_id)
    assert order is not None
    return [ln.to_pack for ln in order.lines]


def start_picking(floor: Floor) -> dict[str, str]:
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01"):
        assert floor.scan(picker, raw).status_code == 200, raw
    return picker


def pick(floor: Floor, picker: dict[str, str], units: int) -> None:
    for _ in range(units):
        assert floor.scan(picker, EAN13).status_code == 200


def test_a_cut_before_picking_gives_back_its_reservation_once(floor: Floor) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 3)]))

    apply(floor.store, cut(2, "O-1", (1, "SKU-1", 1)))
    once = dump(floor.store)
    apply(floor.store, cut(2, "O-1", (1, "SKU-1", 1)))

    assert lines(floor.store) == [(1, 3, 1, 2, 0)]
    assert rows(floor.store, "SELECT SUM(qty) FROM allocations") == [(2,)]
    assert dump(floor.store) == once
    [payload] = rows(floor.store, "SELECT payload FROM outbox WHERE type = 'order_lines_cancelled'")
    assert json.loads(payload[0])["lines"] == [
        {"line_no": 1, "sku": "SKU-1", "qty": 1, "from_shelf": 1, "from_tote": 0}
    ]


def test_a_cut_during_picking_shrinks_the_list_puts_back_the_picked_rest_and_packs_what_is_left(
    floor: Floor,
) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 3)]))
    picker = start_picking(floor)
    pick(floor, picker, 2)

    apply(floor.store, cut(2, "O-1", (1, "SKU-1", 2)))

    assert lines(floor.store) == [(1, 3, 2, 0, 2)]
    assert rows(floor.store, "SELECT container, sku, qty, status FROM putback_tasks") == [
        ("T-0001", "SKU-1", 1, "open")
    ]
    assert rows(floor.store, "SELECT qty, picked, status FROM pick_tasks") == [(2, 2, "done")]
    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("picked",)]
    assert to_pack(floor.store) == [1]  # the bench checks one unit; the other goes back


def test_a_cut_of_units_not_yet_picked_leaves_the_picker_the_rest(floor: Floor) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 3)]))
    picker = start_picking(floor)
    pick(floor, picker, 1)

    apply(floor.store, cut(2, "O-1", (1, "SKU-1", 1)))
    pick(floor, picker, 1)
    over = floor.scan(picker, EAN13)

    assert lines(floor.store) == [(1, 3, 1, 0, 2)]
    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("picked",)]
    assert over.json()["code"] in ("over_pick", "unexpected_scan"), over.json()
    assert rows(floor.store, "SELECT COUNT(*) FROM putback_tasks") == [(0,)]


def test_a_cut_of_every_unit_left_cancels_the_order(floor: Floor) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 2), ("SKU-2", 1)]))

    apply(floor.store, cut(2, "O-1", (1, "SKU-1", 2), (2, "SKU-2", 1)))

    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("cancelled",)]
    assert rows(floor.store, "SELECT COUNT(*) FROM allocations") == [(0,)]


def test_a_cut_of_a_packed_order_is_refused_back_to_central_once(floor: Floor) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 2)]))
    floor.store.writer.call(
        lambda tx: tx.execute("UPDATE orders SET status = 'packed' WHERE id = 'O-1'")
    )

    apply(floor.store, cut(2, "O-1", (1, "SKU-1", 1)))
    apply(floor.store, cut(2, "O-1", (1, "SKU-1", 1)))

    assert lines(floor.store) == [(1, 2, 0, 2, 0)]
    refused = rows(
        floor.store, "SELECT payload FROM outbox WHERE type = 'order_lines_cancel_refused'"
    )
    assert len(refused) == 1
    payload = json.loads(refused[0][0])
    assert (payload["cancel_id"], payload["status"], payload["refusal"]) == (
        "C-2",
        "packed",
        "the order is packed: its units are in parcels",
    )


def test_a_cut_naming_a_line_the_order_does_not_have_is_refused_and_changes_no_line(
    floor: Floor,
) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 2)]))

    apply(floor.store, cut(2, "O-1", (1, "SKU-2", 1)))

    assert lines(floor.store) == [(1, 2, 0, 2, 0)]
    [payload] = rows(
        floor.store, "SELECT payload FROM outbox WHERE type = 'order_lines_cancel_refused'"
    )
    assert json.loads(payload[0])["refusal"] == "no line 1 (SKU-2) with units left on this order"


# --- any interleaving of picks and cuts


@contextmanager
def fresh_floor(folder: Path) -> Iterator[Floor]:
    """A floor of its own for one Hypothesis example (a function fixture would be shared)."""
    from edge.api.app import create_app

    folder.mkdir(parents=True)
    config = load_settings(env={}, overrides={"edge.data_dir": folder, "auth.pin_hash_cost": 10})
    store = Store(config.db_path, edge_id=config.edge.id)
    try:
        with TestClient(create_app(config, store=store)) as client:
            yield Floor.build(store, client)
    finally:
        store.close()


steps = st.lists(
    st.one_of(
        st.tuples(st.just("pick"), st.integers(1, 2)),
        st.tuples(st.just("cut"), st.sampled_from((1, 2)), st.integers(1, 3)),
    ),
    min_size=1,
    max_size=6,
)


def status_of(store: Store) -> str:
    return str(rows(store, "SELECT status FROM orders WHERE id = 'O-1'")[0][0])


def check_invariants(store: Store) -> None:
    assert verify(store.read()) == []
    status = status_of(store)
    counts = lines(store)
    owed_back = sum(
        picked if status == "cancelled" else max(0, picked - (ordered - cut))
        for _, ordered, cut, _, picked in counts
    )
    assert rows(store, "SELECT COALESCE(SUM(qty), 0) FROM putback_tasks WHERE status = 'open'") == [
        (owed_back,)
    ]
    in_tote = rows(store, "SELECT COALESCE(SUM(qty), 0) FROM balances WHERE bucket = 'picked'")
    assert in_tote == [(sum(picked for *_, picked in counts),)]
    if status == "cancelled":
        assert rows(store, "SELECT COUNT(*) FROM allocations") == [(0,)]
        return
    for _, ordered, cut, allocated, picked in counts:
        assert allocated == max(0, ordered - cut - picked)
    assert to_pack(store) == [min(picked, ordered - cut) for _, ordered, cut, _, picked in counts]
    done = all(picked >= ordered - cut for _, ordered, cut, _, picked in counts)
    assert (status == "picked") == (done and status != "released"), (status, counts)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_any_interleaving_of_picks_and_cuts_keeps_the_ledger_and_the_lines_true(
    plan: list[tuple[Any, ...]], tmp_path: Path
) -> None:
    with fresh_floor(tmp_path / f"ex-{len(list(tmp_path.iterdir()))}") as floor:
        store = floor.store
        apply(store, released(1, "O-1", [("SKU-1", 2), ("SKU-1", 3)]))
        picker: dict[str, str] | None = None
        cursor = 1
        for step in plan:
            if step[0] == "pick":
                if status_of(store) not in ("released", "picking"):
                    continue  # nothing left to pick
                picker = picker or start_picking(floor)
                for _ in range(step[1]):
                    if floor.scan(picker, EAN13).status_code != 200:
                        floor.scan(picker, "A-01-01")  # a shrunk task: the next one's bin
                        floor.scan(picker, EAN13)
            else:
                cursor += 1
                apply(store, cut(cursor, "O-1", (step[1], "SKU-1", step[2])))
            check_invariants(store)
        apply(store, cancelled(cursor + 1, "O-1"))  # and every unit still goes back to a bin
        for (putback_id,) in rows(store, "SELECT id FROM putback_tasks WHERE status = 'open'"):
            store.writer.call(lambda tx, p=putback_id: complete_putback(tx, p, "A-01-01", Actor()))
        assert rows(store, "SELECT SUM(qty) FROM balances WHERE sku = 'SKU-1'") == [(10,)]
        assert rows(store, "SELECT COUNT(*) FROM balances WHERE bucket = 'picked' AND qty > 0") == [
            (0,)
        ]
        assert verify(store.read()) == []
