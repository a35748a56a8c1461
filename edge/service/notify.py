"""The exception watch: a background sweep that opens exceptions for overdue causes, and the sender
that pushes every queued change of an exception to the configured webhooks — each target once per
change, retried with back-off while it fails, after the commit and outside the writer, so a
webhook that is down or slow never holds up the floor."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from edge.config import Settings, WebhookSettings
from edge.domain.exceptions import DeviceReport
from edge.domain.push import accepted, body_for, dingtalk_url
from edge.service.exceptions import DeviceWatch, push_event, sweep_exceptions
from edge.store import exceptions as exc_store
from edge.store.database import Store
from edge.store.ledger import utc
from kernel.backoff import window

if TYPE_CHECKING:
    import httpx

log = logging.getLogger("edge.notify")


async def deliver(client: httpx.AsyncClient, target: WebhookSettings, event: dict[str, Any]) -> str:
    """POST one change to one target; '' if it took it, else why not."""
    import httpx  # loaded with the first webhook's client (ExceptionWatch), not at start-up

    url = target.url
    if target.kind == "dingtalk":
        url = dingtalk_url(url, int(time.time() * 1000), target.secret)
    try:
        resp = await client.post(url, json=body_for(target.kind, event))
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:300] or type(exc).__name__
    try:
        answer: Any = resp.json()
    except ValueError:
        answer = None
    if accepted(target.kind, resp.status_code, answer):
        return ""
    return f"HTTP {resp.status_code}: {resp.text[:200]}"


async def push_due(store: Store, settings: Settings, client: httpx.AsyncClient | None) -> int:
    """Send every change whose back-off has passed to the targets that have not taken it yet.
    Returns how many changes were fully delivered. A target that fails is not tried again in
    the same round: one that is down costs one try a round, not one per change waiting. With no
    webhook configured the changes are done at once and `client` (then None) is not used."""
    targets = {t.name: t for t in settings.webhooks}
    if targets and client is None:
        raise ValueError("webhooks are configured: push_due needs a client to send with")
    conn = store.read()
    done_count = 0
    broken: set[str] = set()
    for row in exc_store.due_pushes(conn, utc(datetime.now(UTC))):
        event = push_event(conn, row, store.edge_id)
        missing = [t for name, t in targets.items() if name not in row["pushed"]]
        waiting = [t for t in missing if t.name not in broken]
        if missing and not waiting:
            continue  # its targets failed this round already: due again next round
        sends = [deliver(client, t, event) for t in waiting] if client else []  # none: no targets
        errors = await asyncio.gather(*sends)
        broken |= {t.name for t, e in zip(waiting, errors, strict=True) if e}
        pushed = row["pushed"] + [t.name for t, e in zip(waiting, errors, strict=True) if not e]
        failed = [f"{t.name}: {e}" for t, e in zip(waiting, errors, strict=True) if e]
        done = not failed and len(waiting) == len(missing)
        wait = window(
            row["push_attempts"], settings.notify.retry_base_s, settings.notify.retry_cap_s
        )
        next_at = utc(datetime.now(UTC) + timedelta(seconds=wait)) if failed else None
        error = "; ".join(failed)
        if failed:  # said once per change, then quietly retried (/metrics counts what waits)
            log.log(
                logging.WARNING if row["push_attempts"] == 0 else logging.DEBUG,
                "exception %s push failed, retrying with back-off: %s",
                row["exception_id"],
                error,
            )
        await store.writer.run(
            partial(
                exc_store.push_progress,
                event_id=row["id"],
                pushed=pushed,
                done=done,
                error=error,
                next_at=next_at,
            )
        )
        done_count += int(done)
    return done_count


class ExceptionWatch:
    """The sweep (every `notify.sweep_s`) and the sender (every `poll_s`) as two tasks; the
    sender's round also tells the supervisors' screens (`tell`) of each exception opened since."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        tell: Callable[[dict[str, Any]], None] = lambda _: None,
        poll_s: float = 1.0,
        devices: Callable[[], list[DeviceReport]] = list,
    ) -> None:
        self.store, self.settings, self.poll_s, self.tell = store, settings, poll_s, tell
        self.devices = DeviceWatch(devices)
        self.tasks: list[asyncio.Task[None]] = []
        # made with the first round when a webhook is configured: without one, httpx (3 MB of
        # the server's memory) is never loaded
        self.client: httpx.AsyncClient | None = None
        self.told = exc_store.last_event_id(store.read())  # only those opened from now on

    async def start(self) -> None:
        self.tasks = [
            asyncio.create_task(self._every(self.settings.notify.sweep_s, self._sweep)),
            asyncio.create_task(self._every(self.poll_s, self._push)),
        ]

    async def _sweep(self) -> None:
        down = self.devices.conditions(self.store.read(), self.settings)
        made = await sweep_exceptions(self.store, self.settings, down)
        if made["opened"] or made["cleared"]:
            log.info("exceptions opened %s, cleared %s", made["opened"], made["cleared"])

    async def _push(self) -> None:
        for opened in exc_store.opened_since(self.store.read(), self.told):
            self.told = opened.pop("event_id")
            self.tell(opened)
        if self.client is None and self.settings.webhooks:
            import httpx  # only once a webhook is configured: an edge without one never loads it

            self.client = httpx.AsyncClient(timeout=self.settings.notify.timeout_s, trust_env=False)
        await push_due(self.store, self.settings, self.client)

    async def _every(self, every_s: float, step: Any) -> None:
        while True:
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bad round is logged; the next one tries again
                log.exception("exception watch round failed")
            await asyncio.sleep(every_s)

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.client is not None:
            await self.client.aclose()
