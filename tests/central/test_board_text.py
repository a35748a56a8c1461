"""The board's words in both languages, and central's own sentences (why an order is unassigned,
what a late edge event means) in Chinese when the board is read in Chinese."""

from __future__ import annotations

import re

import pytest

from central_sync.server.assign import choose_warehouse
from central_sync.server.board_text import translated
from central_sync.server.returns import not_arrived

ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")


@pytest.mark.parametrize(
    ("need", "available", "edges", "chinese"),
    [
        ({"TEA-1": 1}, {}, [], "尚未注册任何仓库"),
        (
            {"TEA-1": 2, "TEA-2": 1},
            {("e1", "TEA-1"): 2, ("e2", "TEA-2"): 1},
            ["e1", "e2"],
            "没有一个仓库拥有全部订单行（订单不拆分）",
        ),
        (
            {"TEA-1": 3, "TEA-2": 4},
            {("e1", "TEA-1"): 1},
            ["e1"],
            "没有仓库能满足全部订单行：TEA-1：需要 3，最多可用 1（e1）；TEA-2：需要 4，无库存",
        ),
    ],
)
def test_why_central_cannot_assign_an_order_reads_in_chinese(
    need: dict[str, int], available: dict[tuple[str, str], int], edges: list[str], chinese: str
) -> None:
    reason = choose_warehouse(need, available, edges).reason

    assert (translated(reason, "zh"), translated(reason, "en")) == (chinese, reason)


def test_a_reason_central_did_not_write_is_shown_as_written() -> None:
    assert translated("buyer changed their mind", "zh") == "buyer changed their mind"


def test_a_return_parcel_not_arrived_reads_in_chinese() -> None:
    row = {
        "rma": "RMA-000001",
        "order_id": "shop:1",
        "tracking_number": "RT0123456789",
        "warehouse": "edge-1",
        "created_at": "2026-11-26T12:00:00.000000Z",
    }
    detail = not_arrived(row, 14)

    chinese = translated(detail, "zh")

    assert chinese == (
        "退货 RMA-000001（订单 shop:1，退货运单号 RT0123456789）的包裹在授权"
        "（2026-11-26T12:00:00.000000Z）14 天后仍未到达 edge-1。请联系客户或承运商；"
        "如不会寄回，请取消（POST /api/v1/returns/RMA-000001/cancel）。"
    )
    assert translated(detail, "en") == detail


def test_a_channel_refusing_a_write_back_reads_in_chinese() -> None:
    detail = (
        "shopify did not take the status shipped write-back of order shopify:S6 (tracking"
        ' SF1000000001) by fulfillmentCreate after 1 tries; its answer: HTTP 422: {"errors":'
        ' "closed. Sorry"}. Fix the cause (the channel\'s settings, the order on the channel),'
        " then retry it: POST /api/v1/channel-pushes/7/retry."
    )

    assert translated(detail, "zh") == (
        "shopify 未接受订单 shopify:S6 的发货回传（运单号 SF1000000001）（fulfillmentCreate），"
        '已尝试 1 次；渠道的回复：HTTP 422: {"errors": "closed. Sorry"}。'
        "请先排除原因（渠道设置、渠道上的订单），再重试：POST /api/v1/channel-pushes/7/retry。"
    )
    assert translated(detail, "en") == detail


def test_a_delivery_s_discrepancies_read_in_chinese() -> None:
    detail = (
        "ASN ASN-1 (Fujian Tea Co.) closed at edge-1: received although central had cancelled"
        " it; expired TEA-0001 × 4 → quarantine; short TEA-0002 × 2 → accept. Take it up with"
        " the supplier, then resolve this."
    )

    assert translated(detail, "zh") == (
        "到货通知 ASN-1（Fujian Tea Co.）已在 edge-1 关闭：中心已取消，但仍已收货; 已过期 TEA-0001 × 4"
        " → 隔离; 短少 TEA-0002 × 2 → 接收。请与供应商沟通后处理此项。"
    )
    assert translated(detail, "en") == detail
