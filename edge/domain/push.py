"""What a webhook is sent for one change of an exception: a generic JSON document, a DingTalk
custom robot's markdown message (signed) or a WeCom group robot's markdown message. Pure: the
time and the secret are passed in; sending is edge/service/notify.py's."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus

from edge.domain.exceptions import kind_of

TITLES = {
    "opened": ("Exception", "异常"),
    "acked": ("Acknowledged", "已确认"),
    "assigned": ("Assigned", "已指派"),
    "resolved": ("Resolved", "已解决"),
}


def push_key(event: Mapping[str, Any]) -> str:
    """The one key of a push: the receiver can drop a second delivery of the same change."""
    return f"{event['edge_id']}:exception:{event['exception_id']}:{event['event_id']}"


def json_body(event: Mapping[str, Any]) -> dict[str, Any]:
    """The generic JSON POST: the change and the exception as the API lists it."""
    return {
        "key": push_key(event),
        "type": f"exception.{event['action']}",
        "edge_id": event["edge_id"],
        "at": event["at"],
        "exception": dict(event["exception"]),
        "note": event.get("note", ""),
    }


def markdown(event: Mapping[str, Any]) -> tuple[str, str]:
    """A title and a markdown text (both languages) for a group robot."""
    e = event["exception"]
    kind = kind_of(e["kind"])
    en, zh = TITLES.get(event["action"], ("Exception", "异常"))
    title = f"{zh} {en}: {e['kind']} #{e['id']}"
    lines = [
        f"### {title}",
        f"- edge: {event['edge_id']}",
        f"- owner 负责人: {e['owner']}",
    ]
    for key in ("order_id", "location", "sku"):
        if e.get(key):
            lines.append(f"- {key}: {e[key]}")
    lines += [
        f"- detail 详情: {str(e['detail'])[:300]}",
        f"- action 处理: {kind.action_zh} {kind.action}",
        f"- where 处理入口: {e['link']}",
    ]
    if event.get("note"):
        lines.append(f"- note 备注: {str(event['note'])[:300]}")
    lines.append(f"- at: {event['at']}")
    return title, "\n".join(lines)


def dingtalk_body(event: Mapping[str, Any]) -> dict[str, Any]:
    """DingTalk custom robot, msgtype markdown (open.dingtalk.com, "自定义机器人发送群消息")."""
    title, text = markdown(event)
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def wecom_body(event: Mapping[str, Any]) -> dict[str, Any]:
    """WeCom (企业微信) group robot, msgtype markdown (developer.work.weixin.qq.com,
    "群机器人配置说明")."""
    _title, text = markdown(event)
    return {"msgtype": "markdown", "markdown": {"content": text}}


def dingtalk_sign(timestamp_ms: int, secret: str) -> str:
    """DingTalk's 加签 (custom robot security setting, "自定义机器人安全设置", open.dingtalk.com):
    HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret, base64, then URL-encoded."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode("ascii"))


def dingtalk_url(url: str, timestamp_ms: int, secret: str | None) -> str:
    """The robot's webhook URL with `timestamp` and `sign` added when it has a secret."""
    if not secret:
        return url
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(timestamp_ms, secret)}"


def body_for(kind: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """The body a target of `kind` (json, dingtalk, wecom) is sent."""
    if kind == "dingtalk":
        return dingtalk_body(event)
    if kind == "wecom":
        return wecom_body(event)
    return json_body(event)


def accepted(kind: str, status: int, answer: Any) -> bool:
    """Did the target take it? A 2xx, and for the robots an `errcode` of 0 in the answer."""
    if not 200 <= status < 300:
        return False
    if kind in ("dingtalk", "wecom"):
        return isinstance(answer, dict) and answer.get("errcode") == 0
    return True
