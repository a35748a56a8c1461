"""Warehouses that go quiet: two edges, one stops asking for its feed and sending events. It gets
no new order while the other can fill it, its orders not taken become exceptions, its state and
lag are listed and central logs the change; when it comes back it is in step again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

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


def test_a_supervisor_moves_an_order_the_quiet_edge_has_not_taken_and_it_gets_a_recall(
    central: Central, two: tuple[EdgeSide, EdgeSide], client: TestClient, admin: dict[str, str]
) -> None:
    big, small = two
    central.unacked_after_s = 0.5
    out = central.ingest([channel_order("1", ("TEA-0001", 2))])[0]
    go_quiet(small)
    central.check_edges()
    assert [e["kind"] for e in central.exceptions()] == ["not_acknowledged"]

    moved = client.post("/api/v1/orders/shop:1/reassign", json={}, headers=admin)
    again = client.post("/api/v1/orders/shop:1/reassign", json={}, headers=admin)

    assert out.warehouse == "edge-1"
    assert moved.status_code == 200, moved.text
    assert moved.json() == {
        "order_id": "shop:1",
        "recalled_from": "edge-1",
        "warehouse": "edge-2",
        "status": "released",
        "exceptions_resolved": 1,
    }
    # Never back to an edge that cancelled its copy: with no other edge it waits, saying why.
    assert (again.json()["recalled_from"], again.json()["status"]) == ("edge-2", "unassigned")
    assert (
        central.order("shop:1")["hold_reason"] == "recalled from edge-1, edge-2; no other warehouse"
    )
    assert big.change_types()[-2:] == [("order_released", "shop:1"), ("order_recalled", "shop:1")]
    assert small.change_types()[-2:] == [("order_released", "shop:1"), ("order_recalled", "shop:1")]
    assert central.exceptions() == []
    big.receive("TEA-0001", 1)  # stock moves: the retry does not send it back either
    assert central.settle()
    assert central.order("shop:1")["status"] == "unassigned"
    assert central.order("shop:1")["hold_reason"].startswith("recalled from edge-1, edge-2")
    assert [f["demand"] for f in central.stock(sku="TEA-0001")] == [0, 0]


def test_an_order_being_picked_is_not_reassigned(
    central: Central, two: tuple[EdgeSide, EdgeSide], client: TestClient, admin: dict[str, str]
) -> None:
    big, _ = two
    central.ingest([channel_order("1", ("TEA-0001", 2))])
    big.send("order_picking_started", order_id="shop:1")

    resp = client.post("/api/v1/orders/shop:1/reassign", json={}, headers=admin)

    assert resp.status_code == 400
    assert resp.json()["code"] == "invalid_request"
    assert "only a released order can be reassigned" in resp.json()["detail"]
    assert central.order("shop:1")["warehouse"] == "edge-1"
