"""Label printers: send a rendered label (ZPL or PDF bytes) and tell the printer's state.

Four ways to a printer: ZPL over raw TCP (port 9100) with the `~HS` host status, ZPL written to a
serial port or a USB printer device file, PDF through CUPS (`lp`), and a file sink that writes
each job to a directory (the demo's printer). Every call blocks, with a timeout: the spooler runs
them in worker threads, so a printer that is off never holds up a scan. An adapter decides
nothing about jobs; it answers `PrintResult(ok, reason)` and `PrinterStatus`, the spooler retries.
A send is ok only when the printer's status after it says the label came out (a ZPL printer's
buffer empty with no fault, a CUPS job `completed`): paper running out mid-job is a failure.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import serial

from edge.devices.scanner import reason_of
from edge.files import private_dir
from kernel.serial_port import open_port

PDF = "application/pdf"
ZPL = "application/vnd.zebra-zpl"  # no registered type; ours, named after the vendor tree
CONTENT_TYPES = {"pdf": PDF, "zpl": ZPL}
EXTENSIONS = {PDF: "pdf", ZPL: "zpl"}
STX, ETX = b"\x02", b"\x03"
HANG_UP_TIMEOUT = 2.0  # seconds to wait for a printer to close after a label
HOST_STATUS = b"~HS"  # ZPL II "~HS Host Status Return"
CANCEL_ALL = b"~JA"  # ZPL II "~JA Cancel All": drops every format in the buffer, now


@dataclass(frozen=True)
class PrintResult:
    """Whether the printer took the job; if not, why, in words for the station screen."""

    ok: bool
    reason: str = ""


@dataclass(frozen=True)
class PrinterStatus:
    """A printer's state as last asked; `reason` says what is wrong, "" when it is ready."""

    online: bool
    paper_out: bool = False
    head_open: bool = False
    paused: bool = False
    reason: str = ""
    formats_in_buffer: int = 0  # ZPL ~HS: formats received and not yet printed
    labels_remaining: int = 0  # ZPL ~HS: labels of the current batch still to print
    partial_format: bool = False  # ZPL ~HS: a format only partly received

    @property
    def busy(self) -> bool:
        """Whether the printer still holds something of the last job (ZPL; others say False)."""
        return bool(self.formats_in_buffer or self.labels_remaining or self.partial_format)

    @property
    def ready(self) -> bool:
        return self.online and not (self.paper_out or self.head_open or self.paused)

    @property
    def state(self) -> str:
        """One word for /metrics and the station screen (see STATES)."""
        if not self.online:
            return "offline"
        for flag in ("paper_out", "head_open", "paused"):
            if getattr(self, flag):
                return flag
        return "ready"


STATES = ("unknown", "ready", "paper_out", "head_open", "paused", "offline")


class PrinterConfig(Protocol):
    """What an adapter reads of a configured printer (edge.config.PrinterSettings)."""

    name: str
    host: str
    port: int
    path: str
    queue: str
    baud: int
    label_width_mm: float
    label_height_mm: float

    @property
    def kind(self) -> str:  # read-only, so the settings' Literal of kinds fits
        ...


class Printer(Protocol):
    """One configured printer. Both calls block (with a timeout); call them off the event loop."""

    settings: PrinterConfig

    def send(self, data: bytes, *, content_type: str, job_name: str) -> PrintResult: ...

    def status(self) -> PrinterStatus: ...


def printer_for(settings: PrinterConfig) -> Printer:
    """The adapter for a configured printer."""
    adapters: dict[str, type[Printer]] = {
        "zpl-tcp": ZplTcpPrinter,
        "zpl-device": ZplDevicePrinter,
        "cups": CupsPrinter,
        "file": FileSink,
    }
    return adapters[settings.kind](settings)  # type: ignore[call-arg]


