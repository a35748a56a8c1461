"""The dock session's pure state machine (edge/domain/receipt.py) and putaway's bin rule: every
allowed and refused transition, the discrepancy rules, and a property over generated receipts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.classify import Classified
from edge.domain.errors import EdgeError
from edge.domain.ledger import Account, Bucket, Place, Stock
from edge.domain.putaway import BinFacts, suggest_bin
from edge.domain.receipt import (
    TRANSITIONS,
    DiscrepancyRecorded,
    DockContext,
    DockSession,
    ExpectedLine,
    Product,
    UnitReceived,
    allowed_choices,
    decide_receipt,
)
from edge.domain.scan import parse_scan

TODAY = date(2026, 12, 3)
LINES = (ExpectedLine(1, "SKU-1", 5), ExpectedLine(2, "SKU-3", 4, lot="L1"))
PRODUCTS = {"SKU-1": Product("SKU-1"), "SKU-3": Product("SKU-3", True, True, 30)}


def item(sku: str, qty: int = 1, lot: str | None = None, expiry: date | None = None) -> Classified:
    return Classified(
        "product", sku, parse_scan("9506000134352"), quantity=qty, lot=lot, expiry=expiry
    )


def command(name: str) -> Classified:
    return Classified("command", name, parse_scan(f"CMD:{name}"))


def part(raw: str) -> Classified:
    return Classified("parcel", raw, parse_scan(raw))


def at_items(**over: object) -> DockSession:
    return replace(DockSession("items", "ASN-7", "DOCK-1", clerk="Ann"), **over)


def ctx(sku: str = "SKU-1", lines: tuple[ExpectedLine, ...] = LINES) -> DockContext:
    return DockContext(TODAY, lines, PRODUCTS.get(sku), quarantine="Q")


SCANS = {
    "product": item("SKU-1"),
    "part": part("(10)L1"),
    "location": Classified("location", "A-01-01", parse_scan("A-01-01")),
    **{f"command:{c}": command(c) for c in ("DAMAGED", "DONE", "CANCEL", "ACCEPT", "REJECT")},
    "command:QUARANTINE": command("QUARANTINE"),
}
STATES = {
    "items": at_items(sku="SKU-3", qty=1),  # a unit waiting for its lot, so a part completes it
    "decide": at_items(
        step="decide", sku="SKU-1", qty=6, stop="over", line_no=1, stop_qty=1, may_accept=True
    ),
}


@pytest.mark.parametrize("step", sorted(STATES))
@pytest.mark.parametrize("column", sorted(SCANS))
def test_every_transition_is_allowed_or_refused_as_the_table_says(step: str, column: str) -> None:
    s, scan = STATES[step], SCANS[column]
    c = ctx("SKU-3" if step == "items" else "SKU-1")

    if (step, column) in TRANSITIONS:
        try:
            decision = decide_receipt(s, scan, c)
        except EdgeError as err:  # allowed, but refused on its merits (a wrong product, DONE)
            assert err.code == "unit_incomplete"
        else:
            assert decision.state.step in ("items", "decide", "asn")
    else:
        with pytest.raises(EdgeError) as refused:
            decide_receipt(s, scan, c)
        assert refused.value.code == "unexpected_scan"


def test_a_unit_that_fits_its_line_goes_on_hand_at_the_dock_in_its_container() -> None:
    decision = decide_receipt(at_items(), item("SKU-1", 2), ctx())

    [m] = decision.movements
    assert (m.source, m.target, m.qty) == (
        Account.RECEIVED,
        Place("DOCK-1", Bucket.ON_HAND, "ASN-7-1"),
        2,
    )
    assert decision.state == at_items(units=2)


@pytest.mark.parametrize(
    ("scan", "kind", "qty"),
    [
        (item("SKU-1", 6), "over", 1),
        (item("SKU-2"), "unexpected", 1),
        (item("SKU-3", 1, "L9", date(2030, 1, 1)), "wrong_lot", 1),
        (item("SKU-3", 1, "L1", TODAY), "expired", 1),
        (item("SKU-3", 1, "L1", TODAY + timedelta(days=29)), "short_shelf_life", 1),
    ],
)
def test_each_discrepancy_stops_the_session_and_moves_nothing(
    scan: Classified, kind: str, qty: int
) -> None:
    decision = decide_receipt(at_items(), scan, ctx(scan.key))

    assert (decision.state.step, decision.state.stop, decision.state.stop_qty) == (
        "decide",
        kind,
        qty,
    )
    assert (decision.movements, decision.changes) == ((), ())
    assert decision.feedback is not None and decision.feedback.tone == "bad"


def test_a_damaged_carton_is_a_stop_too() -> None:
    flagged = decide_receipt(at_items(), command("DAMAGED"), ctx()).state

    decision = decide_receipt(flagged, item("SKU-1"), ctx())

    assert (decision.state.stop, decision.movements) == ("damaged", ())


def test_an_accepted_over_takes_in_the_expected_part_and_records_the_excess() -> None:
    stopped = decide_receipt(at_items(may_accept=True), item("SKU-1", 7), ctx()).state

    decision = decide_receipt(stopped, command("ACCEPT"), ctx())

    assert [m.qty for m in decision.movements] == [5, 2]
    assert [c for c in decision.changes if isinstance(c, DiscrepancyRecorded)] == [
        DiscrepancyRecorded("ASN-7", "over", "SKU-1", None, 2, "accept", 1)
    ]


def test_expired_goods_can_never_be_accepted() -> None:
    assert allowed_choices("expired", may_accept=True) == ("reject", "quarantine")
    assert allowed_choices("over", may_accept=False) == ("reject", "quarantine")
    assert allowed_choices("over", may_accept=True) == ("accept", "reject", "quarantine")


def test_lot_and_expiry_read_from_separate_barcodes_complete_the_unit() -> None:
    gtin_only = decide_receipt(at_items(), item("SKU-3"), ctx("SKU-3"))
    with_lot = decide_receipt(gtin_only.state, part("(10)L1"), ctx("SKU-3"))
    complete = decide_receipt(with_lot.state, part("(17)301231"), ctx("SKU-3"))

    assert [d.feedback.prompt for d in (gtin_only, with_lot, complete) if d.feedback] == [
        "scan_lot",
        "scan_expiry",
        "unit_received",
    ]
    [m] = complete.movements
    assert (m.sku, m.lot, m.target) == ("SKU-3", "L1", Place("DOCK-1", Bucket.ON_HAND, "ASN-7-2"))


def test_done_records_every_line_still_short_and_reports_asn_closed() -> None:
    decision = decide_receipt(at_items(), command("DONE"), ctx())

    [event] = decision.events
    assert event.type == "asn_closed"
    assert [
        (d["kind"], d["sku"], d["qty"], d["operator"]) for d in event.payload["discrepancies"]
    ] == [
        ("short", "SKU-1", 5, "Ann"),
        ("short", "SKU-3", 4, "Ann"),
    ]
    assert decision.state.step == "asn"


def test_the_bin_rule_prefers_the_pick_face_then_same_lot_then_empty_then_same_sku() -> None:
    face = BinFacts("PF-1", 50, pick_face_room=10)
    same = BinFacts("B-9", 90, same_sku_lot=True)
    empties = [BinFacts("E-2", 20, empty=True), BinFacts("E-1", 30, empty=True)]

    assert suggest_bin([face, same, *empties], 10) == "PF-1"
    assert suggest_bin([face, same, *empties], 11) == "B-9"
    assert suggest_bin(empties, 11) == "E-2"
    assert suggest_bin([BinFacts("S-1", 5, same_sku=True)], 1) == "S-1"
    assert suggest_bin([], 1) == ""


# --- a property over generated receipts: the ledger's invariants hold whatever is scanned


expiries = st.sampled_from([None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=400)])
units = st.tuples(
    st.sampled_from(["SKU-1", "SKU-2", "SKU-3"]),
    st.integers(1, 8),
    st.sampled_from([None, "L1", "L2"]),
    expiries,
    st.sampled_from(["ACCEPT", "REJECT", "QUARANTINE"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(units, max_size=12), st.booleans())
def test_generated_receipts_keep_the_ledger_sound_and_nothing_expired_on_hand(
    receipts: list[tuple[str, int, str | None, date | None, str]], supervisor: bool
) -> None:
    s = at_items(may_accept=supervisor)
    lines = LINES
    stock = Stock()
    taken = {"on_hand": 0, "frozen": 0}
    for sku, qty, lot, expiry, choice in receipts:
        scan = item(sku, qty, lot or "L1" if sku == "SKU-3" else lot, expiry or date(2030, 1, 1))
        decision = decide_receipt(s, scan, ctx(sku, lines))
        if decision.state.step == "decide":
            if choice.lower() not in allowed_choices(decision.state.stop, may_accept=supervisor):
                with pytest.raises(EdgeError):
                    decide_receipt(decision.state, command(choice), ctx(sku, lines))
                choice = "REJECT"
            decision = decide_receipt(decision.state, command(choice), ctx(sku, lines))
        stock = stock.apply(decision.movements)
        for m in decision.movements:
            assert m.source == Account.RECEIVED
            assert isinstance(m.target, Place)
            taken[m.target.bucket.value] += m.qty
            if m.target.bucket == Bucket.ON_HAND:
                assert scan.expiry is None or scan.expiry > TODAY
        for c in decision.changes:
            if isinstance(c, UnitReceived) and c.decision != "reject":
                lines = tuple(
                    replace(ln, received=ln.received + c.qty) if ln.line_no == c.line_no else ln
                    for ln in lines
                )
        s = decision.state
        assert s.step == "items"

    on_hand = sum(q for k, q in stock.balances.items() if k[4] == "on_hand")
    frozen = sum(q for k, q in stock.balances.items() if k[4] == "frozen")
    assert (on_hand, frozen) == (taken["on_hand"], taken["frozen"])
    assert all(q >= 0 for q in stock.balances.values())
    assert s.units == on_hand + frozen


def test_a_scan_during_a_stop_is_refused_repeating_the_stop_and_its_choices() -> None:
    expired = item("SKU-3", 1, lot="L9", expiry=date(2020, 1, 1))
    stopped = decide_receipt(at_items(), expired, ctx("SKU-3"))
    assert stopped.state.step == "decide"

    with pytest.raises(EdgeError) as refused:
        decide_receipt(stopped.state, item("SKU-1", 1), ctx())

    said = refused.value.message("en")
    assert said.startswith("This item barcode (")
    assert "is not expected now. Stop: SKU-3 lot L9 expired on 2020-01-01." in said
    assert said.endswith("Choose: reject or quarantine.")
    assert "?" not in said and "?" not in refused.value.message("zh")


def test_a_wrong_scan_while_a_unit_is_half_read_asks_again_for_what_it_lacks() -> None:
    waiting = at_items(sku="SKU-3", qty=1)

    with pytest.raises(EdgeError) as refused:
        decide_receipt(waiting, SCANS["location"], ctx("SKU-3"))

    assert refused.value.message("en").endswith("Scan the lot barcode of this SKU-3.")
    assert refused.value.message("zh").endswith("请扫描此 SKU-3 的批号条码。")
