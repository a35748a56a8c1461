"""The sync agent's loops: the outbox up (woken by commits), the change feed down (long-poll),
and a watch that raises the offline alert. Both loops share what is known of central (`Link`).

Wake-up on commit: the writer already counts its commits (`Writer.commits`, an int only its
thread changes). While idle the sender looks at that counter every `poll_s` (50 ms; no SQL, no
lock, no change to the writer) and reads the outbox as soon as it moved; it also looks every
`central.sync_interval_s`, which catches events written by another process (the CLI).

Coming back: a side that failed waits out its back-off (up to 30 s), but any answer from central
(the feed's, or a probe's: `GET …/events/high-water` every `probe_s` while central is offline and
the outbox holds events) wakes both sides at once, so a queue starts draining within seconds of
central's return, not at the end of the longest back-off.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from central_sync.agent.appliers import apply_page
from central_sync.agent.client import CentralClient, Refused, Unreachable
from central_sync.agent.status import age_text, parse_utc
from edge.config import CentralSettings, ConfigError, Settings
from edge.domain.errors import EdgeError
from edge.service.expiry import shelf_rules
from edge.store import sync_state
from edge.store.database import Store
from edge.store.ledger import utc
from edge.store.writer import Tx
from kernel.backoff import Backoff
from kernel.logs import quiet_httpx

log = logging.getLogger("central_sync.agent")
FEED_PAGE = 100  # changes per feed page: one writer transaction applies a page, keep it short
CONTACT_SAVE_S = 10.0  # a quiet, healthy link writes its last contact at most this often
STORE_ERRORS = (sqlite3.Error, EdgeError)
# Changes that stop an order here or cut units off it: its pickers may have units to put back.
STOPPING = frozenset(
    {"order_cancelled", "putback_requested", "order_recalled", "order_lines_cancelled"}
)


def load_token(central: CentralSettings) -> str:
    """The edge's bearer token: `central.token`, else the first line of `edge_token_file`."""
    if central.token:
        return str(central.token).strip()
    if central.edge_token_file is None:
        expected = "a token (or central.edge_token_file) when central.url is set"
        raise ConfigError("central.token", expected=expected, got="nothing")
    try:
        token = central.edge_token_file.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            "central.edge_token_file",
            expected="a readable file holding the token",
            got=f"{central.edge_token_file} ({exc.strerror or exc})",
        ) from None
    if not token:
        raise ConfigError(
            "central.edge_token_file",
            expected="a file holding the token",
            got=f"{central.edge_token_file} (empty)",
        )
    return token


