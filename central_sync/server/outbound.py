"""Central's outbound queue to the channels: an outbox, written in the transaction of the change it
reports (no change without its push, no push without its change), sent after the commit by a
sender per channel through the channel's adapter (central_sync/channels/pushes.py).

- `enqueue(tx, channel, kind, key, payload)`: one push per `key` (a second enqueue of the same
  key changes nothing and answers False); the adapter sends a hash of it as `Idempotency-Key`.
- `Outbound.send_due(channel)`: one pass of the channel's sender: the due pushes in queue order
  (a push waits while an earlier one of the same order is not sent), each tried once; a refusal
  or `max_attempts` failed tries make it `failed`, shown on the board (exception
  `channel_push_failed`) with the platform's answer; `retry_now` puts it back in the queue.

States: pending → sent | failed | skipped (the platform has no write-back for it); failed →
pending (retry now). Generic over `kind` ("status" here; the stock figures may reuse it).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from central_sync.channels.pushes import ADAPTERS, Call, Settings, Verdict, idempotency_key
from central_sync.server.attention import raise_exception
from central_sync.server.errors import CentralError
from central_sync.store import channel_pushes as stored
from central_sync.store import exceptions
from central_sync.store.db import Tx, stamp
from kernel.backoff import Backoff

log = logging.getLogger("central.outbound")

ANSWER_MAX = 500  # characters of the platform's answer kept (and shown)
STATES = ("pending", "sent", "failed", "skipped")
Clock = Callable[[], datetime]


def push_setting(channel: str, name: str) -> str:
    """The environment variable of one of a channel's push settings."""
    return f"WAREHOUSE_CENTRAL_{channel.upper()}_PUSH_{name.upper()}"


def settings_from(environ: Mapping[str, str] = os.environ) -> dict[str, Settings]:
    """Each channel's push settings; a channel is on when its URL is set and ENABLED is not 0."""
    found = {}
    for channel in ADAPTERS:

        def get(name: str, channel: str = channel) -> str:
            return environ.get(push_setting(channel, name), "").strip()

        url = get("url")
        if url and not url.startswith(("http://", "https://")):
            key = push_setting(channel, "url")
            raise ValueError(f"{key} must be an http:// or https:// URL, not {url!r}")
        enabled = bool(url) and get("enabled").lower() not in ("0", "false", "no", "off")
        found[channel] = Settings(
            url=url.rstrip("/"),
            token=get("token"),
            secret=get("secret"),
            app_key=get("app_key"),
            marketplace_id=get("marketplace_id"),
            location_id=get("location_id"),
            seller_id=get("seller_id"),
            enabled=enabled,
        )
    return found


def enqueue(
    tx: Tx,
    channel: str,
    kind: str,
    key: str,
    payload: Mapping[str, Any],
    *,
    order_id: str | None = None,
    now: str,
) -> bool:
    """Queue one push in the caller's transaction; False when `key` is queued already."""
    text = json.dumps(dict(payload), ensure_ascii=False, separators=(",", ":"))
    return stored.insert_push(tx, channel, kind, key, text, order_id=order_id, now=now)


