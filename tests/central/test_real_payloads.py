"""The platforms' own published order examples (tests/fixtures/channels/README.md names each
source) go through the shipped mappings into central on both stores: taken, or held with the
reason a person can act on, never refused obscurely and never released unshippable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from central_sync.channels import (
    ChannelOrder,
    Rejected,
    load_mapping,
    map_document,
    merge_companions,
)
from central_sync.channels.pii import TableDecrypter, protection
from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from central_sync.server.orders import ShipTo
from tests.central.support import EdgeSide

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
MERGE_ITEMS = "missing (merge each order's getOrderItems response: import-orders --with)"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def mapped(document: Any, channel: str) -> list[ChannelOrder | Rejected]:
    return list(map_document(document, load_mapping(channel)))


def stock_up(central: Central, edge: EdgeSide, skus: list[str], qty: int = 10) -> None:
    central.upsert_products([(s, ProductIn(name=s)) for s in skus])
    for sku in skus:
        edge.receive(sku, qty)


def test_taobao_trade_fullinfo_get_maps_its_lines_from_orders_order_and_keeps_both_notes() -> None:
    [order] = mapped(fixture("taobao_trade_fullinfo_get.json"), "taobao")

    assert isinstance(order, ChannelOrder), order
    assert order.channel_order_id == "500001084"
    assert [(ln.sku, ln.qty) for ln in order.lines] == [
        ("B-C352-F301-356M", 1),
        ("B-C352-F302-357M", 1),
    ]
    assert (order.buyer_note, order.seller_note) == ("周末配送", "改为发顺丰")
    assert order.ship_to["name"] == "王小贝10048"
    assert order.ordered_at == "2017-07-28T06:18:32Z"


def test_a_taobao_trade_is_released_with_its_notes_on_the_feed(
    central: Central, edge: EdgeSide
) -> None:
    [order] = mapped(fixture("taobao_trade_fullinfo_get.json"), "taobao")
    stock_up(central, edge, ["B-C352-F301-356M", "B-C352-F302-357M"])

    [outcome] = central.ingest([order.to_json()])

    assert (outcome.status, outcome.order_status) == ("imported", "released")
    stored = central.order("taobao:500001084")
    assert (stored["buyer_note"], stored["seller_note"]) == ("周末配送", "改为发顺丰")
    [released] = [c for c in edge.changes()["changes"] if c["type"] == "order_released"]
    assert (released["data"]["buyer_note"], released["data"]["seller_note"]) == (
        "周末配送",
        "改为发顺丰",
    )  # down the feed to the edge's pack bench


def test_amazon_get_orders_alone_is_held_for_its_address_not_refused(central: Central) -> None:
    items = mapped(fixture("amazon_getOrders.json"), "amazon")
    assert [(i.field, i.reason) for i in items if isinstance(i, Rejected)] == [
        ("payload.Orders[0].OrderItems", MERGE_ITEMS),
        ("payload.Orders[1].OrderItems", MERGE_ITEMS),
    ]  # getOrders has no lines: getOrderItems must be merged
    central.upsert_products([("NABetaASINB00551Q3CS", ProductIn(name="Card Book"))])
    document = fixture("amazon_getOrders.json")
    problems = merge_companions(
        document, [fixture("amazon_getOrderItems.json")], load_mapping("amazon")
    )
    [first, second] = mapped(document, "amazon")

    assert problems == []
    assert isinstance(second, Rejected) and second.field == "payload.Orders[1].OrderItems"
    [outcome] = central.ingest([first.to_json()])

    assert (outcome.status, outcome.order_status) == ("imported", "on_hold")
    assert "ship-to incomplete (no name or address)" in outcome.reason
    assert "getOrderAddress" in outcome.reason
    assert central.order(outcome.id)["warehouse"] is None


def test_amazon_with_items_and_address_merged_is_taken_and_its_sku_matched_whatever_the_case(
    central: Central, edge: EdgeSide
) -> None:
    document = fixture("amazon_getOrders.json")
    companions = [fixture("amazon_getOrderItems.json"), fixture("amazon_getOrderAddress.json")]
    merge_companions(document, companions, load_mapping("amazon"))
    order = mapped(document, "amazon")[0]
    assert isinstance(order, ChannelOrder)
    stock_up(central, edge, ["NABetaASINB00551Q3CS"])
    body = order.to_json()
    body["lines"][0] |= {"sku": "NABETAASINB00551Q3CS", "status": "open"}  # upper-cased upstream

    [outcome] = central.ingest([body])

    assert (outcome.status, outcome.order_status) == ("imported", "released"), outcome
    detail = central.order(outcome.id)
    assert [ln["sku"] for ln in detail["lines"]] == ["NABetaASINB00551Q3CS"]  # the catalogue's
    assert detail["ship_to"]["address"] == "2201 WESTLAKE AVE"


def test_an_amazon_item_the_buyer_asked_to_cancel_holds_the_order(central: Central) -> None:
    document = fixture("amazon_getOrders.json")
    companions = [fixture("amazon_getOrderItems.json"), fixture("amazon_getOrderAddress.json")]
    merge_companions(document, companions, load_mapping("amazon"))
    order = mapped(document, "amazon")[0]
    assert isinstance(order, ChannelOrder) and order.lines[0].status == "cancel_requested"
    central.upsert_products([("NABetaASINB00551Q3CS", ProductIn(name="Card Book"))])

    [outcome] = central.ingest([order.to_json()])

    assert outcome.order_status == "on_hold"
    assert "the buyer asked amazon to cancel lines[0] NABetaASINB00551Q3CS" in outcome.reason


def test_a_companion_response_for_an_order_not_in_the_export_is_named() -> None:
    document = fixture("amazon_getOrders.json")
    other = {"payload": {"AmazonOrderId": "111-0000000-0000000", "OrderItems": []}}

    problems = merge_companions(document, [other], load_mapping("amazon"))

    assert problems == ["companion 1: no order AmazonOrderId '111-0000000-0000000' in the export"]


def test_shopifys_partly_refunded_order_ships_only_the_unrefunded_line_with_the_buyers_note(
    central: Central, edge: EdgeSide
) -> None:
    [order] = mapped(fixture("shopify_orders.json"), "shopify")
    assert isinstance(order, ChannelOrder), order
    stock_up(central, edge, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"])

    [outcome] = central.ingest([order.to_json()])

    assert [(ln.sku, ln.qty) for ln in order.lines] == [("IPOD2008RED", 1)]
    assert order.buyer_note == "custom engraving: Happy Birthday; colour: green"
    assert outcome.order_status == "released"
    released = [c for c in edge.changes()["changes"] if c["type"] == "order_released"]
    assert [ln["sku"] for ln in released[-1]["data"]["lines"]] == ["IPOD2008RED"]


def test_a_partial_shopify_refund_takes_the_units_off_the_line_and_records_them() -> None:
    document = fixture("shopify_orders.json")
    document["orders"][0]["line_items"][1]["quantity"] = 3
    document["orders"][0]["refunds"][0]["refund_line_items"][0] |= {"line_item_id": 518995019}

    [order] = mapped(document, "shopify")

    assert isinstance(order, ChannelOrder)
    assert [(ln.sku, ln.qty, ln.refunded) for ln in order.lines] == [
        ("IPOD2008RED", 2, 1),
        ("IPOD2008BLACK", 1, 0),  # its refund moved to the red line
    ]


def test_a_jd_order_with_ciphertext_and_a_masked_mobile_is_held_never_released(
    central: Central, edge: EdgeSide
) -> None:
    [order] = mapped(fixture("jd_pop_order_search.json"), "jd")
    assert isinstance(order, ChannelOrder)
    stock_up(central, edge, ["TEA-0001"])

    [outcome] = central.ingest([order.to_json()])

    assert outcome.order_status == "on_hold"
    assert "name (ciphertext), phone (masked), address (ciphertext)" in outcome.reason
    assert (order.buyer_note, order.seller_note) == ("请用纸箱包装", "赠品已备")
    assert not [c for c in edge.changes()["changes"] if c["type"] == "order_released"]


def test_a_jd_single_order_response_maps_like_its_search_entry() -> None:
    searched = fixture("jd_pop_order_search.json")
    [entry] = searched["jingdong_pop_order_search_responce"]["searchorderinfo_result"][
        "orderInfoList"
    ]
    # jingdong.pop.order.get, the call an integration makes when JD's message names one order
    single = {
        "jingdong_pop_order_get_responce": {
            "code": "0",
            "orderDetailInfo": {"apiResult": {"success": True}, "orderInfo": entry},
        }
    }

    assert mapped(single, "jd") == mapped(searched, "jd")


def test_a_jd_order_whose_ship_to_the_decrypter_opens_is_released(
    central: Central, edge: EdgeSide
) -> None:
    [order] = mapped(fixture("jd_pop_order_search.json"), "jd")
    assert isinstance(order, ChannelOrder)
    stock_up(central, edge, ["TEA-0001"])
    central.decrypter = TableDecrypter(
        {
            order.ship_to["name"]: "张伟",
            order.ship_to["address"]: "北京朝阳区建国路93号",
            order.ship_to["phone"]: "13812345678",
        }
    )

    [outcome] = central.ingest([order.to_json()])

    assert outcome.order_status == "released"
    assert central.order(outcome.id)["ship_to"]["name"] == "张伟"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("~AgAAAAEAAABZ2c8jM6oVhiK3ek1CEVqkCg==~1~", "ciphertext"),  # Taobao's delimited form
        ("$138$K1UaFfGQz2ujPxqA1n6sTw==$1$", "ciphertext"),
        ("AAEAAKxM6XzT2xCfQ8H0p3m1b9eWJkZt0v1y2R4dG8Qh", "ciphertext"),
        ("138****5678", "masked"),
        ("王**", "masked"),
        ("王小贝10048", None),
        ("Chestnut Street 92", None),
        ("13812345678", None),
        ("Bob Norman", None),
        ("MFNIntegrationTestMerchant", None),  # a long word is not ciphertext
    ],
)
def test_protected_text_is_told_from_plain_text(value: str, kind: str | None) -> None:
    assert protection(value) == kind


def test_an_order_held_for_its_address_is_released_once_the_address_is_corrected(
    central: Central, edge: EdgeSide
) -> None:
    document = fixture("amazon_getOrders.json")
    merge_companions(document, [fixture("amazon_getOrderItems.json")], load_mapping("amazon"))
    order = mapped(document, "amazon")[0]
    assert isinstance(order, ChannelOrder)
    body = order.to_json()
    body["lines"][0]["status"] = "open"  # only the address holds it here
    stock_up(central, edge, ["NABetaASINB00551Q3CS"])
    [held] = central.ingest([body])
    address = fixture("amazon_getOrderAddress.json")["payload"]["ShippingAddress"]

    central.change_address(
        held.id,
        ShipTo(
            name=address["Name"],
            address=address["AddressLine1"],
            city=address["City"],
            country=address["CountryCode"],
            postcode=address["PostalCode"],
        ),
    )

    detail = central.order(held.id)
    assert (detail["status"], detail["warehouse"], detail["hold_reason"]) == (
        "released",
        "edge-1",
        "",
    )


def shopify_unrefunded() -> dict[str, Any]:
    """Shopify's order as it was before its refund: the same order with no refunds yet."""
    order = fixture("shopify_orders.json")["orders"][0]
    return order | {"refunds": [], "financial_status": "paid"}


