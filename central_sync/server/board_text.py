"""Every word of the order board and its login page, in English and Simplified Chinese. The board's
HTML names them `{{key}}`; the page's script gets the same table as JSON for what it writes."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from importlib import resources
from typing import Any

from fastapi import Request

from kernel.messages import normalise_language

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Central order board",
        "login_title": "Central order board: log in",
        "login_hint": "Paste the admin token (printed by <code>warehouse-central init</code>).",
        "token": "Admin token",
        "log_in": "Log in",
        "not_admin": "That is not the admin token.",
        "log_out": "Log out",
        "other_language": "中文",
        "loading": "loading…",
        "status": "Status",
        "warehouse": "Warehouse",
        "all": "all",
        "exceptions": "Exceptions",
        "no_exceptions": "None open.",
        "kind": "Kind",
        "what_to_do": "What happened and what to do",
        "since": "Since",
        "exc_late_event": "late event",
        "exc_not_acknowledged": "order not taken by its edge",
        "exc_duplicate_assignment": "order at two warehouses",
        "exc_refund_after_release": "refund after release",
        "exc_address_after_shipment": "new address after shipment",
        "exc_address_unreadable": "new address not readable",
        "edges": "Edges",
        "edge": "Edge",
        "name": "Name",
        "high_water": "High water (epoch/seq)",
        "last_event": "Last event arrived",
        "behind": "Behind",
        "last_heard": "Last heard",
        "state": "State",
        "orders": "Orders",
        "by_step": "Orders by step",
        "col_todo": "To do",
        "col_picking": "Picking",
        "col_packing": "Packing",
        "col_shipped": "Shipped",
        "col_after_sales": "After-sales",
        "col_on_hold": "On hold",
        "channel": "Channel",
        "channel_order": "Channel order",
        "order": "Order id",
        "tracking": "Tracking",
        "handed_over": "Handed over",
        "reason": "Reason",
        "updated": "Updated",
        "never": "never",
        "seconds": "{n} s",
        "refreshed": "updated {time}, every {n} s",
        "unreachable": "central unreachable ({error}); retrying",
        "st_unassigned": "unassigned",
        "st_released": "released",
        "st_picking": "picking",
        "st_picked": "picked",
        "st_packed": "packed",
        "st_shipped": "shipped",
        "st_completed": "completed",
        "st_on_hold": "on hold",
        "st_cancelled": "cancelled",
        "state_in_step": "in step",
        "state_catching_up": "catching up",
        "state_quiet": "quiet",
        "st_return_expected": "return expected",
        "st_return_received": "return received",
        "st_return_graded": "return graded",
        "st_closed": "closed",
        "exc_return_not_arrived": "return parcel not arrived",
        "exc_return_unreadable": "return not settled",
        "exc_channel_push_failed": "channel refused a write-back",
        "exc_review_overdue": "order waiting for review too long",
        "held": "Held for review",
        "consignments": "Merged and split",
        "no_consignments": "No order ships merged or split.",
        "consignment": "Shipped as",
        "kind_merged": "merged",
        "kind_split": "split part",
        "orders_in_it": "Orders (units)",
        "no_held": "No order waits for review.",
        "reasons": "Why it is held",
        "total": "Total",
        "release": "Release",
        "cancel_order": "Cancel order",
        "held_cancel_reason": "Why cancel this order? (the channel is told)",
        "refused": "Refused: {detail}",
        "write_backs": "Write-backs the channels refused",
        "no_write_backs": "None refused.",
        "write_back": "Write-back",
        "tries": "Tries",
        "answer": "Channel's answer",
        "retry_now": "Retry now",
        "wb_shipped": "shipped",
        "wb_cancelled": "cancelled",
        "wb_returned": "returned",
        "wb_refunded": "refunded",
        "wb_stock": "stock figure",
        "ats": "Available to sell for the channels",
        "cap_pct": "Cap (share of free stock)",
        "safety_stock": "Safety stock",
        "skus_selling": "SKUs on sale",
        "units_offered": "Units offered",
        "published": "Last published",
        "returns_screen": "Returns and refunds",
        "refunds_due": "Refunds due",
        "no_refunds": "None due.",
        "rma": "RMA",
        "units": "Units to refund",
        "lines": "Lines",
        "returns_title": "Returns and refunds",
        "back_to_board": "Order board",
        "returns": "Return authorisations (RMAs)",
        "no_returns": "None.",
        "return_tracking": "Return tracking",
        "source": "From",
        "expires": "Lapses",
        "created": "Created",
        "cancel": "Cancel",
        "cancel_reason": "Why cancel RMA {rma}?",
        "settle": "Refunded",
        "authorise": "Authorise a return",
        "sku": "SKU",
        "qty": "Qty",
        "authorised_as": "Authorised: {rma}, return tracking {tracking}",
        "rs_authorised": "authorised",
        "rs_received": "received",
        "rs_closed": "closed",
        "rs_cancelled": "cancelled",
        "rs_expired": "expired",
        "grade_resellable": "resellable",
        "grade_damaged": "damaged",
        "grade_destroy": "destroyed",
        "label": "Label",
        "asns_screen": "Advance shipping notices",
        "asns_title": "Advance shipping notices (ASNs)",
        "new_asn": "Announce a delivery",
        "asn_id": "ASN",
        "supplier": "Supplier",
        "expected_date": "Expected",
        "asn_lines_hint": "Lines, one per row: SKU, qty, lot, expiry (YYYY-MM-DD), SSCC",
        "create": "Create",
        "csv_file": "Or a CSV file",
        "upload": "Upload",
        "asns": "ASNs",
        "no_asns": "None.",
        "discrepancies": "Discrepancies",
        "asn_made": "ASN {asn_id} sent to {warehouse}.",
        "asn_unchanged": "ASN {asn_id} was already there, unchanged.",
        "asns_uploaded": "Imported {created} new ASNs ({unchanged} unchanged).",
        "cancel_asn": "Why cancel ASN {asn_id}?",
        "received_of": "received {received}: {accepted} accepted, {quarantined} quarantined, {rejected} rejected",
        "as_open": "open",
        "as_closed": "closed",
        "as_cancelled": "cancelled",
        "exc_asn_discrepancies": "delivery discrepancies",
        "exc_asn_report_unreadable": "ASN close not understood",
        "exc_handover_unreadable": "Handover list not understood",
        "exc_asn_foreign_close": "ASN closed at another warehouse",
    },
    "zh": {
        "title": "中央订单看板",
        "login_title": "中央订单看板：登录",
        "login_hint": "粘贴管理员令牌（由 <code>warehouse-central init</code> 打印）。",
        "token": "管理员令牌",
        "log_in": "登录",
        "not_admin": "这不是管理员令牌。",
        "log_out": "退出登录",
        "other_language": "English",
        "loading": "加载中…",
        "status": "状态",
        "warehouse": "仓库",
        "all": "全部",
        "exceptions": "异常",
        "no_exceptions": "没有未处理的异常。",
        "kind": "类型",
        "what_to_do": "发生了什么，该怎么办",
        "since": "开始时间",
        "exc_late_event": "迟到的事件",
        "exc_not_acknowledged": "订单未被仓库接收",
        "exc_duplicate_assignment": "订单分配到两个仓库",
        "exc_refund_after_release": "发货前后退款",
        "exc_address_after_shipment": "发货后改地址",
        "exc_address_unreadable": "新地址无法解密",
        "edges": "仓库边缘服务器",
        "edge": "边缘服务器",
        "name": "名称",
        "high_water": "已收到（纪元/序号）",
        "last_event": "最近事件到达",
        "behind": "落后",
        "last_heard": "最近联系",
        "state": "同步状态",
        "orders": "订单",
        "by_step": "按环节看订单",
        "col_todo": "待处理",
        "col_picking": "拣货中",
        "col_packing": "打包中",
        "col_shipped": "已发货",
        "col_after_sales": "售后",
        "col_on_hold": "挂起",
        "channel": "渠道",
        "channel_order": "渠道订单号",
        "order": "订单号",
        "tracking": "运单号",
        "handed_over": "交接",
        "reason": "原因",
        "updated": "更新时间",
        "never": "从未",
        "seconds": "{n} 秒",
        "refreshed": "已更新 {time}，每 {n} 秒刷新",
        "unreachable": "无法连接中央服务器（{error}），正在重试",
        "st_unassigned": "未分配",
        "st_released": "已下发",
        "st_picking": "拣货中",
        "st_picked": "已拣货",
        "st_packed": "已打包",
        "st_shipped": "已发货",
        "st_completed": "已完成",
        "st_on_hold": "暂停",
        "st_cancelled": "已取消",
        "state_in_step": "同步正常",
        "state_catching_up": "追赶中",
        "state_quiet": "无活动",
        "st_return_expected": "待退货",
        "st_return_received": "退货已收",
        "st_return_graded": "退货已质检",
        "st_closed": "已关闭",
        "exc_return_not_arrived": "退货包裹未到",
        "exc_return_unreadable": "退货未能结算",
        "exc_channel_push_failed": "渠道拒绝了状态回传",
        "exc_review_overdue": "订单待审核超时",
        "held": "待审核订单",
        "consignments": "合并与拆分发货",
        "no_consignments": "没有合并或拆分发货的订单。",
        "consignment": "发货单",
        "kind_merged": "合并",
        "kind_split": "拆分部分",
        "orders_in_it": "订单（件数）",
        "no_held": "没有待审核的订单。",
        "reasons": "暂停原因",
        "total": "金额",
        "release": "放行",
        "cancel_order": "取消订单",
        "held_cancel_reason": "取消此订单的原因？（将回传渠道）",
        "refused": "未执行：{detail}",
        "write_backs": "渠道拒绝的状态回传",
        "no_write_backs": "没有被拒绝的回传。",
        "write_back": "回传",
        "tries": "尝试次数",
        "answer": "渠道的回复",
        "retry_now": "立即重试",
        "wb_shipped": "发货",
        "wb_cancelled": "取消",
        "wb_returned": "退货",
        "wb_refunded": "退款",
        "wb_stock": "库存数值",
        "ats": "各渠道可售库存",
        "cap_pct": "上限（占可用库存比例）",
        "safety_stock": "安全库存",
        "skus_selling": "在售单品数",
        "units_offered": "可售件数",
        "published": "最近发布",
        "returns_screen": "退货与退款",
        "refunds_due": "待退款",
        "no_refunds": "没有待退款。",
        "rma": "退货授权号",
        "units": "应退件数",
        "lines": "明细",
        "returns_title": "退货与退款",
        "back_to_board": "订单看板",
        "returns": "退货授权（RMA）",
        "no_returns": "没有。",
        "return_tracking": "退货运单号",
        "source": "来源",
        "expires": "失效时间",
        "created": "创建时间",
        "cancel": "取消",
        "cancel_reason": "为什么取消退货授权 {rma}？",
        "settle": "已退款",
        "authorise": "授权退货",
        "sku": "商品编码",
        "qty": "数量",
        "authorised_as": "已授权：{rma}，退货运单号 {tracking}",
        "rs_authorised": "已授权",
        "rs_received": "已收货",
        "rs_closed": "已关闭",
        "rs_cancelled": "已取消",
        "rs_expired": "已失效",
        "grade_resellable": "可再售",
        "grade_damaged": "破损",
        "grade_destroy": "已销毁",
        "label": "面单",
        "asns_screen": "到货通知",
        "asns_title": "到货通知（ASN）",
        "new_asn": "登记一批到货",
        "asn_id": "到货通知号",
        "supplier": "供应商",
        "expected_date": "预计到货",
        "asn_lines_hint": "商品行，每行一条：SKU, 数量, 批号, 有效期（YYYY-MM-DD）, SSCC",
        "create": "创建",
        "csv_file": "或上传 CSV 文件",
        "upload": "上传",
        "asns": "到货通知",
        "no_asns": "没有。",
        "discrepancies": "差异",
        "asn_made": "到货通知 {asn_id} 已发往 {warehouse}。",
        "asn_unchanged": "到货通知 {asn_id} 已存在，未更改。",
        "asns_uploaded": "已导入 {created} 个新的到货通知（{unchanged} 个未更改）。",
        "cancel_asn": "为何取消到货通知 {asn_id}？",
        "received_of": "已收 {received}：接收 {accepted}，隔离 {quarantined}，拒收 {rejected}",
        "as_open": "未关闭",
        "as_closed": "已关闭",
        "as_cancelled": "已取消",
        "exc_asn_discrepancies": "到货差异",
        "exc_asn_report_unreadable": "无法读取的到货关闭报告",
        "exc_handover_unreadable": "无法读取的交接单",
        "exc_asn_foreign_close": "到货通知在其他仓库关闭",
    },
}
# Central's own sentences (central_sync/server/assign.py and apply.py) in Chinese, wherever they
# stand in an order's reason or an exception's detail; a text they do not match (an operator's own
# reason) is shown as written. Statuses inside them are translated with the board's words. The
# lines of a short order go first, while the SKU before `: need` still stands after a space.
# What a write-back to a channel reports, in the sentence of a channel refusing it.
_WRITE_BACK: dict[str, str] = {
    "shipped": "发货",
    "cancelled": "取消",
    "returned": "退货",
    "refunded": "退款",
}
_DISCREPANCY = {
    "over": "多收",
    "short": "短少",
    "unexpected": "非预期商品",
    "wrong_lot": "批号不符",
    "expired": "已过期",
    "short_shelf_life": "剩余保质期不足",
    "damaged": "破损",
}
_DECISION = {"accept": "接收", "reject": "拒收", "quarantine": "隔离"}
_SENTENCES: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    # central_sync/server/asns.py: an ASN closed with discrepancies
    (
        re.compile(r"^ASN (\S+) \((.*?)\) closed at (\S+): "),
        lambda m: f"到货通知 {m[1]}（{m[2]}）已在 {m[3]} 关闭：",
    ),
    (re.compile(r"received although central had cancelled it"), "中心已取消，但仍已收货"),
    (
        re.compile(
            r"\b(over|short|unexpected|wrong_lot|expired|short_shelf_life|damaged) (\S+) × (\d+)"
            r" → (accept|reject|quarantine)"
        ),
        lambda m: f"{_DISCREPANCY[m[1]]} {m[2]} × {m[3]} → {_DECISION[m[4]]}",
    ),
    (
        re.compile(r"\. Take it up with the supplier, then resolve this\.$"),
        "。请与供应商沟通后处理此项。",
    ),
    (re.compile(r"no warehouse is registered"), "尚未注册任何仓库"),
    (
        re.compile(r"no single warehouse has every line \(orders are not split\)"),
        "没有一个仓库拥有全部订单行（订单不拆分）",
    ),
    (
        re.compile(r"(\S+): need (\d+), most available (\d+) \(([^)]*)\)(; )?"),
        lambda m: f"{m[1]}：需要 {m[2]}，最多可用 {m[3]}（{m[4]}）{'；' if m[5] else ''}",
    ),
    (
        re.compile(r"(\S+): need (\d+), none available(; )?"),
        lambda m: f"{m[1]}：需要 {m[2]}，无库存{'；' if m[3] else ''}",
    ),
    (re.compile(r"no warehouse can cover every line; "), "没有仓库能满足全部订单行："),
    # central_sync/server/merge.py, consign.py
    (
        re.compile(
            r"merge window: waits until (\S+) for more orders of this customer and address"
            r" to ship with"
        ),
        lambda m: f"合并窗口：等待至 {m[1]}，与同一客户同一地址的其他订单合并发货",
    ),
    (
        re.compile(r"merge window ended; waits to ship its (\d+) orders together: "),
        lambda m: f"合并窗口已结束；等待 {m[1]} 个订单一起发货：",
    ),
    # central_sync/server/reassigned.py
    (
        re.compile(r"(\S+) shipped order (\S+) before its recall reached it"),
        lambda m: f"边缘服务器 {m[1]} 在撤回送达之前已发出订单 {m[2]}",
    ),
    (
        re.compile(r"; it was waiting unassigned: nothing else to do"),
        "；该订单当时未分配：无需其他操作",
    ),
    (
        re.compile(
            r"; (\S+) holds it too and has picked (\d+) unit\(s\) of it \((\w+)\): stop it"
            r" there \(cancel its copy at the edge\) and put the units back, then resolve this"
        ),
        lambda m: (
            f"；{m[1]} 也持有该订单，已拣 {m[2]} 件（{_status(m[3])}）：请在那里停止该订单"
            "（在边缘服务器取消其副本）并放回货品，然后处理此异常"
        ),
    ),
    (
        re.compile(r"; (\S+), which held it too, has picked nothing of it: its copy is recalled"),
        lambda m: f"；同样持有该订单的 {m[1]} 尚未拣货：其副本已撤回",
    ),
    (
        re.compile(
            r"order (\S+): edge (\S+) sent (\S+) \(epoch (\d+) seq (\d+), at ([^)]*)\) after"
            r" central holds it (\w+); central keeps it \w+ and asked the edge to stop the order"
            r" and put back what it picked \((.*)\)\. Check the put-backs are done at the edge"
            r" \(GET /api/v1/putbacks there\), then resolve this\."
        ),
        lambda m: (
            f"订单 {m[1]}：中央已记为“{_status(m[7])}”之后，边缘服务器 {m[2]} 发来 {m[3]}"
            f"（纪元 {m[4]} 序号 {m[5]}，发生于 {m[6]}）；中央保持“{_status(m[7])}”，并已要求"
            f"边缘服务器停止该订单并放回已拣货品（{m[8].replace('no units picked', '未拣货品')}）。"
            "请在边缘服务器确认放回已完成（那里的 GET /api/v1/putbacks），然后处理此异常。"
        ),
    ),
    (
        re.compile(
            r"the parcel of return (\S+) \(order (\S+), return tracking (\S+)\) has not arrived"
            r" at (\S*) (\d+) days after it was authorised \(([^)]*)\)\. Ask the customer or the"
            r" carrier; cancel it \(POST (\S+)\) if it will not come\."
        ),
        lambda m: (
            f"退货 {m[1]}（订单 {m[2]}，退货运单号 {m[3]}）的包裹在授权（{m[6]}）{m[5]} 天后仍未到达"
            f" {m[4]}。请联系客户或承运商；如不会寄回，请取消（POST {m[7]}）。"
        ),
    ),
    (  # outbound.Outbound._exception, a stock figure
        re.compile(
            r"(\S+) did not take the stock figure (\d+) of SKU (\S+) by (\S+) after (\d+) tries;"
            r" its answer: (.*)\. Fix the cause \(the channel's settings, the SKU's listing id\),"
            r" then retry it: POST (\S+) \(the SKU's next figure replaces it\)\.",
            re.DOTALL,
        ),
        lambda m: (
            f"{m[1]} 未接受单品 {m[3]} 的库存数值 {m[2]}（{m[4]}），已尝试 {m[5]} 次；渠道的回复：{m[6]}。"
            f"请先排除原因（渠道设置、单品的渠道编号），再重试：POST {m[7]}（该单品的下一个数值会取代它）。"
        ),
    ),
    (  # outbound.Outbound._exception
        re.compile(
            r"(\S+) did not take the (\w+) (\w+) write-back of order (\S+?)(?: \(tracking (\S+)\))?"
            r" by (\S+) after (\d+) tries; its answer: (.*)\. Fix the cause \(the channel's"
            r" settings, the order on the channel\), then retry it: POST (\S+)\.",
            re.DOTALL,
        ),
        lambda m: (
            f"{m[1]} 未接受订单 {m[4]} 的{_WRITE_BACK.get(m[3], m[3])}回传"
            f"{f'（运单号 {m[5]}）' if m[5] else ''}（{m[6]}），已尝试 {m[7]} 次；渠道的回复：{m[8]}。"
            f"请先排除原因（渠道设置、渠道上的订单），再重试：POST {m[9]}。"
        ),
    ),
]


def _status(word: str) -> str:
    return TEXT["zh"].get(f"st_{word}", word)


def translated(text: str, lang: str) -> str:
    """One of central's own sentences in `lang` (they are written in English)."""
    if lang != "zh" or not text:
        return text
    for pattern, chinese in _SENTENCES:
        text = pattern.sub(chinese, text)
    return text


