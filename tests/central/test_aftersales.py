"""After-sales at central from the edge's returns desk: `return_received` and `return_graded` move
the order and its RMA, a graded parcel makes one refund-due record (partial when the parcel is),
never more units refunded than the order shipped, wrong items and strangers' parcels refunded
nothing; the export for the channel, settling, and the return rates."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_sync.server.central import Central
from tests.central.support import AT, EdgeSide, authorise, channel_order

Headers = dict[str, str]


def line(sku: str, qty: int, grade: str, *, wrong_item: bool = False, reason: Any = None) -> Any:
    return {"sku": sku, "qty": qty, "grade": grade, "wrong_item": wrong_item, "reason": reason}


def received(edge: EdgeSide, order_id: str | None, rma: str | None, parcel: str = "P-1") -> Any:
    return edge.send(
        "return_received",
        order_id=order_id,
        parcel_id=parcel,
        rma=rma,
        scanned="RT1",
        matched_by="rma" if rma else "order",
        received_at="2026-11-26T10:00:00Z",
    )


def graded(
    edge: EdgeSide, order_id: str | None, rma: str | None, *lines: Any, parcel: str = "P-1"
) -> Any:
    return edge.send(
        "return_graded",
        order_id=order_id,
        parcel_id=parcel,
        rma=rma,
        lines=list(lines),
        missing=[],
        closed_at="2026-11-26T10:05:00Z",
    )


def due(client: TestClient, admin: Headers, **params: Any) -> list[dict[str, Any]]:
    resp = client.get("/api/v1/refunds-due", params=params, headers=admin)
    assert resp.status_code == 200, resp.text
    return resp.json()["refunds_due"]  # type: ignore[no-any-return]


def test_a_received_parcel_moves_the_order_and_its_rma_on_and_can_no_longer_be_cancelled(
    client: TestClient, admin: Headers, central: Central, edge: EdgeSide, shipped: str
) -> None:
    authorise(client, admin, shipped, lines=[{"sku": "TEA-0001", "qty": 2}])

    received(edge, shipped, "RMA-000001")
    cancel = client.post("/api/v1/returns/RMA-000001/cancel", json={"reason": "x"}, headers=admin)

    assert central.order(shipped)["status"] == "return_received"
    assert central.returns.detail("RMA-000001")["status"] == "received"
    assert (cancel.status_code, cancel.json()["code"]) == (409, "rma_not_open")


def test_a_graded_parcel_makes_one_refund_due_with_its_lines_and_closes_rma_and_order(
    client: TestClient, admin: Headers, central: Central, edge: EdgeSide, shipped: str
) -> None:
    authorise(client, admin, shipped, lines=[{"sku": "TEA-0001", "qty": 2, "reason": "damaged"}])
    received(edge, shipped, "RMA-000001")

    graded(edge, shipped, "RMA-000001", line("TEA-0001", 1, "resellable"),
           line("TEA-0001", 1, "damaged"))  # fmt: skip

    (refund,) = due(client, admin)
    assert (refund["order_id"], refund["rma"], refund["units"], refund["channel"]) == (
        shipped,
        "RMA-000001",
        2,
        "shop",
    )
    assert [(ln["sku"], ln["grade"], ln["refund_qty"], ln["reason"]) for ln in refund["lines"]] == [
        ("TEA-0001", "resellable", 1, "damaged"),
        ("TEA-0001", "damaged", 1, "damaged"),
    ]
    assert central.returns.detail("RMA-000001")["status"] == "closed"
    assert central.order(shipped)["status"] == "closed"


def test_a_partial_return_is_a_partial_refund_and_the_order_waits_for_its_other_rma(
    client: TestClient, admin: Headers, central: Central, edge: EdgeSide, shipped: str
) -> None:
    authorise(client, admin, shipped, lines=[{"sku": "TEA-0001", "qty": 2}])
    authorise(client, admin, shipped, lines=[{"sku": "SNK-0001", "qty": 1}])

    graded(edge, shipped, "RMA-000001", line("TEA-0001", 1, "resellable"))

    assert [r["units"] for r in due(client, admin)] == [1]
    assert central.order(shipped)["status"] == "return_graded"


def test_units_graded_again_in_another_parcel_are_refunded_only_up_to_what_shipped(
    client: TestClient, admin: Headers, edge: EdgeSide, shipped: str
) -> None:
    graded(edge, shipped, None, line("TEA-0001", 2, "resellable"), parcel="P-1")

    graded(edge, shipped, None, line("TEA-0001", 2, "resellable"), parcel="P-2")
    graded(edge, shipped, None, line("TEA-0001", 1, "damaged"), parcel="P-3")

    refunds = due(client, admin, status="all")
    assert [(r["parcel_id"], r["units"], r["status"]) for r in refunds] == [
        ("P-1", 2, "due"),
        ("P-2", 1, "due"),
        ("P-3", 0, "nothing"),
    ]
    assert refunds[1]["lines"][0]["note"] == "only 1 of 2 left to refund on the order"


@pytest.mark.parametrize(("destroy_refunds", "units"), [(True, 1), (False, 0)])
def test_wrong_items_refund_nothing_and_destroyed_units_follow_the_policy(
    client: TestClient, admin: Headers, edge: EdgeSide, shipped: str, destroy_refunds: bool,
    units: int,
) -> None:  # fmt: skip
    client.put("/api/v1/returns/policy", json={"destroy_refunds": destroy_refunds}, headers=admin)

    graded(edge, shipped, None, line("TEA-0001", 1, "destroy", reason="opened food"),
           line("TEA-0002", 1, "damaged", wrong_item=True))  # fmt: skip

    (refund,) = due(client, admin, status="all")
    assert refund["units"] == units
    assert [ln["refund_qty"] for ln in refund["lines"]] == [units, 0]
    assert refund["lines"][1]["note"] == "wrong item: not refunded"


@pytest.mark.usefixtures("shipped")
def test_an_unknown_senders_parcel_makes_no_refund(
    client: TestClient, admin: Headers, edge: EdgeSide
) -> None:
    received(edge, None, None)

    graded(edge, None, None, line("TEA-0001", 1, "damaged"))

    assert due(client, admin, status="all") == []


def test_the_same_batch_sent_again_makes_no_second_refund(
    client: TestClient, admin: Headers, edge: EdgeSide, shipped: str
) -> None:
    event = edge.event(
        "return_graded", order_id=shipped, parcel_id="P-1", rma=None,
        lines=[line("TEA-0001", 1, "resellable")], missing=[], closed_at="2026-11-26T10:05:00Z",
    )  # fmt: skip

    first, again = edge.post([event]), edge.post([event])

    assert (first.json()["applied"], again.json()["duplicates"]) == (1, 1)
    assert [r["units"] for r in due(client, admin)] == [1]


def test_refunds_due_export_as_csv_for_the_channel_and_leave_the_list_when_settled(
    client: TestClient, admin: Headers, edge: EdgeSide, shipped: str
) -> None:
    graded(edge, shipped, None, line("TEA-0001", 2, "resellable", reason="=cmd()"))
    (refund,) = due(client, admin)

    exported = client.get("/api/v1/refunds-due", params={"format": "csv"}, headers=admin)
    settled = client.post(f"/api/v1/refunds-due/{refund['id']}/settle", headers=admin)

    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert exported.headers["content-type"].startswith("text/csv")
    assert [(r["channel_order_id"], r["sku"], r["refund_qty"], r["reason"]) for r in rows] == [
        ("1", "TEA-0001", "2", "'=cmd()")
    ]
    assert settled.json()["status"] == "settled"
    assert due(client, admin) == []


def test_return_rates_per_product_channel_and_reason(
    client: TestClient, admin: Headers, edge: EdgeSide, shipped: str
) -> None:
    graded(edge, shipped, None, line("TEA-0001", 1, "resellable", reason="too big"),
           line("TEA-0002", 1, "damaged", wrong_item=True))  # fmt: skip

    rates = client.get("/api/v1/returns/rates", params={"days": 30}, headers=admin).json()

    assert rates["total"] == {"shipped": 4, "returned": 1, "rate": 0.25, "warn": True}
    assert rates["by_product"] == [
        {"sku": "SNK-0001", "shipped": 1, "returned": 0, "rate": 0.0, "warn": False},
        {"sku": "TEA-0001", "shipped": 3, "returned": 1, "rate": 0.3333, "warn": True},
    ]
    assert rates["by_channel"] == [
        {"channel": "shop", "shipped": 4, "returned": 1, "rate": 0.25, "warn": True}
    ]
    assert [(r["reason"], r["returned"]) for r in rates["by_reason"]] == [("too big", 1)]


GRADED = st.lists(
    st.tuples(
        st.sampled_from(["TEA-0001", "TEA-0002", "SNK-0001"]),
        st.integers(1, 3),
        st.sampled_from(["resellable", "damaged", "destroy"]),
        st.booleans(),  # wrong item
        st.booleans(),  # the batch is sent twice
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.usefixtures("catalogue")
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(shipped_qty=st.tuples(st.integers(1, 4), st.integers(0, 3)), parcels=GRADED)
def test_whatever_parcels_come_back_no_unit_is_refunded_twice_or_beyond_what_shipped(
    client: TestClient,
    admin: Headers,
    edge: EdgeSide,
    shipped_qty: tuple[int, int],
    parcels: list[tuple[str, int, str, bool, bool]],
) -> None:
    coid = uuid.uuid4().hex[:12]
    edge.receive("TEA-0001", 10)
    edge.receive("TEA-0002", 10)
    lines = [("TEA-0001", shipped_qty[0])] + [("TEA-0002", shipped_qty[1])] * (shipped_qty[1] > 0)
    order_id = client.post(
        "/api/v1/orders", json=channel_order(coid, *lines), headers=admin
    ).json()["id"]
    edge.send("order_shipped", order_id=order_id)

    for n, (sku, qty, grade, wrong, twice) in enumerate(parcels):
        event = edge.event(
            "return_graded", order_id=order_id, parcel_id=f"P-{n}", rma=None,
            lines=[line(sku, qty, grade, wrong_item=wrong)], missing=[], closed_at=AT,
        )  # fmt: skip
        for _ in range(1 + twice):
            assert edge.post([event]).status_code == 200

    refunds = due(client, admin, status="all", order_id=order_id)
    refunded: dict[str, int] = {}
    for r in refunds:
        for ln in r["lines"]:
            refunded[ln["sku"]] = refunded.get(ln["sku"], 0) + ln["refund_qty"]
    offered: dict[str, int] = {}
    for sku, qty, _, wrong, _ in parcels:
        offered[sku] = offered.get(sku, 0) + (0 if wrong else qty)
    assert len(refunds) == len(parcels)
    for sku, shipped_units in (("TEA-0001", shipped_qty[0]), ("TEA-0002", shipped_qty[1]),
                               ("SNK-0001", 0)):  # fmt: skip
        assert refunded.get(sku, 0) == min(shipped_units, offered.get(sku, 0))


def test_the_board_shows_the_refunds_due(
    client: TestClient, admin: Headers, edge: EdgeSide, shipped: str
) -> None:
    graded(edge, shipped, None, line("TEA-0001", 1, "damaged"))

    board = client.get("/api/v1/board", headers=admin).json()

    assert [(r["order_id"], r["units"], r["status"]) for r in board["refunds_due"]] == [
        (shipped, 1, "due")
    ]
