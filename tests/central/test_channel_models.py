"""The Taobao and JD mappings held to the platforms' published API models: no nameable example
*response* of either was found (tests/fixtures/channels/README.md), so every field a mapping reads
is checked against the field names of the SDK models named in tests/fixtures/channels/models/,
and an order built from those names alone goes through the mapping into central on both stores."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from central_sync.channels import ChannelOrder, Mapping, load_mapping, map_document
from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from tests.central.support import EdgeSide

MODELS = Path(__file__).resolve().parents[1] / "fixtures" / "channels" / "models"
TAOBAO = tomllib.loads((MODELS / "taobao_trade.toml").read_text(encoding="utf-8"))
JD = tomllib.loads((MODELS / "jd_order_search.toml").read_text(encoding="utf-8"))


def order_paths(m: Mapping) -> set[tuple[str | int, ...]]:
    """Every path the mapping reads in one order (its status check, order and ship-to fields)."""
    sources = [*m.ready, *m.order.values(), *m.ship_to.values()]
    return {p for s in sources for p in s.paths}


def line_paths(m: Mapping) -> set[tuple[str | int, ...]]:
    return {p for s in m.line.values() for p in s.paths}


def unknown(paths: set[tuple[str | int, ...]], fields: list[str]) -> list[str]:
    return sorted(".".join(map(str, p)) for p in paths if p[0] not in fields)


def test_every_taobao_field_the_mapping_reads_is_a_field_of_the_sdks_trade_or_order() -> None:
    m = load_mapping("taobao")

    assert unknown(order_paths(m), TAOBAO["trade"]) == []
    assert unknown(line_paths(m), TAOBAO["order"]) == []
    # the lines: the SDK's JSON list ("orders") and Taobao's own nesting (XML orders>order)
    assert {tuple(p) for p in m.lines} == {("orders", "order"), ("orders",)}
    assert "orders" in TAOBAO["trade"] and TAOBAO["orders_xml"] == "orders>order"
    assert (TAOBAO["response"], TAOBAO["response_trade"]) == (
        "trade_fullinfo_get_response",
        "trade",
    )
    assert ("trade_fullinfo_get_response", "trade") in {tuple(p) for p in m.orders}


def test_every_jd_field_the_mapping_reads_is_a_field_of_the_sdks_order_search_info() -> None:
    m = load_mapping("jd")
    paths = order_paths(m)
    consignee = {p[1:] for p in paths if p[0] == "consigneeInfo"}

    assert unknown(paths, JD["order_search_info"]) == []
    assert consignee and unknown(consignee, JD["user_info"]) == []
    assert unknown(line_paths(m), JD["item_info"]) == []
    assert {tuple(p) for p in m.lines} == {("itemInfoList",)}
    assert "orderInfoList" in JD["order_result"]
    assert any(p[-1] == "orderInfoList" for p in m.orders)


def from_model(raw: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The raw order, after checking that it uses only the model's field names."""
    assert sorted(set(raw) - set(fields)) == []
    return raw


def taobao_lines() -> list[dict[str, Any]]:
    lines = [
        {"oid": "2001", "outer_sku_id": " TEA-LJ-250 ", "num": 2, "refund_status": "NO_REFUND"},
        {"oid": "2002", "outer_sku_id": "CUP-01", "num": 1, "refund_status": "CLOSED"},
    ]
    return [from_model(x | {"status": "WAIT_SELLER_SEND_GOODS"}, TAOBAO["order"]) for x in lines]


def taobao_trade(lines: list[dict[str, Any]], *, nested: bool) -> dict[str, Any]:
    trade = {
        "tid": "3300112233",
        "status": "WAIT_SELLER_SEND_GOODS",
        "created": "2026-11-20 09:30:00",
        "buyer_nick": "tb_buyer",
        "payment": "158.00",
        "buyer_message": " 请发顺丰 ",
        "seller_memo": "已备赠品",
        "shipping_type": "express",
        "receiver_name": "李雷",
        "receiver_mobile": "13900001111",
        "receiver_phone": "0571-88880000",
        "receiver_state": "浙江省",
        "receiver_city": "杭州市",
        "receiver_district": "西湖区",
        "receiver_address": "文三路 90 号",
        "receiver_zip": "310012",
        "orders": lines,
    }
    from_model(trade, TAOBAO["trade"])
    if nested:  # Taobao's own JSON answer of taobao.trade.fullinfo.get
        return {"trade_fullinfo_get_response": {"trade": trade | {"orders": {"order": lines}}}}
    return {"trades": [trade]}  # the SDK model's JSON: orders a plain list


def stock_up(central: Central, edge: EdgeSide, skus: list[str]) -> None:
    central.upsert_products([(s, ProductIn(name=s)) for s in skus])
    for sku in skus:
        edge.receive(sku, 10)


