"""The move workflow's transition table walked for every (step, scan kind), and random scan
sequences that must never move more than was free at the source."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.classify import COMMANDS, Classified
from edge.domain.decision import Decision, Event, Feedback
from edge.domain.errors import EdgeError
from edge.domain.ledger import Bucket, Movement, Place, Stock
from edge.domain.move import TRANSITIONS, MoveContext, MoveSession, decide_move, transition_kind
from edge.domain.scan import Scan
from edge.service.workflows import state_json


def scan(kind: str, key: str, code: str | None = None, **extra) -> Classified:
    code = code or key
    return Classified(kind, key, Scan(raw=code, code=code, kind="raw"), **extra)  # type: ignore[arg-type]


KINDS = {
    "location": scan("location", "C-01"),
    "product": scan("product", "S1", "9506000134352", quantity=1),
    "container": scan("container", "T-0001", container_type="tote"),
    "order": scan("order", "O-1"),
    "parcel": scan("parcel", "P-1", "1Z999"),
    "rma": scan("rma", "RMA-1"),
    "badge": scan("badge", "7", "B-PICK", operator_id=7),
} | {f"command:{c}": scan("command", c, f"CMD:{c}") for c in COMMANDS}
SESSIONS = {
    "source": MoveSession(),
    "target": MoveSession("target", source="A-01"),
    "items": MoveSession("items", "A-01", "B-01", moved=2),
}
PROMPT_KEYS = {"source": "scan_source", "target": "scan_target", "items": "scan_item"}
PROMPTS = {
    "source": "Scan the bin to take from.",
    "target": "Scan the bin to put into (taking from A-01).",
    "items": "Scan each item to move from A-01 to B-01.",
}
A, B = Place("A-01", Bucket.ON_HAND), Place("B-01", Bucket.ON_HAND)
STOCK = Stock({("S1", "A-01", "", "", "on_hand"): 10})
ITEM = Movement("move", "S1", 1, A, B, reason="relocate")
MOVED = {"sku": "S1", "source": "A-01", "target": "B-01", "qty": 1}


def new_source(code: str) -> Decision[MoveSession]:
    return Decision(
        MoveSession("target", source=code),
        feedback=Feedback("info", "scan_target", {"source": code}),
    )


def done(moved: int) -> Decision[MoveSession]:
    return Decision(MoveSession(), feedback=Feedback("info", "move_done", {"moved": moved}))


EXPECTED: dict[tuple[str, str], Decision[MoveSession]] = {
    ("source", "location"): new_source("C-01"),
    ("target", "location"): Decision(
        MoveSession("items", "A-01", "C-01"),
        feedback=Feedback("info", "scan_item", {"source": "A-01", "target": "C-01", "moved": 0}),
    ),
    ("items", "product"): Decision(
        MoveSession("items", "A-01", "B-01", moved=3),
        (Event("stock_moved", MOVED, (ITEM,), sku="S1"),),
        feedback=Feedback(
            "good",
            "item_moved",
            {"source": "A-01", "target": "B-01", "moved": 3, "sku": "S1", "qty": 1},
        ),
    ),
    ("items", "location"): new_source("C-01"),
    ("source", "command:DONE"): done(0),
    ("target", "command:CANCEL"): done(0),
    ("items", "command:DONE"): done(2),
    ("items", "command:CANCEL"): done(2),
}
PAIRS = list(itertools.product(SESSIONS, KINDS))


def test_the_expectations_cover_exactly_the_transition_table() -> None:
    assert set(EXPECTED) == set(TRANSITIONS)
    assert {transition_kind(s) for s in KINDS.values()} == set(KINDS)


@pytest.mark.parametrize(("step", "kind"), [p for p in PAIRS if p in EXPECTED])
def test_an_allowed_scan_does_what_the_table_says(step, kind) -> None:
    decision = decide_move(SESSIONS[step], KINDS[kind], MoveContext(STOCK))

    assert decision == EXPECTED[(step, kind)]


@pytest.mark.parametrize(("step", "kind"), [p for p in PAIRS if p not in EXPECTED])
def test_any_other_scan_is_refused_naming_what_to_scan_instead(step, kind) -> None:
    session, classified = SESSIONS[step], KINDS[kind]

    with pytest.raises(EdgeError) as exc:
        decide_move(session, classified, MoveContext(STOCK))

    assert exc.value.code == "unexpected_scan"
    assert exc.value.params == {
        "kind": classified.kind,
        "code": classified.scan.code,
        "expected_prompt": PROMPT_KEYS[step],
        "source": session.source,
        "target": session.target,
    }
    text = exc.value.message("en")
    assert f"({classified.scan.code}) is not expected now. {PROMPTS[step]}" in text, text


def test_the_target_cannot_be_the_source() -> None:
    with pytest.raises(EdgeError) as exc:
        decide_move(SESSIONS["target"], scan("location", "A-01"), MoveContext(STOCK))

    assert (exc.value.code, exc.value.params) == ("same_location", {"location": "A-01"})


def test_an_item_scan_beyond_what_is_free_moves_nothing() -> None:
    reserved = Stock(STOCK.balances, {("L-1", "S1", "A-01", "", ""): 9})

    with pytest.raises(EdgeError) as exc:
        decide_move(SESSIONS["items"], scan("product", "S1", quantity=2), MoveContext(reserved))

    assert exc.value.params == {"sku": "S1", "location": "A-01", "available": 1, "requested": 2}


# --- random scan sequences -----------------------------------------------------------------

START = Stock(
    {
        ("S1", "A", "", "", "on_hand"): 4,
        ("S1", "A", "", "L1", "on_hand"): 3,
        ("S2", "B", "", "", "on_hand"): 5,
    },
    {("LINE-1", "S1", "A", "", ""): 2},
)
random_scans = st.one_of(
    st.sampled_from(["A", "B", "C"]).map(lambda code: scan("location", code)),
    st.builds(
        lambda sku, qty, lot: scan("product", sku, quantity=qty, lot=lot),
        st.sampled_from(["S1", "S2"]),
        st.integers(1, 4),
        st.sampled_from([None, "L1"]),
    ),
    st.sampled_from(["DONE", "CANCEL", "NEXT"]).map(lambda c: scan("command", c, f"CMD:{c}")),
    st.just(KINDS["container"]),
)


def free_at(stock: Stock, sku: str, location: str) -> int:
    lots = {k[3] for k in stock.balances if k[:3] == (sku, location, "")}
    return sum(stock.free(sku, location, "", lot) for lot in lots)


def check_item(before: Stock, session: MoveSession, item: Classified, decision: Decision) -> None:
    moves = decision.movements
    assert sum(m.qty for m in moves) == item.quantity <= free_at(before, item.key, session.source)
    assert {(m.source.location, m.target.location) for m in moves} == {
        (session.source, session.target)
    }


@settings(max_examples=300, deadline=None)
@given(st.lists(random_scans, max_size=40))
def test_random_scans_never_move_more_than_was_free_at_the_source(scans) -> None:
    session, stock, since_source = MoveSession(), START, 0

    for item in scans:
        try:
            decision = decide_move(session, item, MoveContext(stock, ("", "L1")))
        except EdgeError as err:
            assert err.code in {"unexpected_scan", "same_location", "insufficient_stock"}
            continue
        if decision.movements:
            check_item(stock, session, item, decision)
            since_source += item.quantity
        else:
            since_source = 0
        session, stock = decision.state, stock.apply(decision.movements)
        assert session.moved == since_source

    assert sum(stock.balances.values()) == sum(START.balances.values())
    assert stock.free("S1", "A") >= 0 and stock.reserved == START.reserved


@dataclass(frozen=True)
class _Nested:
    inner: MoveSession
    seen: tuple[str, ...]
    by_name: dict[str, int]


@given(
    st.sampled_from(["source", "target", "items"]),
    st.text(),
    st.text(),
    st.integers(),
    st.lists(st.text(max_size=3), max_size=3),
)
def test_a_task_state_is_stored_as_asdict_would_write_it_nested_or_flat(
    step: str, source: str, target: str, moved: int, seen: list[str]
) -> None:
    flat = MoveSession(step, source, target, moved)  # type: ignore[arg-type]
    nested = _Nested(flat, tuple(seen), {s: len(s) for s in seen})

    assert state_json(flat) == asdict(flat)
    assert state_json(nested) == asdict(nested)
    assert state_json(nested)["inner"] == asdict(flat)  # a dict, not the dataclass itself
    assert state_json(nested)["by_name"] is not nested.by_name  # copied, as asdict does