def board_in(board: dict[str, Any], lang: str) -> dict[str, Any]:
    """The board's data with central's sentences (reasons, exception details) in `lang`."""
    if lang == "en":
        return board
    held = [
        {**h, "reason": "；".join(r["zh"] for r in h["reasons"])} for h in board.get("held", [])
    ]
    in_review = {h["order_id"]: f"待审核：{h['reason']}。请主管在看板上放行或取消。" for h in held}
    orders = [
        {**o, "hold_reason": in_review.get(o["id"]) or translated(o["hold_reason"], lang)}
        for o in board["orders"]
    ]
    exceptions = [{**x, "detail": translated(x["detail"], lang)} for x in board["exceptions"]]
    return {**board, "orders": orders, "exceptions": exceptions, "held": held}


# Written into the page as they are (they hold markup); every other text is escaped.
MARKUP = {"login_hint"}
_KEY = re.compile(r"\{\{(\w+)\}\}")
# `{{include:screen.css}}`: a file the screens share, put in place before the words are filled.
_INCLUDE = re.compile(r"\{\{include:([\w.]+)\}\}")


def board_language(request: Request) -> str:
    """`?lang=` (the page's language link), else the browser's Accept-Language: en or zh."""
    return normalise_language(
        request.query_params.get("lang") or request.headers.get("accept-language")
    )


def fill(template: str, language: str, /, **values: str) -> str:
    """`template` with each `{{key}}` in `language` (`values` first), `{{lang}}` and `{{other}}`
    the page's language and the other one, and `{{strings}}` every word as JSON."""
    words = TEXT[language]
    values = {"lang": language, "other": other_language(language), **values}

    def word(found: re.Match[str]) -> str:
        key = found.group(1)
        if key in values:
            return html.escape(values[key])
        if key == "strings":  # inside <script>: "</" cannot end it once escaped
            return json.dumps(words, ensure_ascii=False).replace("</", "<\\/")
        return words[key] if key in MARKUP else html.escape(words[key])

    return _KEY.sub(word, template)


def board_html(lang: str, page: str = "board.html") -> str:
    """The board (board.html, package data) or one of its screens (returns_board.html,
    asns_board.html; the parts they share included) in `lang`, with a link to the other
    language."""
    here = resources.files("central_sync.server")
    text = _INCLUDE.sub(
        lambda m: here.joinpath(m[1]).read_text("utf-8"), here.joinpath(page).read_text("utf-8")
    )
    return fill(text, lang)


def other_language(lang: str) -> str:
    return "zh" if lang == "en" else "en"
