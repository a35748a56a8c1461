"""The channels' stock figures pushed (channel_stock.py on outbound.py's queue) to a real HTTP
listener on 127.0.0.1 playing each platform: in its own call, the latest figure of a SKU once,
retried while the platform is down, and from a running central within seconds of the edge event."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from central_sync.channels.pushes import md5_sign
from central_sync.server.app import create_app
from central_sync.server.central import Central
from central_sync.server.channel_stock import stock_push_channels
from tests.central.platforms import Platform
from tests.central.support import EdgeSide, product
from tests.central.test_channel_pushes import Clock, wire

LISTINGS = {"shopify": "808950810", "taobao": "520000001:3100001", "jd": "100012043978"}


@pytest.fixture
def platform() -> Iterator[Platform]:
    up = Platform().start()
    yield up
    up.stop()


def stock_on(central: Central, channel: str, url: str) -> Clock:
    """The channel's sender pointed at `url`, its figures pushed (as _PUSH_STOCK=1 does)."""
    clock = wire(central, channel, url)
    settings = central.outbound.settings[channel]
    central.outbound.settings[channel] = replace(
        settings, location_id="655441491", seller_id="A2SELLER"
    )
    central.stock_pushes = (channel,)
    return clock


def listed(
    central: Central, client: TestClient, admin: dict[str, str], channel: str, **rule: Any
) -> None:
    """TEA-0001 in the catalogue with the channel's listing id for it."""
    assert central.settle(10)
    client.post("/api/v1/products", json={"products": [product("TEA-0001")]}, headers=admin)
    sku_rule = {"sku": "TEA-0001", "listing": LISTINGS.get(channel, "")} | rule
    resp = client.put(
        f"/api/v1/channels/{channel}/stock-rules", json={"skus": [sku_rule]}, headers=admin
    )
    assert resp.status_code == 200, resp.text


def stock_pushes(central: Central, channel: str) -> list[dict[str, Any]]:
    return [p for p in central.channel_pushes(channel=channel) if p["kind"] == "stock"]


def test_the_push_setting_turns_a_channels_stock_figures_on() -> None:
    environ = {"WAREHOUSE_CENTRAL_JD_PUSH_STOCK": "1", "WAREHOUSE_CENTRAL_TAOBAO_PUSH_STOCK": "0"}

    assert stock_push_channels(environ, ["amazon", "jd", "shopify", "taobao"]) == ("jd",)


