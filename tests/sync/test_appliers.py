"""Central's change feed applied at the edge through the real store: each kind of change, the
conflicts (cancel after pick or ship, address change after the label), a page applied twice, and
a change that cannot be applied recorded without stopping the feed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from central_sync.agent.appliers import apply_page
from edge.store import sync_state
from edge.store.database import Store
from tests.support import EAN13, Floor
from tests.sync.feed import (
    NEW_SHIP_TO,
    SHIP_TO,
    address,
    apply,
    cancelled,
    change,
    dump,
    product,
    released,
    rma,
    rma_cancelled,
    rows,
)

pytestmark = pytest.mark.usefixtures("ledger_verifies")


def outbox_types(store: Store, order_id: str) -> list[str]:
    return [
        r[0]
        for r in rows(store, "SELECT type FROM outbox WHERE order_id = ? ORDER BY seq", (order_id,))
    ]


def pick_two(floor: Floor) -> None:
    """The picker takes 2 × SKU-1 of the first released order into tote T-0001."""
    picker = floor.login("B-PICK")
    floor.start(picker, "pick")
    for raw in ("T-0001", "A-01-01", EAN13, EAN13):
        assert floor.scan(picker, raw).status_code == 200


def ship(store: Store, order_id: str) -> None:
    """The order as packing leaves it once shipped: a shipment and a dispatched parcel."""

    def write(tx: Any) -> None:
        tx.execute("UPDATE orders SET status = 'shipped' WHERE id = ?", (order_id,))
        tx.execute(
            "INSERT INTO shipments (id, order_id, carrier, status, created_at, shipped_at)"
            " VALUES (?, ?, 'edge-post', 'shipped', ?, ?)",
            (f"S-{order_id}", order_id, tx.at, tx.at),
        )
        tx.execute(
            "INSERT INTO parcels (id, shipment_id, piece_no, tracking_no, status, dispatched_at)"
            " VALUES (?, ?, 1, ?, 'dispatched', ?)",
            (f"P-{order_id}-1", f"S-{order_id}", f"EP{order_id}CN", tx.at),
        )

    store.writer.call(write)


def test_a_page_of_every_kind_applied_twice_changes_nothing_the_second_time(floor: Floor) -> None:
    page = [
        product(1, "SKU-9", barcode="4006381333948"),
        released(2, "O-1", [("SKU-1", 2), ("SKU-2", 1)]),
        address(3, "O-1"),
        rma(4, "RMA-1", "O-7", [("SKU-2", 1)]),
        released(5, "O-2", [("SKU-1", 1)]),
        cancelled(6, "O-2"),
        released(7, "O-3", [("NO-SUCH-SKU", 1)]),
        rma_cancelled(8, "RMA-1", "O-7"),
    ]
    first = apply(floor.store, *page)
    before = dump(floor.store)

    again = apply(floor.store, *page)

    assert (first, again) == ({"applied": 7, "refused": 1}, {"applied": 7, "refused": 1})
    assert dump(floor.store) == before
    assert sync_state.feed_cursor(floor.store.read()) == 8


def test_a_product_from_central_is_stored_with_its_barcode_and_keeps_its_local_flags(
    store: Store,
) -> None:
    store.writer.call(
        lambda tx: tx.execute(
            "INSERT INTO products (sku, name, lot_tracked, updated_at) VALUES ('SKU-9', 'old', 1, 'x')"
        )
    )

    apply(store, product(1, "SKU-9", name="Oolong 100g", barcode="4006381333948"))

    assert rows(store, "SELECT sku, name, name_zh, weight_g, lot_tracked FROM products") == [
        ("SKU-9", "Oolong 100g", "乌龙茶 100克", 110, 1)
    ]
    assert rows(store, "SELECT code, sku, pack_qty FROM barcodes") == [
        ("04006381333948", "SKU-9", 1)
    ]


def test_an_order_released_by_central_is_stored_under_its_id_and_allocated(floor: Floor) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 3)], priority=2))

    assert rows(
        floor.store, "SELECT id, channel, channel_order_id, status, priority, ship_to FROM orders"
    ) == [("O-1", "tmall", "TM-O-1", "released", 2, json.dumps(SHIP_TO, ensure_ascii=False))]
    assert rows(floor.store, "SELECT sku, location, qty FROM allocations") == [
        ("SKU-1", "A-01-01", 3)
    ]
    assert outbox_types(floor.store, "O-1") == ["order_received", "order_allocated"]


def test_an_order_naming_an_unknown_sku_is_a_sync_exception_and_the_next_change_still_applies(
    floor: Floor,
) -> None:
    counts = apply(
        floor.store, released(1, "O-BAD", [("NO-SUCH-SKU", 1)]), released(2, "O-OK", [("SKU-1", 1)])
    )

    assert counts == {"applied": 1, "refused": 1}
    assert rows(floor.store, "SELECT id FROM orders") == [("O-OK",)]
    found = rows(floor.store, "SELECT kind, order_id, status, detail FROM exceptions")
    assert [r[:3] for r in found] == [("sync", "O-BAD", "open")]
    assert found[0][3].startswith("change 1 (order_released) not applied: unknown_sku: ")
    assert sync_state.feed_cursor(floor.store.read()) == 2


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (
            change(1, "order_teleported", {"order_id": "O-1"}),
            "malformed_change: ValueError: unknown change type 'order_teleported'",
        ),
        (
            change(1, "order_released", ["not", "an", "object"]),
            "malformed_change: TypeError: data is not an object",
        ),
        (change(1, "order_released", {"channel": "tmall"}), "malformed_change: KeyError: 'lines'"),
        (
            released(1, "O-1", [("SKU-1", 0)]),
            "malformed_change: ValueError: qty must be a whole number from 1 to 1000000000, got 0",
        ),
        (
            change(1, "product_upserted", {"sku": "", "name": "x"}),
            "malformed_change: ValueError: sku must be a non-empty string, got ''",
        ),
        (cancelled(1, "O-NEVER"), "not_found: "),
        (address(1, "O-NEVER"), "not_found: "),
    ],
    ids=[
        "unknown type",
        "data not an object",
        "missing lines",
        "zero quantity",
        "empty sku",
        "cancel of an unknown order",
        "address of an unknown order",
    ],
)
def test_a_change_that_cannot_be_applied_is_recorded_once_and_changes_nothing_else(
    floor: Floor, bad: dict[str, Any], reason: str
) -> None:
    before = dump(floor.store)

    apply(floor.store, bad)
    apply(floor.store, bad)

    after = dump(floor.store)
    changed = {t for t in after if after[t] != before[t]}
    assert changed == {"exceptions", "exception_events", "sync_state"}
    assert len(rows(floor.store, "SELECT 1 FROM exception_events")) == 1  # pushed once
    (detail,) = [r[0] for r in rows(floor.store, "SELECT detail FROM exceptions")]
    assert detail.startswith(f"change 1 ({bad['type']}) not applied: {reason}")


def test_a_cancellation_after_picking_gives_back_the_reservations_and_opens_a_put_back_task(
    floor: Floor,
) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 3)]))
    pick_two(floor)

    apply(floor.store, cancelled(2, "O-1", "buyer changed their mind"))

    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("cancelled",)]
    assert rows(floor.store, "SELECT container, sku, qty, status FROM putback_tasks") == [
        ("T-0001", "SKU-1", 2, "open")
    ]
    assert rows(floor.store, "SELECT * FROM allocations") == []
    assert outbox_types(floor.store, "O-1")[-1] == "order_cancelled"


def test_a_cancellation_after_shipping_keeps_the_order_shipped_and_tells_central_once(
    floor: Floor,
) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 1)]))
    ship(floor.store, "O-1")

    apply(floor.store, cancelled(2, "O-1", "buyer cancelled"))
    apply(floor.store, cancelled(2, "O-1", "buyer cancelled"))

    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("shipped",)]
    refused = rows(floor.store, "SELECT payload FROM outbox WHERE type = 'order_cancel_refused'")
    assert len(refused) == 1
    payload = json.loads(refused[0][0])
    assert {k: payload[k] for k in ("reason", "status", "shipments")} == {
        "reason": "buyer cancelled",
        "status": "shipped",
        "shipments": [
            {
                "shipment_id": "S-O-1",
                "carrier": "edge-post",
                "shipped_at": payload["shipments"][0]["shipped_at"],
                "parcels": [{"parcel_no": 1, "tracking_number": "EPO-1CN"}],
            }
        ],
    }


def test_an_address_change_after_the_label_printed_flags_that_parcel_for_reprint(
    floor: Floor,
) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 1)]))

    def parcels(tx: Any) -> None:
        tx.execute(
            "INSERT INTO shipments (id, order_id, carrier, status, created_at)"
            " VALUES ('S-1', 'O-1', 'edge-post', 'open', ?)",
            (tx.at,),
        )
        for n, printed in ((1, tx.at), (2, None)):
            tx.execute(
                "INSERT INTO parcels (id, shipment_id, piece_no, status, label_printed_at)"
                " VALUES (?, 'S-1', ?, 'open', ?)",
                (f"P-{n}", n, printed),
            )

    floor.store.writer.call(parcels)

    apply(floor.store, address(2, "O-1", NEW_SHIP_TO))

    assert rows(floor.store, "SELECT id, reprint_reason FROM parcels ORDER BY id") == [
        ("P-1", "address_changed"),
        ("P-2", None),
    ]
    (ship_to,) = rows(floor.store, "SELECT ship_to FROM orders WHERE id = 'O-1'")[0]
    assert json.loads(ship_to) == NEW_SHIP_TO
    (payload,) = rows(
        floor.store, "SELECT payload FROM outbox WHERE type = 'order_address_changed'"
    )[0]
    assert {k: json.loads(payload)[k] for k in ("ship_to", "reprint_parcels")} == {
        "ship_to": NEW_SHIP_TO,
        "reprint_parcels": ["P-1"],
    }


def in_transit(store: Store, location: str = "RETURNS") -> list[tuple[Any, ...]]:
    return rows(
        store,
        "SELECT sku, qty FROM balances WHERE location = ? AND bucket = 'returns_in_transit'"
        " AND qty > 0 ORDER BY sku",
        (location,),
    )


def shipped_order_with_rma(floor: Floor) -> None:
    """O-1 (2 × SKU-1) shipped, and RMA-77 for both units announced by central."""
    apply(floor.store, released(1, "O-1", [("SKU-1", 2)]))
    ship(floor.store, "O-1")
    extra = {"reason": "size", "return_tracking_number": "RT123456789CN", "channel": "tmall"}
    apply(floor.store, rma(2, "RMA-77", "O-1", [("SKU-1", 2)], **extra))


def test_a_return_authorisation_is_kept_and_announces_its_units_in_transit(floor: Floor) -> None:
    shipped_order_with_rma(floor)

    assert rows(
        floor.store,
        "SELECT rma, order_id, lines, status, feed_cursor, reason, return_tracking, channel,"
        " location FROM return_authorisations",
    ) == [
        (
            "RMA-77",
            "O-1",
            '[{"sku": "SKU-1", "qty": 2}]',
            "open",
            2,
            "size",
            "RT123456789CN",
            "tmall",
            "RETURNS",
        )
    ]
    assert in_transit(floor.store) == [("SKU-1", 2)]
    assert rows(floor.store, "SELECT type FROM locations WHERE code = 'RETURNS'") == [("returns",)]
    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("return_expected",)]
    assert outbox_types(floor.store, "O-1")[-1] == "return_announced"


def test_the_same_return_authorisation_twice_announces_its_units_once(floor: Floor) -> None:
    shipped_order_with_rma(floor)
    before = dump(floor.store)

    counts = apply(floor.store, rma(3, "RMA-77", "O-1", [("SKU-1", 2)]))

    assert counts == {"applied": 1, "refused": 0}
    assert {k: v for k, v in dump(floor.store).items() if k != "sync_state"} == {
        k: v for k, v in before.items() if k != "sync_state"
    }
    assert in_transit(floor.store) == [("SKU-1", 2)]


def test_returns_are_announced_at_the_configured_returns_location(floor: Floor) -> None:
    page = [rma(1, "RMA-8", "O-404", [("SKU-2", 3)])]

    floor.store.writer.call(lambda tx: apply_page(tx, page, 1, returns_location="RET-B"))

    assert in_transit(floor.store, "RET-B") == [("SKU-2", 3)]
    assert in_transit(floor.store) == []


def test_a_return_naming_an_unknown_sku_is_refused_and_announces_nothing(floor: Floor) -> None:
    counts = apply(floor.store, rma(1, "RMA-9", "O-1", [("SKU-1", 1), ("NO-SUCH", 1)]))

    assert counts == {"applied": 0, "refused": 1}
    assert rows(floor.store, "SELECT * FROM return_authorisations") == []
    assert in_transit(floor.store) == []


def test_a_cancelled_return_takes_its_units_out_of_transit_once(floor: Floor) -> None:
    shipped_order_with_rma(floor)

    apply(floor.store, rma_cancelled(3, "RMA-77", "O-1"))
    after = dump(floor.store)
    again = apply(floor.store, rma_cancelled(4, "RMA-77", "O-1"))

    assert in_transit(floor.store) == []
    assert rows(
        floor.store, "SELECT status, cancel_reason FROM return_authorisations WHERE rma = 'RMA-77'"
    ) == [("cancelled", "expired")]
    assert again == {"applied": 1, "refused": 0}
    assert {k: v for k, v in dump(floor.store).items() if k != "sync_state"} == {
        k: v for k, v in after.items() if k != "sync_state"
    }
    withdrawn = rows(floor.store, "SELECT payload FROM outbox WHERE type = 'return_withdrawn'")
    assert [json.loads(p)["qty"] for (p,) in withdrawn] == [2]


def test_a_cancellation_of_an_rma_never_authorised_here_is_a_sync_exception(
    floor: Floor,
) -> None:
    counts = apply(floor.store, rma_cancelled(1, "RMA-NONE", "O-1"))

    assert counts == {"applied": 0, "refused": 1}
    assert rows(floor.store, "SELECT kind FROM exceptions") == [("sync",)]


def test_a_put_back_request_stops_an_order_still_picked_here_and_opens_its_put_backs(
    floor: Floor,
) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 3)]))
    pick_two(floor)
    data = {
        "order_id": "O-1",
        "status": "shipped",
        "reason": "central holds this order shipped",
        "units": [{"sku": "SKU-1", "qty": 2}],
    }

    apply(floor.store, change(2, "putback_requested", data, "O-1"))
    once = dump(floor.store)
    apply(floor.store, change(2, "putback_requested", data, "O-1"))

    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("cancelled",)]
    assert rows(floor.store, "SELECT container, sku, qty, status FROM putback_tasks") == [
        ("T-0001", "SKU-1", 2, "open")
    ]
    assert rows(floor.store, "SELECT * FROM allocations") == []
    assert dump(floor.store) == once


def test_a_change_from_central_past_the_ledgers_range_is_refused_and_stores_nothing(
    floor: Floor,
) -> None:
    before = dump(floor.store)
    page = [
        released(1, "O-BIG", [("SKU-1", 2**63)]),
        rma(2, "RMA-BIG", "O-7", [("SKU-2", 2**63 - 1)]),
        rma(3, "RMA-MOST", "O-8", [("SKU-2", 10**9)]),
    ]

    applied = apply(floor.store, *page)

    assert applied == {"applied": 1, "refused": 2}
    assert rows(floor.store, "SELECT qty FROM balances WHERE typeof(qty) != 'integer'") == []
    assert dump(floor.store) != before  # the one in range was applied; verify runs after


def test_a_recall_stops_the_order_here_once_and_puts_back_what_was_picked(floor: Floor) -> None:
    apply(floor.store, released(1, "O-1", [("SKU-1", 3)]))
    pick_two(floor)
    recall = change(2, "order_recalled", {"order_id": "O-1", "reason": "moved"}, "O-1")

    apply(floor.store, recall)
    once = dump(floor.store)
    apply(floor.store, recall)

    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("cancelled",)]
    assert rows(floor.store, "SELECT container, sku, qty, status FROM putback_tasks") == [
        ("T-0001", "SKU-1", 2, "open")
    ]
    assert rows(floor.store, "SELECT * FROM allocations") == []
    assert dump(floor.store) == once


def test_an_edge_back_from_quiet_takes_a_release_and_its_recall_in_one_page(floor: Floor) -> None:
    page = [
        released(1, "O-1", [("SKU-1", 3)]),
        change(2, "order_recalled", {"order_id": "O-1", "reason": "moved"}, "O-1"),
    ]

    assert apply(floor.store, *page) == {"applied": 2, "refused": 0}
    assert rows(floor.store, "SELECT status FROM orders WHERE id = 'O-1'") == [("cancelled",)]
    assert rows(floor.store, "SELECT * FROM allocations") == []
    assert rows(floor.store, "SELECT * FROM putback_tasks") == []
