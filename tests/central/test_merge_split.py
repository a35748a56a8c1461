"""Merge and split (issue 19 item 4): orders of one customer and address arriving within the merge
window ship as one consignment (one order at one edge: one pick, one parcel, one waybill) and
each order's tracking number is written back to its channel on its own; a cancel of one merged
order cuts only its lines; an order no single warehouse can fill goes in parts to two edges when
the site allows it, and is shipped when every part is."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central_sync.server import merge
from central_sync.server.board_text import translated
from central_sync.server.central import Central
from central_sync.server.merge import MergeSettings, merge_key
from tests.central.platforms import Platform
from tests.central.support import EdgeSide, channel_order, product
from tests.central.test_channel_pushes import platform, wire
from tests.central.test_channel_stock import offered

__all__ = ["platform"]  # the fixture, shared with the write-back tests

LATER = timedelta(seconds=61)


def parcel(tracking: str, contents: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "parcel_no": 1,
        "parcels": 1,
        "tracking_number": tracking,
        "carrier": "SF",
        "weight_g": 900,
        "contents": contents or [],
    }


def stock(
    client: TestClient, admin: dict[str, str], *edges: tuple[EdgeSide, dict[str, int]]
) -> None:
    skus = sorted({sku for _, units in edges for sku in units})
    client.post("/api/v1/products", json={"products": [product(s) for s in skus]}, headers=admin)
    for edge, units in edges:
        for sku, qty in units.items():
            edge.receive(sku, qty)


def take(client: TestClient, admin: dict[str, str], order: dict[str, Any]) -> dict[str, Any]:
    resp = client.post("/api/v1/orders", json=order, headers=admin)
    assert resp.status_code in (200, 201), resp.text
    return dict(resp.json())


def released(edge: EdgeSide) -> list[dict[str, Any]]:
    """The order_released changes the edge has been sent, their bodies."""
    return [c["data"] for c in edge.changes(limit=500)["changes"] if c["type"] == "order_released"]


def detail(client: TestClient, admin: dict[str, str], order_id: str) -> dict[str, Any]:
    resp = client.get(f"/api/v1/orders/{order_id}", headers=admin)
    assert resp.status_code == 200, resp.text
    return dict(resp.json())


def test_two_orders_of_one_customer_ship_as_one_and_each_tracking_number_is_written_back_once(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    wire(central, "shopify", platform.url)
    central.merging = MergeSettings(window_s=60)
    stock(client, admin, (edge, {"TEA-0001": 5, "TEA-0002": 5}))
    first = take(client, admin, channel_order("M1", ("TEA-0001", 1), channel="shopify"))
    # the same customer, the address spelled differently: still one parcel
    second_order = channel_order("M2", ("TEA-0002", 2), ("TEA-0001", 1), channel="shopify")
    second_order["ship_to"] |= {"address": "1  century ave.", "city": "SHANGHAI"}
    second = take(client, admin, second_order)
    assert first["order_status"] == second["order_status"] == "unassigned"
    assert first["reason"].startswith(merge.WAITING)
    assert released(edge) == []  # nothing goes while the window is open
    assert central.release_merges(datetime.now(UTC)) == []

    done = central.release_merges(datetime.now(UTC) + LATER)
    assert len(done) == 1 and done[0]["orders"] == [first["id"], second["id"]]
    [body] = released(edge)
    cid = done[0]["consignment"]
    assert body["id"] == cid and body["channel"] == "merged"
    assert [
        (ln["sku"], ln["qty"], ln["order_id"], ln["order_line_no"]) for ln in body["lines"]
    ] == [
        ("TEA-0001", 1, first["id"], 1),
        ("TEA-0002", 2, second["id"], 1),
        ("TEA-0001", 1, second["id"], 2),
    ]
    for order in (first, second):
        seen = detail(client, admin, order["id"])
        assert seen["status"] == "released" and seen["warehouse"] == "edge-1"
        assert [c["id"] for c in seen["consignments"]] == [cid]
    board = client.get("/api/v1/board", headers=admin).json()
    assert [(c["id"], [o["order_id"] for o in c["orders"]]) for c in board["consignments"]] == [
        (cid, sorted([first["id"], second["id"]]))
    ]

    shipped = edge.event("order_shipped", order_id=cid, parcels=[parcel("SF9000000001")])
    assert edge.post([shipped]).status_code == 200
    assert edge.post([shipped]).status_code == 200  # the same event again: nothing more
    for order, units in ((first, [("TEA-0001", 1)]), (second, [("TEA-0002", 2), ("TEA-0001", 1)])):
        seen = detail(client, admin, order["id"])
        assert seen["status"] == "shipped"
        [ship] = seen["shipment"]
        assert ship["tracking_number"] == "SF9000000001"
        assert [(c["sku"], c["qty"]) for c in ship["contents"]] == units
    rows = central.channel_pushes(channel="shopify")
    assert sorted((r["order_id"], r["payload"]["tracking_number"]) for r in rows) == [
        (first["id"], "SF9000000001"),
        (second["id"], "SF9000000001"),
    ]
    assert central.outbound.send_due("shopify") == 2
    sent = sorted(
        s.json["fulfillment"]["line_items_by_fulfillment_order"][0]["fulfillment_order_id"]
        for s in platform.seen
    )
    assert sent == ["M1", "M2"]


def test_a_merged_order_the_edge_cancelled_is_written_back_cancelled_for_each_order(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    wire(central, "shopify", platform.url)
    central.merging = MergeSettings(window_s=60)
    stock(client, admin, (edge, {"TEA-0001": 5}))
    ids = [
        take(client, admin, channel_order(c, ("TEA-0001", 1), channel="shopify"))["id"]
        for c in ("X1", "X2")
    ]
    [done] = central.release_merges(datetime.now(UTC) + LATER)
    edge.send("order_cancelled", order_id=done["consignment"], reason="damaged in the bin")
    assert [detail(client, admin, o)["status"] for o in ids] == ["cancelled", "cancelled"]
    rows = central.channel_pushes(channel="shopify")
    assert sorted((r["order_id"], r["payload"]["status"]) for r in rows) == [
        (ids[0], "cancelled"),
        (ids[1], "cancelled"),
    ]


def test_the_channels_figures_follow_a_merged_order_the_edge_cancelled(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    central.merging = MergeSettings(window_s=60)
    stock(client, admin, (edge, {"TEA-0001": 5}))
    for coid in ("F1", "F2"):
        take(client, admin, channel_order(coid, ("TEA-0001", 1)))
    [done] = central.release_merges(datetime.now(UTC) + LATER)
    assert offered(central, client, admin, "shopify")["TEA-0001"] == 3  # the two wait or ride
    edge.send("order_cancelled", order_id=done["consignment"], reason="damaged")
    assert offered(central, client, admin, "shopify")["TEA-0001"] == 5  # given back at once


def test_a_cancel_of_one_merged_order_cuts_only_its_lines_at_the_edge(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    central.merging = MergeSettings(window_s=60)
    stock(client, admin, (edge, {"TEA-0001": 5, "TEA-0002": 5}))
    first = take(client, admin, channel_order("C1", ("TEA-0001", 2)))
    second = take(client, admin, channel_order("C2", ("TEA-0002", 1)))
    [done] = central.release_merges(datetime.now(UTC) + LATER)
    cid = done["consignment"]
    moved = client.post(f"/api/v1/orders/{second['id']}/reassign", json={}, headers=admin)
    assert (moved.status_code, moved.json()["code"]) == (400, "invalid_request"), moved.text
    resp = client.post(
        f"/api/v1/orders/{first['id']}/cancel", json={"reason": "buyer changed mind"}, headers=admin
    )
    assert resp.status_code == 200, resp.text
    changes = edge.changes(limit=500)["changes"]
    assert [(c["type"], c["order_id"]) for c in changes][-2:] == [
        ("order_released", cid),
        ("order_lines_cancelled", cid),
    ]
    assert changes[-1]["data"]["lines"] == [{"line_no": 1, "sku": "TEA-0001", "qty": 2}]
    assert detail(client, admin, second["id"])["status"] == "released"
    # the other order's demand stays; the cancelled one's is given back
    tea1 = central.stock(sku="TEA-0001", warehouse="edge-1")[0]
    assert tea1["demand"] == 0
    assert central.stock(sku="TEA-0002", warehouse="edge-1")[0]["demand"] == 1

    edge.send("order_shipped", order_id=cid, parcels=[parcel("SF9000000002")])
    assert detail(client, admin, first["id"])["status"] == "cancelled"
    assert detail(client, admin, first["id"])["shipment"] == []
    shipped = detail(client, admin, second["id"])
    assert shipped["status"] == "shipped"
    assert [(c["sku"], c["qty"]) for c in shipped["shipment"][0]["contents"]] == [("TEA-0002", 1)]

    # the last order left in it cancelled: the consignment is cancelled at the edge
    third = take(client, admin, channel_order("C3", ("TEA-0001", 1)))
    fourth = take(client, admin, channel_order("C4", ("TEA-0002", 1)))
    [again] = central.release_merges(datetime.now(UTC) + LATER)
    for order in (third, fourth):
        client.post(f"/api/v1/orders/{order['id']}/cancel", json={"reason": "x"}, headers=admin)
    assert edge.change_types()[-2:] == [
        ("order_lines_cancelled", again["consignment"]),
        ("order_cancelled", again["consignment"]),
    ]


def test_a_partial_refund_of_a_merged_or_split_order_cuts_its_units_where_they_ship(
    central: Central, client: TestClient, admin: dict[str, str], make_edge: Any
) -> None:
    one, two = make_edge("edge-1"), make_edge("edge-2")
    stock(client, admin, (one, {"TEA-0001": 4, "TEA-0002": 2}), (two, {"TEA-0001": 1}))
    central.merging = MergeSettings(window_s=60)
    take(client, admin, channel_order("R1", ("TEA-0002", 1)))
    take(client, admin, channel_order("R2", ("TEA-0001", 2)))
    [done] = central.release_merges(datetime.now(UTC) + LATER)
    refund = channel_order("R2", ("TEA-0001", 2))
    refund["lines"][0] |= {"qty": 1, "refunded": 1}
    assert "takes them off" in take(client, admin, refund)["reason"]
    cut = one.changes(limit=500)["changes"][-1]
    assert (cut["type"], cut["order_id"], cut["data"]["lines"]) == (
        "order_lines_cancelled",
        done["consignment"],
        [{"line_no": 2, "sku": "TEA-0001", "qty": 1}],
    )

    central.merging = MergeSettings(split=True)
    split = take(client, admin, channel_order("R3", ("TEA-0001", 4), ("TEA-0002", 1)))
    assert split["order_status"] == "released", split
    refund = channel_order("R3", ("TEA-0001", 4), ("TEA-0002", 1))
    refund["lines"][0] |= {"qty": 3, "refunded": 1}
    take(client, admin, refund)
    parts = detail(client, admin, split["id"])["consignments"]
    assert sorted(
        (c["warehouse"], ln["sku"], ln["qty"], ln["cut"]) for c in parts for ln in c["lines"]
    ) == [
        ("edge-1", "TEA-0001", 3, 1),
        ("edge-1", "TEA-0002", 1, 0),
        ("edge-2", "TEA-0001", 1, 0),
    ]


def test_orders_no_warehouse_can_ship_yet_stay_together_and_ship_merged_when_stock_arrives(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    central.merging = MergeSettings(window_s=60)
    client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
    first = take(client, admin, channel_order("W1", ("TEA-0001", 1)))
    second = take(client, admin, channel_order("W2", ("TEA-0001", 2)))
    assert central.release_merges(datetime.now(UTC) + LATER) == []
    reason = detail(client, admin, first["id"])["hold_reason"]
    assert reason.startswith("merge window ended; waits to ship its 2 orders together:"), reason
    assert translated(reason, "zh").startswith("合并窗口已结束；等待 2 个订单一起发货：没有仓库")
    edge.receive("TEA-0001", 3)
    assert central.settle(10)  # the retry after the receipt leaves the waiting group alone
    assert released(edge) == []
    [done] = central.release_merges(datetime.now(UTC) + LATER)
    assert done["orders"] == [first["id"], second["id"]]
    assert [b["id"] for b in released(edge)] == [done["consignment"]]


def test_orders_of_other_customers_or_after_the_window_are_not_merged(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide
) -> None:
    central.merging = MergeSettings(window_s=60)
    stock(client, admin, (edge, {"TEA-0001": 5}))
    take(client, admin, channel_order("O1", ("TEA-0001", 1)))
    other = channel_order("O2", ("TEA-0001", 1))
    other["ship_to"] |= {"address": "2 Century Ave"}
    take(client, admin, other)
    done = central.release_merges(datetime.now(UTC) + LATER)
    assert [d.get("consignment") for d in done] == [None, None]  # each alone, as before
    assert [b["id"] for b in released(edge)] == ["shop:O1", "shop:O2"] or [
        b["id"] for b in released(edge)
    ] == ["shop:O2", "shop:O1"]
    # merging off (the default): an order goes at once
    central.merging = MergeSettings()
    assert take(client, admin, channel_order("O3", ("TEA-0001", 1)))["warehouse"] == "edge-1"


def test_an_order_no_single_warehouse_can_fill_ships_in_parts_from_two_edges_when_allowed(
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    make_edge: Any,
    platform: Platform,
) -> None:
    wire(central, "shopify", platform.url)
    one, two = make_edge("edge-1"), make_edge("edge-2")
    stock(client, admin, (one, {"TEA-0001": 2}), (two, {"TEA-0002": 1, "TEA-0001": 1}))
    lines = (("TEA-0001", 3), ("TEA-0002", 1))
    waiting = take(client, admin, channel_order("P1", *lines, channel="shopify"))
    assert waiting["order_status"] == "unassigned"
    assert detail(client, admin, waiting["id"])["hold_reason"].startswith("no warehouse can cover")

    assert central.settle(10)  # the retry after the receipts: done before splitting is allowed
    central.merging = MergeSettings(split=True)
    split = take(client, admin, channel_order("P2", *lines, channel="shopify"))
    assert split["order_status"] == "released", split
    parts = {e.edge_id: released(e) for e in (one, two)}
    assert {
        k: [(ln["sku"], ln["qty"]) for b in v for ln in b["lines"]] for k, v in parts.items()
    } == {
        "edge-1": [("TEA-0001", 2)],
        "edge-2": [("TEA-0001", 1), ("TEA-0002", 1)],
    }
    seen = detail(client, admin, split["id"])
    assert sorted(c["warehouse"] for c in seen["consignments"]) == ["edge-1", "edge-2"]
    assert central.stock(sku="TEA-0001", warehouse="edge-1")[0]["available"] == 0

    one.send("order_shipped", order_id=parts["edge-1"][0]["id"], parcels=[parcel("SF1")])
    assert detail(client, admin, split["id"])["status"] == "released"  # one part still to go
    two.send("order_shipped", order_id=parts["edge-2"][0]["id"], parcels=[parcel("SF2")])
    seen = detail(client, admin, split["id"])
    assert seen["status"] == "shipped"
    assert sorted(s["tracking_number"] for s in seen["shipment"]) == ["SF1", "SF2"]
    rows = central.channel_pushes(channel="shopify")
    assert sorted(
        r["payload"]["tracking_number"] for r in rows if r["order_id"] == split["id"]
    ) == [
        "SF1",
        "SF2",
    ]


def test_the_merge_key_folds_case_width_and_punctuation_but_not_the_address() -> None:
    to = {"name": "Li Lei", "address": "1 Century Ave.", "city": "Shanghai"}
    same = {"name": "LI  LEI", "address": "1 century ave", "city": "ＳＨＡＮＧＨＡＩ"}
    assert merge_key("", to, "SF", "") == merge_key("", same, "SF", "")
    assert merge_key("", to, "SF", "") != merge_key("", to | {"address": "2 Century Ave"}, "SF", "")
    assert merge_key("", to, "SF", "") != merge_key("", to, "YTO", "")
    assert merge_key("c1", to, "SF", "") != merge_key("c2", to, "SF", "")


def test_the_merge_window_and_split_setting_are_read_from_the_environment() -> None:
    found = merge.settings_from(
        {
            "WAREHOUSE_CENTRAL_MERGE_WINDOW_S": "300",
            "WAREHOUSE_CENTRAL_TAOBAO_MERGE_WINDOW_S": "0",
            "WAREHOUSE_CENTRAL_SPLIT_ORDERS": "1",
        }
    )
    assert (found.window("shopify"), found.window("taobao"), found.split) == (300, 0, True)
    assert merge.settings_from({}) == MergeSettings()
    with pytest.raises(ValueError, match="WAREHOUSE_CENTRAL_MERGE_WINDOW_S"):
        merge.settings_from({"WAREHOUSE_CENTRAL_MERGE_WINDOW_S": "soon"})
    with pytest.raises(ValueError, match="WAREHOUSE_CENTRAL_SPLIT_ORDERS"):
        merge.settings_from({"WAREHOUSE_CENTRAL_SPLIT_ORDERS": "maybe"})


ORDERS = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),  # the customer
        st.lists(
            st.tuples(st.sampled_from(["TEA-0001", "TEA-0002", "TEA-0003"]), st.integers(1, 3)),
            min_size=1,
            max_size=3,
        ),
        st.booleans(),  # cancelled after release
        st.booleans(),  # arrives in the same request as the one before
    ),
    min_size=1,
    max_size=6,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(orders=ORDERS, split=st.booleans())
def test_merge_and_split_never_lose_or_duplicate_a_line_whatever_the_arrival_order(
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    make_edge: Any,
    orders: list[tuple[str, list[tuple[str, int]], bool, bool]],
    split: bool,
) -> None:
    """Sum of shipped units per order and SKU == ordered − cancelled, merged or split or not."""
    run = datetime.now(UTC).strftime("%H%M%S%f")  # one central serves every example
    edges = [make_edge(f"e{run}-{n}") for n in (1, 2)]
    sku = {s: f"{s}-{run}" for s in ("TEA-0001", "TEA-0002", "TEA-0003")}
    stock(
        client,
        admin,
        (edges[0], {sku["TEA-0001"]: 6, sku["TEA-0002"]: 3}),
        (edges[1], {sku["TEA-0002"]: 6, sku["TEA-0003"]: 9}),
    )
    orders = [(c, [(sku[s], q) for s, q in lines], x, t) for c, lines, x, t in orders]
    central.merging = MergeSettings(window_s=60, split=split)
    batches: list[list[dict[str, Any]]] = []
    for n, (customer, lines, _, together) in enumerate(orders):
        order = channel_order(f"{run}-{n}", *lines, customer_ref=f"{run}{customer}")
        if together and batches:
            batches[-1].append(order)
        else:
            batches.append([order])
    ids = []
    for batch in batches:
        resp = client.post("/api/v1/orders", json={"orders": batch}, headers=admin)
        assert resp.status_code in (200, 201), resp.text
        got = resp.json()
        ids += [o["id"] for o in got["orders"]]
    central.release_merges(datetime.now(UTC) + LATER)
    assert central.settle(10)  # the background retry after the stock moved
    for order_id, (_, _, cancel, _) in zip(ids, orders, strict=True):
        if cancel:
            client.post(f"/api/v1/orders/{order_id}/cancel", json={"reason": "x"}, headers=admin)
    for edge in edges:
        bodies = {b["id"]: b for b in released(edge)}
        gone = {
            c["order_id"]
            for c in edge.changes(limit=500)["changes"]
            if c["type"] == "order_cancelled"
        }
        for n, oid in enumerate(sorted(set(bodies) - gone)):
            contents = [{"sku": ln["sku"], "qty": ln["qty"]} for ln in bodies[oid]["lines"]]
            tracking = f"T{run}{edge.edge_id}{n}"
            edge.send("order_shipped", order_id=oid, parcels=[parcel(tracking, contents)])
    for order_id, (_, lines, cancel, _) in zip(ids, orders, strict=True):
        seen = detail(client, admin, order_id)
        ordered: dict[str, int] = defaultdict(int)
        for sku, qty in lines:
            ordered[sku] += 0 if cancel else qty
        shipped: dict[str, int] = defaultdict(int)
        for s in seen["shipment"]:
            for c in s["contents"]:
                shipped[c["sku"]] += c["qty"]
        if seen["status"] == "unassigned":  # no stock anywhere could fill it: nothing shipped
            assert not shipped
            continue
        assert dict(shipped) == {k: v for k, v in ordered.items() if v}, (
            seen["consignments"],
            seen["history"],
            lines,
        )
