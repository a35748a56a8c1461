"""Printer adapters against real parts: a 9100 ZPL printer on a socket, a pseudo-terminal as a
serial printer, a FIFO as a printer device file, a cupsd with the cups-pdf backend, a directory."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge.config import ConfigError, PrinterSettings, load_settings
from edge.devices.printers import (
    PDF,
    ZPL,
    CupsPrinter,
    FileSink,
    PrinterStatus,
    PrintResult,
    ZplDevicePrinter,
    ZplTcpPrinter,
    parse_host_status,
    parse_lpstat,
    printer_for,
)
from tests.printer_fake import WAIT, FakeZebra
from tests.scanner_harness import Pty

LABEL = b"^XA^PW812^LL1218^FO50,50^A0N,40,40^FDGreen tea 100g\n\x1d^FS^BCN,100^FD1Z999^FS^XZ"
CUPS_QUEUE = "PDF"
HELD_QUEUE = "HELD"  # holds every job (scripts/services.sh)
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")


def printer(**keys: object) -> PrinterSettings:
    return PrinterSettings(**{"name": "bench1", "station": "BENCH-1", **keys})


def tcp_printer(fake: FakeZebra, **timeouts: float) -> ZplTcpPrinter:
    return ZplTcpPrinter(printer(kind="zpl-tcp", host="127.0.0.1", port=fake.port), **timeouts)


def a_pdf(text: str) -> bytes:
    from io import BytesIO

    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    out = BytesIO()
    canvas = Canvas(out, pagesize=(101.6 * mm, 152.4 * mm))
    canvas.setFont("Helvetica", 14)
    canvas.drawString(10 * mm, 140 * mm, text)
    canvas.save()
    return out.getvalue()


# --- [[printers]] in the configuration ---

PRINTERS_TOML = """
[[stations]]
name = "BENCH-1"
type = "pack_bench"

[[stations]]
name = "OFFICE"
type = "dock"

[[printers]]
name = "bench1-label"
kind = "zpl-tcp"
station = "BENCH-1"
host = "10.0.8.40"
dpi = 300

[[printers]]
name = "bench1-usb"
kind = "zpl-device"
station = "BENCH-1"
path = "/dev/usb/lp0"
label_width_mm = 57
label_height_mm = 32

[[printers]]
name = "office"
kind = "cups"
station = "OFFICE"
queue = "HP_LaserJet"

