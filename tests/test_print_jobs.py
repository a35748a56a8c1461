"""Print jobs in the store and the spooler that prints them, on real SQLite files, a real 9100
printer on a socket and, for the scan path, the real app."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.api.events import station_channel
from edge.config import PrinterSettings
from edge.devices.printers import ZplTcpPrinter
from edge.domain.errors import EdgeError
from edge.service.printing import INTERRUPTED, Spooler, job_name
from edge.store.database import Store
from edge.store.ledger import utc
from edge.store.print_jobs import (
    PrintJob,
    due_jobs,
    get_job,
    jobs_for_station,
    mark_done,
    mark_failed,
    mark_sent,
    queue_job,
    reprint,
)
from kernel.backoff import window
from tests.printer_fake import WAIT, FakeZebra
from tests.support import EAN13, Floor
from tests.test_pack_api import _settings
from tests.test_stations import next_event

WAYBILL = {"order": "ORD-1001", "piece": 1, "of": 1, "tracking": "EE123456785CN"}


class Clock:
    """The spooler's clock, moved by hand: back-off is waited out without sleeping. It starts
    ahead of the writer's real clock so that jobs queued now are already due."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(hours=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def render(kind: str, fmt: str, document: dict[str, Any], settings: Any) -> bytes:
    """A stand-in for labels/: one ZPL format whose text is the document."""
    assert (kind, fmt) == ("waybill", "zpl")
    width = round(settings.label_width_mm / 25.4 * settings.dpi)
    text = f"{document['order']} {document['piece']}/{document['of']} {document['tracking']}"
    return f"^XA^PW{width}^FO40,40^A0N,40,40^FD{text}^FS^XZ".encode()


def settings_of(port: int) -> PrinterSettings:
    return PrinterSettings(
        name="bench1", kind="zpl-tcp", station="BENCH-1", host="127.0.0.1", port=port
    )


def label(document: dict[str, Any]) -> bytes:
    return render("waybill", "zpl", document, settings_of(9100))


def bench_printer(fake: FakeZebra, **timeouts: float) -> ZplTcpPrinter:
    return ZplTcpPrinter(settings_of(fake.port), **timeouts)


def queue(store: Store, document: dict[str, Any] = WAYBILL, printer: str = "bench1") -> int:
    return store.writer.call(
        lambda tx: queue_job(
            tx, printer=printer, station="BENCH-1", kind="waybill", format="zpl", document=document
        )
    )


def job(store: Store, job_id: int) -> PrintJob:
    return get_job(store.read(), job_id)


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


