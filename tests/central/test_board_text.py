"""The board's words in both languages, and central's own sentences (why an order is unassigned,
what a late edge event means) in Chinese when the board is read in Chinese."""

from __future__ import annotations

import re

import pytest

from central_sync.server.assign import choose_warehouse
from central_sync.server.board_text import translated

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