def test_shopify_gets_the_figure_as_inventory_levels_set_at_its_location(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    stock_on(central, "shopify", platform.url)
    listed(central, client, admin, "shopify", cap_pct=80)

    edge.receive("TEA-0001", 10)
    assert central.settle(10)
    assert central.outbound.send_due("shopify") == 1

    [call] = platform.seen
    assert (call.method, call.path) == ("POST", "/admin/api/2024-10/inventory_levels/set.json")
    assert call.json == {"location_id": 655441491, "inventory_item_id": 808950810, "available": 8}
    assert call.headers["X-Shopify-Access-Token"] == "tok-1"
    # the 0 published when the rule was set (no stock yet) was superseded before the pass
    assert [(p["payload"]["available"], p["state"]) for p in stock_pushes(central, "shopify")] == [
        (8, "sent"),
        (0, "skipped"),
    ]


def test_amazon_gets_the_merchant_fulfilled_quantity_by_patch_listings_item(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    stock_on(central, "amazon", platform.url)
    listed(central, client, admin, "amazon", safety_stock=2)

    edge.receive("TEA-0001", 10)
    assert central.settle(10)
    central.outbound.send_due("amazon")

    [call] = platform.seen
    assert (call.method, call.path) == (
        "PATCH",
        "/listings/2021-08-01/items/A2SELLER/TEA-0001?marketplaceIds=ATVPDKIKX0DER",
    )
    assert call.json["patches"] == [
        {
            "op": "replace",
            "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 8}],
        }
    ]


@pytest.mark.parametrize(
    ("channel", "path", "method", "expected"),
    [
        (
            "taobao",
            "/router/rest",
            "taobao.item.quantity.update",
            {"num_iid": "520000001", "sku_id": "3100001", "quantity": "10", "type": "1"},
        ),
        ("jd", "/routerjson", "jingdong.stock.write.updateSkuStock", None),
    ],
)
def test_taobao_and_jd_get_the_figure_in_their_signed_router_call(
    channel: str,
    path: str,
    method: str,
    expected: dict[str, str] | None,
    central: Central,
    client: TestClient,
    admin: dict[str, str],
    edge: EdgeSide,
    platform: Platform,
) -> None:
    platform.ok_body = '{"ok": {}}'
    stock_on(central, channel, platform.url)
    listed(central, client, admin, channel)

    edge.receive("TEA-0001", 10)
    assert central.settle(10)
    central.outbound.send_due(channel)

    [call] = platform.seen
    form = call.form
    assert (call.path, form["method"]) == (path, method)
    signed = {k: v for k, v in form.items() if k != "sign"}
    assert form["sign"] == md5_sign("app-secret", signed)
    if expected is not None:
        assert {k: form[k] for k in expected} == expected
    else:
        assert form["360buy_param_json"] == '{"skuId":"100012043978","stockNum":10}'


def test_only_the_latest_figure_of_a_sku_is_sent_and_only_once(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    stock_on(central, "shopify", platform.url)
    listed(central, client, admin, "shopify")

    edge.receive("TEA-0001", 10)
    assert central.settle(10)
    edge.receive("TEA-0001", 5)  # before the sender's pass: the 10 is superseded
    assert central.settle(10)
    central.outbound.send_due("shopify")
    central.outbound.send_due("shopify")

    assert [s.json["available"] for s in platform.seen] == [15]
    states = sorted(
        (p["payload"]["available"], p["state"]) for p in stock_pushes(central, "shopify")
    )
    assert states == [(0, "skipped"), (10, "skipped"), (15, "sent")]


def test_a_platform_failing_gets_the_figure_again_after_the_back_off_and_applies_it_once(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    clock = stock_on(central, "jd", platform.url)
    listed(central, client, admin, "jd")
    platform.fail_next = 2
    platform.ok_body = '{"ok": {}}'

    edge.receive("TEA-0001", 4)
    assert central.settle(10)
    for _ in range(3):
        central.outbound.send_due("jd")
        clock.advance(120)

    assert len(platform.seen) == 3
    assert len(platform.applied) == 1
    assert [p["state"] for p in stock_pushes(central, "jd")] == ["sent", "skipped"]


def test_a_sku_without_a_listing_id_is_skipped_with_what_to_set(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    stock_on(central, "taobao", platform.url)
    listed(central, client, admin, "taobao", listing="")

    edge.receive("TEA-0001", 3)
    assert central.settle(10)
    central.outbound.send_due("taobao")

    push = stock_pushes(central, "taobao")[0]
    assert platform.seen == []
    assert push["state"] == "skipped"
    assert "skus[].listing" in push["answer"] and "num_iid" in push["answer"]


def test_a_running_central_pushes_a_picked_units_figure_within_seconds(
    central: Central, admin: dict[str, str], platform: Platform
) -> None:
    stock_on(central, "shopify", platform.url)
    with TestClient(create_app(central)) as client:  # its senders run, as serve's do
        edge = EdgeSide(client, "edge-1", central.add_edge("edge-1"))
        listed(central, client, admin, "shopify")
        start = time.monotonic()
        edge.receive("TEA-0001", 6)
        while not platform.seen and time.monotonic() - start < 10:
            time.sleep(0.05)
        took = time.monotonic() - start

    assert [s.json["available"] for s in platform.seen] == [6]
    assert took < 5


def test_a_refused_figure_shows_on_the_board_naming_the_sku_until_a_figure_is_taken(
    central: Central, client: TestClient, admin: dict[str, str], edge: EdgeSide, platform: Platform
) -> None:
    from central_sync.server.board_text import translated

    stock_on(central, "shopify", platform.url)
    listed(central, client, admin, "shopify")
    platform.mode = "refuse"
    platform.refusal = '{"errors": "inventory item not stocked at the location"}'
    edge.receive("TEA-0001", 4)
    assert central.settle(10)
    central.outbound.send_due("shopify")
    [exc] = client.get("/api/v1/exceptions", headers=admin).json()

    platform.mode = "up"
    edge.receive("TEA-0001", 1)  # the next figure supersedes the refused one and is taken
    assert central.settle(10)
    central.outbound.send_due("shopify")

    assert (exc["kind"], exc["edge_id"], exc["order_id"]) == (
        "channel_push_failed",
        "shopify",
        None,
    )
    assert exc["detail"].startswith(
        "shopify did not take the stock figure 4 of SKU TEA-0001 by inventoryLevelSet after 1 tries;"
        ' its answer: HTTP 422: {"errors": "inventory item not stocked at the location"}.'
    )
    assert translated(exc["detail"], "zh").startswith(
        "shopify 未接受单品 TEA-0001 的库存数值 4（inventoryLevelSet），已尝试 1 次"
    )
    assert client.get("/api/v1/exceptions", headers=admin).json() == []
    assert [s.json["available"] for s in platform.seen] == [4, 5]