def refund_after_release(central: Central, edge: EdgeSide) -> str:
    """Shopify's order released to edge-1, then its orders/updated with 2 units refunded."""
    stock_up(central, edge, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"])
    [before] = mapped({"order": shopify_unrefunded()}, "shopify")
    [released] = central.ingest([before.to_json()])
    assert released.order_status == "released"
    return released.id


def test_a_shopify_refund_after_release_sends_the_edge_a_cut_of_the_refunded_units(
    central: Central, edge: EdgeSide
) -> None:
    order_id = refund_after_release(central, edge)
    [after] = mapped(fixture("shopify_orders.json"), "shopify")  # orders/updated, 2 refunded

    [outcome] = central.ingest([after.to_json()])

    assert outcome.status == "duplicate"
    assert "IPOD2008GREEN, 1 × IPOD2008BLACK refunded on shopify: edge-1 takes them off" in (
        outcome.reason
    )
    [cut] = [c for c in edge.changes()["changes"] if c["type"] == "order_lines_cancelled"]
    assert cut["order_id"] == order_id
    assert cut["data"]["lines"] == [
        {"line_no": 1, "sku": "IPOD2008GREEN", "qty": 1},
        {"line_no": 3, "sku": "IPOD2008BLACK", "qty": 1},
    ]
    lines = central.order(order_id)["lines"]
    assert [(ln["sku"], ln["qty"], ln["refunded"]) for ln in lines] == [
        ("IPOD2008GREEN", 0, 1),
        ("IPOD2008RED", 1, 0),
        ("IPOD2008BLACK", 0, 1),
    ]
    assert central.exceptions(edge_id="edge-1") == []
    figures = {f["sku"]: f["demand"] for f in central.stock() if f["warehouse"] == "edge-1"}
    assert figures == {"IPOD2008GREEN": 0, "IPOD2008RED": 1, "IPOD2008BLACK": 0}


def test_a_refund_after_the_order_was_packed_opens_an_exception_and_sends_no_cut(
    central: Central, edge: EdgeSide
) -> None:
    order_id = refund_after_release(central, edge)
    edge.send("order_packed", order_id=order_id)
    [after] = mapped(fixture("shopify_orders.json"), "shopify")

    central.ingest([after.to_json()])

    [exc] = central.exceptions(edge_id="edge-1")
    assert exc["kind"] == "refund_after_release"
    assert "1 × IPOD2008GREEN, 1 × IPOD2008BLACK" in exc["detail"]
    assert "after it was packed at edge-1: the units are in its parcels" in exc["detail"]
    assert "order_lines_cancelled" not in [t for t, _ in edge.change_types()]


def test_an_edge_that_packed_before_the_cut_arrived_refuses_it_and_a_person_is_told(
    central: Central, edge: EdgeSide
) -> None:
    order_id = refund_after_release(central, edge)
    [after] = mapped(fixture("shopify_orders.json"), "shopify")
    central.ingest([after.to_json()])
    [cut] = [c for c in edge.changes()["changes"] if c["type"] == "order_lines_cancelled"]

    edge.send(
        "order_lines_cancel_refused",
        order_id=order_id,
        cancel_id=cut["data"]["cancel_id"],
        reason="refunded on shopify",
        status="packed",
        lines=cut["data"]["lines"],
        refusal="the order is packed: its units are in parcels",
    )

    [exc] = central.exceptions(edge_id="edge-1")
    assert (exc["kind"], exc["order_id"]) == ("refund_after_release", order_id)
    assert exc["detail"] == (
        f"1 × IPOD2008GREEN, 1 × IPOD2008BLACK of order {order_id} (refunded on shopify) could "
        "not be taken off at edge-1: the order is packed: its units are in parcels; the units "
        "ship with the order: settle the refund with the buyer"
    )


def test_a_refund_before_any_warehouse_took_the_order_comes_off_its_lines(
    central: Central,
) -> None:
    central.upsert_products(
        [(s, ProductIn(name=s)) for s in ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK")]
    )
    [before] = mapped({"order": shopify_unrefunded()}, "shopify")
    [waiting] = central.ingest([before.to_json()])  # no edge: unassigned
    [after] = mapped(fixture("shopify_orders.json"), "shopify")

    [outcome] = central.ingest([after.to_json()])

    assert "taken off the order" in outcome.reason
    lines = central.order(waiting.id)["lines"]
    assert [(ln["sku"], ln["qty"], ln["refunded"]) for ln in lines] == [
        ("IPOD2008GREEN", 0, 1),
        ("IPOD2008RED", 1, 0),
        ("IPOD2008BLACK", 0, 1),
    ]


def test_a_line_refunded_whole_before_release_is_not_sent_to_the_edge(
    central: Central, edge: EdgeSide
) -> None:
    central.upsert_products(
        [(s, ProductIn(name=s)) for s in ("IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK")]
    )
    [before] = mapped({"order": shopify_unrefunded()}, "shopify")
    [waiting] = central.ingest([before.to_json()])  # stock not yet counted: unassigned
    [after] = mapped(fixture("shopify_orders.json"), "shopify")
    central.ingest([after.to_json()])  # GREEN and BLACK refunded whole
    edge.receive("IPOD2008RED", 5)

    central.assign_pending()

    [released] = [c for c in edge.changes()["changes"] if c["type"] == "order_released"]
    assert released["order_id"] == waiting.id
    assert [(ln["sku"], ln["qty"]) for ln in released["data"]["lines"]] == [("IPOD2008RED", 1)]


# Shopify's own REST SDK (shopify-api-ruby test/rest/<version>/order_test.rb) mocks each Admin API
# call with a published response; tests/fixtures/channels/README.md names each one used here.


def test_the_newest_shopify_order_list_maps_field_by_field_like_the_python_sdks_fixture() -> None:
    [newest] = mapped(fixture("shopify_orders_2026_07.json"), "shopify")
    [older] = mapped(fixture("shopify_orders.json"), "shopify")

    assert isinstance(newest, ChannelOrder), newest
    # its refund lists BLACK before GREEN, and each line carries current_quantity: same result
    assert [(ln.sku, ln.qty, ln.refunded, ln.status) for ln in newest.lines] == [
        ("IPOD2008RED", 1, 0, "open")
    ]
    assert newest.ship_to == {
        "name": "Bob Norman",
        "phone": "+1(502)-459-2181",
        "country": "US",
        "province": "KY",
        "city": "Louisville",
        "district": "",
        "address": "Chestnut Street 92",
        "postcode": "40202",
    }
    assert (newest.channel_order_id, newest.ordered_at, newest.currency, newest.total) == (
        "450789469",
        "2008-01-10T16:00:00Z",
        "USD",
        "598.94",
    )
    assert (newest.customer_ref, newest.service, newest.priority) == (
        "bob.norman@mail.example.com",
        "standard",  # "Free Shipping"
        0,
    )
    assert (
        newest.buyer_note == older.buyer_note == "custom engraving: Happy Birthday; colour: green"
    )


def test_a_shopify_line_fulfilled_by_another_service_never_ships_from_the_warehouse() -> None:
    [order] = mapped(fixture("shopify_order_fulfilment_service.json"), "shopify")

    # paid, with a shipping address, its one line fulfilled by the Shipwire app: not ours to ship
    assert isinstance(order, Rejected), order
    assert (order.channel_order_id, order.field) == ("1073459981", "order.line_items")
    assert order.reason == (
        "no line ships from this warehouse: line_items[0] IPOD2009BLACK is fulfilled"
        " elsewhere (fulfillment_service 'shipwire-app')"
    )


def test_a_shopify_order_mixing_its_own_and_another_services_lines_ships_only_its_own() -> None:
    document = fixture("shopify_orders_2026_07.json")
    body = document["orders"][0] | {"refunds": [], "financial_status": "paid"}
    for line in body["line_items"]:  # as it was before its refund: every unit still on it
        line["current_quantity"] = line["quantity"]
    body["line_items"][1]["fulfillment_service"] = "shipwire-app"  # as the published line above

    [order] = mapped({"order": body}, "shopify")

    assert isinstance(order, ChannelOrder), order
    assert [(ln.sku, ln.qty) for ln in order.lines] == [("IPOD2008GREEN", 1), ("IPOD2008BLACK", 1)]


def test_a_shopify_order_with_no_shipping_address_is_held_for_it_not_refused(
    central: Central, edge: EdgeSide
) -> None:
    [order] = mapped(fixture("shopify_order_no_address.json"), "shopify")
    assert isinstance(order, ChannelOrder), order
    stock_up(central, edge, ["IPOD2009BLACK"])

    [outcome] = central.ingest([order.to_json()])

    assert (outcome.status, outcome.order_status) == ("imported", "on_hold")
    assert outcome.reason == (
        "ship-to incomplete (no name or address): correct the address"
        " (POST /api/v1/orders/{id}/address) or cancel the order"
    )
    detail = central.order(outcome.id)
    assert detail["warehouse"] is None
    assert [(ln["sku"], ln["qty"]) for ln in detail["lines"]] == [("IPOD2009BLACK", 1)]
    assert (detail["currency"], detail["total"]) == ("USD", "199.00")


def test_a_shopify_custom_line_without_a_sku_is_refused_naming_the_line() -> None:
    [order] = mapped(fixture("shopify_order_custom_lines.json"), "shopify")

    assert isinstance(order, Rejected), order
    assert (order.field, order.reason) == (
        "order.line_items[0].sku",
        "missing (the line 'Red Leather Coat')",
    )


def test_a_shopify_lines_properties_reach_the_pack_bench_in_the_buyers_note(
    central: Central, edge: EdgeSide
) -> None:
    [order] = mapped({"order": shopify_unrefunded()}, "shopify")
    assert isinstance(order, ChannelOrder), order
    stock_up(central, edge, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"])

    [outcome] = central.ingest([order.to_json()])

    note = (
        "custom engraving: Happy Birthday; colour: green / IPOD2008GREEN: Custom Engraving"
        " Front: Happy Birthday; Custom Engraving Back: Merry Christmas"
    )
    assert order.buyer_note == note
    assert central.order(outcome.id)["buyer_note"] == note
    [released] = [c for c in edge.changes()["changes"] if c["type"] == "order_released"]
    assert released["data"]["buyer_note"] == note


def test_a_cancelled_shopify_order_is_refused_as_not_ready_to_ship() -> None:
    [order] = mapped(fixture("shopify_order_cancelled.json"), "shopify")

    assert isinstance(order, Rejected), order
    assert (order.channel_order_id, order.field, order.reason) == (
        "450789469",
        "order.cancelled_at",
        "status 'cancelled' is not ready to ship",
    )


# Amazon's Orders v0 model (selling-partner-api-models, models/orders-api-model/ordersV0.json):
# the x-amzn-api-sandbox responses and the `examples` of each call.


def amazon_get_order() -> tuple[Any, list[str]]:
    """getOrder's TEST_CASE_200 (one order, no lines, no buyer) merged with that order's
    getOrderItems, getOrderAddress and getOrderBuyerInfo sandbox responses."""
    document = fixture("amazon_getOrder.json")
    companions = ["amazon_getOrderItems.json", "amazon_getOrderAddress.json"]
    companions += ["amazon_getOrderBuyerInfo.json"]
    problems = merge_companions(document, [fixture(c) for c in companions], load_mapping("amazon"))
    return document, problems


def test_amazons_get_order_with_its_items_address_and_buyer_maps_field_by_field() -> None:
    document, problems = amazon_get_order()

    [order] = mapped(document, "amazon")

    assert problems == []
    assert isinstance(order, ChannelOrder), order
    assert (order.channel_order_id, order.ordered_at, order.ship_by) == (
        "902-1845936-5435065",
        "1970-01-19T03:58:30Z",
        "1970-01-19T04:05:13Z",
    )
    assert (order.currency, order.total, order.service, order.priority) == (
        "USD",
        "11.01",
        "standard",  # "Std US D2D Dom"
        0,
    )
    assert order.customer_ref == "fzyrv6gwkhbb15c@example.com"  # getOrderBuyerInfo's BuyerEmail
    assert order.ship_to == {
        "name": "MFNIntegrationTestMerchant",
        "phone": "+1 480-386-0930 ext. 73824",
        "country": "US",
        "province": "WA",
        "city": "SEATTLE",
        "district": "",
        "address": "2201 WESTLAKE AVE",
        "postcode": "98121-2778",
    }
    assert [(ln.sku, ln.qty, ln.status) for ln in order.lines] == [
        ("NABetaASINB00551Q3CS", 1, "cancel_requested")
    ]


def test_amazons_get_order_is_held_at_central_for_the_buyers_cancel_request(
    central: Central, edge: EdgeSide
) -> None:
    document, _ = amazon_get_order()
    [order] = mapped(document, "amazon")
    assert isinstance(order, ChannelOrder)
    stock_up(central, edge, ["NABetaASINB00551Q3CS"])

    [outcome] = central.ingest([order.to_json()])

    assert (outcome.status, outcome.order_status) == ("imported", "on_hold")
    detail = central.order(outcome.id)
    assert (detail["customer_ref"], detail["currency"], detail["total"]) == (
        "fzyrv6gwkhbb15c@example.com",
        "USD",
        "11.01",
    )
    assert detail["ship_to"]["address"] == "2201 WESTLAKE AVE"
    assert [(ln["sku"], ln["qty"]) for ln in detail["lines"]] == [("NABetaASINB00551Q3CS", 1)]


def test_get_order_items_pages_are_merged_together_and_a_missing_last_page_is_named() -> None:
    document = fixture("amazon_getOrders.json")
    order_id = "902-1845936-5435065"
    first_page = fixture("amazon_getOrderItems_example.json")  # published with a NextToken
    first_page["payload"]["AmazonOrderId"] = order_id  # the example's order is not in getOrders
    last_page = fixture("amazon_getOrderItems.json")  # that order's sandbox items, no NextToken
    mapping = load_mapping("amazon")

    alone = merge_companions(fixture("amazon_getOrders.json"), [first_page], mapping)
    problems = merge_companions(document, [first_page, last_page], mapping)

    assert alone == [
        "companion 1: order 902-1845936-5435065's OrderItems go on in another page (NextToken):"
        " give every page with --with"
    ]
    assert problems == []
    order = mapped(document, "amazon")[0]
    assert isinstance(order, ChannelOrder), order
    assert [(ln.sku, ln.qty) for ln in order.lines] == [
        ("CBA_OTF_1", 1),
        ("CBA_OTF_5", 2),
        ("NABetaASINB00551Q3CS", 1),
    ]  # not the last page's line alone


def test_the_same_items_page_given_twice_does_not_double_the_quantities() -> None:
    document = fixture("amazon_getOrders.json")
    items = fixture("amazon_getOrderItems.json")

    merge_companions(
        document, [items, fixture("amazon_getOrderItems.json")], load_mapping("amazon")
    )

    order = mapped(document, "amazon")[0]
    assert isinstance(order, ChannelOrder)
    assert [(ln.sku, ln.qty) for ln in order.lines] == [("NABetaASINB00551Q3CS", 1)]


def test_an_amazon_gift_message_and_customization_reach_the_buyers_note() -> None:
    document = fixture("amazon_getOrders.json")
    page = fixture("amazon_getOrderItems_example.json")
    page["payload"] |= {"AmazonOrderId": "902-1845936-5435065", "NextToken": None}
    merge_companions(document, [page], load_mapping("amazon"))

    order = mapped(document, "amazon")[0]

    assert isinstance(order, ChannelOrder), order
    url = "https://zme-caps.amazon.com/t/bR6qHkzSOxuB/J8nbWhze0Bd3DkajkOdY-XQbWkFralegp2sr_QZiKEE/1"
    assert order.buyer_note == (
        f"CBA_OTF_1: gift message: For you!; customization: {url} / "
        f"CBA_OTF_5: gift message: For you!; customization: {url}"
    )


def test_get_order_items_buyer_info_is_merged_into_the_item_with_the_same_id() -> None:
    document = fixture("amazon_getOrders.json")
    items = fixture("amazon_getOrderItems.json")
    buyer_info = fixture("amazon_getOrderItemsBuyerInfo.json")  # published for OrderItemId
    buyer_info["payload"]["OrderItems"][0]["OrderItemId"] = "05015851154158"  # …that item's

    problems = merge_companions(document, [items, buyer_info], load_mapping("amazon"))

    assert problems == []
    order = mapped(document, "amazon")[0]
    assert isinstance(order, ChannelOrder), order
    assert [(ln.sku, ln.qty) for ln in order.lines] == [("NABetaASINB00551Q3CS", 1)]
    assert order.buyer_note == "NABetaASINB00551Q3CS: gift message: Et toi!; customization: " + (
        "https://zme-caps.amazon.com/t/bR6qHkzSOxuB/J8nbWhze0Bd3DkajkOdY-XQbWkFralegp2sr_QZiKEE/1"
    )


@pytest.mark.parametrize(
    ("name", "field", "reason"),
    [
        (
            "amazon_getOrders.json",
            "payload.Orders[0].OrderItems",
            "missing (merge each order's getOrderItems response: import-orders --with)",
        ),
        (
            "amazon_getOrders_example.json",
            "payload.Orders[0].OrderStatus",
            "status 'Pending' is not ready to ship",
        ),
        (
            "amazon_getOrder_IBA.json",
            "payload.OrderStatus",
            "status 'Shipped' is not ready to ship",
        ),
    ],
)
def test_each_published_amazon_example_not_ready_to_ship_is_refused_with_its_reason(
    name: str, field: str, reason: str
) -> None:
    first = mapped(fixture(name), "amazon")[0]

    assert isinstance(first, Rejected)
    assert (first.field, first.reason) == (field, reason)


# Amazon's Orders API 2026-01-01 (models/orders-api-model/orders_2026-01-01.json): one call gives
# the order with its items, recipient and buyer; the same `amazon` mapping takes it.


def test_an_orders_2026_search_answer_maps_field_by_field() -> None:
    [order] = mapped(fixture("amazon2026_searchOrders_BR.json"), "amazon")

    assert isinstance(order, ChannelOrder), order
    assert (order.channel, order.channel_order_id) == ("amazon", "171-2345678-9012345")
    assert (order.ordered_at, order.ship_by) == ("2024-12-22T15:30:00Z", "2024-12-24T23:59:59Z")
    assert (order.customer_ref, order.priority, order.service) == (
        "buyer-email@marketplace.amazon.com.br",
        0,  # AMAZON_BUSINESS, DELIVERY_BY_AMAZON: not PRIME
        "standard",
    )
    assert (order.currency, order.total) == ("BRL", "1599.90")
    assert order.ship_to == {
        "name": "Carlos Oliveira",
        "phone": "+55 11 91234-5678",
        "country": "BR",
        "province": "SP",
        "city": "São Paulo",
        "district": "",
        "address": "Oliveira Tecnologia Ltda, Avenida Paulista, 1000, Sala 301",
        "postcode": "01310-100",
    }
    assert [(ln.sku, ln.qty, ln.refunded, ln.status) for ln in order.lines] == [
        ("DELL-I15-BR-001", 1, 0, "open")
    ]


def test_an_orders_2026_order_with_a_gift_message_is_released_with_it_on_both_stores(
    central: Central, edge: EdgeSide
) -> None:
    [order] = mapped(fixture("amazon2026_getOrder_gift.json"), "amazon")
    assert isinstance(order, ChannelOrder), order
    stock_up(central, edge, ["ECHO-DOT-4-BR-PRETO"])

    [outcome] = central.ingest([order.to_json()])

    assert (outcome.status, outcome.order_status) == ("imported", "released"), outcome
    detail = central.order(outcome.id)
    note = (
        "ECHO-DOT-4-BR-PRETO: gift message: Feliz Natal! Espero que goste do seu novo"
        " alto-falante inteligente!"
    )
    assert detail["buyer_note"] == note
    assert (detail["priority"], detail["ship_by"]) == (1, "2024-12-27T23:59:59Z")  # PRIME
    assert detail["ship_to"]["address"] == "Rua das Flores, 123, Apartamento 45"
    assert [(ln["sku"], ln["qty"]) for ln in detail["lines"]] == [("ECHO-DOT-4-BR-PRETO", 1)]
    [released] = [c for c in edge.changes()["changes"] if c["type"] == "order_released"]
    assert released["data"]["buyer_note"] == note


def test_the_orders_2026_example_keeps_the_buyers_delivery_instructions() -> None:
    document = fixture("amazon2026_searchOrders_example.json")
    body = document["orders"][0]
    body["fulfillment"]["fulfillmentStatus"] = "UNSHIPPED"  # published as already shipped

    [order] = mapped(document, "amazon")

    assert isinstance(order, ChannelOrder), order
    assert order.buyer_note.startswith(
        "drop-off: Front desk reception; instructions: Enter through main lobby, ask for John"
        " Smith at reception"
    )
    assert order.priority == 1  # PRIME


@pytest.mark.parametrize(
    ("name", "field", "reason"),
    [
        (
            "amazon2026_searchOrders_JP.json",
            "orders[0].fulfillment.fulfillmentStatus",
            "status 'SHIPPED' is not ready to ship",
        ),
        (
            "amazon2026_searchOrders_example.json",
            "orders[0].fulfillment.fulfillmentStatus",
            "status 'SHIPPED' is not ready to ship",
        ),
        (
            "amazon2026_getOrder_ISPU.json",
            "order.programs",
            "status 'in-store pickup' is not ready to ship",
        ),
    ],
)
def test_each_orders_2026_example_not_for_the_warehouse_is_refused_with_its_reason(
    name: str, field: str, reason: str
) -> None:
    [first] = mapped(fixture(name), "amazon")

    assert isinstance(first, Rejected), first
    assert (first.field, first.reason) == (field, reason)


def test_a_shopify_line_an_order_edit_took_off_without_a_refund_is_not_shipped() -> None:
    body = fixture("shopify_orders_2026_07.json")["orders"][0]
    body |= {"refunds": [], "financial_status": "paid"}
    # Shopify's current_quantity: the units still on the order after edits and refunds (the
    # published order has it on every line); here an order edit removed the green one unrefunded
    body["line_items"][0]["current_quantity"] = 0
    body["line_items"][2]["current_quantity"] = 1

    [order] = mapped({"order": body}, "shopify")

    assert isinstance(order, ChannelOrder), order
    assert [(ln.sku, ln.qty, ln.refunded) for ln in order.lines] == [
        ("IPOD2008RED", 1, 0),
        ("IPOD2008BLACK", 1, 0),
    ]


def test_shopifys_current_quantity_and_its_refunds_agree_so_nothing_is_taken_off_twice() -> None:
    [order] = mapped(fixture("shopify_orders_2026_07.json"), "shopify")  # both, as published

    assert isinstance(order, ChannelOrder), order
    assert [(ln.sku, ln.qty, ln.refunded) for ln in order.lines] == [("IPOD2008RED", 1, 0)]


def test_a_line_another_service_fulfils_needs_no_sku_to_be_left_out() -> None:
    body = fixture("shopify_orders_2026_07.json")["orders"][0]
    body |= {"refunds": [], "financial_status": "paid"}
    for line in body["line_items"]:
        line["current_quantity"] = line["quantity"]
    body["line_items"][0] |= {"sku": None, "fulfillment_service": "gift_card"}  # a gift card

    [order] = mapped({"order": body}, "shopify")

    assert isinstance(order, ChannelOrder), order
    assert [(ln.sku, ln.qty) for ln in order.lines] == [("IPOD2008RED", 1), ("IPOD2008BLACK", 1)]