def test_a_taobao_trade_of_the_models_fields_maps_the_same_nested_or_flat() -> None:
    [nested] = map_document(taobao_trade(taobao_lines(), nested=True), load_mapping("taobao"))
    [flat] = map_document(taobao_trade(taobao_lines(), nested=False), load_mapping("taobao"))

    assert isinstance(nested, ChannelOrder), nested
    assert nested == flat
    assert [(ln.sku, ln.qty) for ln in nested.lines] == [("TEA-LJ-250", 2), ("CUP-01", 1)]
    assert (nested.buyer_note, nested.seller_note) == ("请发顺丰", "已备赠品")
    assert nested.ship_to == {
        "name": "李雷",
        "phone": "13900001111",
        "country": "CN",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "address": "文三路 90 号",
        "postcode": "310012",
    }
    assert (nested.total, nested.ordered_at) == ("158.00", "2026-11-20T01:30:00Z")


def test_a_taobao_trade_of_the_models_fields_is_released_with_its_lines_and_notes(
    central: Central, edge: EdgeSide
) -> None:
    [order] = map_document(taobao_trade(taobao_lines(), nested=True), load_mapping("taobao"))
    assert isinstance(order, ChannelOrder), order
    stock_up(central, edge, ["TEA-LJ-250", "CUP-01"])

    [outcome] = central.ingest([order.to_json()])

    assert (outcome.status, outcome.order_status) == ("imported", "released")
    stored = central.order("taobao:3300112233")
    assert [(ln["sku"], ln["qty"]) for ln in stored["lines"]] == [("TEA-LJ-250", 2), ("CUP-01", 1)]
    assert (stored["buyer_note"], stored["seller_note"]) == ("请发顺丰", "已备赠品")
    assert stored["ship_to"]["address"] == "文三路 90 号"


def test_a_taobao_sub_order_with_a_refund_under_way_holds_the_trade_on_both_shapes(
    central: Central, edge: EdgeSide
) -> None:
    lines = taobao_lines()
    lines[1]["refund_status"] = "WAIT_SELLER_AGREE"  # the Order model's refund_status values
    stock_up(central, edge, ["TEA-LJ-250", "CUP-01"])
    orders = [
        o
        for nested in (True, False)
        for o in map_document(taobao_trade(lines, nested=nested), load_mapping("taobao"))
    ]
    assert orders[0] == orders[1]
    assert isinstance(orders[0], ChannelOrder)

    [outcome] = central.ingest([orders[0].to_json()])

    assert outcome.order_status == "on_hold", outcome
    assert not [c for c in edge.changes()["changes"] if c["type"] == "order_released"]


def jd_order() -> dict[str, Any]:
    consignee = from_model(
        {
            "fullname": "张伟",
            "telephone": "010-66668888",
            "mobile": "13812345678",
            "fullAddress": "北京朝阳区建国路93号",
            "province": "北京",
            "city": "朝阳区",
            "county": "三环到四环之间",
        },
        JD["user_info"],
    )
    items = [
        from_model({"skuId": "1001", "outerSkuId": "TEA-0001", "itemTotal": "2"}, JD["item_info"]),
        from_model({"skuId": "1002", "outerSkuId": " CUP-02 ", "itemTotal": "1"}, JD["item_info"]),
    ]
    order = {
        "orderId": "240018523771",
        "orderState": "WAIT_SELLER_STOCK_OUT",
        "orderStartTime": "2026-11-19 21:04:11",
        "pin": "jd_buyer",
        "deliveryType": "任意时间",
        "orderTotalPrice": "128.00",
        "orderRemark": " 请用纸箱包装 ",
        "venderRemark": "赠品已备",
        "consigneeInfo": consignee,
        "itemInfoList": items,
    }
    return from_model(order, JD["order_search_info"])


def test_a_jd_order_of_the_sdks_fields_is_released_with_its_lines_and_both_remarks(
    central: Central, edge: EdgeSide
) -> None:
    searched = {
        "jingdong_pop_order_search_responce": {
            "searchorderinfo_result": {"orderTotal": 1, "orderInfoList": [jd_order()]}
        }
    }
    [order] = map_document(searched, load_mapping("jd"))
    assert isinstance(order, ChannelOrder), order
    assert [(ln.sku, ln.qty) for ln in order.lines] == [("TEA-0001", 2), ("CUP-02", 1)]
    assert (order.buyer_note, order.seller_note) == ("请用纸箱包装", "赠品已备")
    assert order.ship_to == {
        "name": "张伟",
        "phone": "13812345678",
        "country": "CN",
        "province": "北京",
        "city": "朝阳区",
        "district": "三环到四环之间",
        "address": "北京朝阳区建国路93号",
        "postcode": "",  # JD's UserInfo has no postcode
    }
    export = {"orderList": [jd_order()]}  # a plain export of the same order
    assert list(map_document(export, load_mapping("jd"))) == [order]
    stock_up(central, edge, ["TEA-0001", "CUP-02"])

    [outcome] = central.ingest([order.to_json()])

    assert (outcome.status, outcome.order_status) == ("imported", "released")
    stored = central.order("jd:240018523771")
    assert [(ln["sku"], ln["qty"]) for ln in stored["lines"]] == [("TEA-0001", 2), ("CUP-02", 1)]
    assert (stored["buyer_note"], stored["seller_note"]) == ("请用纸箱包装", "赠品已备")
