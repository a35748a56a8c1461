"""Central's exception webhook: board exceptions a person must hear of at once (an order waiting
for review past its threshold) pushed to one configured target — a generic JSON POST, a DingTalk
custom robot (signed) or a WeCom group robot, the shapes the edge pushes (kernel/robots.py).

The push is queued in the transaction that opens the exception (`queue_exception`) and sent after
the commit by `ExceptionPusher.send_due` (serve runs it in the background): each push until the
target takes it, with back-off while it fails; a target that is down or slow never holds up
intake. Settings (environment): WAREHOUSE_CENTRAL_EXCEPTION_WEBHOOK_URL, ..._KIND (json,
dingtalk, wecom; default json), ..._SECRET (a DingTalk robot's signing secret)."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from central_sync.store import exception_pushes as store
from central_sync.store.db import Tx, stamp
from kernel.backoff import window
from kernel.robots import KINDS, accepted, robot_body, target_url

log = logging.getLogger("central.exception_push")

PREFIX = "WAREHOUSE_CENTRAL_EXCEPTION_WEBHOOK_"
URL_ENV, KIND_ENV, SECRET_ENV = f"{PREFIX}URL", f"{PREFIX}KIND", f"{PREFIX}SECRET"
ANSWER_MAX = 300


@dataclass(frozen=True)
class Target:
    url: str = ""
    kind: str = "json"
    secret: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.url)


def target_from(environ: Mapping[str, str] = os.environ) -> Target:
    """The webhook from the environment (none when the URL is unset); a bad value names its key."""
    url = environ.get(URL_ENV, "").strip()
    kind = environ.get(KIND_ENV, "").strip().lower() or "json"
    secret = environ.get(SECRET_ENV, "").strip()
    if url and not url.startswith(("http://", "https://")):
        raise ValueError(f"{URL_ENV} must be an http:// or https:// URL, not {url!r}")
    if kind not in KINDS:
        raise ValueError(f"{KIND_ENV} must be one of {', '.join(KINDS)}, not {kind!r}")
    if secret and kind != "dingtalk":
        raise ValueError(f"{SECRET_ENV} is for a dingtalk robot only: leave it empty for {kind}")
    return Target(url, kind, secret)


def queue_exception(
    tx: Tx,
    *,
    key: str,
    kind: str,
    where: str,
    order_id: str | None,
    detail: str,
    detail_zh: str,
    now: str,
) -> bool:
    """Queue the push of a new board exception, in the transaction that opens it."""
    payload = {
        "key": key,
        "type": "exception.opened",
        "source": "warehouse-central",
        "kind": kind,
        "where": where,
        "order_id": order_id,
        "detail": detail,
        "detail_zh": detail_zh,
        "at": now,
    }
    return store.enqueue(tx, key, None, payload, now)


def markdown(payload: Mapping[str, Any]) -> tuple[str, str]:
    """A title and a markdown text (both languages) for a group robot."""
    title = f"异常 Exception: {payload['kind']} {payload.get('order_id') or ''}".strip()
    lines = [f"### {title}", f"- where 来源: {payload['where']}"]
    if payload.get("order_id"):
        lines.append(f"- order 订单: {payload['order_id']}")
    lines += [
        f"- 详情: {str(payload['detail_zh'])[:400]}",
        f"- detail: {str(payload['detail'])[:400]}",
        f"- at: {payload['at']}",
    ]
    return title, "\n".join(lines)


class ExceptionPusher:
    """The sender over central's transactions; `send_due` is one pass."""

    def __init__(
        self,
        write: Callable[[], AbstractContextManager[Tx]],
        read: Callable[[], AbstractContextManager[Tx]],
        target: Target,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        base_s: float = 2.0,
        cap_s: float = 600.0,
        timeout_s: float = 10.0,
        poll_s: float = 1.0,
    ) -> None:
        self.write, self.read, self.target, self.clock = write, read, target, clock
        self.base_s, self.cap_s, self.timeout_s, self.poll_s = base_s, cap_s, timeout_s, poll_s

    def send_due(self, *, limit: int = 50) -> int:
        """Try each due push once (stopping at the first failure: the target is down, the rest
        waits its back-off); returns how many were tried."""
        if not self.target.enabled:
            return 0
        now = self.clock()
        with self.read() as tx:
            rows = store.due(tx, stamp(now), limit)
        if not rows:
            return 0
        until = stamp(now + timedelta(seconds=self.timeout_s * 3))
        with self.write() as tx:
            claimed = [r for r in rows if store.lease(tx, int(r["id"]), r["next_at"], until)]
        tried = 0
        with httpx.Client(timeout=self.timeout_s) as client:
            for row in claimed:
                tried += 1
                if not self._send_one(client, row):
                    break
        return tried

    def _send_one(self, client: httpx.Client, row: Mapping[str, Any]) -> bool:
        payload = json.loads(row["payload"])
        title, text = markdown(payload)
        kind = self.target.kind
        now = self.clock()
        # the robot checks the signature's time against its own clock: the wall clock's
        url = target_url(kind, self.target.url, int(time.time() * 1000), self.target.secret)
        answer = ""
        try:
            resp = client.post(url, json=robot_body(kind, title, text, payload))
            try:
                parsed: Any = resp.json()
            except ValueError:
                parsed = None
            if not accepted(kind, resp.status_code, parsed):
                answer = f"HTTP {resp.status_code}: {resp.text[:200]}"
        except httpx.HTTPError as exc:
            answer = f"{type(exc).__name__}: {exc}"[:ANSWER_MAX] or type(exc).__name__
        attempts = int(row["attempts"]) + 1
        sent = not answer
        wait = window(attempts - 1, self.base_s, self.cap_s)
        with self.write() as tx:
            store.record(
                tx,
                int(row["id"]),
                sent=sent,
                attempts=attempts,
                next_at=stamp(now + timedelta(seconds=wait)),
                answer=answer[:ANSWER_MAX],
                now=stamp(now),
            )
        if not sent:
            log.log(
                logging.WARNING if attempts == 1 else logging.DEBUG,
                "exception push %s failed (try %d), retrying in %.0f s: %s",
                payload["key"],
                attempts,
                wait,
                answer,
            )
        return sent
