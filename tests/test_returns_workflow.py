"""The returns desk's state machine (pure): its transition table walked for every step and kind
of scan, and each path: expected, unexpected and unknown-sender parcels, wrong items, lots that
did not ship, over-returns refused, destroy reasons and the close with its missing lines."""

from __future__ import annotations

from dataclasses import asdict, replace

import pytest

from edge.domain.classify import COMMANDS, Classified
from edge.domain.errors import EdgeError
from edge.domain.ledger import Account, Bucket, Movement, Place
from edge.domain.messages import prompt
from edge.domain.order import OrderStatus, StatusChange
from edge.domain.return_record import (
    ItemInHand,
    ReturnItemGraded,
    ReturnParcelClosed,
    ReturnParcelOpened,
)
from edge.domain.returns import (
    DEFAULT_DESTROY_REASON,
    TRANSITIONS,
    GradedLine,
    OpenParcel,
    ReturnLine,
    ReturnMatch,
    ReturnsContext,
    ReturnsSession,
    decide_returns,
    scan_column,
)
from edge.domain.scan import Scan


def scan(kind: str, key: str, code: str | None = None, **extra: object) -> Classified:
    code = code or key
    return Classified(kind, key, Scan(raw=code, code=code, kind="raw"), **extra)  # type: ignore[arg-type]


def item(sku: str = "S1", **extra: object) -> Classified:
    return scan("product", sku, f"EAN-{sku}", quantity=1, **extra)


def command(name: str, param: str | None = None) -> Classified:
    return scan("command", name, f"CMD:{name}", param=param)


KINDS = {
    "location": scan("location", "A-01"),
    "product": item(),
    "container": scan("container", "T-0001", container_type="tote"),
    "order": scan("order", "O-1"),
    "parcel": scan("parcel", "P-1", "SF123"),
    "rma": scan("rma", "RMA-1"),
    "badge": scan("badge", "7", "B-RET", operator_id=7),
} | {f"command:{c}": command(c) for c in COMMANDS}
LINE = ReturnLine("S1", expected=2, shipped=2, lots=frozenset({"", "L1"}), serials=frozenset({""}))
OPEN = ReturnsSession("items", parcel_id="RP-000001", rma="RMA-1", order_id="O-1")
SESSIONS = {
    "parcel": ReturnsSession(),
    "identify": ReturnsSession("identify", unexpected=True, scanned="SF123"),
    "items": OPEN,
    "grade": ReturnsSession(
        "grade", parcel_id="RP-000001", rma="RMA-1", order_id="O-1", item=ItemInHand("S1")
    ),
}
CTX = ReturnsContext(
    location="RETURNS",
    now="2026-12-03T10:00:00.000000Z",
    match=ReturnMatch("rma", "RMA-1", "O-1"),
    new_parcel_id="RP-000001",
    order_status=OrderStatus.RETURN_EXPECTED,
    lines={"S1": LINE},
    announced_left=2,
)
TRANSIT = Place("RETURNS", Bucket.RETURNS_IN_TRANSIT)
ON_HAND, FROZEN = Place("RETURNS", Bucket.ON_HAND), Place("RETURNS", Bucket.FROZEN)


@pytest.mark.parametrize("step", list(SESSIONS))
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_scan_is_taken_exactly_where_the_table_has_its_column(step: str, kind: str) -> None:
    session, classified = SESSIONS[step], KINDS[kind]
    allowed = (step, scan_column(session, classified)) in TRANSITIONS

    try:
        decide_returns(session, classified, CTX)
        refused = None
    except EdgeError as err:
        refused = err.code

    assert (refused == "unexpected_scan") == (not allowed), (step, kind, refused)


@pytest.mark.parametrize("step", ["parcel", "identify"])
def test_a_parcels_number_is_looked_up_and_an_item_bin_or_badge_is_refused(step: str) -> None:
    columns = {k: scan_column(SESSIONS[step], KINDS[k]) for k in KINDS if ":" not in k}

    assert columns == {
        "location": "location",
        "product": "product",
        "container": "code",
        "order": "code",
        "parcel": "code",
        "rma": "code",
        "badge": "badge",
    }
    with pytest.raises(EdgeError) as refused:
        decide_returns(SESSIONS[step], KINDS["product"], CTX)
    assert refused.value.code == "unexpected_scan"


