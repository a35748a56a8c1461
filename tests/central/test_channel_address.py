"""A channel's update carrying a new ship-to for an order central already has (Shopify's
orders/updated, an export imported again) readdresses the order through amend.py, on both
stores. The update is Shopify's own published example: shopify-api-ruby 2026_07 order_test
`test_33` ("123 Ship Street", tests/fixtures/channels/README.md), of the order `test_1` lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from central_sync.channels import ChannelOrder, load_mapping, map_document
from central_sync.channels.pii import TableDecrypter
from central_sync.server.catalogue import ProductIn
from central_sync.server.central import Central
from central_sync.server.orders import ShipTo
from tests.central.support import EdgeSide

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "channels"
ORDER_ID = "shopify:450789469"
IPODS = ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]


def body(name: str) -> dict[str, Any]:
    """The channel's order in the common shape, mapped from the published example."""
    [order] = map_document(
        json.loads((FIXTURES / name).read_text(encoding="utf-8")), load_mapping("shopify")
    )
    assert isinstance(order, ChannelOrder), order
    return order.to_json()


def original() -> dict[str, Any]:
    return body("shopify_orders_2026_07.json")  # test_1: Chestnut Street 92, Louisville


def updated() -> dict[str, Any]:
    return body("shopify_order_address_updated.json")  # test_33: 123 Ship Street, Shipsville


def released_order(central: Central, edge: EdgeSide) -> None:
    central.upsert_products([(s, ProductIn(name=s)) for s in IPODS])
    for sku in IPODS:
        edge.receive(sku, 5)
    [taken] = central.ingest([original()])
    assert (taken.status, taken.order_status) == ("imported", "released")


def address_changes(edge: EdgeSide) -> list[dict[str, Any]]:
    return [c["data"] for c in edge.changes(limit=500)["changes"] if c["type"] == "address_changed"]


def test_shopifys_published_address_update_readdresses_the_order_and_its_edges_copy(
    central: Central, edge: EdgeSide
) -> None:
    released_order(central, edge)

    [outcome] = central.ingest([updated()])

    assert (outcome.status, outcome.id, outcome.order_status) == ("updated", ORDER_ID, "released")
    assert outcome.reason is not None and "address updated from shopify" in outcome.reason
    ship_to = central.order(ORDER_ID)["ship_to"]
    assert (ship_to["address"], ship_to["city"], ship_to["name"]) == (
        "123 Ship Street",
        "Shipsville",
        "Bob Norman",
    )
    [change] = address_changes(edge)  # the edge's copy, through the feed, before it packs
    assert change == {"order_id": ORDER_ID, "ship_to": ship_to}
    last = central.order(ORDER_ID)["history"][-1]
    assert (last["source"], last["note"]) == ("shopify", "address changed by shopify")


def test_the_same_update_sent_twice_is_a_duplicate_the_second_time(
    central: Central, edge: EdgeSide
) -> None:
    released_order(central, edge)
    central.ingest([updated()])

    [again] = central.ingest([updated()])

    assert (again.status, again.reason) == ("duplicate", None)
    assert len(address_changes(edge)) == 1


def test_the_original_body_sent_again_is_a_duplicate(central: Central, edge: EdgeSide) -> None:
    released_order(central, edge)

    [again] = central.ingest([original()])

    assert again.status == "duplicate"
    assert address_changes(edge) == []


def test_a_supervisors_correction_is_not_undone_by_the_channels_old_body_sent_again(
    central: Central, edge: EdgeSide
) -> None:
    released_order(central, edge)
    corrected = ShipTo(
        name="Bob Norman", address="Chestnut Street 92, back door", city="Louisville"
    )
    central.change_address(ORDER_ID, corrected)

    [again] = central.ingest([original()])

    assert again.status == "duplicate"
    assert central.order(ORDER_ID)["ship_to"] == corrected.model_dump()
    assert len(address_changes(edge)) == 1  # the supervisor's only


def test_an_update_after_the_order_shipped_opens_an_exception_and_changes_nothing(
    central: Central, edge: EdgeSide
) -> None:
    released_order(central, edge)
    edge.send("order_shipped", order_id=ORDER_ID)
    before = central.order(ORDER_ID)["ship_to"]

    [outcome] = central.ingest([updated()])

    assert outcome.status == "duplicate"
    assert outcome.reason is not None and "after it was shipped" in outcome.reason
    assert central.order(ORDER_ID)["ship_to"] == before
    assert address_changes(edge) == []
    [exc] = [e for e in central.exceptions() if e["kind"] == "address_after_shipment"]
    assert (exc["order_id"], exc["edge_id"]) == (ORDER_ID, "edge-1")
    assert "123 Ship Street" in exc["detail"]


def test_a_new_address_for_an_order_held_for_its_address_releases_it(
    central: Central, edge: EdgeSide
) -> None:
    central.upsert_products([(s, ProductIn(name=s)) for s in IPODS])
    for sku in IPODS:
        edge.receive(sku, 5)
    blank = original() | {"ship_to": {}}
    [held] = central.ingest([blank])
    assert held.order_status == "on_hold"

    [outcome] = central.ingest([updated()])

    assert outcome.status == "updated"
    assert central.order(ORDER_ID)["status"] == "released"


def test_a_new_ship_to_the_decrypter_cannot_open_is_never_given_to_the_order(
    central: Central, edge: EdgeSide
) -> None:
    [order] = map_document(
        json.loads((FIXTURES / "jd_pop_order_search.json").read_text(encoding="utf-8")),
        load_mapping("jd"),
    )
    assert isinstance(order, ChannelOrder)
    central.upsert_products([("TEA-0001", ProductIn(name="TEA-0001"))])
    edge.receive("TEA-0001", 5)
    sent = order.ship_to
    central.decrypter = TableDecrypter(
        {
            sent["name"]: "张伟",
            sent["address"]: "北京朝阳区建国路93号",
            sent["phone"]: "13812345678",
        }
    )
    [taken] = central.ingest([order.to_json()])
    assert taken.order_status == "released"
    moved = order.to_json()
    moved["ship_to"] = sent | {
        "address": "$1$QmVpamluZyBIYWlkaWFuIHJvYWQgMQ==$2$"
    }  # not in the table

    [outcome] = central.ingest([moved])

    assert outcome.status == "duplicate"
    assert outcome.reason is not None and "address (ciphertext)" in outcome.reason
    assert central.order(taken.id or "")["ship_to"]["address"] == "北京朝阳区建国路93号"
    assert address_changes(edge) == []
    [exc] = [e for e in central.exceptions() if e["kind"] == "address_unreadable"]
    assert exc["order_id"] == taken.id
