"""Closing parcels and shipping (pure), under any sequence of item scans, DONE and closes:
no unit is packed twice or left out, stock is conserved, and a wrong weight changes nothing."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.errors import EdgeError
from edge.domain.ledger import Account, Bucket, Place
from edge.domain.pack import PackContext, PackLine, PackOrder, PackSession, decide_pack, step_of
from edge.domain.parcel import (
    CloseParcel,
    DispatchContext,
    DispatchSession,
    ParcelClosed,
    ParcelInfo,
    Source,
    Tolerance,
    close_parcel,
    decide_dispatch,
)
from tests.test_pack_verify import scanned

WEIGHTS = {"TEA": 120, "MUG": 350}
BOX_TARE = 100


def order_of(tea: int, mug: int, packed: dict[str, int], status: str = "picked") -> PackOrder:
    lines = tuple(
        PackLine(f"O-1-{n}", sku, picked, packed.get(f"O-1-{n}", 0))
        for n, (sku, picked) in enumerate((("TEA", tea), ("MUG", mug)), 1)
        if picked
    )
    return PackOrder("O-1", status, lines, "T-0001")


def close_exact(s: PackSession, order: PackOrder, sources: list[Source], parcels: int) -> object:
    weight = BOX_TARE + sum(WEIGHTS[ln.sku] * s.verified.get(ln.line_id, 0) for ln in order.lines)
    cmd = CloseParcel("S", BOX_TARE, weight, parcels, f"EE{s.parcel_no:08d}0CN", "Edge Post", "")
    return close_parcel(
        s, order, sources, WEIGHTS, cmd, tolerance=Tolerance(0, 0), ship_on_pack=False
    )


Action = st.one_of(st.sampled_from(["TEA", "MUG", "DONE", "CLOSE"]))


@settings(max_examples=150, deadline=None)
@given(
    tea=st.integers(0, 4),
    mug=st.integers(0, 3),
    actions=st.lists(Action, max_size=30),
)
def test_any_sequence_packs_each_unit_once_and_conserves_stock(
    tea: int, mug: int, actions: list[str]
) -> None:
    if tea + mug == 0:
        return
    in_tote = Counter({"TEA": tea, "MUG": mug})
    in_parcels: Counter[str] = Counter()
    packed: dict[str, int] = {}
    order = order_of(tea, mug, packed)
    s = decide_pack(
        PackSession(), scanned("container", "T-0001"), PackContext(scanned_order=order)
    ).state

    for action in actions:
        order = replace(order_of(tea, mug, packed), parcels=s.parcel_no - 1)
        sources = [Source("T-0001", sku, "", q) for sku, q in in_tote.items() if q]
        try:
            if action == "CLOSE":
                d = close_exact(s, order, sources, 1)
            else:
                scan = (
                    scanned("command:DONE", "")
                    if action == "DONE"
                    else scanned("product", action, 1)
                )
                d = decide_pack(s, scan, PackContext(order=order))
        except EdgeError:
            continue  # a refusal changes nothing: s, the tote and the parcels stay as they were
        for m in d.movements:
            assert (m.source, m.target) == (
                Place("", Bucket.PICKED, "T-0001"),
                Place("", Bucket.PICKED, f"O-1-P{s.parcel_no}"),
            )
            in_tote[m.sku] -= m.qty
            in_parcels[m.sku] += m.qty
        for record in d.changes:
            if isinstance(record, ParcelClosed):
                for c in record.contents:
                    packed[c.line_id] = packed.get(c.line_id, 0) + c.qty
        s = d.state if d.state.order_id else PackSession("O-1", parcel_no=s.parcel_no + 1)
        assert all(v >= 0 for v in in_tote.values())
        assert in_tote + in_parcels == Counter({"TEA": tea, "MUG": mug}) - Counter()
        final = order_of(tea, mug, packed)
        assert all(0 <= ln.to_pack - s.verified.get(ln.line_id, 0) for ln in final.lines)


def test_a_weight_outside_the_tolerance_is_refused_naming_the_difference() -> None:
    order = order_of(2, 0, {})
    s = PackSession("O-1", {"O-1-1": 2})
    cmd = CloseParcel("S", BOX_TARE, 250, 1, "EE000000010CN", "Edge Post", "")

    with pytest.raises(EdgeError) as refused:
        close_parcel(
            s,
            order,
            [Source("T-0001", "TEA", "", 2)],
            WEIGHTS,
            cmd,
            tolerance=Tolerance(30, 5),
            ship_on_pack=False,
        )

    assert refused.value.message("en") == (
        "The parcel is 90 g too light: most likely missing: 1 × TEA (120 g each)."
        " Check the parcel, then weigh it again."
    )
    assert "340" not in refused.value.message("en") + refused.value.message("zh")


def test_the_last_parcel_makes_the_order_packed_and_ship_on_pack_ships_every_parcel() -> None:
    order = replace(order_of(2, 1, {"O-1-1": 2}), parcels=1)
    first = ParcelInfo("O-1-P1", 1, 2, "EE000000010CN", 340, ())
    s = PackSession("O-1", {"O-1-2": 1}, parcel_no=2)
    cmd = CloseParcel("S", BOX_TARE, 450, 2, "EE000000024CN", "Edge Post", "")

    d = close_parcel(
        s,
        order,
        [Source("T-0001", "MUG", "", 1)],
        WEIGHTS,
        cmd,
        tolerance=Tolerance(0, 0),
        ship_on_pack=True,
        earlier=[first],
    )

    assert [e.type for e in d.events] == ["parcel_closed", "order_packed", "order_shipped"]
    shipped = d.events[-1]
    assert [(m.source, m.target, m.qty) for m in shipped.movements] == [
        (Place("", Bucket.PICKED, "O-1-P2"), Account.SHIPPED, 1)
    ]
    assert [p["tracking_number"] for p in shipped.payload["parcels"]] == [
        "EE000000010CN",
        "EE000000024CN",
    ]
    assert d.state == PackSession() and step_of(d.state, None) == "order"


def test_the_dock_ships_the_order_with_its_last_parcel_and_refuses_one_scanned_twice() -> None:
    one = ParcelInfo("O-1-P1", 1, 2, "EE000000010CN", 340, ())
    two = ParcelInfo("O-1-P2", 2, 2, "EE000000024CN", 450, ())
    parcel = scanned("parcel", "O-1-P1")

    first = decide_dispatch(
        DispatchSession(), parcel, DispatchContext("O-1", "packed", one, (one, two), "Edge Post")
    )
    done = replace(one, dispatched=True)
    last = decide_dispatch(
        first.state,
        scanned("parcel", "O-1-P2"),
        DispatchContext("O-1", "packed", two, (done, two), "Edge Post"),
    )
    with pytest.raises(EdgeError) as twice:
        decide_dispatch(last.state, parcel, DispatchContext("O-1", "shipped", done, (done, two)))

    assert [e.type for e in first.events] == ["parcel_dispatched"]
    assert [e.type for e in last.events] == ["parcel_dispatched", "order_shipped"]
    assert (last.state.dispatched, twice.value.code) == (2, "already_dispatched")


def test_a_parcel_holding_a_sku_with_no_catalogue_weight_is_not_weight_checked() -> None:
    order = order_of(1, 1, {})
    s = PackSession("O-1", {"O-1-1": 1, "O-1-2": 1})
    cmd = CloseParcel("S", BOX_TARE, 999, 1, "EE000000010CN", "Edge Post", "")

    d = close_parcel(
        s,
        order,
        [Source("T-0001", "TEA", "", 1), Source("T-0001", "MUG", "", 1)],
        {"TEA": 120},
        cmd,
        tolerance=Tolerance(30, 5),
        ship_on_pack=False,
    )

    payload = d.events[0].payload
    assert (payload["weight_checked"], payload["no_catalogue_weight"]) == (False, ["MUG"])