@contextmanager
def running(spooler: Spooler) -> Iterator[Spooler]:
    """The spooler on an event loop of its own, as the app runs it beside the routes."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="spooler-loop", daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(spooler.start(), loop).result(WAIT)
    try:
        yield spooler
    finally:
        asyncio.run_coroutine_threadsafe(spooler.stop(timeout=WAIT), loop).result(WAIT * 2)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WAIT)
        loop.close()


def spooler_for(store: Store, fake: FakeZebra, clock: Clock, **options: Any) -> Spooler:
    # A poll far in the future: a job prints because notify() woke the spooler, or not at all.
    options = {"poll_s": 3600, "status_every_s": 3600, **options}
    return Spooler(store, {"bench1": bench_printer(fake)}, render, clock=clock, **options)


# --- the store ---


def test_a_queued_job_keeps_its_document_and_waits_for_its_first_attempt(store: Store) -> None:
    job_id = queue(store)

    stored = job(store, job_id)

    assert stored == PrintJob(
        id=job_id,
        printer="bench1",
        station="BENCH-1",
        kind="waybill",
        format="zpl",
        document=WAYBILL,
        order_id=None,
        parcel_id=None,
        status="queued",
        attempts=0,
        last_error="",
        reprint_of=None,
        created_at=stored.created_at,
        updated_at=stored.created_at,
        next_attempt_at=stored.created_at,
    )


def test_a_rolled_back_transaction_leaves_no_job(store: Store) -> None:
    def pack_then_fail(tx: Any) -> None:
        queue_job(
            tx, printer="bench1", station="BENCH-1", kind="waybill", format="zpl", document=WAYBILL
        )
        raise RuntimeError("the scale said no")

    with pytest.raises(RuntimeError):
        store.writer.call(pack_then_fail)

    assert store.read().execute("SELECT count(*) FROM print_jobs").fetchone()[0] == 0


def test_a_job_of_an_unknown_format_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="format must be one of pdf, zpl"):
        store.writer.call(
            lambda tx: queue_job(
                tx, printer="bench1", station="BENCH-1", kind="waybill", format="png", document={}
            )
        )


def test_a_printer_waiting_for_a_retry_holds_up_only_its_own_later_jobs(store: Store) -> None:
    first, second = queue(store), queue(store)
    other = queue(store, printer="bench2")
    later = datetime.now(UTC) + timedelta(minutes=5)
    store.writer.call(lambda tx: (mark_sent(tx, first), mark_failed(tx, first, "paper out", later)))

    now_due = [j.id for j in due_jobs(store.read(), datetime.now(UTC) + timedelta(minutes=1))]
    then_due = [j.id for j in due_jobs(store.read(), later)]
    bench2_only = [j.id for j in due_jobs(store.read(), later, printers=["bench2"])]

    assert (now_due, then_due, bench2_only) == ([other], [first, second, other], [other])


def test_a_reprint_is_a_new_job_with_the_same_document(store: Store) -> None:
    original = queue(store)
    store.writer.call(lambda tx: (mark_sent(tx, original), mark_done(tx, original)))

    copy = store.writer.call(lambda tx: reprint(tx, original))

    made = job(store, copy).created_at
    assert copy != original
    assert job(store, copy) == replace(
        job(store, original),
        id=copy,
        reprint_of=original,
        created_at=made,
        updated_at=made,
        next_attempt_at=made,
        status="queued",
        attempts=0,
    )
    assert [j.id for j in jobs_for_station(store.read(), "BENCH-1")] == [copy, original]


def test_reprinting_a_job_still_waiting_to_print_replaces_it_so_one_label_comes_out(
    store: Store,
) -> None:
    original = queue(store)
    store.writer.call(
        lambda tx: (
            mark_sent(tx, original),
            mark_failed(tx, original, "head open", None, needs_attention=True),
        )
    )

    copy = store.writer.call(lambda tx: reprint(tx, original))

    replaced = job(store, original)
    assert (replaced.status, replaced.last_error, replaced.next_attempt_at) == (
        "failed",
        f"replaced by reprint job {copy}",
        None,
    )
    assert (replaced.needs_attention, job(store, copy).status) == (False, "queued")
    assert [j.id for j in due_jobs(store.read(), datetime.now(UTC) + timedelta(minutes=1))] == [
        copy
    ]


def test_reprinting_a_job_that_does_not_exist_is_refused(store: Store) -> None:
    with pytest.raises(EdgeError) as refused:
        store.writer.call(lambda tx: reprint(tx, 404))

    assert (refused.value.code, refused.value.params) == (
        "not_found",
        {"what": "print_job", "key": "404"},
    )


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 1), (2, 2), (3, 4), (5, 16), (9, 256), (10, 300), (30, 300)],
)
def test_retries_back_off_from_one_second_to_five_minutes(attempts: int, seconds: float) -> None:
    assert window(attempts - 1, base_s=1.0, cap_s=300.0) == seconds


# --- the spooler ---


def test_a_job_prints_only_once_its_transaction_has_committed(store: Store) -> None:
    with FakeZebra() as fake:
        spooler = spooler_for(store, fake, Clock())

        async def scenario() -> tuple[int, int, int]:
            loop = asyncio.get_running_loop()

            def pack(tx: Any) -> tuple[int, int]:
                job_id = queue_job(
                    tx,
                    printer="bench1",
                    station="BENCH-1",
                    kind="waybill",
                    format="zpl",
                    document=WAYBILL,
                )
                seen = asyncio.run_coroutine_threadsafe(spooler.run_once(), loop)
                return job_id, seen.result(WAIT)

            job_id, due_inside = await store.writer.run(pack)
            return job_id, due_inside, await spooler.run_once()

        job_id, due_inside, due_after = asyncio.run(scenario())

        fake.wait_for(lambda: fake.jobs, "the label")
        assert (due_inside, due_after, fake.jobs) == (0, 1, [label(WAYBILL)])
        assert (job(store, job_id).status, job(store, job_id).attempts) == ("done", 1)


def test_a_committed_job_is_printed_when_the_spooler_is_notified(store: Store) -> None:
    events: list[tuple[str, dict[str, Any]]] = []
    listen = {"on_event": lambda kind, body: events.append((kind, body))}
    with FakeZebra() as fake, running(spooler_for(store, fake, Clock(), **listen)) as spooler:
        job_id = queue(store)

        spooler.notify()

        until(lambda: job(store, job_id).status == "done", "the job done")
        # The state is noted just after the job's row: wait for it rather than race it.
        until(lambda: spooler.states["bench1"] == ("ready", ""), "the printer's state")
        assert fake.jobs == [label(WAYBILL)]
        assert (
            "print_job",
            {
                "id": job_id,
                "printer": "bench1",
                "station": "BENCH-1",
                "kind": "waybill",
                "order_id": None,
                "parcel_id": None,
                "status": "done",
                "reason": "",
                "retry_at": None,
                "needs_attention": False,
            },
        ) in events


def test_out_of_paper_the_job_fails_then_prints_once_after_the_back_off(store: Store) -> None:
    clock = Clock()
    retry_at = utc(clock.now + timedelta(seconds=1))
    piece_2 = {**WAYBILL, "piece": 2, "of": 2}
    with FakeZebra() as fake, running(spooler_for(store, fake, clock)) as spooler:
        fake.paper_out = True
        first, second = queue(store), queue(store, piece_2)
        spooler.notify()
        until(lambda: job(store, first).status == "failed", "the first attempt")
        until(lambda: spooler.states["bench1"][0] == "paper_out", "the printer's state")
        failed, waiting = job(store, first), job(store, second)

        fake.paper_out = False
        clock.advance(1)  # the back-off, on the spooler's clock
        spooler.notify()
        until(lambda: job(store, second).status == "done", "both labels")

        assert (failed.status, failed.attempts, failed.last_error) == ("failed", 1, "paper out")
        assert (failed.next_attempt_at, waiting.status, waiting.attempts) == (retry_at, "queued", 0)
        assert fake.jobs == [label(WAYBILL), label(piece_2)]
        assert [
            (j.status, j.attempts, j.last_error) for j in (job(store, first), job(store, second))
        ] == [
            ("done", 2, ""),
            ("done", 1, ""),
        ]
        assert spooler.states["bench1"] == ("ready", "")


def test_a_printer_that_is_off_leaves_its_job_failed_and_waiting_to_retry(store: Store) -> None:
    clock = Clock()
    with FakeZebra() as fake, running(spooler_for(store, fake, clock)) as spooler:
        fake.switch_off()
        job_id = queue(store)

        spooler.notify()

        until(lambda: job(store, job_id).status == "failed", "the failed attempt")
        failed = job(store, job_id)
        assert (failed.attempts, failed.last_error) == (1, "offline: connection refused")
        assert failed.next_attempt_at == utc(clock.now + timedelta(seconds=1))
        until(lambda: spooler.states["bench1"][0] == "offline", "the printer's state")


def test_a_job_past_its_retry_budget_needs_attention_and_prints_once_the_printer_is_ready(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    clock, events = Clock(), []
    listen = {"on_event": lambda kind, body: events.append((kind, body)), "fault_poll_s": 0.05}
    with (
        FakeZebra() as fake,
        running(spooler_for(store, fake, clock, max_attempts=2, **listen)) as spooler,
    ):
        fake.head_open = True
        job_id = queue(store)
        spooler.notify()
        until(
            lambda: job(store, job_id).attempts == 1 and job(store, job_id).status == "failed",
            "the first attempt",
        )
        clock.advance(1)
        spooler.notify()
        until(lambda: job(store, job_id).needs_attention, "the budget spent")
        waiting = job(store, job_id)
        not_yet = (job(store, job_id).status, list(fake.jobs))

        fake.fix(head_open=False)

        until(lambda: job(store, job_id).status == "done", "the label printed")
        assert fake.jobs == [label(WAYBILL)]

    assert (waiting.status, waiting.attempts, waiting.last_error) == ("failed", 2, "head open")
    # Still tried at the longest back-off (5 min); the printer's ready state wakes it sooner.
    assert waiting.next_attempt_at == utc(clock.now + timedelta(seconds=300))
    assert not_yet == ("failed", [])
    assert (job(store, job_id).needs_attention, job(store, job_id).attempts) == (False, 3)
    told = [body for kind, body in events if kind == "print_job"]
    assert [(b["status"], b["needs_attention"]) for b in told] == [
        ("failed", False),
        ("failed", True),
        ("done", False),
    ]
    assert (
        f"print job {job_id} on bench1 needs attention: head open (2 attempts); it prints as soon"
        " as the printer reports ready"
    ) in caplog.messages


def test_a_printer_faulted_mid_back_off_prints_within_seconds_of_becoming_ready(
    store: Store,
) -> None:
    clock = Clock()
    options = {"backoff_initial_s": 300, "fault_poll_s": 0.1}
    with FakeZebra() as fake, running(spooler_for(store, fake, clock, **options)) as spooler:
        fake.paper_out = True
        job_id = queue(store)
        spooler.notify()
        until(lambda: job(store, job_id).status == "failed", "the failed attempt")
        until(lambda: spooler.states["bench1"][0] == "paper_out", "the printer's state")

        fake.fix(paper_out=False)  # paper loaded; the job's back-off has 300 s to go
        loaded = time.monotonic()
        until(lambda: job(store, job_id).status == "done", "the label printed")
        took = time.monotonic() - loaded

    assert took < 5
    assert fake.jobs == [label(WAYBILL)]


def test_paper_running_out_mid_label_leaves_the_job_to_print_again_once(store: Store) -> None:
    piece_2 = {**WAYBILL, "piece": 2, "of": 2}
    with (
        FakeZebra() as fake,
        running(spooler_for(store, fake, Clock(), fault_poll_s=0.05)) as spooler,
    ):
        fake.paper_left = 1  # enough for piece 1 only
        first, second = queue(store), queue(store, piece_2)
        spooler.notify()
        until(lambda: job(store, second).status == "failed", "piece 2 failed")
        cut_short = job(store, second)
        printed_then = list(fake.jobs)

        fake.fix(paper_out=False)

        until(lambda: job(store, second).status == "done", "piece 2 printed")
        assert fake.jobs == [label(WAYBILL), label(piece_2)]  # each once

    assert (job(store, first).status, printed_then) == ("done", [label(WAYBILL)])
    assert (cut_short.attempts, cut_short.last_error) == (1, "paper out while printing")


def test_a_reprint_prints_the_same_label_again(store: Store) -> None:
    with FakeZebra() as fake, running(spooler_for(store, fake, Clock())) as spooler:
        first = queue(store)
        spooler.notify()
        until(lambda: job(store, first).status == "done", "the first print")

        again = store.writer.call(lambda tx: reprint(tx, first))
        spooler.notify()

        until(lambda: job(store, again).status == "done", "the reprint")
        assert fake.jobs == [label(WAYBILL), label(WAYBILL)]


def test_a_job_cut_off_by_a_stop_is_failed_for_a_person_to_reprint(store: Store) -> None:
    job_id = queue(store)
    store.writer.call(lambda tx: mark_sent(tx, job_id))

    with FakeZebra() as fake, running(spooler_for(store, fake, Clock())):
        cut_off = job(store, job_id)

        assert (cut_off.status, cut_off.last_error, cut_off.next_attempt_at) == (
            "failed",
            INTERRUPTED,
            None,
        )
        assert fake.jobs == []


def test_jobs_for_a_printer_no_longer_configured_are_failed_naming_it(store: Store) -> None:
    job_id = queue(store, printer="gone")

    with FakeZebra() as fake, running(spooler_for(store, fake, Clock())):
        orphan = job(store, job_id)

    assert (orphan.status, orphan.last_error) == (
        "failed",
        "printer gone is not configured; reprint on another",
    )


def test_a_document_that_cannot_be_rendered_fails_for_good(store: Store) -> None:
    with FakeZebra() as fake, running(spooler_for(store, fake, Clock())) as spooler:
        job_id = queue(store, {"order": "ORD-1"})

        spooler.notify()

        until(lambda: job(store, job_id).status == "failed", "the failed render")
        failed = job(store, job_id)
        assert (failed.last_error, failed.next_attempt_at, fake.jobs) == (
            "could not render the waybill: 'piece'",
            None,
            [],
        )


def a_parcel(tx: Any) -> None:
    """Order ORD-1001 packed into parcel P-1 (the rows the pack workflow writes)."""
    tx.execute(
        "INSERT INTO orders (id, channel, channel_order_id, status, created_at, updated_at)"
        " VALUES ('ORD-1001', 'web', '1001', 'packed', ?, ?)",
        (tx.at, tx.at),
    )
    tx.execute(
        "INSERT INTO shipments (id, order_id, carrier, status, created_at)"
        " VALUES ('S-1', 'ORD-1001', 'offline', 'open', ?)",
        (tx.at,),
    )
    tx.execute(
        "INSERT INTO parcels (id, shipment_id, piece_no, tracking_no, status)"
        " VALUES ('P-1', 'S-1', 1, 'EE123456785CN', 'packed')"
    )


def test_a_printed_waybill_marks_its_parcels_label_printed(store: Store) -> None:
    def pack(tx: Any) -> int:
        a_parcel(tx)
        return queue_job(
            tx,
            printer="bench1",
            station="BENCH-1",
            kind="waybill",
            format="zpl",
            document=WAYBILL,
            order_id="ORD-1001",
            parcel_id="P-1",
        )

    with FakeZebra() as fake, running(spooler_for(store, fake, Clock())) as spooler:
        job_id = store.writer.call(pack)
        spooler.notify()
        until(lambda: job(store, job_id).status == "done", "the waybill printed")

    printed_at = store.read().execute("SELECT label_printed_at FROM parcels").fetchone()[0]
    assert printed_at == job(store, job_id).updated_at
    assert job_name(job(store, job_id)) == f"waybill-ORD-1001-job{job_id}"


def test_a_job_is_named_by_kind_order_and_id(store: Store) -> None:
    job_id = queue(store)

    assert job_name(job(store, job_id)) == f"waybill-job{job_id}"


# --- a printer that is off never blocks a scan ---


def test_scans_are_answered_while_the_printer_hangs_on_a_job(
    floor: Floor, caplog: pytest.LogCaptureFixture
) -> None:
    with FakeZebra() as fake:
        fake.silent = True  # takes the connection, never answers: the send waits its timeout
        printer = bench_printer(fake, io_timeout=WAIT * 4)
        spooler = Spooler(
            floor.store, {"bench1": printer}, render, poll_s=3600, status_every_s=3600
        )
        with running(spooler):
            job_id = queue(floor.store)
            spooler.notify()
            until(lambda: job(floor.store, job_id).status == "sent", "the job in the printer")
            headers = floor.login()

            answers = [floor.start(headers).status_code] + [
                floor.scan(headers, raw).status_code for raw in ("A-01-01", "A-01-02", EAN13)
            ]
            during = job(floor.store, job_id).status
            fake.silent = False  # it answers the next connection (the spooler asks its state)
            fake.hang_up()  # and drops the one stuck mid-job, as when it is switched off and on

            # The cut-off send fails; the printer then reports ready, so the job prints again.
            until(lambda: job(floor.store, job_id).status == "done", "the label, sent again")
            printed = job(floor.store, job_id)

    assert (answers, during) == ([200, 200, 200, 200], "sent")
    assert (printed.attempts, fake.jobs) == (2, [label(WAYBILL)])
    assert any("failed (offline: the printer closed the connection)" in m for m in caplog.messages)
    stock = floor.client.get("/api/v1/stock", params={"sku": "SKU-1"}, headers=headers).json()
    assert [(b["location"], b["qty"]) for b in stock] == [("A-01-01", 9), ("A-01-02", 1)]


# --- a job that needs attention, as the station, the supervisor and /metrics see it ---


def test_a_job_that_needs_attention_shows_on_the_station_the_api_and_metrics_until_it_prints(
    tmp_path: Path,
) -> None:
    with FakeZebra() as fake:
        fake.head_open = True
        printers = [
            {
                "name": "bench1",
                "kind": "zpl-tcp",
                "station": "BENCH-1",
                "host": "127.0.0.1",
                "port": fake.port,
            }
        ]
        settings = _settings(
            tmp_path,
            printers=json.dumps(printers),
            printing_max_attempts=1,
            printing_fault_poll_s=0.05,
        )
        store = Store(settings.db_path, edge_id=settings.edge.id)
        app = create_app(settings, store=store)
        events = app.state.broker.subscribe(station_channel("BENCH-1"))
        with TestClient(app) as client:
            floor = Floor.build(store, client)
            sup = floor.login("B-SUP")
            job_id = client.post("/api/v1/printers/bench1/test-print", headers=sup).json()["job_id"]
            told = next_event(client, events, "print_job")
            printer = client.get("/api/v1/printers", headers=sup).json()
            attention = client.get("/api/v1/print-jobs/needs-attention", headers=sup).json()
            at_station = client.get("/api/v1/stations/BENCH-1/print-jobs", headers=sup).json()
            station = client.get("/api/v1/stations", headers=sup).json()[0]["printers"]
            metrics = client.get("/metrics").text

            fake.fix(head_open=False)

            printed = next_event(client, events, "print_job")
            metrics_after = client.get("/metrics").text
        store.close()

    assert (told["id"], told["status"], told["needs_attention"]) == (job_id, "failed", True)
    expected = {
        "name": "bench1",
        "kind": "zpl-tcp",
        "station": "BENCH-1",
        "format": "zpl",
        "state": "head_open",
        "reason": "head open",
        "waiting": 1,
        "needs_attention": 1,
    }
    assert printer == station == [expected]
    assert [(j["id"], j["needs_attention"], j["last_error"]) for j in attention] == [
        (job_id, True, "head open")
    ]
    assert at_station[0]["needs_attention"] is True
    assert 'edge_print_jobs_needs_attention{printer="bench1"} 1.0' in metrics
    assert 'edge_print_queue_depth{printer="bench1"} 1.0' in metrics
    assert 'edge_printer_state{printer="bench1",state="head_open"} 1.0' in metrics
    assert (printed["id"], printed["status"], len(fake.jobs)) == (job_id, "done", 1)
    assert 'edge_print_jobs_needs_attention{printer="bench1"} 0.0' in metrics_after
    assert 'edge_print_jobs_printed_total{printer="bench1"} 1.0' in metrics_after
