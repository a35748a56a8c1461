"""Warehouses that go quiet: two edges, one stops asking for its feed and sending events. It gets
no new order while the other can fill it, its orders not taken become exceptions, its state and
lag are listed and central logs the change; when it comes back it is in step again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from central_sync.server.central import Central
from tests.central.support import EdgeSide, channel_order

pytestmark = pytest.mark.usefixtures("catalogue")
QUIET_S = 1.0


@pytest.fixture
def two(central: Central, make_edge: Callable[[str], EdgeSide]) -> tuple[EdgeSide, EdgeSide]:
    central.quiet_after_s = QUIET_S
    big, small = make_edge("edge-1"), make_edge("edge-2")
    big.receive("TEA-0001", 10)
    small.receive("TEA-0001", 3)
    return big, small


def go_quiet(talking: EdgeSide) -> None:
    """Let the quiet time pass while only `talking` keeps asking for its feed."""
    time.sleep(QUIET_S + 0.2)
    talking.changes()


def test_an_edge_quiet_past_the_set_time_gets_no_order_another_edge_can_fill(
    central: Central, two: tuple[EdgeSide, EdgeSide]
) -> None:
    big, small = two
    first = central.ingest([channel_order("1", ("TEA-0001", 2))])[0]
    go_quiet(small)

    second = central.ingest([channel_order("2", ("TEA-0001", 2))])[0]
    only_big_can = central.ingest([channel_order("3", ("TEA-0001", 5))])[0]
    big.changes()  # back
    third = central.ingest([channel_order("4", ("TEA-0001", 1))])[0]

    assert (first.warehouse, second.warehouse) == ("edge-1", "edge-2")
    assert only_big_can.warehouse == "edge-1"  # the quiet edge, as no other can fill it
    assert third.warehouse == "edge-1"  # heard again: the rule as before (most available)


def test_edges_list_shows_the_quiet_edge_and_central_logs_the_change(
    central: Central, two: tuple[EdgeSide, EdgeSide], caplog: pytest.LogCaptureFixture
) -> None:
    big, small = two
    before = {e["edge_id"]: e["state"] == "quiet" for e in central.check_edges()}
    go_quiet(small)

    with caplog.at_level(logging.INFO, logger="central"):
        after = {e["edge_id"]: e for e in central.check_edges()}
        big.changes()
        back = {e["edge_id"]: e["state"] == "quiet" for e in central.check_edges()}

    # The events' occurrence times are the fixed AT of the tests: days behind, so `catching_up`.
    assert before == back == {"edge-1": False, "edge-2": False}
    assert (after["edge-1"]["state"], after["edge-2"]["state"]) == ("quiet", "catching_up")
    assert after["edge-1"]["silent_s"] > QUIET_S
    changes = [r.getMessage().split(" (")[0] for r in caplog.records if "->" in r.getMessage()]
    assert changes == ["edge edge-1: catching_up -> quiet", "edge edge-1: quiet -> catching_up"]


def test_an_order_its_edge_has_not_taken_in_time_becomes_an_exception_once(
    central: Central, two: tuple[EdgeSide, EdgeSide]
) -> None:
    big, small = two
    central.unacked_after_s = 0.5
    start = small.changes()["next"]
    out = central.ingest([channel_order("1", ("TEA-0001", 9)), channel_order("2", ("TEA-0001", 3))])
    assert [o.warehouse for o in out] == ["edge-1", "edge-2"]
    small.changes(start)  # edge-2 fetches its page (and applies it)
    small.changes(small.changes(start)["next"])  # asking past it acknowledges the page
    time.sleep(0.7)

    central.check_edges()
    central.check_edges()  # again: still the one exception

    (exc,) = central.exceptions()
    assert (exc["kind"], exc["edge_id"], exc["order_id"]) == (
        "not_acknowledged",
        "edge-1",
        "shop:1",
    )
    assert "has not taken it" in exc["detail"]
    big.changes(big.changes(0, limit=500)["next"])  # edge-1 comes back and takes its feed
    central.resolve_exception(exc["id"])
    central.check_edges()
    assert central.exceptions() == []
