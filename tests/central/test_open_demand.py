"""The running open demand (central_sync/store/demand.py) stays the demand recounted from the
orders whatever happens to them: intake and assignment, picks and put-backs, the edge's status
moves, central's cancels, recalls, refunds after release and split orders, in any order, on both
stores; and `warehouse-central verify-demand` names a total that went wrong and recounts it."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_sync.cli import cli
from central_sync.server.central import Central
from central_sync.server.errors import CentralError
from central_sync.server.kits import Component, KitIn
from central_sync.server.merge import MergeSettings
from central_sync.store import demand
from central_sync.store.db import Tx
from tests.central.support import EdgeSide, channel_order, move

pytestmark = pytest.mark.usefixtures("catalogue")

SKUS = ("TEA-0001", "TEA-0002")
EDGES = ("edge-1", "edge-2")
TO_PICKED = ("A-01-01/on_hand", "BENCH-1/T-1/picked")

order_ids = st.integers(0, 7)  # the nth order taken in so far (modulo how many there are)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.integers(0, 3), st.integers(0, 3)),  # units of each SKU
        st.tuples(
            st.just("receive"), st.sampled_from(EDGES), st.sampled_from(SKUS), st.integers(1, 4)
        ),
        st.tuples(st.just("pick"), order_ids, st.sampled_from(SKUS)),
        st.tuples(st.just("putback"), order_ids, st.sampled_from(SKUS)),
        st.tuples(
            st.just("status"),
            order_ids,
            st.sampled_from(("order_picking_started", "order_picked", "order_cancelled")),
        ),
        st.tuples(st.just("cancel"), order_ids),
        st.tuples(st.just("recall"), order_ids),
        st.tuples(st.just("refund"), order_ids),
        st.tuples(st.just("retry")),
    ),
    min_size=1,
    max_size=14,
)


class Shop:
    """Drives central the way channels, edges and supervisors do; remembers what it sent."""

    def __init__(self, central: Central, edges: dict[str, EdgeSide]) -> None:
        self.central, self.edges = central, edges
        self.taken: list[tuple[str, dict[str, Any]]] = []  # (order id, the channel's order)

    def order_at(self, n: int) -> tuple[str, dict[str, Any]] | None:
        return self.taken[n % len(self.taken)] if self.taken else None

    def do(self, step: tuple[Any, ...]) -> None:
        kind, *args = step
        if kind == "order":
            lines = [(sku, qty) for sku, qty in zip(SKUS, args, strict=True) if qty]
            raw = channel_order(f"P{uuid.uuid4().hex[:12]}", *(lines or [(SKUS[0], 1)]))
            (out,) = self.central.ingest([raw])
            if out.id:
                self.taken.append((out.id, raw))
            return
        if kind == "receive":
            self.edges[args[0]].receive(args[1], args[2])
            return
        if kind == "retry":
            self.central.assign_pending()
            return
        found = self.order_at(args[0])
        if found is None:
            return
        order_id, raw = found
        at = self.central.order(order_id)["warehouse"]
        edge = self.edges.get(at or "")
        try:
            if kind in ("pick", "putback") and edge is not None:
                source, target = TO_PICKED if kind == "pick" else TO_PICKED[::-1]
                step_move = move(args[1], 1, source, target, kind=kind)
                edge.post([edge.event(kind, step_move, order_id=order_id)])
            elif kind == "status" and edge is not None:
                edge.post([edge.event(args[1], order_id=order_id, reason="test")])
            elif kind == "cancel":
                self.central.cancel(order_id, "buyer changed their mind")
            elif kind == "recall":
                self.central.reassign(order_id, "the warehouse went quiet")
            elif kind == "refund":  # the channel refunds one unit of the first line
                line = raw["lines"][0]
                if line["qty"] > 0:
                    line["qty"] -= 1
                    line["refunded"] = line.get("refunded", 0) + 1
                    self.central.ingest([raw])
        except CentralError:
            pass  # refused (a cancel of a shipped order, a recall of a picked one): nothing moves


@pytest.fixture
def two_edges(make_edge: Callable[[str], EdgeSide]) -> dict[str, EdgeSide]:
    return {e: make_edge(e) for e in EDGES}  # one pair for all of a test's examples


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_any_sequence_of_orders_picks_statuses_cancels_recalls_and_refunds_keeps_the_total_true(
    central: Central, two_edges: dict[str, EdgeSide], plan: list[tuple[Any, ...]]
) -> None:
    central.merging = MergeSettings(split=True)  # an order no one edge can fill goes in parts
    shop = Shop(central, two_edges)
    for edge, sku in itertools.product(two_edges.values(), SKUS):
        edge.receive(sku, 2)  # most orders are released, some wait
    for step in plan:
        shop.do(step)
        assert central.demand_differences() == [], step
    for figure in central.stock():
        recounted = recount(central).get((figure["warehouse"], figure["sku"]), 0)
        assert figure["demand"] == recounted


def recount(central: Central) -> dict[tuple[str, str], int]:
    with central.read() as tx:
        return demand.recounted(tx)


def test_verify_demand_names_a_total_that_went_wrong_and_repair_recounts_it(
    central: Central, edge: EdgeSide, db_url: str
) -> None:
    edge.receive("TEA-0001", 5)
    central.ingest([channel_order("V1", ("TEA-0001", 3))])
    runner = CliRunner()
    ok = runner.invoke(cli, ["verify-demand", "--db", db_url])
    assert (ok.exit_code, ok.output) == (0, "open demand: the running totals match the orders\n")

    with central.write() as tx:  # a total gone wrong (a path that forgot to count)
        tx.execute("UPDATE open_demand SET qty = 1 WHERE sku = 'TEA-0001'")
    assert central.stock(sku="TEA-0001")[0]["available"] == 4  # assignment would read this

    wrong = runner.invoke(cli, ["verify-demand", "--db", db_url])
    assert wrong.exit_code == 1
    assert "edge-1\tTEA-0001\trunning 1\trecounted 3" in wrong.output
    assert "verify-demand --repair" in wrong.output

    fixed = runner.invoke(cli, ["verify-demand", "--db", db_url, "--repair"])
    assert fixed.exit_code == 0, fixed.output
    assert "1 running totals recounted" in fixed.output
    assert central.stock(sku="TEA-0001")[0]["available"] == 2
    assert central.demand_differences() == []


def test_a_batch_of_new_orders_adds_its_demand_without_reading_it_back(
    central: Central, make_edge: Callable[[str], EdgeSide], monkeypatch: pytest.MonkeyPatch
) -> None:
    edge = make_edge("edge-1")
    edge.receive("TEA-0001", 5)
    central.upsert_kits(
        [("KIT-TEA", KitIn(name="Two teas", components=[Component(sku="TEA-0001", qty=2)]))]
    )
    read_back: list[str] = []
    all_rows = Tx.all

    def spy(self: Tx, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        if "'new' AS side" in sql:
            read_back.append(sql)
        return all_rows(self, sql, params)

    monkeypatch.setattr(Tx, "all", spy)
    batch = [
        channel_order("1", ("TEA-0001", 1), ("TEA-0002", 1)),  # TEA-0002: none, unassigned
        channel_order("2", ("KIT-TEA", 1)),  # two units of TEA-0001
        channel_order("3", ("TEA-0001", 1)),
        channel_order("4", ("TEA-0001", 9)),  # more than is left: unassigned
    ]
    outcomes = central.ingest(batch)

    assert [o.order_status for o in outcomes] == [
        "unassigned",
        "released",
        "released",
        "unassigned",
    ]
    assert read_back == []
    (figure,) = central.stock(sku="TEA-0001")
    assert (figure["on_hand"], figure["demand"], figure["available"]) == (5, 3, 2)
