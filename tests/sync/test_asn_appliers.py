"""Central's `asn_upserted` and `asn_cancelled` applied at the edge through the real store (the
receiving tables, edge/store/receiving.py): a page applied twice changes nothing, a cancel after
the dock received something leaves the receipt going, a bad change is a sync exception."""

from __future__ import annotations

from typing import Any

import pytest

from edge.store import receiving
from edge.store.database import Store
from tests.sync.feed import apply, change, dump, product, rows

pytestmark = pytest.mark.usefixtures("ledger_verifies")

PALLET = "376130321109103420"


def upserted(cursor: int, asn_id: str = "ASN-1", **extra: Any) -> dict[str, Any]:
    data = {
        "asn_id": asn_id,
        "supplier": "Fujian Tea Co.",
        "expected_date": "2026-12-04",
        "lines": [
            {"line_no": 1, "sku": "TEA-1", "qty": 24, "lot": "L1", "expiry": "2027-11-30"},
            {"line_no": 2, "sku": "TEA-1", "qty": 6, "lot": None, "expiry": None},
        ],
        "containers": [
            {"sscc": PALLET, "kind": "pallet", "contents": [
                {"sku": "TEA-1", "qty": 24, "lot": "L1", "expiry": "2027-11-30"}
            ]}
        ],
    } | extra  # fmt: skip
    return change(cursor, "asn_upserted", data)


def test_an_asn_and_its_cancel_applied_twice_change_nothing_the_second_time(store: Store) -> None:
    page = [product(1, "TEA-1"), upserted(2), upserted(3, "ASN-2"), change(4, "asn_cancelled",
            {"asn_id": "ASN-2"})]  # fmt: skip
    page[2]["data"]["containers"] = []

    assert apply(store, *page) == {"applied": 4, "refused": 0}
    once = dump(store)
    assert apply(store, *page) == {"applied": 4, "refused": 0}

    assert dump(store) | {"sync_state": []} == once | {"sync_state": []}
    got = receiving.asn(store.read(), "ASN-1")
    assert got is not None
    assert (got["status"], got["source"], len(got["lines"])) == ("open", "central", 2)
    assert receiving.asn(store.read(), "ASN-2")["status"] == "cancelled"  # type: ignore[index]


def test_a_cancel_after_the_dock_received_leaves_the_receipt_going(store: Store) -> None:
    apply(store, product(1, "TEA-1"), upserted(2))
    store.writer.call(
        lambda tx: tx.execute("UPDATE asn_lines SET received = 3 WHERE asn_id = 'ASN-1'")
    )

    assert apply(store, change(3, "asn_cancelled", {"asn_id": "ASN-1"}))["applied"] == 1

    assert receiving.asn(store.read(), "ASN-1")["status"] == "open"  # type: ignore[index]


@pytest.mark.parametrize(
    "bad",
    [
        change(2, "asn_cancelled", {"asn_id": "ASN-9"}),
        upserted(2, lines=[]),
        upserted(2, lines=[{"line_no": 1, "sku": "TEA-1", "qty": 0}]),
        upserted(2, supplier=""),
    ],
    ids=["unknown", "no_lines", "zero_qty", "no_supplier"],
)
def test_an_asn_change_the_edge_cannot_take_is_a_sync_exception_and_changes_nothing_else(
    store: Store, bad: dict[str, Any]
) -> None:
    apply(store, product(1, "TEA-1"))
    before = dump(store)

    assert apply(store, bad) == {"applied": 0, "refused": 1}

    after = dump(store)
    for table in ("asns", "asn_lines", "asn_containers", "balances", "outbox"):
        assert after[table] == before[table], table
    assert rows(store, "SELECT kind FROM exceptions WHERE status = 'open'") == [("sync",)]
