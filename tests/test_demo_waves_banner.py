"""The demo's banner says whether waves by carrier cut-off are on and how to try them: a user
who follows the README's demo section finds the wave to release on the Board."""

from __future__ import annotations

from edge.config import load_settings
from edge.demo.run import waves_banner


def test_the_demo_banner_says_waves_are_off_and_names_the_variables_that_turn_them_on() -> None:
    [line] = waves_banner(load_settings(env={}, overrides={}))

    assert line.startswith("Waves by carrier cut-off: off")
    assert (
        'WAREHOUSE_EDGE_WAVES_ENABLED=true WAREHOUSE_EDGE_WAVES_CUTOFFS="Edge Post=17:00"' in line
    )


def test_the_demo_banner_with_waves_on_names_the_cutoffs_and_the_boards_release() -> None:
    env = {
        "WAREHOUSE_EDGE_WAVES_ENABLED": "true",
        "WAREHOUSE_EDGE_WAVES_CUTOFFS": "Edge Post=17:00",
    }
    [line] = waves_banner(load_settings(env=env, overrides={}))

    assert line.startswith("Waves by carrier cut-off: on (Edge Post=17:00)")
    assert "S001, task Board, taps Release" in line
