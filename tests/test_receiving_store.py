"""The ASN tables and the store functions asn21's applier and import call (RECEIVING_CONTRACT.md)."""

from __future__ import annotations

from typing import Any

from edge.store.database import Store
from edge.store.receiving import asn, cancel_asn, upsert_asn

SSCC = "003456789012345675"


def _asn(**over: Any) -> dict[str, Any]:
    return {
        "asn_id": "ASN-1",
        "supplier": "Acme",
        "expected_date": "2026-12-04",
        "lines": [
            {"line_no": 1, "sku": "SKU-1", "qty": 10, "lot": "L1", "expiry": "2027-06-30"},
            {"line_no": 2, "sku": "SKU-2", "qty": 5, "lot": None, "expiry": None},
        ],
        "containers": [
            {
                "sscc": SSCC,
                "kind": "pallet",
                "contents": [{"sku": "SKU-1", "qty": 10, "lot": "L1", "expiry": "2027-06-30"}],
            }
        ],
    } | over


def test_a_new_asn_is_kept_with_its_lines_and_containers(store: Store) -> None:
    written = store.writer.call(lambda tx: upsert_asn(tx, _asn(), "central"))

    kept = asn(store.read(), "ASN-1")
    assert written is True
    assert kept is not None
    assert (kept["supplier"], kept["status"], kept["source"]) == ("Acme", "open", "central")
    assert [(ln["line_no"], ln["sku"], ln["qty"], ln["lot"]) for ln in kept["lines"]] == [
        (1, "SKU-1", 10, "L1"),
        (2, "SKU-2", 5, None),
    ]
    assert kept["containers"][0]["sscc"] == SSCC
    assert kept["containers"][0]["contents"][0]["qty"] == 10


def test_an_open_asn_with_nothing_received_is_replaced(store: Store) -> None:
    store.writer.call(lambda tx: upsert_asn(tx, _asn(), "central"))
    changed = _asn(supplier="Acme Ltd", lines=[{"line_no": 1, "sku": "SKU-3", "qty": 7}])

    written = store.writer.call(lambda tx: upsert_asn(tx, changed | {"containers": []}, "central"))

    kept = asn(store.read(), "ASN-1")
    assert written is True
    assert kept is not None
    assert kept["supplier"] == "Acme Ltd"
    assert [(ln["sku"], ln["qty"]) for ln in kept["lines"]] == [("SKU-3", 7)]
    assert kept["containers"] == []


def test_an_asn_with_something_received_is_left_unchanged(store: Store) -> None:
    store.writer.call(lambda tx: upsert_asn(tx, _asn(), "central"))
    store.writer.call(
        lambda tx: tx.execute("UPDATE asn_lines SET received = 1 WHERE line_no = 1").rowcount
    )
    before = asn(store.read(), "ASN-1")

    written = store.writer.call(lambda tx: upsert_asn(tx, _asn(supplier="Other"), "central"))
    cancelled = store.writer.call(lambda tx: cancel_asn(tx, "ASN-1"))

    assert (written, cancelled) == (False, False)
    assert asn(store.read(), "ASN-1") == before


def test_an_asn_with_nothing_received_can_be_cancelled_once(store: Store) -> None:
    store.writer.call(lambda tx: upsert_asn(tx, _asn(), "import"))

    first = store.writer.call(lambda tx: cancel_asn(tx, "ASN-1"))
    second = store.writer.call(lambda tx: cancel_asn(tx, "ASN-1"))
    again = store.writer.call(lambda tx: upsert_asn(tx, _asn(), "central"))

    kept = asn(store.read(), "ASN-1")
    assert (first, second, again) == (True, False, False)
    assert kept is not None
    assert kept["status"] == "cancelled"


def test_cancelling_an_unknown_asn_changes_nothing(store: Store) -> None:
    assert store.writer.call(lambda tx: cancel_asn(tx, "NOPE")) is False
    assert asn(store.read(), "NOPE") is None
