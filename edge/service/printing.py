"""The print spooler: prints the jobs the store holds, after the transaction that queued them.

A workflow queues a job in its own transaction (`edge.store.print_jobs.queue_job`, e.g. with
`packed`) and calls `notify()` once that has committed; a rolled-back transaction leaves no job
to print. The spooler renders each due job, sends it from a worker thread of its own, and
records the outcome through the writer: done (the printer said after the send that the label
came out), or failed with the printer's reason and retried with exponential back-off. No label is
ever dropped: after `max_attempts` a job `needs_attention` (on the station's screen, in
/printers, /metrics and the log) and waits for its printer, tried again at the longest back-off. A printer with jobs waiting, or not
ready, is asked its state every `fault_poll_s`; the moment it reports ready its waiting jobs are
due, whatever their back-off. Nothing on the scan path waits for any of this: a printer that is
off costs a scan nothing.

A printer's jobs print in order (piece 1 of 2 before piece 2): while one waits for its retry,
the printer's later jobs wait behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from edge.devices.printers import CONTENT_TYPES, Printer, PrinterStatus, PrintResult
from edge.store.database import Store
from edge.store.print_jobs import (
    PrintJob,
    due_jobs,
    give_up_interrupted,
    give_up_unknown_printers,
    mark_done,
    mark_failed,
    mark_sent,
    queue_job,
    rearm_waiting,
    reprint,
    waiting_printers,
)
from kernel.backoff import window

log = logging.getLogger("edge.printing")
T = TypeVar("T")

# kind, format, document, the printer's settings (dpi, label size) -> the bytes to send
Render = Callable[[str, str, dict[str, Any], Any], bytes]
OnEvent = Callable[[str, dict[str, Any]], None]
INTERRUPTED = "interrupted while sending; reprint it if no label came out"


def job_name(job: PrintJob) -> str:
    """The name the printer (CUPS, the file sink) shows: kind, order, job id."""
    parts = [job.kind, job.order_id or "", f"job{job.id}"]
    return "-".join(re.sub(r"[^A-Za-z0-9_-]", "_", part) for part in parts if part)


class Spooler:
    """Works off due print jobs; keeps each printer's last known state in `states`."""

    def __init__(
        self,
        store: Store,
        printers: Mapping[str, Printer],
        render: Render,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_attempts: int = 10,
        backoff_initial_s: float = 1.0,
        backoff_max_s: float = 300.0,
        poll_s: float = 1.0,
        status_every_s: float = 30.0,
        fault_poll_s: float = 2.0,
        on_event: OnEvent | None = None,
    ) -> None:
        self._store = store
        self._printers = dict(printers)
        self._render = render
        self._clock = clock
        self.max_attempts = max_attempts
        self._backoff = {"base_s": backoff_initial_s, "cap_s": backoff_max_s}
        self._poll_s, self._status_every_s = poll_s, status_every_s
        self._fault_poll_s = fault_poll_s
        self._on_event = on_event
        # name -> (state, reason); state is one of edge.devices.printers.STATES
        self.states: dict[str, tuple[str, str]] = dict.fromkeys(printers, ("unknown", ""))
        self.printed: dict[str, int] = dict.fromkeys(printers, 0)
        self.failures: dict[str, int] = dict.fromkeys(printers, 0)
        # Threads of our own (a send and a status query per printer at most): a printer hanging
        # on its timeout never starves the app's default pool, nor another printer.
        workers = max(2, 2 * len(self._printers))
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="printer")
        self._busy: set[str] = set()
        self._asking: dict[str, asyncio.Task[None]] = {}  # status queries under way
        self._asked_at: dict[str, float] = {}  # loop time of each printer's last status query
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._round = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Fail the jobs a stop left half-sent and those for printers no longer configured, then
        work off due jobs and watch the printers."""
        self._loop = asyncio.get_running_loop()
        names = list(self._printers)
        interrupted, orphans = await self._store.writer.run(
            lambda tx: (give_up_interrupted(tx, INTERRUPTED), give_up_unknown_printers(tx, names))
        )
        if interrupted:
            log.warning("print jobs %s were cut off by a stop; reprint if needed", interrupted)
        if orphans:
            log.warning("print jobs %s are for printers no longer configured", orphans)
        self._tasks = [
            asyncio.create_task(self._work(), name="print spooler"),
            asyncio.create_task(self._watch(), name="printer status"),
        ]
        log.info("print spooler started for %d printer(s)", len(self._printers))

    async def stop(self, *, timeout: float = 10.0) -> None:
        """Finish the send in hand (up to `timeout`), then stop; safe to call twice."""
        self._stopping.set()
        self._wake.set()
        for task in [*self._tasks, *self._asking.values()]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=timeout)
        self._tasks = []
        self._pool.shutdown(wait=False, cancel_futures=True)

    def notify(self) -> None:
        """A job was committed: look now rather than at the next poll. Safe from any thread."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(self._wake.set)

    async def run_once(self) -> int:
        """Attempt every due job once (each printer's in order); returns how many were due."""
        async with self._round:  # one round at a time, so no job is sent twice
            jobs = due_jobs(self._store.read(), self._clock(), printers=self._printers)
            queues: dict[str, list[PrintJob]] = {}
            for job in jobs:
                queues.setdefault(job.printer, []).append(job)
            await asyncio.gather(*(self._work_queue(name, queue) for name, queue in queues.items()))
            return len(jobs)

    async def _work(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                await self.run_once()
            except Exception:
                log.exception("print spooler round failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_s)

    async def _work_queue(self, name: str, jobs: list[PrintJob]) -> None:
        self._busy.add(name)
        try:
            for job in jobs:
                if self._stopping.is_set() or not await self._print(job):
                    return  # the rest wait behind the failed one
        finally:
            self._busy.discard(name)

    async def _print(self, job: PrintJob) -> bool:
        """One attempt at one job; False when the printer failed it (its queue stops here)."""
        printer = self._printers[job.printer]
        try:
            document, settings = job.document, printer.settings
            data = await self._in_thread(self._render, job.kind, job.format, document, settings)
        except Exception as exc:  # a bad document is this job's fault, not the printer's
            log.exception("print job %d: rendering the %s failed", job.id, job.kind)
            await self._fail(job, f"could not render the {job.kind}: {exc}", retry=False)
            return True
        await self._store.writer.run(lambda tx: mark_sent(tx, job.id))
        result = await self._in_thread(_send, printer, job, data)
        if result.ok:
            await self._store.writer.run(lambda tx: mark_done(tx, job.id))
            self.printed[job.printer] += 1
            log.info("print job %d (%s) printed on %s", job.id, job.kind, job.printer)
            self._job_event(job, "done", "")
            await self._set_state(job.printer, PrinterStatus(True))
            return True
        self.failures[job.printer] += 1
        await self._fail(job, result.reason, retry=True, attempts=job.attempts + 1)
        # It just failed a job, so a "ready" now (the fault cleared at once, or a printer that
        # says ready and fails) shows as the failure: the watch's next ready answer, fault_poll_s
        # from now, is then a change and re-arms the queue — never a tight retry loop.
        status = await self._ask(job.printer)
        await self._set_state(
            job.printer, PrinterStatus(False, reason=result.reason) if status.ready else status
        )
        self._asked_at[job.printer] = asyncio.get_running_loop().time()
        return False

    async def _fail(self, job: PrintJob, reason: str, *, retry: bool, attempts: int = 0) -> None:
        retry_at, attention = None, retry and attempts >= self.max_attempts
        if retry:  # past the budget still tried at the longest back-off, never dropped
            # 1, 2, 4 ... seconds after the first, second, third failure, capped (5 min)
            delay = self._backoff["cap_s"] if attention else window(attempts - 1, **self._backoff)
            retry_at = self._clock() + timedelta(seconds=delay)
        await self._store.writer.run(
            lambda tx: mark_failed(tx, job.id, reason, retry_at, needs_attention=attention)
        )
        if attention:
            log.warning(
                "print job %d on %s needs attention: %s (%d attempts); it prints as soon"
                " as the printer reports ready",
                job.id,
                job.printer,
                reason,
                attempts,
            )
        elif retry_at is None:
            log.error("print job %d on %s failed for good: %s", job.id, job.printer, reason)
        else:
            log.warning(
                "print job %d on %s failed (%s); retry at %s",
                job.id,
                job.printer,
                reason,
                retry_at.isoformat(),
            )
        self._job_event(job, "failed", reason, retry_at=retry_at, needs_attention=attention)

    async def _watch(self) -> None:
        """Ask each idle printer how it is: every `fault_poll_s` while it is not ready or has
        jobs waiting, else every `status_every_s`."""
        loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            try:
                waiting = waiting_printers(self._store.read())
            except Exception:
                log.exception("print spooler: reading the waiting jobs failed")
                waiting = set()
            now = loop.time()
            for name in self._printers:
                if name in self._busy or name in self._asking:
                    continue
                close = name in waiting or self.states[name][0] != "ready"
                every = self._fault_poll_s if close else self._status_every_s
                if now - self._asked_at.get(name, -math.inf) >= every:
                    self._asked_at[name] = now
                    task = asyncio.create_task(self._refresh(name), name=f"printer {name} status")
                    self._asking[name] = task
                    task.add_done_callback(functools.partial(self._forget_asking, name))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._fault_poll_s)

    def _forget_asking(self, name: str, _task: asyncio.Task[None]) -> None:
        """A status query that has finished is no longer under way."""
        self._asking.pop(name, None)

    async def _refresh(self, name: str) -> None:
        await self._set_state(name, await self._ask(name))

    async def _ask(self, name: str) -> PrinterStatus:
        try:
            return await self._in_thread(self._printers[name].status)
        except Exception as exc:  # an adapter bug must not stop the watch
            log.exception("printer %s: status failed", name)
            return PrinterStatus(False, reason=f"status failed: {exc}")

    async def _set_state(self, name: str, status: PrinterStatus) -> None:
        state = (status.state, status.reason)
        before = self.states.get(name)
        if before == state:
            return
        self.states[name] = state
        log.info("printer %s: %s %s", name, *state)
        station = getattr(self._printers[name].settings, "station", "")
        self._emit(
            "printer", {"printer": name, "station": station, "state": state[0], "reason": state[1]}
        )
        if status.ready and not self._stopping.is_set():
            await self._rearm(name)

    async def _rearm(self, name: str) -> None:
        """The printer is ready now: its waiting jobs print now, not when their back-off ends."""
        due = await self._store.writer.run(lambda tx: rearm_waiting(tx, name))
        if due:
            log.info("printer %s is ready: print jobs %s print now", name, due)
            self._wake.set()

    def _job_event(
        self,
        job: PrintJob,
        status: str,
        reason: str,
        *,
        retry_at: datetime | None = None,
        needs_attention: bool = False,
    ) -> None:
        self._emit(
            "print_job",
            {
                "id": job.id,
                "printer": job.printer,
                "station": job.station,
                "kind": job.kind,
                "order_id": job.order_id,
                "parcel_id": job.parcel_id,
                "status": status,
                "reason": reason,
                "retry_at": None if retry_at is None else retry_at.isoformat(),
                "needs_attention": needs_attention,
            },
        )

    def _emit(self, kind: str, body: dict[str, Any]) -> None:
        if self._on_event is not None:
            try:
                self._on_event(kind, body)
            except Exception:
                log.exception("print spooler: the %s listener failed", kind)

    async def _in_thread(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args))


def _send(printer: Printer, job: PrintJob, data: bytes) -> PrintResult:
    """printer.send, with an adapter's unexpected exception turned into a failed result."""
    try:
        return printer.send(data, content_type=CONTENT_TYPES[job.format], job_name=job_name(job))
    except Exception as exc:
        log.exception("printer %s: send failed", job.printer)
        return PrintResult(False, f"printer adapter failed: {exc}")


async def reprint_job(store: Store, spooler: Spooler, job_id: int) -> int:
    """A print job's document again, as a new job; it prints after the commit."""
    new_id = await store.writer.run(lambda tx: reprint(tx, job_id))
    spooler.notify()
    return new_id


async def queue_print(
    store: Store,
    spooler: Spooler,
    *,
    printer: str,
    station: str,
    kind: str,
    format: str,
    document: Any,
) -> int:
    """Queue a document on a printer in one commit; it prints after."""
    job_id = await store.writer.run(
        lambda tx: queue_job(
            tx, printer=printer, station=station, kind=kind, format=format, document=document
        )
    )
    spooler.notify()
    return job_id
