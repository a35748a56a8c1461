"""UPU S10 tracking numbers of the built-in offline carrier."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.domain.carrier import NumberRange, is_s10, s10_check_digit
from edge.domain.errors import EdgeError


@pytest.mark.parametrize(
    ("serial", "check"),
    [
        ("47312482", 9),  # the example identifier RA 47312482 9 CH (UPU S10)
        ("12345678", 5),
        ("00000000", 5),  # sum 0: c = 11 → 5
    ],
)
def test_the_s10_check_digit_follows_the_upu_weights(serial: str, check: int) -> None:
    assert s10_check_digit(serial) == check


def test_a_range_issues_well_formed_numbers_and_refuses_past_its_end() -> None:
    numbers = NumberRange("EE", "CN", 100, 101)

    issued = [numbers.tracking_number(n) for n in (100, 101)]

    assert issued == ["EE000001006CN", "EE000001010CN"]
    assert all(is_s10(n) for n in issued)
    with pytest.raises(EdgeError) as refused:
        numbers.tracking_number(102)
    assert refused.value.code == "tracking_range_used_up"


@given(st.integers(min_value=0, max_value=99_999_999))
def test_every_issued_number_checks_and_a_changed_digit_does_not(serial: int) -> None:
    number = NumberRange("EE", "CN", 0, 99_999_999).tracking_number(serial)
    wrong = number[:10] + str((int(number[10]) + 1) % 10) + number[11:]

    assert is_s10(number)
    assert not is_s10(wrong)
