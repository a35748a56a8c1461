"""Generated receipts through the receive workflow's service, the real store and ledger: after
any sequence of scans and choices, `verify` finds nothing wrong, the dock and quarantine hold
exactly what the ASN's tallies say, and no expired unit is on hand anywhere."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge.domain.classify import Classified, classify
from edge.domain.errors import EdgeError
from edge.domain.scan import parse_scan
from edge.service.floor import FloorSettings
from edge.service.receiving import run_receive, start_receive
from edge.store import catalog
from edge.store.database import Store
from edge.store.directory import SqlDirectory
from edge.store.ledger import Actor, apply_decision
from edge.store.operators import LoginSession
from edge.store.receiving import upsert_asn
from edge.store.verify import verify
from edge.store.writer import Tx
from tests.support import migrated_copy

EAN = "9506000134352"  # SKU-1
LOT_GTIN = "09506000134376"  # SKU-3, lot and expiry tracked
FLOOR = FloorSettings()
ASN = {
    "asn_id": "ASN-P",
    "supplier": "Acme",
    "lines": [
        {"line_no": 1, "sku": "SKU-1", "qty": 4},
        {"line_no": 2, "sku": "SKU-3", "qty": 3, "lot": "L1"},
    ],
}

scans = st.sampled_from(
    [
        EAN,
        f"(01){LOT_GTIN}(10)L1(17)301231",
        f"(01){LOT_GTIN}(10)L2(17)301231",
        f"(01){LOT_GTIN}(10)LX(17)200101",
        f"(01){LOT_GTIN}",
        "(10)L1",
        "(17)301231",
        "CMD:DAMAGED",
        "CMD:ACCEPT",
        "CMD:REJECT",
        "CMD:QUARANTINE",
        "CMD:CANCEL",
    ]
)


def seed(tx: Tx) -> None:
    catalog.upsert_product(tx, sku="SKU-1", name="Green tea")
    catalog.upsert_product(tx, sku="SKU-3", name="Oolong", lot_tracked=True, expiry_tracked=True)
    catalog.add_barcode(tx, code=EAN, sku="SKU-1")
    catalog.add_barcode(tx, code=LOT_GTIN, sku="SKU-3")
    upsert_asn(tx, ASN, "central")


def one_scan(tx: Tx, state: dict[str, Any], raw: str) -> dict[str, Any]:
    """The scan path's core, as handle_scan runs it: classify, decide, apply (in a savepoint)."""
    scan = parse_scan(raw)
    try:
        found = classify(scan, SqlDirectory(tx.conn))
    except EdgeError:
        found = Classified("parcel", scan.code, scan)
    with tx.savepoint():
        decision = run_receive(tx, state, found, FLOOR)
        apply_decision(tx, decision, Actor(1, "HH-1", raw))
    return dict(decision.state.__dict__)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(scans, max_size=15), st.booleans(), st.booleans())
def test_generated_receipts_keep_the_ledger_and_the_asn_tallies_in_step(
    raws: list[str], supervisor: bool, close: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(migrated_copy(Path(tmp) / "edge.db"))
        try:
            store.writer.call(seed)
            role = "supervisor" if supervisor else "picker"
            who = LoginSession("t", 1, "B-1", "Ann", role, "", "HH-1", "2099-01-01T00:00:00Z")
            state = store.writer.call(lambda tx: start_receive(tx, who, {}, FLOOR))
            state = store.writer.call(lambda tx: one_scan(tx, state, "ASN-P"))
            for raw in [*raws, *(["CMD:CANCEL", "CMD:DONE"] if close else [])]:
                try:
                    state = store.writer.call(lambda tx, raw=raw, s=state: one_scan(tx, s, raw))
                except EdgeError:
                    pass  # a refusal changes nothing; the session goes on as it was
            conn = store.read()

            assert verify(conn) == []
            tallies = conn.execute(
                "SELECT SUM(accepted), SUM(quarantined), SUM(received) FROM asn_lines"
            ).fetchone()
            over_unexpected = conn.execute(
                "SELECT COALESCE(SUM(qty), 0) FROM receipt_discrepancies WHERE line_no = 0"
                " AND decision <> 'reject'"
            ).fetchone()[0]
            held = dict(
                conn.execute("SELECT bucket, SUM(qty) FROM balances GROUP BY bucket").fetchall()
            )
            assert held.get("on_hand", 0) + held.get("frozen", 0) == (tallies[2] + over_unexpected)
            assert tallies[0] + tallies[1] == tallies[2]
            today = datetime.now(UTC).date().isoformat()
            expired_on_hand = conn.execute(
                "SELECT COUNT(*) FROM balances b JOIN lots l ON l.sku = b.sku AND l.lot = b.lot"
                " WHERE b.bucket = 'on_hand' AND b.qty > 0 AND l.expiry <= ?",
                (today,),
            ).fetchone()[0]
            assert expired_on_hand == 0
            if close:
                status = conn.execute("SELECT status FROM asns").fetchone()[0]
                assert status == "closed"
        finally:
            store.close()


def test_the_generated_expiries_straddle_today() -> None:
    assert date(2020, 1, 1) < datetime.now(UTC).date() < date(2030, 12, 31)
