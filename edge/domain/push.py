"""What a webhook is sent for one change of an exception: a generic JSON document, a DingTalk
custom robot's markdown message (signed) or a WeCom group robot's markdown message. Pure: the
time and the secret are passed in; sending is edge/service/notify.py's. The robots' shapes
and signature are kernel/robots.py's (central's exception webhook sends them too)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edge.domain.exceptions import kind_of
from kernel.robots import accepted, dingtalk_url, robot_body

__all__ = ["accepted", "body_for", "dingtalk_url", "json_body", "push_key"]

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


def body_for(kind: str, event: Mapping[str, Any]) -> dict[str, Any]:
    """The body a target of `kind` (json, dingtalk, wecom) is sent."""
    if kind in ("dingtalk", "wecom"):
        title, text = markdown(event)
        return robot_body(kind, title, text, {})
    return json_body(event)
