"""Pack verification (pure): every unit of a picked order is scanned before the parcel closes;
a wrong or extra item is refused with nothing changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.classify import Classified
from edge.domain.errors import EdgeError
from edge.domain.pack import (
    PROMPT,
    TRANSITIONS,
    PackContext,
    PackLine,
    PackOrder,
    PackSession,
    decide_pack,
    step_of,
)
from edge.domain.scan import parse_scan

ORDER = PackOrder(
    "O-1", "picked", (PackLine("O-1-1", "TEA", 2), PackLine("O-1-2", "MUG", 1)), "T-0001"
)
KINDS = (
    "location",
    "product",
    "container",
    "order",
    "parcel",
    "rma",
    "badge",
    "command:CONFIRM",
    "command:CANCEL",
    "command:SHORT",
    "command:NEXT",
    "command:DONE",
)


def scanned(kind: str, key: str, qty: int | None = None) -> Classified:
    if kind.startswith("command:"):
        return Classified("command", kind.split(":")[1], parse_scan("CMD:" + kind.split(":")[1]))
    return Classified(kind, key, parse_scan(key), quantity=qty)  # type: ignore[arg-type]


def test_scanning_the_tote_of_a_picked_order_opens_it_for_verification() -> None:
    decision = decide_pack(
        PackSession(), scanned("container", "T-0001"), PackContext(scanned_order=ORDER)
    )

    assert decision.state == PackSession("O-1")
    assert step_of(decision.state, ORDER) == "verify"
    assert (decision.feedback.prompt, dict(decision.feedback.params)) == (
        "scan_pack_item",
        {"order_id": "O-1", "units": 3},
    )


@pytest.mark.parametrize(
    ("order", "code"),
    [(None, "nothing_to_pack"), (PackOrder("O-2", "picking", ORDER.lines), "order_not_packable")],
)
def test_a_tote_with_nothing_to_pack_is_refused(order: PackOrder | None, code: str) -> None:
    with pytest.raises(EdgeError) as refused:
        decide_pack(PackSession(), scanned("container", "T-0009"), PackContext(scanned_order=order))

    assert refused.value.code == code


def test_every_unit_scanned_brings_the_parcel_to_the_package_step() -> None:
    s = PackSession("O-1")

    for sku in ("TEA", "MUG", "TEA"):
        s = decide_pack(s, scanned("product", sku, 1), PackContext(order=ORDER)).state

    assert s.verified == {"O-1-1": 2, "O-1-2": 1}
    assert step_of(s, ORDER) == "package"


def test_a_wrong_item_and_an_extra_unit_are_refused_with_the_counts() -> None:
    s = PackSession("O-1", {"O-1-2": 1})

    with pytest.raises(EdgeError) as wrong:
        decide_pack(s, scanned("product", "PEN", 1), PackContext(order=ORDER))
    with pytest.raises(EdgeError) as extra:
        decide_pack(s, scanned("product", "MUG", 1), PackContext(order=ORDER))

    assert (wrong.value.code, wrong.value.params["expected"]) == ("pack_wrong_item", "TEA")
    assert extra.value.message("en") == (
        "One MUG too many: 1 of 1 are already scanned. Take this one out of the parcel."
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("step", ["order", "verify", "package"])
def test_every_scan_the_table_does_not_name_is_refused_naming_the_step(
    step: str, kind: str
) -> None:
    # package: a parcel closed early (DONE), so one more TEA may still go in
    state = {
        "order": PackSession(),
        "verify": PackSession("O-1", {"O-1-1": 1}),
        "package": PackSession("O-1", {"O-1-1": 1}, closing=True),
    }[step]
    ctx = PackContext(order=ORDER if step != "order" else None, scanned_order=ORDER)
    scan = scanned(kind, "TEA" if kind == "product" else "X-1", 1)

    if (step, kind) in TRANSITIONS:
        decide_pack(state, scan, ctx)
    else:
        with pytest.raises(EdgeError) as refused:
            decide_pack(state, scan, ctx)
        assert refused.value.code == "unexpected_scan"
        assert refused.value.params["expected_prompt"] == PROMPT[step]  # type: ignore[index]


@given(st.lists(st.sampled_from(["TEA", "MUG", "PEN"]), max_size=12))
def test_verification_never_counts_more_than_was_picked(skus: list[str]) -> None:
    s = PackSession("O-1")

    for sku in skus:
        try:
            s = decide_pack(s, scanned("product", sku, 1), PackContext(order=ORDER)).state
        except EdgeError:
            pass

    assert all(s.verified.get(line.line_id, 0) <= line.to_pack for line in ORDER.lines)


# The same order packed meanwhile on another device: its parcel 1 closed, every unit packed.
PACKED_ELSEWHERE = PackOrder(
    "O-1",
    "packed",
    (PackLine("O-1-1", "TEA", 2, packed=2), PackLine("O-1-2", "MUG", 1, packed=1)),
    None,
    parcels=1,
)
OTHER = PackOrder("O-2", "picked", (PackLine("O-2-1", "MUG", 1),), "T-0002")


@pytest.mark.parametrize("verified", [{}, {"O-1-1": 1}, {"O-1-1": 2, "O-1-2": 1}])
def test_a_session_whose_order_was_packed_on_another_device_takes_the_next_tote_not_its_units(
    verified: dict[str, int],
) -> None:
    stale = PackSession("O-1", verified)

    with pytest.raises(EdgeError) as unit:
        decide_pack(stale, scanned("product", "TEA"), PackContext(PACKED_ELSEWHERE))
    opened = decide_pack(
        stale, scanned("container", "T-0002"), PackContext(PACKED_ELSEWHERE, OTHER)
    )

    assert step_of(stale, PACKED_ELSEWHERE) == "order"
    assert (unit.value.code, unit.value.params) == ("order_packed_elsewhere", {"order_id": "O-1"})
    assert opened.state == PackSession("O-2")


def test_a_session_on_a_later_parcel_of_its_own_order_is_not_taken_for_another_devices() -> None:
    first_closed = PackOrder(
        "O-1",
        "picked",
        (PackLine("O-1-1", "TEA", 2, packed=1), PackLine("O-1-2", "MUG", 1)),
        "T-0001",
        parcels=1,
    )

    decision = decide_pack(
        PackSession("O-1", parcel_no=2), scanned("product", "TEA"), PackContext(first_closed)
    )

    assert decision.state.verified == {"O-1-1": 1}