[[printers]]
name = "demo"
kind = "file"
station = "OFFICE"
path = "labels"
"""


def test_printers_of_every_kind_load_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "edge.toml"
    path.write_text(PRINTERS_TOML)

    settings = load_settings(path, env={})

    assert settings.printers == (
        printer(name="bench1-label", kind="zpl-tcp", host="10.0.8.40", dpi=300),
        printer(
            name="bench1-usb",
            kind="zpl-device",
            path="/dev/usb/lp0",
            label_width_mm=57,
            label_height_mm=32,
        ),
        printer(name="office", kind="cups", station="OFFICE", queue="HP_LaserJet"),
        printer(name="demo", kind="file", station="OFFICE", path="labels"),
    )
    assert [p.format for p in settings.printers] == ["zpl", "zpl", "pdf", "pdf"]


TCP = {"name": "p1", "kind": "zpl-tcp", "station": "BENCH-1", "host": "10.0.8.40"}


@pytest.mark.parametrize(
    ("printers", "message"),
    [
        (
            [{**TCP, "station": "BENCH-9"}],
            "printers[0].station (env WAREHOUSE_EDGE_PRINTERS): expected one of the stations "
            "(BENCH-1), got 'BENCH-9'",
        ),
        (
            [{**TCP, "host": ""}],
            "printers[0].host (env WAREHOUSE_EDGE_PRINTERS): expected the host name or IP "
            "address of a zpl-tcp printer, got ''",
        ),
        (
            [{**TCP, "kind": "cups", "host": "", "queue": "my printer"}],
            "printers[0].queue (env WAREHOUSE_EDGE_PRINTERS): expected the name of a CUPS queue "
            "as `lpstat -p` lists it (no spaces, / or #), got 'my printer'",
        ),
        (
            [{**TCP, "path": "/dev/usb/lp0"}],
            "printers[0].path (env WAREHOUSE_EDGE_PRINTERS): expected nothing for a zpl-tcp "
            "printer (path is for zpl-device and file), got '/dev/usb/lp0'",
        ),
        (
            [{**TCP, "dpi": 600}],
            "printers[0].dpi (env WAREHOUSE_EDGE_PRINTERS): expected one of: 203, 300, got 600",
        ),
        (
            [TCP, {**TCP, "name": "p2"}],
            "printers[1].port (env WAREHOUSE_EDGE_PRINTERS): expected a port not used by "
            "printers[0] at 10.0.8.40, got 9100",
        ),
        (
            [TCP, {**TCP, "host": "10.0.8.41"}],
            "printers[1].name (env WAREHOUSE_EDGE_PRINTERS): expected a name not used by "
            "printers[0], got 'p1'",
        ),
        (
            [{**TCP, "kind": "laser"}],
            "printers[0].kind (env WAREHOUSE_EDGE_PRINTERS): expected one of: zpl-tcp, "
            "zpl-device, cups, file, got 'laser'",
        ),
    ],
    ids=[
        "unknown-station",
        "no-host",
        "bad-queue",
        "key-of-another-kind",
        "dpi",
        "same-port",
        "same-name",
        "kind",
    ],
)
def test_a_wrong_printer_is_refused_naming_its_index_and_key(
    printers: list[dict[str, object]], message: str
) -> None:
    stations = [{"name": "BENCH-1", "type": "pack_bench"}]

    with pytest.raises(ConfigError) as refused:
        load_settings(env={}, overrides={"stations": stations, "printers": printers})

    assert str(refused.value) == f"config key {message} (from override)"


# --- ~HS, as the Zebra Programming Guide gives it ---


def hs(
    paper: int = 0,
    pause: int = 0,
    head: int = 0,
    *,
    formats: int = 0,
    partial: int = 0,
    remaining: int = 0,
) -> bytes:
    return (
        f"\x02030,{paper},{pause},1218,{formats:03d},0,0,{partial},000,0,0,0\x03\r\n"
        f"\x02001,0,{head},0,0,2,6,0,{remaining:08d},1,000\x03\r\n\x021234,0\x03\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (hs(), PrinterStatus(True)),
        (hs(paper=1), PrinterStatus(True, paper_out=True, reason="paper out")),
        (hs(head=1), PrinterStatus(True, head_open=True, reason="head open")),
        (hs(pause=1), PrinterStatus(True, paused=True, reason="paused")),
        (
            hs(paper=1, pause=1, head=1),
            PrinterStatus(True, True, True, True, "paper out, head open, paused"),
        ),
        (
            hs(paper=1, formats=2, remaining=1),
            PrinterStatus(
                True, paper_out=True, reason="paper out", formats_in_buffer=2, labels_remaining=1
            ),
        ),
        (hs(partial=1), PrinterStatus(True, partial_format=True)),
    ],
    ids=["ready", "paper-out", "head-open", "paused", "all-three", "buffer", "partial"],
)
def test_the_host_status_flags_are_read_from_the_three_strings(
    answer: bytes, status: PrinterStatus
) -> None:
    assert parse_host_status(answer) == status


@pytest.mark.parametrize(
    "answer",
    [b"", b"\x02030,0,0\x03\r\n", hs().replace(b",0,0,1218", b",x,0,1218"), b"garbage\x03\x03\x03"],
    ids=["nothing", "one-string", "bad-flag", "garbage"],
)
def test_an_answer_that_is_not_a_host_status_is_refused(answer: bytes) -> None:
    with pytest.raises(ValueError):
        parse_host_status(answer)


# --- ZPL over raw TCP 9100 ---


def test_a_label_sent_to_a_9100_printer_arrives_byte_for_byte() -> None:
    with FakeZebra() as fake:
        result = tcp_printer(fake).send(LABEL, content_type=ZPL, job_name="waybill-1")

        assert (result, fake.jobs) == (PrintResult(True), [LABEL])
        assert fake.status_queries == 2  # ready before the label, its buffer empty after it


def test_paper_running_out_mid_job_is_no_print_and_the_rest_of_the_job_is_cancelled() -> None:
    with FakeZebra() as fake:
        adapter = tcp_printer(fake)
        fake.paper_left = 0  # the roll ends as this label starts

        result = adapter.send(LABEL, content_type=ZPL, job_name="waybill-1")
        fake.fix(paper_out=False)  # a new roll: nothing left in the buffer to print
        before_the_retry = list(fake.jobs)
        retried = adapter.send(LABEL, content_type=ZPL, job_name="waybill-1")

        assert result == PrintResult(False, "paper out while printing")
        assert (fake.cancelled, before_the_retry) == ([LABEL], [])
        assert (retried, fake.jobs) == (PrintResult(True), [LABEL])


@pytest.mark.parametrize(
    ("switch", "reason"),
    [("paper_out", "paper out"), ("head_open", "head open"), ("paused", "paused")],
)
def test_a_printer_that_is_not_ready_is_not_sent_the_label(switch: str, reason: str) -> None:
    with FakeZebra() as fake:
        setattr(fake, switch, True)
        adapter = tcp_printer(fake)

        result = adapter.send(LABEL, content_type=ZPL, job_name="waybill-1")
        status = adapter.status()

        assert result == PrintResult(False, reason)
        assert (status.state, status.reason) == (switch, reason)
        assert fake.jobs == []


def test_a_printer_that_is_off_is_reported_offline() -> None:
    with FakeZebra() as fake:
        adapter = tcp_printer(fake)
        fake.switch_off()

        result = adapter.send(LABEL, content_type=ZPL, job_name="waybill-1")
        status = adapter.status()

    assert result == PrintResult(False, "offline: connection refused")
    assert status == PrinterStatus(False, reason="offline: connection refused")


def test_a_printer_that_never_answers_times_out_as_offline() -> None:
    with FakeZebra() as fake:
        fake.silent = True
        adapter = tcp_printer(fake, io_timeout=0.3)

        result = adapter.send(LABEL, content_type=ZPL, job_name="waybill-1")

        assert result == PrintResult(
            False, f"offline: no answer from 127.0.0.1:{fake.port} within 0.3 s"
        )
        assert fake.jobs == []


def test_a_printer_that_comes_back_prints_again() -> None:
    with FakeZebra() as fake:
        adapter = tcp_printer(fake)
        fake.switch_off()
        off = adapter.send(LABEL, content_type=ZPL, job_name="waybill-1")

        fake.switch_on()
        on = adapter.send(LABEL, content_type=ZPL, job_name="waybill-1")

        fake.wait_for(lambda: fake.jobs, "the label")
        assert (off.ok, on.ok, fake.jobs) == (False, True, [LABEL])


def test_a_zpl_printer_refuses_a_pdf() -> None:
    with FakeZebra() as fake:
        result = tcp_printer(fake).send(a_pdf("x"), content_type=PDF, job_name="waybill-1")

        assert result == PrintResult(False, f"this printer takes ZPL, not {PDF}")
        assert (fake.jobs, fake.status_queries) == ([], 0)


# --- ZPL to a serial port (a pseudo-terminal) or a printer device file (a FIFO) ---


def read_exactly(fd: int, size: int) -> bytes:
    data = b""
    deadline = time.monotonic() + WAIT
    os.set_blocking(fd, False)
    while len(data) < size and time.monotonic() < deadline:
        try:
            data += os.read(fd, size - len(data))
        except BlockingIOError:
            time.sleep(0.01)
    return data


def test_a_label_written_to_a_serial_printer_arrives_byte_for_byte() -> None:
    pty = Pty()
    label = LABEL * 40  # more than one tty buffer's worth, newlines and GS untranslated
    adapter = ZplDevicePrinter(
        printer(kind="zpl-device", path=pty.path, baud=115200), status_timeout=0.2
    )
    results: list[PrintResult] = []
    sender = threading.Thread(
        target=lambda: results.append(adapter.send(label, content_type=ZPL, job_name="w"))
    )

    sender.start()
    received = read_exactly(pty.master, len(b"~HS") + len(label))
    sender.join(WAIT)

    pty.unplug()
    # Asked ~HS first; a printer on a one-way cable answers nothing and gets the label as it is.
    assert (results, received) == ([PrintResult(True)], b"~HS" + label)


@pytest.fixture
def serial_zebra() -> Iterator[tuple[FakeZebra, ZplDevicePrinter]]:
    """A Zebra that answers ~HS on the far end of a pseudo-terminal, and the adapter for it."""
    pty, fake = Pty(), FakeZebra()
    fake.serve_serial(pty.master)
    yield fake, ZplDevicePrinter(printer(kind="zpl-device", path=pty.path), status_timeout=2)
    fake.stop_serial()
    pty.unplug()


def test_a_serial_printer_that_answers_is_asked_before_and_after_the_label(
    serial_zebra: tuple[FakeZebra, ZplDevicePrinter],
) -> None:
    fake, adapter = serial_zebra
    fake.head_open = True
    head_open = adapter.send(LABEL, content_type=ZPL, job_name="w")
    fake.fix(head_open=False)

    printed = adapter.send(LABEL, content_type=ZPL, job_name="w")

    assert head_open == PrintResult(False, "head open")
    assert (printed, fake.jobs, fake.status_queries) == (PrintResult(True), [LABEL], 3)
    assert adapter.status() == PrinterStatus(True)


def test_paper_running_out_mid_label_on_a_serial_printer_is_no_print(
    serial_zebra: tuple[FakeZebra, ZplDevicePrinter],
) -> None:
    fake, adapter = serial_zebra
    fake.paper_left = 0

    result = adapter.send(LABEL, content_type=ZPL, job_name="w")

    assert result == PrintResult(False, "paper out while printing")
    assert (fake.jobs, fake.cancelled, adapter.status().state) == ([], [LABEL], "paper_out")


def test_a_label_written_to_a_printer_device_file_arrives_byte_for_byte(tmp_path: Path) -> None:
    device = tmp_path / "lp0"
    os.mkfifo(device)
    received: list[bytes] = []

    def printer_side() -> None:
        with open(device, "rb") as lp:
            received.append(lp.read())

    reader = threading.Thread(target=printer_side)
    reader.start()
    adapter = ZplDevicePrinter(printer(kind="zpl-device", path=str(device)))
    result = PrintResult(False, "not opened")
    deadline = time.monotonic() + WAIT
    while not result.ok and time.monotonic() < deadline:  # until the reader has opened it
        result = adapter.send(LABEL, content_type=ZPL, job_name="w")
    reader.join(WAIT)

    assert (result, received) == (PrintResult(True), [LABEL])


@pytest.mark.parametrize("what", ["missing", "nobody-reading"])
def test_a_device_printer_that_is_not_there_is_offline(tmp_path: Path, what: str) -> None:
    device = tmp_path / "lp0"
    if what == "nobody-reading":
        os.mkfifo(device)
    adapter = ZplDevicePrinter(printer(kind="zpl-device", path=str(device)))
    why = "no such file or directory" if what == "missing" else "no such device or address"

    result = adapter.send(LABEL, content_type=ZPL, job_name="w")

    assert result == PrintResult(False, f"offline: {why}: '{device}'")
    assert adapter.status() == PrinterStatus(False, reason=result.reason)


# --- the file sink ---


@pytest.mark.parametrize(("content_type", "data"), [(PDF, a_pdf("piece 1 of 1")), (ZPL, LABEL)])
def test_the_file_sink_writes_each_job_whole_under_its_name(
    tmp_path: Path, content_type: str, data: bytes
) -> None:
    out = tmp_path / "labels"
    sink = FileSink(printer(kind="file", path=str(out)))

    result = sink.send(data, content_type=content_type, job_name="waybill-ORD 7/1-job3")

    extension = "pdf" if content_type == PDF else "zpl"
    assert result == PrintResult(True)
    assert [p.name for p in out.iterdir()] == [f"waybill-ORD_7_1-job3.{extension}"]
    assert (out / f"waybill-ORD_7_1-job3.{extension}").read_bytes() == data
    assert sink.status() == PrinterStatus(True)


def test_a_file_sink_that_cannot_write_is_offline(tmp_path: Path) -> None:
    out = tmp_path / "labels"
    sink = FileSink(printer(kind="file", path=str(out)))
    out.write_text("a file where the directory should be")

    result = sink.send(LABEL, content_type=ZPL, job_name="w")

    assert result == PrintResult(False, f"offline: file exists: '{out}'")
    assert sink.status() == PrinterStatus(False, reason=result.reason)


@pytest.mark.parametrize(
    ("keys", "adapter"),
    [
        ({"kind": "zpl-tcp", "host": "10.0.8.40"}, ZplTcpPrinter),
        ({"kind": "zpl-device", "path": "/dev/usb/lp0"}, ZplDevicePrinter),
        ({"kind": "cups", "queue": "PDF"}, CupsPrinter),
        ({"kind": "file", "path": "labels"}, FileSink),
    ],
)
def test_each_kind_of_printer_gets_its_adapter(keys: dict[str, str], adapter: type) -> None:
    settings = printer(**keys)

    made = printer_for(settings)

    assert (type(made), made.settings) == (adapter, settings)


# --- PDF through CUPS ---


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("printer PDF is idle.  enabled since Wed Nov 25 13:11:10 2026\n", PrinterStatus(True)),
        ("printer PDF now printing PDF-3.  enabled since Wed 25 Nov\n", PrinterStatus(True)),
        (
            "printer PDF disabled since Wed Nov 25 13:13:59 2026 -\n\tPaused\n",
            PrinterStatus(True, paused=True, reason="paused"),
        ),
        (
            "printer PDF disabled since Wed Nov 25 2026 -\n\tout of labels\n",
            PrinterStatus(True, paused=True, reason="paused: out of labels"),
        ),
        ("", PrinterStatus(False, reason="offline: unexpected lpstat output ''")),
    ],
    ids=["idle", "printing", "paused", "paused-with-reason", "nothing"],
)
def test_lpstat_tells_whether_a_queue_takes_jobs(text: str, status: PrinterStatus) -> None:
    assert parse_lpstat(text) == status


def cups_problem() -> str | None:
    """What keeps the CUPS tests from running here, or None."""
    if shutil.which("lpstat") is None or shutil.which("lp") is None:
        return "the CUPS client (lp, lpstat) is not installed"
    env = {**os.environ, "LC_ALL": "C"}
    said = subprocess.run(["lpstat", "-r"], capture_output=True, text=True, env=env, check=False)
    if "scheduler is running" not in said.stdout:
        return "cupsd is not running"
    for name in (CUPS_QUEUE, HELD_QUEUE):
        queue = subprocess.run(["lpstat", "-p", name], capture_output=True, env=env, check=False)
        if queue.returncode != 0:
            return f"cupsd has no queue {name} (bash scripts/services.sh adds it)"
    return None if CUPS_PDF_CONF.exists() else "cups-pdf is not installed"


@pytest.fixture
def cups() -> None:
    problem = cups_problem()
    if problem is None:
        return
    reason = (
        f"CUPS tests need a running cupsd with a cups-pdf queue named {CUPS_QUEUE}: {problem}"
        " (.ci/run installs cups and printer-driver-cups-pdf and starts cupsd)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
    pytest.skip(reason)


def cups_pdf_output() -> Path:
    """Where cups-pdf writes this user's jobs: its `Out` setting, ${HOME} and ${USER} filled in."""
    out = "${HOME}/PDF"
    for line in CUPS_PDF_CONF.read_text().splitlines():
        if line.startswith("Out ") or line.startswith("Out\t"):
            out = line.split(None, 1)[1].strip()
    user = pwd.getpwuid(os.getuid())
    return Path(out.replace("${HOME}", user.pw_dir).replace("${USER}", user.pw_name))