def safe_name(job_name: str) -> str:
    """A job name fit for a file name: letters, digits, '.', '_' and '-', not starting with '.'."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", job_name).lstrip(".") or "job"


def _offline(exc: BaseException) -> str:
    text = reason_of(exc)
    return f"offline: {text[:1].lower()}{text[1:]}"


def _wrong_type(content_type: str, wanted: str) -> PrintResult:
    return PrintResult(False, f"this printer takes {wanted}, not {content_type}")


# --- ZPL over raw TCP ---


def parse_host_status(raw: bytes) -> PrinterStatus:
    """The answer to `~HS`: three strings, each <STX>fields<ETX><CR><LF>.

    Zebra Programming Guide (ZPL II), "~HS Host Status Return": string 1 is
    aaa,b,c,dddd,eee,f,g,h,iii,j,k,l with b = paper out flag, c = pause flag, eee = number of
    formats in the receive buffer, f = buffer full flag, h = partial format flag; string 2 is
    mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www with o = head up flag (the print head is open) and
    uuuuuuuu = labels remaining in the batch; string 3 is xxxx,y (password, static RAM).
    Raises ValueError when the answer is not that shape.
    """
    strings = [part.strip(b"\r\n" + STX) for part in raw.split(ETX)]
    if len(strings) < 3 or not all(strings[:3]):
        raise ValueError(f"not a ~HS answer: {raw[:80]!r}")
    first, second = strings[0].split(b","), strings[1].split(b",")
    if len(first) < 3 or len(second) < 3:
        raise ValueError(f"not a ~HS answer: {raw[:80]!r}")
    paper_out, paused, head_open = _flag(first[1]), _flag(first[2]), _flag(second[2])
    problems = [
        word
        for word, flag in (("paper out", paper_out), ("head open", head_open), ("paused", paused))
        if flag
    ]
    return PrinterStatus(
        True,
        paper_out,
        head_open,
        paused,
        ", ".join(problems),
        formats_in_buffer=_count(first, 4),
        labels_remaining=_count(second, 8),
        partial_format=len(first) > 7 and _flag(first[7]),
    )


def _count(fields: list[bytes], index: int) -> int:
    """A numeric ~HS field, 0 when an older printer's answer stops short of it."""
    if len(fields) <= index:
        return 0
    if not fields[index].strip().isdigit():
        raise ValueError(f"a ~HS count is digits, not {fields[index]!r}")
    return int(fields[index])


def until_printed(
    ask: Callable[[], PrinterStatus], cancel: Callable[[], object], *, timeout: float, every: float
) -> PrintResult:
    """After a label: ask `~HS` until the printer's buffer is empty (printed) or a fault shows;
    on a fault or past `timeout`, cancel what is left (`~JA`), so that a retry prints one label."""
    deadline = time.monotonic() + timeout
    while True:
        status = ask()
        if not status.online:
            return PrintResult(False, status.reason)
        if not status.ready:
            cancel()
            return PrintResult(False, f"{status.reason} while printing")
        if not status.busy:
            return PrintResult(True)
        if time.monotonic() > deadline:
            cancel()
            return PrintResult(False, f"the printer did not finish the label within {timeout:g} s")
        time.sleep(every)


def _read_host_status(read: Callable[[], bytes], timeout: float) -> bytes:
    """Bytes from `read` until the three ~HS strings are in (or `timeout`: what came so far)."""
    answer, deadline = b"", time.monotonic() + timeout
    while answer.count(ETX) < 3 and time.monotonic() < deadline:
        answer += read()
    return answer


