"""Central's message catalogue: every error code with its text in English and Simplified Chinese.

Placeholders are `str.format` fields filled from the error's params; a param may be a `Text`
(rendered in the reader's language) and a missing one renders as `?`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kernel.messages import LANGUAGES, Message, fill

# Central's name for the kernel's phrase in both languages.
Text = Message

__all__ = ["CATALOGUE", "LANGUAGES", "PHRASES", "Text", "render"]

CATALOGUE: dict[str, Text] = {
    "review_rules_invalid": Text(
        "The review rules were not changed: {field}: {reason}. Correct it and send the whole "
        "document again (GET /api/v1/review-rules shows the rules in force).",
        "审核规则未修改：{field}：{reason}。请更正后重新提交完整规则（GET /api/v1/review-rules "
        "可查看当前规则）。",
    ),
    "not_in_review": Text(
        "Order {order_id} was never held for review; nothing to release or cancel. Its own "
        "status is on the board (GET /api/v1/orders/{order_id}).",
        "订单 {order_id} 未进入待审核，无可放行或取消的审核。其状态请在看板查看"
        "（GET /api/v1/orders/{order_id}）。",
    ),
    "review_decided": Text(
        "Order {order_id} was {decided} in review already (it is {state} now); it can no longer be "
        "{asked}. Nothing was changed; look at it on the board.",
        "订单 {order_id} 已在审核中{decided_zh}（当前状态 {state}），不能再{asked_zh}。未作任何修改，"
        "请在看板查看。",
    ),
    "invalid_request": Text(
        "The request is not valid: {reason}.",
        "请求无效：{reason}。",
    ),
    "invalid_batch": Text(
        "Event {index} of the batch is not well formed: {field} {problem}. Nothing of the batch "
        "was applied.",
        "批次中第 {index} 个事件格式不正确：{field} {problem}。整个批次均未应用。",
    ),
    "event_mismatch": Text(
        "Event {seq} of epoch {epoch} has id {event_id}, but central already holds {stored} at "
        "that place. Nothing of the batch was applied.",
        "纪元 {epoch} 的事件 {seq} 编号为 {event_id}，但中心在该位置已存有 {stored}。整个批次均未应用。",
    ),
    "event_id_reused": Text(
        "Event id {event_id} (seq {seq} of epoch {epoch}) is already stored as seq {stored_seq} of "
        "epoch {stored_epoch}. Nothing of the batch was applied.",
        "事件编号 {event_id}（纪元 {epoch} 序号 {seq}）已作为纪元 {stored_epoch} 序号 {stored_seq} 存储。"
        "整个批次均未应用。",
    ),
    "sequence_gap": Text(
        "Event {seq} of epoch {epoch} arrived, but central expects seq {expected} next. Send the "
        "missing events first; nothing of the batch was applied.",
        "收到纪元 {epoch} 的事件 {seq}，但中心下一个应收序号为 {expected}。请先发送缺失的事件；"
        "整个批次均未应用。",
    ),
    "webhook_signature_invalid": Text(
        "The {channel} webhook's signature does not check ({reason}); nothing was taken in. "
        "Set {setting} to the app secret {channel} signs its webhooks with.",
        "{channel} webhook 的签名校验未通过（{reason}），未接收任何内容。"
        "请将 {setting} 设为 {channel} 签名所用的应用密钥。",
    ),
    "webhook_not_configured": Text(
        "Central takes no {channel} webhook until its secret is set: set {setting} to the app "
        "secret and restart central.",
        "尚未设置 {channel} webhook 的密钥，中心不接收：请将 {setting} 设为应用密钥并重启中心。",
    ),
    "not_authenticated": Text(
        "A valid token is needed: send Authorization: Bearer <token> ({reason}).",
        "需要有效的令牌：请发送 Authorization: Bearer <令牌>（{reason}）。",
    ),
    "wrong_edge": Text(
        "This token belongs to edge {token_edge}; it cannot use the paths of edge {edge_id}.",
        "此令牌属于边缘节点 {token_edge}，不能访问边缘节点 {edge_id} 的路径。",
    ),
    "admin_only": Text(
        "This needs the admin token; an edge's token cannot do it.",
        "此操作需要管理员令牌；边缘节点的令牌无权执行。",
    ),
    "not_found": Text(
        "{what} {key} does not exist.",
        "{what} {key} 不存在。",
    ),
    "order_rejected": Text(
        "Order {channel_order_id} was refused: {field}: {reason}.",
        "订单 {channel_order_id} 被拒绝：{field}：{reason}。",
    ),
    "order_shipped": Text(
        "Order {order_id} has already shipped (tracking {tracking}); it can no longer be {action}.",
        "订单 {order_id} 已发货（运单号 {tracking}），不能再{action}。",
    ),
    "order_cancelled": Text(
        "Order {order_id} is cancelled; it can no longer be {action}.",
        "订单 {order_id} 已取消，不能再{action}。",
    ),
    "not_shipped": Text(
        "Order {order_id} has not shipped yet (it is {status}); a return can be authorised once "
        "central knows it shipped.",
        "订单 {order_id} 尚未发货（当前状态 {status}）；中心确认发货后才能授权退货。",
    ),
    "rma_exists": Text(
        "RMA {rma} already exists for different lines or another order; choose another RMA number.",
        "退货授权 {rma} 已存在（商品行或订单不同）；请使用其他退货授权号。",
    ),
    "rma_not_open": Text(
        "RMA {rma} is {status}: its parcel has arrived or it is closed, so it can no longer be "
        "cancelled. Settle it through the refund due instead.",
        "退货授权 {rma} 当前为 {status}：包裹已到或已关闭，不能再取消。请通过待退款记录处理。",
    ),
    "return_reason_required": Text(
        "Order {order_id} shipped {days} days ago, past the {limit} days a return of {sku} "
        "(line {line}, category {category}, channel {channel}) needs no reason. Choose a reason "
        "for the return and send it again.",
        "订单 {order_id} 已发货 {days} 天，超过 {sku}（第 {line} 行，品类 {category}，渠道 {channel}）"
        "{limit} 天无理由退货期限。请选择退货原因后重新提交。",
    ),
    "return_window_closed": Text(
        "Order {order_id} shipped {days} days ago; returns of {sku} (line {line}, category "
        "{category}, channel {channel}) are taken for {limit} days only. Contact customer "
        "service if the item is faulty.",
        "订单 {order_id} 已发货 {days} 天；{sku}（第 {line} 行，品类 {category}，渠道 {channel}）"
        "仅在 {limit} 天内可退货。如商品有质量问题，请联系客服。",
    ),
    "self_service_no_match": Text(
        "No shipped order matches that order number and phone. Check the order number on the "
        "packing slip and the last 4 digits of the phone the order was sent to.",
        "没有与该订单号和手机号匹配的已发货订单。请核对装箱单上的订单号及收件手机号后 4 位。",
    ),
    "too_many_attempts": Text(
        "Too many tries that did not match. Wait {retry_after_s} s and try again, or contact "
        "customer service.",
        "未匹配的尝试次数过多。请等待 {retry_after_s} 秒后重试，或联系客服。",
    ),
    "photo_refused": Text(
        "The photo was not taken: {reason}. Send a JPEG or PNG of at most 2 MiB, up to {limit} "
        "photos per return.",
        "照片未被接收：{reason}。请上传不超过 2 MiB 的 JPEG 或 PNG，每个退货最多 {limit} 张。",
    ),
    "asn_unknown_warehouse": Text(
        "Warehouse {warehouse} is not an edge central knows. Address the ASN to a registered "
        "warehouse, or add its edge first (warehouse-central add-edge).",
        "仓库 {warehouse} 不是中心已登记的边缘节点。请将到货通知发往已登记的仓库，或先添加该边缘节点"
        "（warehouse-central add-edge）。",
    ),
    "asn_unknown_sku": Text(
        "Line {line} of ASN {asn_id}: SKU {sku} is not in central's catalogue. Add the product "
        "(POST /api/v1/products) first, then send the ASN again; nothing was stored.",
        "到货通知 {asn_id} 第 {line} 行：SKU {sku} 不在中心商品目录中。请先添加该商品"
        "（POST /api/v1/products）再重新提交；未保存任何内容。",
    ),
    "kit_invalid": Text(
        "Kit {sku} was not stored: {reason}. Correct it and send the kit again; no kit was "
        "changed (GET /api/v1/kits lists the kits in force).",
        "组合装 {sku} 未保存：{reason}。请更正后重新提交；未修改任何组合装"
        "（GET /api/v1/kits 可查看当前组合装）。",
    ),
    "gift_rule_invalid": Text(
        "The gift rule was not stored: {reason}. Correct it and send it again "
        "(GET /api/v1/gift-rules lists the rules).",
        "赠品规则未保存：{reason}。请更正后重新提交（GET /api/v1/gift-rules 可查看规则）。",
    ),
    "asn_sscc_taken": Text(
        "SSCC {sscc} is already expected on ASN {other}: each pallet or carton is on one ASN. "
        "Check the label's number, or cancel ASN {other} first.",
        "SSCC {sscc} 已在到货通知 {other} 中：每个托盘或箱只能属于一个到货通知。请核对标签号码，"
        "或先取消到货通知 {other}。",
    ),
    "asn_csv_refused": Text(
        "Row {row} of the CSV file was refused: {field} {reason} ({bad_rows} bad rows in all). "
        "Nothing of the file was imported; correct the rows and upload the whole file again.",
        "CSV 文件第 {row} 行被拒绝：{field} {reason}（共 {bad_rows} 行有误）。整个文件均未导入；"
        "请更正后重新上传整个文件。",
    ),
    "asn_exists": Text(
        "ASN {asn_id} already exists ({status}) with other contents. Send it unchanged, or cancel "
        "it and send the new delivery under another ASN number.",
        "到货通知 {asn_id} 已存在（{status}）且内容不同。请原样提交，或取消后以新的到货通知号提交。",
    ),
    "asn_not_open": Text(
        "ASN {asn_id} is {status}: only an open ASN can be cancelled.",
        "到货通知 {asn_id} 当前为 {status}：只有未关闭的到货通知可以取消。",
    ),
    "edge_exists": Text(
        "Edge {edge_id} is already registered; its token was printed when it was added.",
        "边缘节点 {edge_id} 已注册；其令牌已在添加时打印。",
    ),
    "unknown_channel": Text(
        "Central sells on no channel named {channel}; use one of: {known}.",
        "中心没有名为 {channel} 的销售渠道；请使用以下之一：{known}。",
    ),
    "cursor_ahead": Text(
        "Cursor {since} is past channel {channel}'s last published figure ({latest}): central's "
        "figures were put back from a backup. Ask again from 0 to take every figure afresh.",
        "游标 {since} 超过了渠道 {channel} 最后发布的数值（{latest}）：中心的数据已从备份恢复。"
        "请从 0 重新获取全部数值。",
    ),
    "database_too_new": Text(
        "The database is at schema version {found}, newer than this program knows ({known}). "
        "Upgrade warehouse-central.",
        "数据库结构版本为 {found}，高于本程序支持的版本（{known}）。请升级 warehouse-central。",
    ),
    "database_busy": Text(
        "Central's database is busy with another program's write (an import or a backup); "
        "nothing was changed. Send the same request again in {retry_after_s} s.",
        "中心数据库正被另一个程序写入（导入或备份）；本次未做任何更改。请在 {retry_after_s} 秒后重新发送同一请求。",
    ),
    "storage_full": Text(
        "Central's disk is full; nothing was saved. Tell IT to free space on the disk holding"
        " central's database, then send the same request again (edges resend by themselves).",
        "中心服务器磁盘已满，本次未保存任何内容。请通知 IT 释放中心数据库所在磁盘的空间，然后重新发送同一请求（边缘服务器会自动重发）。",
    ),
    "internal_error": Text(
        "Something went wrong at central; it is logged as error {error_id}. Try again.",
        "中心发生内部错误，已记录为错误编号 {error_id}。请重试。",
    ),
    "method_not_allowed": Text(
        "{method} is not allowed on {path}; use {allowed}.",
        "{path} 不接受 {method} 请求；请使用 {allowed}。",
    ),
    "request_timeout": Text(
        "The request did not arrive whole within {seconds} s (its headers or its body came too"
        " slowly); check the network and send it again.",
        "请求未能在 {seconds} 秒内完整送达（请求头或请求内容来得太慢）；请检查网络后重新发送。",
    ),
    "request_too_large": Text(
        "The request body is larger than the {limit} bytes central accepts; send less at a time.",
        "请求内容超过中心接受的 {limit} 字节；请分批发送。",
    ),
}

# Phrases used as params (the field problems of a batch, the actions refused on an order).
PHRASES: dict[str, Text] = {
    "missing": Text("is missing", "缺失"),
    "not_text": Text("must be a non-empty text", "须为非空文本"),
    "not_text_or_null": Text("must be a text or null", "须为文本或 null"),
    "not_positive_int": Text("must be a whole number ≥ 1", "须为 ≥ 1 的整数"),
    "not_object": Text("must be an object", "须为对象"),
    "not_list": Text("must be a list", "须为列表"),
    "not_place": Text(
        "must be [location, container, bucket] texts", "须为 [库位, 容器, 库存类别] 文本"
    ),
    "not_timestamp": Text("must be an ISO 8601 time", "须为 ISO 8601 时间"),
    "too_long": Text("is too long", "过长"),
    "too_large": Text("is larger than this field allows", "超出该字段允许的范围"),
    "too_many": Text("has more than 500 events", "超过 500 个事件"),
    "not_this_edge": Text("is not the edge of the path", "与路径中的边缘节点不一致"),
    "out_of_order": Text(
        "is not after the previous event's (epoch, seq)", "未按 (纪元, 序号) 递增"
    ),
    "repeated": Text("appears twice in the batch", "在批次中重复出现"),
    "not_json": Text("is not a JSON object", "不是 JSON 对象"),
    "no_token": Text("no token was sent", "未发送令牌"),
    "no_signature": Text("no signature header was sent", "未发送签名头"),
    "bad_signature": Text("the signature is not the body's", "签名与请求体不符"),
    "unknown_token": Text("the token is not known here", "令牌无效"),
    "no_rows": Text("has no rows under its header", "标题行下没有数据行"),
    "cancelled": Text("cancelled", "取消"),
    "readdressed": Text("given a new address", "修改地址"),
    "reassigned": Text("moved to another warehouse", "改派到其他仓库"),
}


def render(code: str, lang: str, params: Mapping[str, Any]) -> str:
    """The message for `code` in `lang`, with its params filled in."""
    return fill(CATALOGUE[code], lang, params)
