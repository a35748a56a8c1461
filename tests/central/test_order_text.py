"""A channel's order holds text by the edge's rules (central_sync/server/order_text.py): an order
id, SKU, name or address with a control character, a right-to-left override or 100 KB is
refused alone, naming the order and the field in English and Chinese, while the rest of the
batch is taken; the buyer's and seller's notes are kept, cleaned and cut."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from central_sync.channels import sample_path
from central_sync.cli import cli
from central_sync.server.central import Central
from tests.central.support import channel_order

Headers = dict[str, str]
pytestmark = pytest.mark.usefixtures("catalogue")
RLO = "\u202e"
INVISIBLE_EN = (
    "a control or invisible character: correct it on the channel and send the order again"
)
INVISIBLE_ZH = "这是控制字符或不可见字符：请在渠道上改正后重新发送该订单"


def order_with(coid: str, **change: Any) -> dict[str, Any]:
    order = channel_order(coid, ("TEA-0001", 1))
    for key, value in change.items():
        if key == "sku":
            order["lines"][0]["sku"] = value
        elif key in order["ship_to"]:
            order["ship_to"][key] = value
        else:
            order[key] = value
    return order


BAD = [
    (order_with("2001", sku=f"TEA-{RLO}0001"), "lines[0].sku", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    (order_with(f"20{RLO}02"), "channel_order_id", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    (order_with("2003", name="Li\x07 Lei"), "ship_to.name", "U+0007 (Cc)"),
    (order_with("2004", address=f"1 Century Ave {RLO}evA"), "ship_to.address", "U+202E"),
    (order_with("2005", customer_ref="buyer\x00"), "customer_ref", "U+0000 (Cc)"),
]


def test_an_order_with_invisible_text_is_refused_alone_in_both_languages(
    client: TestClient, admin: Headers, central: Central
) -> None:
    huge = order_with("2006", address="世" * 100_000)
    good = order_with("2000")
    batch = [good, *(order for order, _, _ in BAD), huge]

    resp = client.post("/api/v1/orders", json={"orders": batch}, headers=admin)

    body = resp.json()
    assert (resp.status_code, body["imported"], body["rejected"]) == (200, 1, len(BAD) + 1)
    refused = body["orders"][1:]
    for (_, field, char), outcome in zip(BAD, refused, strict=False):
        assert (outcome["status"], outcome["field"]) == ("rejected", field), outcome
        assert char in outcome["reason"] and INVISIBLE_EN in outcome["reason"], outcome
        assert char in outcome["reason_zh"] and INVISIBLE_ZH in outcome["reason_zh"], outcome
    assert refused[1]["channel_order_id"] == "20\\u202e02"  # named, never repeated as it came
    assert (refused[-1]["field"], refused[-1]["channel_order_id"]) == ("ship_to.address", "2006")
    assert refused[-1]["reason_zh"].startswith("超过该字段允许的 500 个字符")
    assert [o["channel_order_id"] for o in central.orders()] == ["2000"]


def test_one_order_refused_for_its_text_names_the_field_in_the_readers_language(
    client: TestClient, admin: Headers, central: Central
) -> None:
    order, field, char = BAD[0]

    zh = client.post("/api/v1/orders", json=order, headers=admin | {"Accept-Language": "zh-CN"})

    body = zh.json()
    assert (zh.status_code, body["code"]) == (422, "order_rejected")
    assert body["detail"] == body["messages"]["zh"]
    assert body["messages"]["zh"].startswith(f"订单 2001 被拒绝：{field}：含有 {char}")
    assert body["messages"]["en"].startswith(f"Order 2001 was refused: {field}: holds {char}")
    assert central.orders() == []


def test_a_note_with_invisible_characters_or_100_kb_is_kept_cleaned_and_cut(
    client: TestClient, admin: Headers, central: Central
) -> None:
    note = "请\u200b放门口\x07\n谢谢" + "。" * 100_000
    order = order_with("2010", buyer_note=note, seller_note=f"VIP{RLO}")

    resp = client.post("/api/v1/orders", json=order, headers=admin)

    assert resp.status_code == 201, resp.json()
    taken = central.order(resp.json()["id"])
    assert taken["buyer_note"] == "请放门口\n谢谢" + "。" * 992 + "…"
    assert len(taken["buyer_note"]) == 1000
    assert taken["seller_note"] == "VIP"


def test_import_orders_names_each_refused_order_in_both_languages_and_takes_the_rest(
    db_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["catalog", "sample", "--db", db_url]).exit_code == 0
    export = json.loads(sample_path("taobao").read_text(encoding="utf-8"))
    export["trades"][0]["orders"][0]["outer_sku_id"] = f"STA-{RLO}0021"
    export["trades"][1]["receiver_name"] = "王\x1b[2J小明"
    export["trades"][2]["buyer_message"] = "\x00" * 100_000 + "请尽快发货"
    path = tmp_path / "taobao.json"
    path.write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")

    done = runner.invoke(cli, ["import-orders", str(path), "--channel", "taobao", "--db", db_url])

    assert done.exit_code == 3, done.output
    assert "taobao.json: 8 imported (8 unassigned), 0 duplicates, 6 rejected" in done.output
    sku = f"lines[0].sku: holds U+202E (RIGHT-TO-LEFT OVERRIDE), {INVISIBLE_EN}"
    name = f"ship_to.name: holds U+001B (Cc), {INVISIBLE_EN}"
    lines = done.output.splitlines()
    assert f"rejected: order 0 (3791208772841904627): {sku}" in lines
    assert "  订单 3791208772841904627 被拒绝：lines[0].sku：含有 U+202E" in done.output
    assert any(line.startswith("rejected: order 1 (") and line.endswith(name) for line in lines)
    assert "ship_to.name：含有 U+001B (Cc)，" + INVISIBLE_ZH in done.output
