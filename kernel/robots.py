"""Group robots and generic webhooks, the shapes both the edge and central push to: a DingTalk
custom robot's markdown message (signed with its secret), a WeCom group robot's markdown message,
or a generic JSON document; and whether the target took it. Pure: the time and the secret are
passed in, sending is the caller's."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote_plus

RobotKind = Literal["json", "dingtalk", "wecom"]
KINDS: tuple[str, ...] = ("json", "dingtalk", "wecom")


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


def target_url(kind: str, url: str, timestamp_ms: int, secret: str | None) -> str:
    """Where a target of `kind` is posted at `timestamp_ms` (a signed DingTalk robot's URL)."""
    return dingtalk_url(url, timestamp_ms, secret) if kind == "dingtalk" else url


def robot_body(kind: str, title: str, text: str, generic: Mapping[str, Any]) -> dict[str, Any]:
    """The body a target of `kind` is sent: a robot's markdown message (DingTalk custom robot,
    open.dingtalk.com "自定义机器人发送群消息"; WeCom group robot, developer.work.weixin.qq.com
    "群机器人配置说明"), else the `generic` JSON document as it is."""
    if kind == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": text}}
    return dict(generic)


def accepted(kind: str, status: int, answer: Any) -> bool:
    """Did the target take it? A 2xx, and for the robots an `errcode` of 0 in the answer."""
    if not 200 <= status < 300:
        return False
    if kind in ("dingtalk", "wecom"):
        return isinstance(answer, dict) and answer.get("errcode") == 0
    return True
