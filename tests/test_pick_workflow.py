"""The pick workflow (pure): its transition table walked for every (step, scan kind), and each
refusal by name. Random scan sequences are in test_pick_property.py."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pytest

from edge.domain.allocation import Candidate
from edge.domain.classify import COMMANDS, Classified
from edge.domain.decision import CountTaskOpened, Decision, Event, ExceptionRaised, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import Bucket, Movement, Place, Reservation, Stock
from edge.domain.messages import hold, hold_text
from edge.domain.order import OrderStatus, StatusChange
from edge.domain.pick import (
    TRANSITIONS,
    PickContext,
    PickList,
    PickListFinished,
    PickSession,
    PickSlot,
    PickTask,
    TaskAdded,
    TaskProgress,
    ToteBound,
    decide_pick,
    step_of,
)
from edge.domain.scan import Scan

RELEASED, PICKING, PICKED, ON_HOLD = (
    OrderStatus.RELEASED,
    OrderStatus.PICKING,
    OrderStatus.PICKED,
    OrderStatus.ON_HOLD,
)


def scan(kind: str, key: str, code: str | None = None, **extra: object) -> Classified:
    code = code or key
    return Classified(kind, key, Scan(raw=code, code=code, kind="raw"), **extra)  # type: ignore[arg-type]


def kind_of(s: Classified) -> str:
    return f"command:{s.key}" if s.kind == "command" else s.kind


KINDS = {
    "location": scan("location", "A-01"),
    "product": scan("product", "S1", "9506000134352", quantity=1),
    "container": scan("container", "T-0001", container_type="tote"),
    "order": scan("order", "O-1"),
    "parcel": scan("parcel", "P-1", "1Z999"),
    "rma": scan("rma", "RMA-1"),
    "badge": scan("badge", "7", "B-PICK", operator_id=7),
} | {f"command:{c}": scan("command", c, f"CMD:{c}") for c in COMMANDS}

TASK1 = PickTask(1, "O-1", "O-1-1", "S1", "A-01", 2)
TASK2 = PickTask(2, "O-2", "O-2-1", "S2", "B-01", 1)
SLOTS = (PickSlot(1, "O-1", "T-0001"), PickSlot(2, "O-2", "T-0002"))
LIST = PickList("PL-1", SLOTS, (TASK1, TASK2), {"O-1": RELEASED, "O-2": RELEASED})
STEPS: dict[str, tuple[PickSession, PickList]] = {
    "tote": (PickSession("PL-1"), replace(LIST, slots=(PickSlot(1, "O-1"), SLOTS[1]))),
    "location": (PickSession("PL-1"), LIST),
    "item": (PickSession("PL-1", "A-01"), LIST),
    "done": (
        PickSession("PL-1", "B-01"),
        replace(
            LIST,
            tasks=(
                replace(TASK1, picked=2, status="done"),
                replace(TASK2, picked=1, status="done"),
            ),
            order_status={"O-1": PICKED, "O-2": PICKED},
        ),
    ),
}
# S1 at A-01: 5 on hand, 2 of them reserved for TASK1; 4 free at C-01 for a short pick.
STOCK = Stock({("S1", "A-01", "", "", "on_hand"): 5}, {("O-1-1", "S1", "A-01", "", ""): 2})
CANDIDATES = (Candidate("A-01", 3, 10), Candidate("C-01", 4, 30))
AT_TASK1 = {"location": "A-01", "sku": "S1", "remaining": 2, "tote": "T-0001", "slot": 1}
PROMPT_PARAMS = {
    "tote": {"slot": 1, "slots": 2},
    "location": AT_TASK1,
    "item": AT_TASK1,
    "done": {},
}
PROMPT_KEYS = {
    "tote": "scan_tote",
    "location": "scan_pick_location",
    "item": "scan_pick_item",
    "done": "pick_done",
}
PROMPTS = {
    "tote": "Scan an empty tote for order 1 of 2.",
    "location": "Go to A-01 and scan its label.",
    "item": "Scan S1 at A-01: 2 to go, into tote T-0001 (slot 1).",
    "done": "Pick list done. Take the totes to packing.",
}


TODAY = date(2026, 6, 1)


def ctx(pl: PickList, **kw: object) -> PickContext:
    base: dict[str, object] = {
        "stock": STOCK,
        "candidates": CANDIDATES,
        "allow_unscanned_completion": True,
        "today": TODAY,
    }
    return PickContext(pl, **(base | kw))  # type: ignore[arg-type]


def picked(qty: int, how: str) -> Movement:
    return Movement(
        "pick",
        "S1",
        qty,
        Place("A-01", Bucket.ON_HAND),
        Place("", Bucket.PICKED, "T-0001"),
        reason=how,
        order_id="O-1",
        line_id="O-1-1",
    )


def item_picked(qty: int, how: str) -> Event:
    payload = {"sku": "S1", "qty": qty, "location": "A-01", "tote": "T-0001", "list_id": "PL-1"}
    return Event(
        "item_picked", payload, (picked(qty, how),), order_id="O-1", line_id="O-1-1", sku="S1"
    )


def status(
    order: str, old: OrderStatus, new: OrderStatus, event: str, reason: str = ""
) -> tuple[Event, StatusChange]:
    payload = {"from": old.value, "to": new.value, "reason": reason}
    return Event(event, payload, order_id=order), StatusChange(order, old, new, event, reason)


STARTED = status("O-1", RELEASED, PICKING, "order_picking_started")
FINISHED = status("O-1", PICKING, PICKED, "order_picked")
# Only the 2 units not found are frozen; the bin's 3 free units stay free (issue 14 item 8).
SHORTED = {"sku": "S1", "location": "A-01", "missing": 2, "held": 2}
HOLD = Movement(
    "count_hold",
    "S1",
    2,
    Place("A-01", Bucket.ON_HAND),
    Place("A-01", Bucket.FROZEN),
    reason="short_pick",
    order_id="O-1",
    line_id="O-1-1",
)


def short_reallocated(session: PickSession) -> Decision[PickSession]:
    return Decision(
        session,
        (Event("pick_shorted", SHORTED, (HOLD,), order_id="O-1", line_id="O-1-1", sku="S1"),),
        (Reservation("O-1-1", "S1", "A-01", -2), Reservation("O-1-1", "S1", "C-01", 2)),
        Feedback("info", "short_reallocated", SHORTED),
        (
            TaskProgress(1, 0, "short"),
            CountTaskOpened("A-01", "S1", "short_pick", held=2),
            TaskAdded("PL-1", "O-1", "O-1-1", "S1", "C-01", 2),
            ExceptionRaised(
                "short_pick",
                SHORTED | {"reallocated": True},
                order_id="O-1",
                location="A-01",
                sku="S1",
            ),
        ),
    )


AT_A01 = PickSession("PL-1", "A-01")
EXPECTED: dict[tuple[str, str], Decision[PickSession]] = {
    ("tote", "container"): Decision(
        PickSession("PL-1"),
        (Event("tote_bound", {"tote": "T-0001", "slot": 1, "list_id": "PL-1"}, order_id="O-1"),),
        feedback=Feedback("good", "tote_bound", {"tote": "T-0001", "slot": 1}),
        changes=(ToteBound("PL-1", "O-1", "T-0001"),),
    ),
    ("location", "location"): Decision(
        AT_A01, feedback=Feedback("info", "scan_pick_item", AT_TASK1)
    ),
    ("location", "command:SHORT"): short_reallocated(PickSession("PL-1")),
    ("item", "product"): Decision(
        AT_A01,
        (item_picked(1, "scanned"), STARTED[0]),
        (Reservation("O-1-1", "S1", "A-01", -1),),
        Feedback("good", "item_picked", {"qty": 1, "sku": "S1", "tote": "T-0001", "slot": 1}),
        (TaskProgress(1, 1, "open"), STARTED[1]),
    ),
    ("item", "location"): Decision(AT_A01, feedback=Feedback("info", "scan_pick_item", AT_TASK1)),
    ("item", "container"): Decision(AT_A01, feedback=Feedback("info", "scan_pick_item", AT_TASK1)),
    ("item", "command:CONFIRM"): Decision(
        AT_A01,
        (item_picked(2, "confirmed"), STARTED[0], FINISHED[0]),
        (Reservation("O-1-1", "S1", "A-01", -2),),
        Feedback("good", "item_picked", {"qty": 2, "sku": "S1", "tote": "T-0001", "slot": 1}),
        (TaskProgress(1, 2, "done"), STARTED[1], FINISHED[1]),
    ),
    ("item", "command:SHORT"): short_reallocated(AT_A01),
}
PAIRS = list(itertools.product(STEPS, KINDS))


def test_the_expectations_cover_exactly_the_transition_table_and_every_scan_kind() -> None:
    assert set(EXPECTED) == set(TRANSITIONS)
    assert {kind_of(s) for s in KINDS.values()} == set(KINDS)
    assert {step: step_of(*STEPS[step]) for step in STEPS} == {s: s for s in STEPS}


@pytest.mark.parametrize(("step", "kind"), [p for p in PAIRS if p in EXPECTED])
def test_an_allowed_scan_does_what_the_table_says(step: str, kind: str) -> None:
    session, pl = STEPS[step]

    decision = decide_pick(session, KINDS[kind], ctx(pl))

    assert decision == EXPECTED[(step, kind)]


@pytest.mark.parametrize(("step", "kind"), [p for p in PAIRS if p not in EXPECTED])
def test_any_other_scan_is_refused_naming_what_to_scan_instead(step: str, kind: str) -> None:
    session, pl = STEPS[step]
    classified = KINDS[kind]

    with pytest.raises(EdgeError) as exc:
        decide_pick(session, classified, ctx(pl))

    assert exc.value.code == "unexpected_scan"
    assert (
        exc.value.params
        == {
            "kind": classified.kind,
            "code": classified.scan.code,
            "expected_prompt": PROMPT_KEYS[step],
        }
        | PROMPT_PARAMS[step]
    )
    assert exc.value.message("en").endswith(
        f"({classified.scan.code}) is not expected now. {PROMPTS[step]}"
    )


LOT_LIST = replace(LIST, tasks=(replace(TASK1, lot="L1"), TASK2))
REFUSALS = [
    (
        "location",
        LIST,
        scan("location", "C-01"),
        {},
        "wrong_location",
        {"location": "C-01", "expected": "A-01"},
    ),
    (
        "item",
        LIST,
        scan("location", "C-01"),
        {},
        "wrong_location",
        {"location": "C-01", "expected": "A-01"},
    ),
    (
        "item",
        LIST,
        scan("product", "S3", quantity=1),
        {},
        "wrong_item",
        {"sku": "S3", "expected": "S1", "location": "A-01"},
    ),
    (
        "item",
        LIST,
        scan("product", "S2", quantity=1),
        {},
        "item_for_another_order",
        {"sku": "S2", "expected": "S1", "location": "A-01"},
    ),
    (
        "item",
        LIST,
        scan("product", "S1", quantity=12),
        {},
        "over_pick",
        {"sku": "S1", "qty": 12, "remaining": 2},
    ),
    (
        "item",
        LOT_LIST,
        scan("product", "S1", quantity=1, lot="L2"),
        {},
        "lot_mismatch",
        {"sku": "S1", "lot": "L2", "expected": "L1"},
    ),
    (
        "item",
        LIST,
        KINDS["command:CONFIRM"],
        {"allow_unscanned_completion": False},
        "scan_each_item",
        {"sku": "S1", "remaining": 2},
    ),
    (
        "item",
        LIST,
        scan("container", "T-0002", container_type="tote"),
        {},
        "wrong_tote",
        {"tote": "T-0002", "reason": "not_this_order", "expected": "T-0001"},
    ),
    (
        "tote",
        None,
        scan("container", "CART-1", container_type="cart"),
        {},
        "wrong_tote",
        {"tote": "CART-1", "reason": "not_a_tote"},
    ),
    (
        "tote",
        None,
        scan("container", "T-0002", container_type="tote"),
        {},
        "wrong_tote",
        {"tote": "T-0002", "reason": "already_in_list", "slot": 2},
    ),
    (
        "tote",
        None,
        KINDS["container"],
        {"tote_owner": "O-9"},
        "wrong_tote",
        {"tote": "T-0001", "reason": "in_use", "order_id": "O-9"},
    ),
    (
        "item",
        LIST,
        KINDS["product"],
        {"stock": Stock({}, STOCK.reserved)},
        "insufficient_stock",
        {"sku": "S1", "location": "A-01", "available": 0, "requested": 1},
    ),
]


@pytest.mark.parametrize(
    ("step", "pl", "classified", "context", "code", "params"),
    REFUSALS,
    ids=[r[4] for r in REFUSALS],
)
def test_a_wrong_scan_at_the_right_step_is_refused_by_name(
    step: str,
    pl: PickList | None,
    classified: Classified,
    context: dict[str, object],
    code: str,
    params: dict[str, object],
) -> None:
    session, default = STEPS[step]

    with pytest.raises(EdgeError) as exc:
        decide_pick(session, classified, ctx(pl or default, **context))

    assert (exc.value.code, exc.value.params) == (code, params)


@pytest.mark.parametrize("lot", [None, "L1"])
def test_a_scan_of_the_tasks_lot_or_without_a_lot_is_picked(lot: str | None) -> None:
    stock = Stock({("S1", "A-01", "", "L1", "on_hand"): 2}, {("O-1-1", "S1", "A-01", "", "L1"): 2})

    decision = decide_pick(
        AT_A01, scan("product", "S1", quantity=1, lot=lot), ctx(LOT_LIST, stock=stock)
    )

    assert [(m.lot, m.qty) for m in decision.movements] == [("L1", 1)]


HELD_LIST = PickList(
    "PL-1",
    SLOTS,
    (replace(TASK1, picked=1), PickTask(3, "O-1", "O-1-2", "S2", "B-01", 1), TASK2),
    {"O-1": PICKING, "O-2": RELEASED},
)
ONE_UNIT = Stock({("S1", "A-01", "", "", "on_hand"): 1}, {("O-1-1", "S1", "A-01", "", ""): 1})
HELD = {"sku": "S1", "location": "A-01", "missing": 1, "held": 1}


SHORT_PICK_PARAMS = '{"location": "A-01", "sku": "S1"}'


def held_decision(*finished: PickListFinished) -> Decision[PickSession]:
    hold = replace(HOLD, qty=1)
    why = "short pick: S1 at A-01"
    event, change = status("O-1", PICKING, ON_HOLD, "order_held", why)
    held = (event, replace(change, hold_code="short_pick", hold_params=SHORT_PICK_PARAMS))
    return Decision(
        AT_A01,
        (Event("pick_shorted", HELD, (hold,), order_id="O-1", line_id="O-1-1", sku="S1"), held[0]),
        (Reservation("O-1-1", "S1", "A-01", -1),),
        Feedback("info", "short_order_held", HELD),
        (
            TaskProgress(1, 1, "short"),
            CountTaskOpened("A-01", "S1", "short_pick", held=1),
            held[1],
            TaskProgress(3, 0, "held"),
            ExceptionRaised(
                "short_pick",
                HELD | {"reallocated": False},
                order_id="O-1",
                location="A-01",
                sku="S1",
            ),
            *finished,
        ),
    )


def test_a_short_pick_with_no_other_bin_holds_the_order_and_its_other_tasks() -> None:
    decision = decide_pick(
        AT_A01, KINDS["command:SHORT"], ctx(HELD_LIST, stock=ONE_UNIT, candidates=())
    )

    assert decision == held_decision()


def test_a_short_pick_that_holds_the_lists_last_order_finishes_the_list() -> None:
    only_o1 = replace(HELD_LIST, tasks=HELD_LIST.tasks[:2])

    decision = decide_pick(
        AT_A01, KINDS["command:SHORT"], ctx(only_o1, stock=ONE_UNIT, candidates=())
    )

    assert decision == held_decision(PickListFinished("PL-1"))


def test_an_order_short_picked_and_reallocated_is_picked_once_the_new_task_is_done() -> None:
    pl = PickList(
        "PL-1",
        SLOTS[:1],
        (replace(TASK1, picked=1, status="short"), PickTask(4, "O-1", "O-1-1", "S1", "C-01", 1)),
        {"O-1": PICKING},
    )
    stock = Stock({("S1", "C-01", "", "", "on_hand"): 1}, {("O-1-1", "S1", "C-01", "", ""): 1})

    decision = decide_pick(PickSession("PL-1", "C-01"), KINDS["product"], ctx(pl, stock=stock))

    assert decision.changes == (TaskProgress(4, 1, "done"), FINISHED[1], PickListFinished("PL-1"))


def test_a_holds_code_is_said_in_each_language_with_its_params() -> None:
    code, params = hold("short_pick", sku="TEA", location="A-01-01")

    said = hold_text(code, params)

    assert said == {
        "en": "Short pick: TEA at A-01-01. Count the bin, then allocate the order again.",
        "zh": "拣货短缺：A-01-01 的 TEA。请盘点该库位，然后重新分配此订单。",
    }
    assert hold_text("", "{}") is None  # a hold from before codes: its free text is shown