class SyncAgent:
    """Sends the outbox to central and applies central's change feed, until stopped."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        *,
        client: CentralClient | None = None,
        poll_s: float = 0.05,
        refused_retry_s: float = 60.0,
        backoff_cap_s: float = 30.0,
        backoff_base_s: float = 0.5,
        probe_s: float = 2.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        central = settings.central
        self.store = store
        if client is None:
            assert central.url is not None  # the edge starts its agent only when central.url is set
            client = CentralClient(central.url, load_token(central), store.edge_id)
        self.client = client
        self.batch_size, self.long_poll_s = central.batch_size, central.long_poll_s
        self.idle_s, self.alert_s = central.sync_interval_s, central.offline_alert_s
        self.poll_s, self.refused_retry_s, self.cap_s = poll_s, refused_retry_s, backoff_cap_s
        self.base_s, self.probe_s = backoff_base_s, probe_s
        self._contact = asyncio.Event()  # set (and replaced) at every answer from central
        self.clock = clock
        self.link = sync_state.load_link(store.read())
        self._attention = {"up": "", "down": ""}
        self._saved_link, self._saved_at = self.link, 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._cursor: int | None = None  # the feed's, read from the store when the loop starts
        # Told (after the commit) the orders a page stopped: cancelled, or put back on request.
        self.on_stopped: Callable[[list[str]], None] | None = None
        self.zone = ZoneInfo(settings.edge.timezone)
        self.shelf = shelf_rules(settings.edge, settings.stock)
        self.returns_location = settings.returns.location

    # --- lifetime ---------------------------------------------------------------------------

    async def start(self) -> None:
        quiet_httpx()  # where no setup_logging did (the demo, tests)
        log.info(
            "sync with central %s: edge %s, %d events queued",
            self.client.url,
            self.store.edge_id,
            (await self._queue())["queued"],
        )
        loops = (
            ("up", self._up),
            ("down", self._down),
            ("watch", self._watch),
            ("probe", self._probe),
        )
        for name, loop in loops:
            self._tasks.append(asyncio.create_task(loop(), name=f"sync-{name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        try:
            await self.store.writer.run(self._save_link)
        except STORE_ERRORS as exc:
            log.error("could not keep the sync state at stop: %s", exc)
        await self.client.close()

    async def sync_once(self) -> dict[str, int]:
        """Send everything queued, then apply the feed until it is empty (no long-poll)."""
        sent = changes = 0
        while (batch := await self._read_batch()) and (n := await self._send(batch)):
            sent += n
        cursor = await asyncio.to_thread(lambda: sync_state.feed_cursor(self.store.read()))
        while True:
            page = await self._exchange(
                "down", self.client.changes(cursor, wait=0, limit=FEED_PAGE)
            )
            cursor = await self._apply(page)
            changes += len(page["changes"])
            if not page["changes"]:
                await self.store.writer.run(self._save_link)
                return {"sent": sent, "changes": changes, "feed_cursor": cursor}

    # --- the two loops ----------------------------------------------------------------------

    async def _forever(self, side: str, step: Callable[[], Awaitable[None]]) -> None:
        """Run `step` again and again; after a failure wait (back-off, or slowly after a
        refusal) and try again. Nothing but cancellation ends this loop."""
        backoff = Backoff(base_s=self.base_s, cap_s=self.cap_s)
        while True:
            contact = self._contact
            try:
                await step()
            except Unreachable:
                await self._back_off(backoff.next_delay(), contact)
                continue
            except Refused:
                delay = self.refused_retry_s
            except STORE_ERRORS as exc:
                log.error("sync %s: the edge store failed: %s; trying again", side, exc)
                delay = backoff.next_delay()
            except Exception:  # noqa: BLE001 - a bug must not end the sync for good
                log.exception("sync %s: unexpected failure; trying again", side)
                delay = backoff.next_delay()
            else:
                backoff.reset()
                continue
            await asyncio.sleep(delay)

    async def _back_off(self, delay: float, contact: asyncio.Event) -> None:
        """Sleep `delay`, or less: until central answers anyone (the other side, a probe)."""
        try:
            await asyncio.wait_for(contact.wait(), delay)
        except TimeoutError:
            pass

    async def _probe(self) -> None:
        """While central is offline and events wait, ask it every `probe_s` whether it is back."""
        while True:
            await asyncio.sleep(self.probe_s)
            if self.link.offline_since is None or not (await self._queue())["queued"]:
                continue
            try:
                await self.client.high_water()
            except (Unreachable, Refused) as exc:
                log.debug("probe: central still not answering: %s", exc)
                continue
            except Exception as exc:  # noqa: BLE001 - the probe must outlive a bad moment
                log.error("sync probe: %s", exc)
                continue
            self._reached("probe")

    # --- up: the outbox ---------------------------------------------------------------------

    async def _up(self) -> None:
        await self._forever("up", self._up_step)

    async def _up_step(self) -> None:
        batch = await self._read_batch()
        if batch:
            await self._send(batch)
        else:
            await self._idle(self.idle_s)

    async def _read_batch(self) -> list[dict[str, Any]]:
        edge_id, limit = self.store.edge_id, self.batch_size
        return await asyncio.to_thread(
            lambda: sync_state.next_batch(self.store.read(), edge_id, limit=limit)
        )

    async def _send(self, batch: list[dict[str, Any]]) -> int:
        """One batch up; the events central now holds are marked delivered. Returns how many."""
        high_water = await self._exchange("up", self.client.send_events(batch))

        def mark(tx: Tx) -> int:
            marked = sync_state.mark_delivered(tx, high_water)
            self._save_link(tx)
            return marked

        marked = await self.store.writer.run(mark)
        first, last = batch[0], batch[-1]
        log.debug(
            "sent epoch %d seq %d-%d: %d marked delivered",
            first["epoch"],
            first["seq"],
            last["seq"],
            marked,
        )
        if marked == 0 and not _covers(high_water, first):
            detail = f"central answered high water {high_water}, below epoch {first['epoch']}"
            self._refused("up", Refused(200, "high_water_behind", f"{detail} seq {first['seq']}"))
            raise Refused(200, "high_water_behind", detail)
        return marked

    async def _idle(self, seconds: float) -> None:
        """Wait until the writer commits something, or `seconds` pass."""
        seen, deadline = self.store.writer.commits, time.monotonic() + seconds
        while time.monotonic() < deadline and self.store.writer.commits == seen:
            await asyncio.sleep(self.poll_s)

    # --- down: the change feed --------------------------------------------------------------

    async def _down(self) -> None:
        await self._forever("down", self._down_step)

    async def _down_step(self) -> None:
        if self._cursor is None:
            self._cursor = await asyncio.to_thread(
                lambda: sync_state.feed_cursor(self.store.read())
            )
        started = time.monotonic()
        ask = self.client.changes(self._cursor, wait=self.long_poll_s, limit=FEED_PAGE)
        page = await self._exchange("down", ask)
        self._cursor = await self._apply(page)
        if not page["changes"] and time.monotonic() - started < 1.0:
            await asyncio.sleep(self.idle_s)  # central did not hold the poll: do not spin

    async def _apply(self, page: dict[str, Any]) -> int:
        changes, following = page["changes"], page["next"]
        if not changes:
            await self._maybe_save()
            return int(following)

        def apply(tx: Tx) -> dict[str, int]:
            counts = apply_page(
                tx, changes, following, shelf=self.shelf, returns_location=self.returns_location
            )
            self._save_link(tx)
            return counts

        counts = await self.store.writer.run(apply)
        stopped = [
            str(c.get("order_id") or (c.get("data") or {}).get("order_id"))
            for c in changes
            if c.get("type") in STOPPING
        ]
        if stopped and self.on_stopped is not None:
            try:
                self.on_stopped(stopped)
            except Exception as exc:  # noqa: BLE001 - telling the floor must not stop the feed
                log.error("could not tell the pickers of stopped orders %s: %s", stopped, exc)
        log.info(
            "applied %d changes from central (%d refused), feed cursor %d",
            counts["applied"],
            counts["refused"],
            following,
        )
        return int(following)

    # --- what is known of central -----------------------------------------------------------

    async def _exchange(self, side: str, call: Any) -> Any:
        """Await one call to central, keeping the link's state from its outcome."""
        try:
            answer = await call
        except Unreachable as exc:
            self._unreachable(str(exc))
            raise
        except Refused as exc:
            self._refused(side, exc)
            raise
        self._reached(side)
        return answer

    def _reached(self, side: str) -> None:
        now = self.clock()
        was = self.link
        if self._attention.get(side):
            log.info("central accepts the %s side again", side)
            self._attention[side] = ""
        self._contact.set()  # wake whoever backs off: central answers again
        self._contact = asyncio.Event()
        self.link = replace(
            was,
            last_contact_at=utc(now),
            offline_since=None,
            alerted_at=None,
            attention=self._attention_text(),
        )
        since = parse_utc(was.offline_since)
        if since is not None:
            gone = age_text((now - since).total_seconds())
            log.info(
                "central %s reachable again after %s offline%s",
                self.client.url,
                gone,
                " (alert cleared)" if was.alerted_at else "",
            )

    def _unreachable(self, error: str) -> None:
        now = utc(self.clock())
        if self.link.offline_since is None:
            log.info(
                "central %s unreachable (%s); events wait in the outbox", self.client.url, error
            )
        else:
            log.debug("central still unreachable: %s", error)
        self.link = replace(
            self.link,
            offline_since=self.link.offline_since or now,
            last_error=error,
            last_error_at=now,
        )

    def _refused(self, side: str, exc: Refused) -> None:
        log.error(
            "central refused the %s side: HTTP %d %s: %s; a person must look "
            "(retrying every %.0f s)",
            side,
            exc.status,
            exc.code,
            exc.detail,
            self.refused_retry_s,
        )
        self._attention[side] = f"{side}: HTTP {exc.status} {exc.code}: {exc.detail}"
        now = utc(self.clock())
        self._reached_quietly(now)
        self.link = replace(
            self.link, last_error=str(exc), last_error_at=now, attention=self._attention_text()
        )

    def _reached_quietly(self, now: str) -> None:
        """A refusal is an answer: central is up, whatever it thinks of the request."""
        if self.link.offline_since:
            log.info("central %s reachable again", self.client.url)
        self.link = replace(self.link, last_contact_at=now, offline_since=None, alerted_at=None)

    def _attention_text(self) -> str:
        return "; ".join(text for text in self._attention.values() if text)

    def _save_link(self, tx: Tx) -> None:
        sync_state.save_link(tx, self.link)
        self._saved_link, self._saved_at = self.link, time.monotonic()

    async def _maybe_save(self) -> None:
        """Persist the link when it changed beyond the contact time, or that is getting old."""
        changed = replace(self.link, last_contact_at=None) != replace(
            self._saved_link, last_contact_at=None
        )
        stale = self.link != self._saved_link and time.monotonic() - self._saved_at > CONTACT_SAVE_S
        if changed or stale:
            await self.store.writer.run(self._save_link)

    async def _watch(self) -> None:
        """Raise the alert once an outage passes `central.offline_alert_s`; keep the link saved."""
        while True:
            await asyncio.sleep(1.0)
            try:
                await self._alert_if_due()
                await self._maybe_save()
            except Exception as exc:  # noqa: BLE001 - the watch must outlive a bad moment
                log.error("sync watch: %s", exc)

    async def _alert_if_due(self) -> None:
        since, now = parse_utc(self.link.offline_since), self.clock()
        if since is None or self.link.alerted_at or (now - since).total_seconds() < self.alert_s:
            return
        queue = await self._queue()
        local = since.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S %Z")
        log.warning(
            "ALERT: central %s unreachable since %s (%s); %d events queued",
            self.client.url,
            local,
            age_text((now - since).total_seconds()),
            queue["queued"],
        )
        self.link = replace(self.link, alerted_at=utc(now))

    async def _queue(self) -> dict[str, Any]:
        return await asyncio.to_thread(lambda: sync_state.queue(self.store.read()))


def _covers(high_water: list[dict[str, int]], event: dict[str, Any]) -> bool:
    return any(m["epoch"] == event["epoch"] and m["seq"] >= event["seq"] for m in high_water)