def pushes(
    tx: Tx, *, state: str | None = None, channel: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """The pushes, newest first, for the API and the board."""
    rows = stored.list_pushes(tx, state=state, channel=channel, limit=limit)
    return [_shown(r) for r in rows]


def _shown(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row) | {"id": int(row["id"]), "payload": json.loads(row["payload"])}
    out["attempts"] = int(row["attempts"])
    return out


def retry_now(tx: Tx, push_id: int, now: str) -> dict[str, Any]:
    """A failed push back in the queue, due now, its tries counted afresh."""
    row = stored.push(tx, push_id)
    if row is None:
        raise CentralError("not_found", what="channel push", key=str(push_id))
    if row["state"] in ("failed", "pending"):
        stored.due_again(tx, push_id, now)
    again = stored.push(tx, push_id)
    assert again is not None  # read above in this transaction
    return _shown(again)


@dataclass
class Outcome:
    verdict: Verdict | None  # None: no answer (connection refused, timed out)
    status: int | None
    answer: str


class Outbound:
    """The senders' logic over central's transactions; `send_due` is one pass for a channel."""

    def __init__(
        self,
        write: Callable[[], AbstractContextManager[Tx]],
        read: Callable[[], AbstractContextManager[Tx]],
        settings: Mapping[str, Settings],
        *,
        clock: Clock = lambda: datetime.now(UTC),
        max_attempts: int = 8,
        base_s: float = 2.0,
        cap_s: float = 600.0,
        timeout_s: float = 10.0,
        poll_s: float = 1.0,
    ) -> None:
        self.write, self.read = write, read
        self.settings = dict(settings)
        self.clock = clock
        self.max_attempts = max_attempts
        self.base_s, self.cap_s, self.timeout_s = base_s, cap_s, timeout_s
        self.poll_s = poll_s

    def channels(self) -> list[str]:
        """The channels whose sender runs."""
        return sorted(c for c, s in self.settings.items() if s.enabled)

    def send_due(self, channel: str, *, limit: int = 50) -> int:
        """Try each due push of the channel once; returns how many were tried."""
        settings = self.settings[channel]
        if not settings.enabled:
            return 0
        claimed = self._claim(channel, limit)
        if not claimed:
            return 0
        stalled: set[str] = set()  # orders with a push not sent in this pass: the rest waits
        tried = 0
        with httpx.Client(base_url=settings.url, timeout=self.timeout_s) as client:
            for row in claimed:
                if row["order_id"] in stalled:
                    continue
                tried += 1
                if self._send_one(client, channel, settings, row) not in ("sent", "skipped"):
                    stalled.add(row["order_id"])
        return tried

    def _claim(self, channel: str, limit: int) -> list[dict[str, Any]]:
        """The due pushes, each leased (next_at moved past the call's timeout) so that another
        pass or process does not take it meanwhile: a row another took first is left out. An idle
        queue costs one read, no write."""
        now = self.clock()
        lease = stamp(now + timedelta(seconds=self.timeout_s * 3))
        with self.read() as tx:
            rows = stored.due_pushes(tx, channel, stamp(now), limit)
        if not rows:
            return []
        with self.write() as tx:
            return [dict(r) for r in rows if stored.lease(tx, r["id"], r["next_at"], lease)]

    def _send_one(
        self, client: httpx.Client, channel: str, settings: Settings, row: Mapping[str, Any]
    ) -> str:
        """Try one push; its new state."""
        adapter = ADAPTERS[channel]
        payload = json.loads(row["payload"])
        call = adapter.render(row["kind"], payload, settings, stamp(self.clock()))
        if call is None:
            why = adapter.unsupported.get(str(payload.get("status")), "no write-back for this")
            return self._record(row, channel, Outcome(None, None, why), skipped=True, call=None)
        outcome = self._post(client, call, str(row["dedupe_key"]), adapter.judge)
        return self._record(row, channel, outcome, skipped=False, call=call)

    def _post(
        self, client: httpx.Client, call: Call, key: str, judge: Callable[[int, str], Verdict]
    ) -> Outcome:
        headers = call.headers | {"Idempotency-Key": idempotency_key(key)}
        try:
            response = client.request(
                call.method, call.path, json=call.json, data=call.form, headers=headers
            )
        except httpx.HTTPError as exc:
            return Outcome(None, None, f"no answer: {exc.__class__.__name__}: {exc}"[:ANSWER_MAX])
        text = response.text[:ANSWER_MAX]
        verdict = judge(response.status_code, response.text)
        return Outcome(verdict, response.status_code, text)

    def _record(
        self,
        row: Mapping[str, Any],
        channel: str,
        outcome: Outcome,
        *,
        skipped: bool,
        call: Call | None,
    ) -> str:
        now = self.clock()
        attempts = int(row["attempts"]) + (0 if skipped else 1)
        if skipped:
            state = "skipped"
        elif outcome.verdict == "sent":
            state = "sent"
        elif outcome.verdict == "refused" or attempts >= self.max_attempts:
            state = "failed"
        else:
            state = "pending"
        delay = Backoff(self.base_s, self.cap_s, attempts=max(attempts - 1, 0)).next_delay()
        with self.write() as tx:
            stored.record_try(
                tx,
                row["id"],
                state=state,
                attempts=attempts,
                next_at=stamp(now + timedelta(seconds=delay)),
                answer=outcome.answer,
                answer_status=outcome.status,
                now=stamp(now),
                sent_at=stamp(now) if state == "sent" else None,
            )
            order_id = row["order_id"]
            if state == "failed":
                self._exception(tx, row, channel, outcome, attempts, call)
            elif state == "sent" and row["kind"] == "stock":
                exceptions.resolve_channel_stock_failed(tx, channel, stamp(now))
            elif state == "sent" and order_id:
                exceptions.resolve_channel_order_failed(tx, channel, order_id, stamp(now))
        api = call.api if call else "-"
        log.log(
            logging.WARNING if state == "failed" else logging.INFO,
            "push %s to %s (%s) for order %s: %s (try %d, %s)",
            row["id"],
            channel,
            api,
            row["order_id"],
            state,
            attempts,
            outcome.status or outcome.answer[:80],
        )
        return state

    def _exception(
        self,
        tx: Tx,
        row: Mapping[str, Any],
        channel: str,
        outcome: Outcome,
        attempts: int,
        call: Call | None,
    ) -> None:
        payload = json.loads(row["payload"])
        answer = f"HTTP {outcome.status}: " if outcome.status else ""
        if row["kind"] == "stock":  # channel_stock.py: one exception per channel, the latest
            detail = (
                f"{channel} did not take the stock figure {payload['available']} of SKU"
                f" {payload['sku']} by {call.api if call else '-'} after {attempts} tries; its"
                f" answer: {answer}{outcome.answer}. Fix the cause (the channel's settings, the"
                f" SKU's listing id), then retry it: POST /api/v1/channel-pushes/{row['id']}/retry"
                " (the SKU's next figure replaces it)."
            )
            raise_exception(tx, "channel_push_failed", channel, detail)
            return
        what = f"{row['kind']} {payload.get('status', '')}".strip()
        tracking = payload.get("tracking_number")
        detail = (
            f"{channel} did not take the {what} write-back of order {row['order_id']}"
            f"{f' (tracking {tracking})' if tracking else ''} by {call.api if call else '-'}"
            f" after {attempts} tries; its answer: {answer}{outcome.answer}. Fix the cause"
            f" (the channel's settings, the order on the channel), then retry it:"
            f" POST /api/v1/channel-pushes/{row['id']}/retry."
        )
        raise_exception(tx, "channel_push_failed", channel, detail, order_id=row["order_id"])