def _hang_up(sock: socket.socket) -> None:
    """Half-close and let the printer close: a close() with unread bytes would reset the
    connection and could drop the label's tail. The label is sent by now, so a printer that
    keeps the connection open is no failure (and must not cause a second label)."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(HANG_UP_TIMEOUT)
        while sock.recv(4096):
            pass


def _flag(field: bytes) -> bool:
    if field.strip() not in (b"0", b"1"):
        raise ValueError(f"a ~HS flag is 0 or 1, not {field!r}")
    return field.strip() == b"1"


class ZplTcpPrinter:
    """A ZPL printer on the network (raw port 9100): asks `~HS` first and prints only when the
    printer is ready, so a job never waits inside a printer that is out of paper; after the
    label, asks `~HS` until its buffer is empty (done) or a fault shows (not done: the rest of
    the job is cancelled with `~JA`, so the retry prints one label, not two)."""

    def __init__(
        self,
        settings: PrinterConfig,
        *,
        connect_timeout: float = 5.0,
        io_timeout: float = 10.0,
        print_timeout: float = 30.0,
        check_every: float = 0.2,
    ) -> None:
        self.settings = settings
        self.connect_timeout, self.io_timeout = connect_timeout, io_timeout
        self.print_timeout, self.check_every = print_timeout, check_every

    def status(self) -> PrinterStatus:
        try:
            with self._connect() as sock:
                return self._ask(sock)
        except OSError as exc:
            return PrinterStatus(False, reason=self._offline(exc))

    def send(self, data: bytes, *, content_type: str, job_name: str) -> PrintResult:  # noqa: ARG002 - raw 9100 has no job names
        if content_type != ZPL:
            return _wrong_type(content_type, "ZPL")
        try:
            with self._connect() as sock:
                status = self._ask(sock)
                if not status.ready:
                    return PrintResult(False, status.reason)
                sock.sendall(data)
                result = until_printed(
                    lambda: self._ask(sock),
                    lambda: sock.sendall(CANCEL_ALL),
                    timeout=self.print_timeout,
                    every=self.check_every,
                )
                _hang_up(sock)
        except OSError as exc:
            return PrintResult(False, self._offline(exc))
        return result

    def _connect(self) -> socket.socket:
        where = (self.settings.host, self.settings.port)
        sock = socket.create_connection(where, timeout=self.connect_timeout)
        sock.settimeout(self.io_timeout)
        return sock

    def _ask(self, sock: socket.socket) -> PrinterStatus:
        sock.sendall(HOST_STATUS)
        answer = b""
        deadline = time.monotonic() + self.io_timeout
        while answer.count(ETX) < 3:
            if time.monotonic() > deadline:
                raise TimeoutError("timed out")
            chunk = sock.recv(256)
            if not chunk:
                raise ConnectionResetError("the printer closed the connection")
            answer += chunk
        try:
            return parse_host_status(answer)
        except ValueError as exc:
            return PrinterStatus(False, reason=f"offline: {exc}")

    def _offline(self, exc: OSError) -> str:
        if isinstance(exc, TimeoutError):
            where = f"{self.settings.host}:{self.settings.port}"
            return f"offline: no answer from {where} within {self.io_timeout:g} s"
        return _offline(exc)


# --- ZPL to a serial port or a USB printer device file ---


class ZplDevicePrinter:
    """ZPL written to a device: a serial port through pyserial (raw mode, so no byte is
    translated), or any other device file (/dev/usb/lpN) written directly. A serial printer that
    answers `~HS` is asked before the label and after it, as on the network; one that answers
    nothing (a one-way cable) is sent the label as it is."""

    def __init__(
        self,
        settings: PrinterConfig,
        *,
        io_timeout: float = 10.0,
        status_timeout: float = 1.0,
        print_timeout: float = 30.0,
        check_every: float = 0.2,
    ) -> None:
        self.settings = settings
        self.io_timeout, self.status_timeout = io_timeout, status_timeout
        self.print_timeout, self.check_every = print_timeout, check_every

    def status(self) -> PrinterStatus:
        # A plain device file tells nothing more than whether it opens; a serial port is asked.
        try:
            fd = os.open(self.settings.path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
            is_tty = os.isatty(fd)
            os.close(fd)
            if not is_tty:
                return PrinterStatus(True)
            port = self._open_serial()
            try:
                return self._ask(port) or PrinterStatus(True)
            finally:
                port.close()
        except (OSError, serial.SerialException) as exc:
            return PrinterStatus(False, reason=_offline(exc))

    def send(self, data: bytes, *, content_type: str, job_name: str) -> PrintResult:  # noqa: ARG002 - a device has no job names
        if content_type != ZPL:
            return _wrong_type(content_type, "ZPL")
        try:
            fd = os.open(self.settings.path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
            if os.isatty(fd):
                os.close(fd)
                return self._send_serial(data)
            self._send_file(fd, data)  # /dev/usb/lpN: the write completing is all it tells
        except serial.SerialTimeoutException:
            return PrintResult(False, f"offline: write timed out after {self.io_timeout:g} s")
        except (OSError, serial.SerialException) as exc:
            return PrintResult(False, _offline(exc))
        return PrintResult(True)

    def _open_serial(self) -> serial.Serial:
        return open_port(
            self.settings.path,
            baud=self.settings.baud,
            timeout=min(self.check_every, self.status_timeout),
            write_timeout=self.io_timeout,
        )

    def _ask(self, port: serial.Serial) -> PrinterStatus | None:
        """`~HS` on the serial line; None when the printer answers nothing (a one-way link)."""
        port.reset_input_buffer()
        port.write(HOST_STATUS)
        answer = _read_host_status(lambda: port.read(max(1, port.in_waiting)), self.status_timeout)
        if not answer:
            return None
        try:
            return parse_host_status(answer)
        except ValueError as exc:
            return PrinterStatus(False, reason=f"offline: {exc}")

    def _send_serial(self, data: bytes) -> PrintResult:
        port = self._open_serial()
        try:
            before = self._ask(port)
            if before is not None and not before.ready:
                return PrintResult(False, before.reason)
            port.write(data)
            if before is None:  # it answers nothing: the write is all we can know
                return PrintResult(True)
            return until_printed(
                lambda: self._ask(port) or PrinterStatus(False, reason="offline: no ~HS answer"),
                lambda: port.write(CANCEL_ALL),
                timeout=self.print_timeout,
                every=self.check_every,
            )
        finally:
            port.close()  # the tty layer drains what is left (bounded by its closing_wait)

    def _send_file(self, fd: int, data: bytes) -> None:
        deadline = time.monotonic() + self.io_timeout
        try:
            view = memoryview(data)
            while view:
                _wait_writable(fd, deadline)
                try:
                    view = view[os.write(fd, view[:65536]) :]
                except BlockingIOError:
                    continue
            # usblp: with O_NONBLOCK the last block may still be in flight, and close() would
            # cancel it; poll until it is done (Linux drivers/usb/class/usblp.c, usblp_wwait).
            _wait_writable(fd, deadline)
        finally:
            os.close(fd)


def _wait_writable(fd: int, deadline: float) -> None:
    remaining = deadline - time.monotonic()
    if remaining <= 0 or not select.select([], [fd], [], remaining)[1]:
        raise TimeoutError("the printer took no data before the timeout")


# --- PDF through CUPS ---


def parse_lpstat(text: str) -> PrinterStatus:
    """`lpstat -p QUEUE` in the C locale: "printer Q is idle.  enabled since ..." or "printer Q
    disabled since ... -" followed by the reason on an indented line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("printer "):
        return PrinterStatus(False, reason=f"offline: unexpected lpstat output {text[:80]!r}")
    if " disabled since " not in lines[0]:
        return PrinterStatus(True)
    why = "; ".join(lines[1:])
    reason = "paused" if why.lower() in ("", "paused") else f"paused: {why}"
    return PrinterStatus(True, paused=True, reason=reason)


