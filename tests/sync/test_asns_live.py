"""Advance shipping notices through real processes: central (`warehouse-central serve`) takes an
ASN, the edge's agent brings it down its change feed into the edge's receiving tables, a cancel
follows it, and the edge's `asn_closed` (written to its outbox as the dock writes it) goes up and
closes the ASN at central with each line's result and the discrepancies."""

from __future__ import annotations

from typing import Any

import pytest

from edge.domain.decision import Decision, Event
from edge.store import receiving
from edge.store.database import Store
from edge.store.ledger import Actor, apply_decision
from edge.store.writer import Tx
from tests.sync.central import Central
from tests.sync.running import delivered, eventually

pytestmark = pytest.mark.slow

PALLET = "376130321109103420"
ASN = {
    "asn_id": "ASN-1",
    "warehouse": "edge-1",
    "supplier": "Fujian Tea Co.",
    "expected_date": "2026-12-04",
    "lines": [
        {"sku": "TEA-1", "qty": 10, "lot": "L2611", "expiry": "2027-11-30"},
        {"sku": "TEA-2", "qty": 5},
    ],
    "containers": [
        {
            "sscc": PALLET,
            "kind": "pallet",
            "contents": [{"sku": "TEA-1", "qty": 10, "lot": "L2611", "expiry": "2027-11-30"}],
        }
    ],
}


def edge_asn(store: Store, asn_id: str) -> dict[str, Any] | None:
    return receiving.asn(store.read(), asn_id)


def test_an_asn_from_central_reaches_the_edge_its_cancel_follows_and_its_close_returns(
    edge: tuple[Store, Any], central: Central
) -> None:
    store, _ = edge
    eventually(lambda: delivered(store), what="the opening stock at central")
    with central.admin() as admin:
        for sku in ("TEA-1", "TEA-2"):
            admin.put(f"/api/v1/products/{sku}", json={"name": sku}).raise_for_status()
        assert admin.post("/api/v1/asns", json=ASN).status_code == 201
        other = ASN | {"asn_id": "ASN-2", "containers": []}
        assert admin.post("/api/v1/asns", json=other).status_code == 201
        admin.post("/api/v1/asns/ASN-2/cancel", json={"reason": "withdrawn"}).raise_for_status()

        got = eventually(lambda: edge_asn(store, "ASN-1"), what="the ASN at the edge")
        cancelled = eventually(
            lambda: (edge_asn(store, "ASN-2") or {}).get("status") == "cancelled",
            what="the cancel at the edge",
        )

        assert cancelled
        assert (got["supplier"], got["status"], got["source"]) == (
            "Fujian Tea Co.",
            "open",
            "central",
        )
        assert [(ln["line_no"], ln["sku"], ln["qty"], ln["lot"], ln["expiry"]) for ln in got["lines"]] == [
            (1, "TEA-1", 10, "L2611", "2027-11-30"),
            (2, "TEA-2", 5, None, None),
        ]  # fmt: skip
        assert [(c["sscc"], c["kind"], c["contents"][0]["qty"]) for c in got["containers"]] == [
            (PALLET, "pallet", 10)
        ]

        report = {
            "asn_id": "ASN-1",
            "closed_at": "2026-12-04T10:00:00Z",
            "lines": [
                {"line_no": 1, "sku": "TEA-1", "expected": 10, "received": 10, "accepted": 10,
                 "quarantined": 0, "rejected": 0},
                {"line_no": 2, "sku": "TEA-2", "expected": 5, "received": 3, "accepted": 3,
                 "quarantined": 0, "rejected": 0},
            ],
            "discrepancies": [{"kind": "short", "sku": "TEA-2", "lot": None, "qty": 2,
                               "decision": "accept", "operator": "Li"}],
        }  # fmt: skip

        def close(tx: Tx) -> None:  # as the dock's DONE writes it (edge/domain/receipt.py)
            apply_decision(tx, Decision(None, (Event("asn_closed", report),)), Actor())

        store.writer.call(close)
        eventually(lambda: delivered(store), what="asn_closed up to central")
        closed = admin.get("/api/v1/asns/ASN-1").json()

    assert (closed["status"], closed["closed_at"]) == ("closed", "2026-12-04T10:00:00Z")
    assert [(ln["received"], ln["accepted"]) for ln in closed["lines"]] == [(10, 10), (3, 3)]
    assert [(d["kind"], d["qty"], d["operator"]) for d in closed["discrepancies"]] == [
        ("short", 2, "Li")
    ]
