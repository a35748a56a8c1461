"""The kernel's back-off between attempts: doubling, capped, jittered or not, reset by success."""

from __future__ import annotations

import pytest

from kernel.backoff import Backoff


@pytest.mark.parametrize(
    ("roll", "expected"),
    [
        (0.0, [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0, 15.0]),
        (1.0, [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]),
    ],
    ids=["lowest draw", "highest draw"],
)
def test_delays_double_up_to_the_cap_within_the_upper_half_of_each_window(
    roll: float, expected: list[float]
) -> None:
    backoff = Backoff(base_s=0.5, cap_s=30.0, rand=lambda: roll)

    delays = [backoff.next_delay() for _ in expected]

    assert delays == expected


def test_a_success_starts_the_delays_again_from_the_base() -> None:
    backoff = Backoff(base_s=0.5, cap_s=30.0, rand=lambda: 1.0)
    for _ in range(5):
        backoff.next_delay()

    backoff.reset()

    assert backoff.next_delay() == 0.5


def test_a_long_outage_does_not_overflow_the_window() -> None:
    backoff = Backoff(base_s=0.5, cap_s=30.0, rand=lambda: 1.0, attempts=10_000)

    assert backoff.next_delay() == 30.0


def test_without_jitter_each_delay_is_the_whole_window_as_a_device_reopening_its_port_waits() -> (
    None
):
    backoff = Backoff(base_s=0.2, cap_s=5.0, jitter=False, rand=lambda: 0.0)

    delays = [backoff.next_delay() for _ in range(7)]

    assert delays == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0]