# IPP Get-Job-Attributes (RFC 8011, 4.3.4) as an ipptool test, read from stdin: the job's state.
_GET_JOB = b"""{
  OPERATION Get-Job-Attributes
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR naturalLanguage attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR integer job-id $job_id
  ATTR name requesting-user-name $user
  ATTR keyword requested-attributes job-state,job-state-reasons
  STATUS successful-ok
  DISPLAY job-state
  DISPLAY job-state-reasons
}
"""
_REQUEST_ID = re.compile(r"request id is \S+-(\d+) ")


# A PDF page's size in points (ISO 32000-1 §7.7.3.3); reportlab writes it plainly in each page.
_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+(\d+(?:\.\d+)?)\s+(\d+(?:\.\d+)?)\s*\]")
_MM_PER_PT = 25.4 / 72


def media_of(settings: PrinterConfig, pdf: bytes = b"") -> str:
    """The page's size as a CUPS media name (PWG 5101.1 custom size), e.g. Custom.101.6x152.4mm:
    the PDF's own first page (a label is drawn at the label's size, the handover list on A4, so
    the list is not shrunk onto a label), else the label's configured size."""
    found = _MEDIA_BOX.search(pdf)
    if found is None:
        return f"Custom.{settings.label_width_mm:g}x{settings.label_height_mm:g}mm"
    width, height = (round(float(pt) * _MM_PER_PT, 1) for pt in found.groups())
    return f"Custom.{width:g}x{height:g}mm"