def test_a_parcel_matching_an_rma_opens_it_and_the_order_is_received() -> None:
    decision = decide_returns(ReturnsSession(), scan("parcel", "RT1", "RT1"), CTX)

    assert decision.state == OPEN
    (event,) = decision.events
    assert (event.type, dict(event.payload)) == (
        "return_received",
        {
            "parcel_id": "RP-000001",
            "rma": "RMA-1",
            "order_id": "O-1",
            "scanned": "RT1",
            "matched_by": "rma",
            "received_at": CTX.now,
        },
    )
    assert decision.changes == (
        ReturnParcelOpened("RP-000001", "RMA-1", "O-1", "RT1", "rma", False, "RETURNS"),
        StatusChange(
            "O-1",
            OrderStatus.RETURN_EXPECTED,
            OrderStatus.RETURN_RECEIVED,
            "return_received",
            "RP-000001",
        ),
    )


def test_a_parcel_matching_nothing_asks_to_identify_it_and_records_nothing() -> None:
    decision = decide_returns(ReturnsSession(), scan("parcel", "SF9", "SF9"), ReturnsContext())

    assert decision.state == ReturnsSession("identify", unexpected=True, scanned="SF9")
    assert (decision.events, decision.changes) == ((), ())
    assert decision.feedback is not None and decision.feedback.tone == "bad"


def test_an_unexpected_parcel_is_opened_once_its_order_is_identified() -> None:
    ctx = ReturnsContext(match=ReturnMatch("order", None, "O-1"), new_parcel_id="RP-000002")

    decision = decide_returns(SESSIONS["identify"], scan("order", "O-1"), ctx)

    assert decision.state == ReturnsSession(
        "items", parcel_id="RP-000002", order_id="O-1", unexpected=True
    )
    assert decision.events[0].payload["matched_by"] == "identified"
    assert decision.events[0].payload["scanned"] == "SF123"


def test_identifying_with_a_code_that_names_no_order_is_refused() -> None:
    with pytest.raises(EdgeError) as refused:
        decide_returns(SESSIONS["identify"], scan("parcel", "NOPE", "NOPE"), ReturnsContext())

    assert (refused.value.code, refused.value.params) == ("return_not_found", {"code": "NOPE"})


def test_an_unknown_senders_resellable_unit_still_goes_to_quarantine() -> None:
    opened = decide_returns(SESSIONS["identify"], command("UNKNOWN"), ReturnsContext())
    in_hand = decide_returns(opened.state, item("S9"), ReturnsContext())

    graded = decide_returns(in_hand.state, command("RESELLABLE"), ReturnsContext())

    assert (
        opened.state.unknown_sender and opened.events[0].payload["matched_by"] == "unknown_sender"
    )
    assert in_hand.state.item == ItemInHand("S9")
    assert graded.movements == (
        Movement("return_graded", "S9", 1, Account.CUSTOMER, FROZEN, reason="resellable"),
    )


def test_an_item_not_on_the_return_is_a_wrong_item_quarantined_and_flagged() -> None:
    in_hand = decide_returns(OPEN, item("S7"), CTX)
    graded = decide_returns(in_hand.state, command("RESELLABLE"), CTX)

    assert in_hand.state.item == ItemInHand("S7", wrong_item=True)
    assert in_hand.feedback is not None and in_hand.feedback.prompt == "return_wrong_item"
    assert graded.movements == (
        Movement(
            "return_graded", "S7", 1, Account.CUSTOMER, FROZEN, reason="resellable", order_id="O-1"
        ),
    )
    assert graded.events[0].payload["wrong_item"] is True


def test_a_lot_that_did_not_ship_on_the_order_is_flagged_and_kept_by_its_lot() -> None:
    in_hand = decide_returns(OPEN, item("S1", lot="L9"), CTX)
    graded = decide_returns(in_hand.state, command("DAMAGED"), CTX)

    assert in_hand.state.item == ItemInHand("S1", lot="L9", not_shipped_lot=True)
    assert graded.movements == (
        Movement(
            "return_arrived", "S1", 1, TRANSIT, Account.CUSTOMER, reason="damaged", order_id="O-1"
        ),
        Movement(
            "return_graded",
            "S1",
            1,
            Account.CUSTOMER,
            FROZEN,
            lot="L9",
            reason="damaged",
            order_id="O-1",
        ),
    )


def test_a_resellable_unit_leaves_returns_in_transit_for_stock_at_the_returns_location() -> None:
    graded = decide_returns(SESSIONS["grade"], command("RESELLABLE"), CTX)

    assert graded.state == OPEN
    assert graded.movements == (
        Movement("return_graded", "S1", 1, TRANSIT, ON_HAND, reason="resellable", order_id="O-1"),
    )
    (record,) = graded.changes
    assert isinstance(record, ReturnItemGraded) and (record.announced, record.bucket) == (
        1,
        "on_hand",
    )