def wait_for_pdf(directory: Path, job_name: str) -> Path:
    deadline = time.monotonic() + 60  # ghostscript inside cups-pdf takes a while on a slow box
    while time.monotonic() < deadline:
        for path in directory.glob(f"{job_name}*.pdf"):
            if path.read_bytes().rstrip().endswith(b"%%EOF"):
                return path
        time.sleep(0.1)
    raise AssertionError(f"no PDF for {job_name} in {directory} within 60 s")


@pytest.mark.usefixtures("cups")
def test_a_pdf_printed_through_cups_comes_out_of_the_cups_pdf_printer() -> None:
    import pypdfium2

    job_name = f"edge-test-{uuid.uuid4().hex[:12]}"
    adapter = CupsPrinter(printer(kind="cups", queue=CUPS_QUEUE))

    result = adapter.send(a_pdf(f"Piece 1 of 1 {job_name}"), content_type=PDF, job_name=job_name)

    assert result == PrintResult(True)
    printed = wait_for_pdf(cups_pdf_output(), job_name)
    try:
        page = pypdfium2.PdfDocument(printed)[0]
        assert page.get_textpage().get_text_range().strip() == f"Piece 1 of 1 {job_name}"
        width, height = page.get_size()  # points: the 4×6 in label, not the queue's A4
        assert (round(width), round(height)) == (288, 432)
    finally:
        printed.unlink()