class CupsPrinter:
    """A CUPS queue: PDF (or, with `-o raw`, ZPL) handed to `lp` with the label's media size; the
    job is done when CUPS says `completed` (asked with ipptool), not when `lp` took it."""

    def __init__(
        self,
        settings: PrinterConfig,
        *,
        timeout: float = 30.0,
        job_timeout: float = 120.0,
        check_every: float = 0.5,
    ) -> None:
        self.settings = settings
        self.timeout = timeout
        self.job_timeout, self.check_every = job_timeout, check_every

    def status(self) -> PrinterStatus:
        try:
            done = self._run(["lpstat", "-p", self.settings.queue])
        except (OSError, subprocess.TimeoutExpired) as exc:
            return PrinterStatus(False, reason=self._failure(exc))
        if done.returncode != 0:
            said = _said(done) or f"lpstat exited with {done.returncode}"
            return PrinterStatus(False, reason=f"offline: {said}")
        return parse_lpstat(done.stdout.decode(errors="replace"))

    def send(self, data: bytes, *, content_type: str, job_name: str) -> PrintResult:
        if content_type not in (PDF, ZPL):
            return _wrong_type(content_type, "PDF or ZPL")
        status = self.status()
        if not status.ready:
            return PrintResult(False, status.reason)
        args = ["lp", "-d", self.settings.queue, "-t", job_name]
        if content_type == ZPL:
            args += ["-o", "raw"]  # the printer's own language: no CUPS filter touches it
        else:
            args += ["-o", f"media={media_of(self.settings, data)}"]  # else the queue's A4
        try:
            done = self._run(args, data)
            if done.returncode != 0:
                return PrintResult(False, f"refused by CUPS: {_said(done) or done.returncode}")
            found = _REQUEST_ID.search(done.stdout.decode(errors="replace"))
            if found is None:
                return PrintResult(False, f"CUPS gave no job id: {_said(done)!r}")
            return self._until_completed(int(found[1]))
        except (OSError, subprocess.TimeoutExpired) as exc:
            return PrintResult(False, self._failure(exc))

    def job_state(self, job_id: int) -> tuple[str, str]:
        """The CUPS job's (job-state, job-state-reasons), e.g. ("completed", "...")."""
        server = os.environ.get("CUPS_SERVER", "")
        host = server if server and not server.startswith("/") else "localhost"
        uri = f"ipp://{host}/printers/{self.settings.queue}"
        args = ["ipptool", "-c", "-T", f"{self.timeout:g}", "-d", f"job_id={job_id}", uri]
        done = self._run([*args, "/dev/stdin"], _GET_JOB)
        lines = done.stdout.decode(errors="replace").strip().splitlines()
        if done.returncode != 0 or len(lines) < 2:
            said = (done.stdout + done.stderr).decode(errors="replace").strip()
            raise OSError(f"CUPS did not say how job {job_id} went: {said[:120]}")
        state, _, reasons = lines[-1].partition(",")
        return state, reasons.strip('"')

    def _until_completed(self, job_id: int) -> PrintResult:
        """Ask CUPS for the job's state until it ends; one held or stuck past `job_timeout` is
        cancelled, so that the retry prints one label, not two."""
        deadline = time.monotonic() + self.job_timeout
        while True:
            state, reasons = self.job_state(job_id)
            if state == "completed":
                return PrintResult(True)
            if state in ("canceled", "aborted"):
                return PrintResult(False, f"CUPS job {job_id} {state}: {reasons}")
            if time.monotonic() > deadline:
                self._run(["cancel", f"{self.settings.queue}-{job_id}"])
                return PrintResult(
                    False,
                    f"CUPS job {job_id} not printed within {self.job_timeout:g} s"
                    f" ({state}: {reasons}); cancelled, to be tried again",
                )
            time.sleep(self.check_every)

    def _run(self, args: list[str], data: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}  # lpstat's words are parsed
        return subprocess.run(
            args, input=data, capture_output=True, timeout=self.timeout, env=env, check=False
        )

    def _failure(self, exc: BaseException) -> str:
        if isinstance(exc, FileNotFoundError):
            package = "cups-ipp-utils" if exc.filename == "ipptool" else "cups-client"
            return f"offline: {exc.filename} not found (install {package})"
        if isinstance(exc, subprocess.TimeoutExpired):
            return f"offline: CUPS gave no answer within {self.timeout:g} s"
        return _offline(exc)


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    """The last line the command wrote (its error), or ""."""
    text = (done.stderr or done.stdout).decode(errors="replace").strip()
    return text.splitlines()[-1] if text else ""


# --- the file sink ---


class FileSink:
    """Writes each job to `<path>/<job name>.pdf` or `.zpl`, whole or not at all (a temporary
    file renamed into place), so whatever watches the directory never sees half a label."""

    def __init__(self, settings: PrinterConfig) -> None:
        self.settings = settings

    def status(self) -> PrinterStatus:
        directory = Path(self.settings.path)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return PrinterStatus(False, reason=_offline(exc))
        if not os.access(directory, os.W_OK):
            return PrinterStatus(False, reason=f"offline: {directory} is not writable")
        return PrinterStatus(True)

    def send(self, data: bytes, *, content_type: str, job_name: str) -> PrintResult:
        extension = EXTENSIONS.get(content_type)
        if extension is None:
            return _wrong_type(content_type, "PDF or ZPL")
        directory = Path(self.settings.path)
        target = directory / f"{safe_name(job_name)}.{extension}"
        partial = directory / f".{target.name}.partial"
        try:
            private_dir(directory)  # labels carry names and addresses
            with os.fdopen(
                os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb"
            ) as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
            _fsync_directory(directory)
        except OSError as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            return PrintResult(False, _offline(exc))
        return PrintResult(True)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