@pytest.mark.parametrize(
    ("param", "reason"),
    [(None, DEFAULT_DESTROY_REASON), ("expired", "expired"), ("  ", DEFAULT_DESTROY_REASON)],
)
def test_a_destroyed_unit_is_written_off_with_its_reason_or_the_default(
    param: str | None, reason: str
) -> None:
    ctx = ReturnsContext(lines={"S1": LINE}, announced_left=0, reason=param or "")

    graded = decide_returns(SESSIONS["grade"], command("DESTROY", param), ctx)

    assert graded.movements == (
        Movement("return_graded", "S1", 1, Account.CUSTOMER, FROZEN, reason=reason, order_id="O-1"),
        Movement(
            "return_destroyed", "S1", 1, FROZEN, Account.ADJUSTED, reason=reason, order_id="O-1"
        ),
    )
    assert graded.events[0].payload["reason"] == reason


@pytest.mark.parametrize("session", [OPEN, SESSIONS["grade"]], ids=["item scan", "grade"])
def test_one_unit_more_than_shipped_is_refused_at_the_item_and_at_the_grade(
    session: ReturnsSession,
) -> None:
    ctx = ReturnsContext(lines={"S1": ReturnLine("S1", expected=2, shipped=2, returned=2)})
    raw = item() if session.step == "items" else command("RESELLABLE")

    with pytest.raises(EdgeError) as refused:
        decide_returns(session, raw, ctx)

    assert (refused.value.code, refused.value.params) == (
        "over_return",
        {"order_id": "O-1", "sku": "S1", "shipped": 2, "returned": 2, "qty": 1},
    )


def test_closing_records_what_came_and_the_missing_lines_and_grades_the_order() -> None:
    ctx = ReturnsContext(
        now="2026-12-03T11:00:00.000000Z",
        order_status=OrderStatus.RETURN_RECEIVED,
        lines={"S1": LINE},
        graded=(GradedLine("S1", 1, "resellable"), GradedLine("S7", 1, "damaged", True)),
    )

    closed = decide_returns(OPEN, command("DONE"), ctx)

    assert closed.state == ReturnsSession()
    assert dict(closed.events[0].payload) == {
        "parcel_id": "RP-000001",
        "rma": "RMA-1",
        "order_id": "O-1",
        "lines": [
            {"sku": "S1", "qty": 1, "grade": "resellable", "wrong_item": False, "reason": None},
            {"sku": "S7", "qty": 1, "grade": "damaged", "wrong_item": True, "reason": None},
        ],
        "missing": [{"sku": "S1", "qty": 1}],
        "closed_at": "2026-12-03T11:00:00.000000Z",
    }
    assert closed.changes[0] == ReturnParcelClosed("RP-000001", "RMA-1", (("S1", 1),))
    assert closed.changes[1].to_status is OrderStatus.RETURN_GRADED


def test_a_second_return_of_an_order_already_graded_leaves_its_status() -> None:
    ctx = replace(CTX, order_status=OrderStatus.RETURN_GRADED)

    opened = decide_returns(ReturnsSession(), scan("parcel", "RMA-1"), ctx)

    assert [type(c) for c in opened.changes] == [ReturnParcelOpened]


def test_a_parcel_the_clerk_left_open_is_taken_up_again_with_nothing_recorded_twice() -> None:
    desk = ReturnsSession(clerk=7, device="HH-1")
    left_open = OpenParcel("RP-000001", "RMA-1", "O-1", unexpected=False, unknown_sender=False)

    decision = decide_returns(desk, scan("rma", "RMA-1"), replace(CTX, still_open=left_open))

    assert decision.state == replace(OPEN, clerk=7, device="HH-1")
    assert (decision.events, decision.changes) == ((), ())
    assert (decision.feedback.tone, decision.feedback.prompt) == ("good", "return_resumed")


def test_the_clerk_and_device_stay_with_the_desk_after_a_parcel_closes() -> None:
    s = replace(OPEN, clerk=7, device="HH-1")

    closed = decide_returns(s, command("DONE"), CTX)

    assert closed.state == ReturnsSession(clerk=7, device="HH-1")


def test_the_session_survives_its_stored_json() -> None:
    session = SESSIONS["grade"]

    assert ReturnsSession.from_state(asdict(session)) == session


def test_not_this_item_takes_the_scan_back_and_names_the_parcel_to_go_on_with() -> None:
    decision = decide_returns(SESSIONS["grade"], command("CANCEL"), CTX)

    assert decision.state == replace(SESSIONS["grade"], step="items", item=None)
    assert decision.feedback is not None
    said = prompt(decision.feedback.prompt, "en", decision.feedback.params)
    assert said == "Parcel RP-000001: scan each item; CMD:DONE when the parcel is empty."