@pytest.mark.usefixtures("cups")
def test_a_cups_job_that_cups_does_not_complete_is_not_done_and_is_cancelled() -> None:
    adapter = CupsPrinter(printer(kind="cups", queue=HELD_QUEUE), job_timeout=0.5, check_every=0.1)
    job_name = f"edge-test-{uuid.uuid4().hex[:12]}"

    result = adapter.send(a_pdf("held"), content_type=PDF, job_name=job_name)

    job_id = int(result.reason.split()[2]) if result.reason.startswith("CUPS job ") else 0
    assert result == PrintResult(
        False,
        f"CUPS job {job_id} not printed within 0.5 s (pending-held: job-hold-until-specified);"
        " cancelled, to be tried again",
    )
    assert adapter.job_state(job_id)[0] == "canceled"


@pytest.mark.usefixtures("cups")
def test_a_cups_queue_is_ready_and_a_missing_one_is_offline() -> None:
    ready = CupsPrinter(printer(kind="cups", queue=CUPS_QUEUE)).status()
    missing = CupsPrinter(printer(kind="cups", queue="NO-SUCH-QUEUE"))

    result = missing.send(a_pdf("x"), content_type=PDF, job_name="edge-test-missing")

    assert ready == PrinterStatus(True)
    assert result == PrintResult(
        False, 'offline: lpstat: Invalid destination name in list "NO-SUCH-QUEUE".'
    )
