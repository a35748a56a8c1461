"""The pack bench's weight check: expected weight from the catalogue, tolerance in grams or percent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edge.domain.errors import EdgeError
from edge.domain.weight import (
    LikelyCause,
    WeightCheck,
    check_weight,
    compare_weight,
    expected_weight_g,
    likely_cause,
    typed_weight_needs,
)


@pytest.mark.parametrize(
    ("items", "tare_g", "expected"),
    [
        ([], 0, 0),
        ([], 120, 120),
        ([(250, 1)], 0, 250),
        ([(250, 2), (100, 1)], 80, 680),
        ([(250, 0), (35, 3)], 150, 255),
    ],
    ids=["nothing", "empty-box", "one", "several", "zero-quantity"],
)
def test_the_expected_weight_is_the_items_plus_the_tare(
    items: list[tuple[int, int]], tare_g: int, expected: int
) -> None:
    assert expected_weight_g(items, tare_g) == expected


@pytest.mark.parametrize(
    ("items", "tare_g"), [([(-1, 1)], 0), ([(100, -1)], 0), ([], -5)], ids=["weight", "qty", "tare"]
)
def test_a_negative_weight_or_quantity_is_a_bug_not_a_parcel(
    items: list[tuple[int, int]], tare_g: int
) -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        expected_weight_g(items, tare_g)


# (measured, expected, tolerance_g, tolerance_pct) -> difference, ok
EDGES = [
    (1000, 1000, 20, 0, 0, True),
    (1020, 1000, 20, 0, 20, True),
    (980, 1000, 20, 0, -20, True),
    (1021, 1000, 20, 0, 21, False),
    (979, 1000, 20, 0, -21, False),
    (2050, 2000, 0, 2.5, 50, True),
    (1950, 2000, 0, 2.5, -50, True),
    (2051, 2000, 0, 2.5, 51, False),
    (1949, 2000, 0, 2.5, -51, False),
    (5050, 5000, 20, 1, 50, True),  # the percent is the larger tolerance here
    (5051, 5000, 20, 1, 51, False),
    (1020, 1000, 20, 1, 20, True),  # and the grams here
    (1021, 1000, 20, 1, 21, False),
    (10057, 10000, 0, 0.57, 57, True),  # 0.57 * 10000 is 5699.999... in floats
    (10058, 10000, 0, 0.57, 58, False),
    (10057, 10000, 0, Decimal("0.57"), 57, True),
    (1000, 1000, 0, 0, 0, True),
    (1001, 1000, 0, 0, 1, False),
]


@pytest.mark.parametrize(
    ("measured", "expected", "tolerance_g", "tolerance_pct", "difference", "ok"), EDGES
)
def test_the_tolerance_is_grams_or_percent_whichever_is_larger_edges_included(
    measured: int,
    expected: int,
    tolerance_g: int,
    tolerance_pct: float,
    difference: int,
    ok: bool,
) -> None:
    check = compare_weight(measured, expected, tolerance_g=tolerance_g, tolerance_pct=tolerance_pct)

    assert check == WeightCheck(ok=ok, difference_g=difference)


def test_a_parcel_within_tolerance_passes_the_check() -> None:
    check = check_weight(1015, 1000, tolerance_g=20, tolerance_pct=1)

    assert check == WeightCheck(ok=True, difference_g=15)


@pytest.mark.parametrize(
    ("measured", "difference", "way"),
    [(1250, 250, "too_heavy"), (750, -250, "too_light")],
    ids=["extra-item", "missing-item"],
)
def test_a_parcel_outside_tolerance_stops_the_packer_naming_the_difference(
    measured: int, difference: int, way: str
) -> None:
    with pytest.raises(EdgeError) as stopped:
        check_weight(measured, 1000, tolerance_g=20, tolerance_pct=2)

    assert (stopped.value.code, stopped.value.params) == (
        "weight_off",
        {
            "grams": abs(difference),
            "way": way,
            "difference_g": difference,
            "hint_prompt": "weight_check_contents",
        },
    )


def test_the_weight_stop_reads_well_in_both_languages() -> None:
    with pytest.raises(EdgeError) as stopped:
        check_weight(1250, 1000, tolerance_g=20, tolerance_pct=2)

    assert stopped.value.message("en") == (
        "The parcel is 250 g too heavy: no single item explains it; look for a missing, extra"
        " or wrong item. Check the parcel, then weigh it again."
    )
    assert stopped.value.message("zh") == (
        "包裹重了 250 克：无法归因于某一件商品；请检查是否缺件、多件或错件。请检查包裹后重新称重。"
    )


@pytest.mark.parametrize(
    ("difference", "expected"),
    [
        (-264, LikelyCause("TEA", 2, 132)),  # two teas missing, not one mug and change
        (-250, LikelyCause("MUG", 1, 250)),
        (130, LikelyCause("TEA", 1, 132)),  # an extra tea, within the 10 g tolerance
        (-900, None),  # more than every unit in the parcel
        (40, None),  # nothing weighs 40 g
    ],
)
def test_the_likely_cause_is_the_line_whose_unit_weight_explains_the_difference(
    difference: int, expected: LikelyCause | None
) -> None:
    lines = [("MUG", 250, 1), ("TEA", 132, 3)]

    cause = likely_cause(difference, lines, tolerance_g=10)

    assert cause == expected


@pytest.mark.parametrize(
    ("policy", "scale_live", "needs"),
    [
        ("allow", False, "nothing"),
        ("allow", True, "supervisor"),
        ("supervisor", False, "supervisor"),
        ("supervisor", True, "supervisor"),
        ("never", False, "refused"),
        ("never", True, "refused"),
    ],
)
def test_a_typed_weight_needs_what_the_site_rule_and_the_scale_say(
    policy: str, scale_live: bool, needs: str
) -> None:
    assert typed_weight_needs(policy, scale_live=scale_live) == needs


@pytest.mark.parametrize(("tolerance_g", "tolerance_pct"), [(-1, 0), (0, -0.5)])
def test_a_negative_tolerance_is_refused(tolerance_g: int, tolerance_pct: float) -> None:
    with pytest.raises(ValueError, match="tolerances must not be negative"):
        compare_weight(1000, 1000, tolerance_g=tolerance_g, tolerance_pct=tolerance_pct)


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.tuples(st.integers(1, 2000), st.integers(1, 5)), min_size=1, max_size=5),
    data=st.data(),
)
def test_units_missing_or_extra_of_one_line_are_always_explained_within_the_tolerance(
    lines: list[tuple[int, int]], data: st.DataObject
) -> None:
    parcel = [(f"SKU-{i}", unit, qty) for i, (unit, qty) in enumerate(lines)]
    sku, unit, qty = data.draw(st.sampled_from(parcel))
    heavy = data.draw(st.booleans())  # too heavy: up to 3 extra units of any line are looked for
    missing = data.draw(st.integers(1, 3 if heavy else qty))
    difference = missing * unit if heavy else -missing * unit

    cause = likely_cause(difference, parcel, tolerance_g=10)

    assert cause is not None  # at least the line the units came from fits
    assert abs(abs(difference) - cause.qty * cause.unit_weight_g) <= 10
    assert cause.qty <= (3 if heavy else {s: q for s, _, q in parcel}[cause.sku])
