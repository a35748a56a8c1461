"""Bench scales on a serial port (pyserial): what the pan weighs, and whether it has settled.

The common ASCII outputs are read by one pure parser each (sources at each parser):
  - MT-SICS (Mettler Toledo Standard Interface Command Set): `S S     1.234 kg`;
  - tagged lines (A&D, CAS, most XK3190-style indicators): `ST,GS,+0001.234kg`;
  - Toledo continuous output: STX, three status bytes, six weight and six tare digits, CR.
They come either on their own (`continuous`) or as the answer to a request the reader sends
(`request`: `W\\r`, `SI\\r\\n`, `P\\r`, ESC `P` ...): one request, then its answer or a timeout,
then the next. Only a settled (stable) reading counts. A scale whose port is open but which says
nothing for `silent_after_s` is `silent` and offers no weight. The adapter weighs; whether the
parcel is right is decided in edge.domain.weight.
"""

from __future__ import annotations

import errno
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import serial

from edge.devices.framing import STX, visible
from edge.devices.scanner import DeviceState, Unfixable, reason_of
from kernel.backoff import Backoff
from kernel.serial_port import SettingsRefused, open_line, settings_problem

log = logging.getLogger("edge.devices")

PROTOCOLS = ("continuous", "request")
READ_TIMEOUT = 0.1  # seconds a read waits for the first byte; bounds how fast stop() is seen
WRITE_TIMEOUT = 1.0  # a request that cannot leave in a second means the port is stuck
MAX_LINE = 128  # the longest of these formats is ~25 characters; more is noise
# The international avoirdupois pound is exactly 0.45359237 kg (1959 agreement); 16 oz to the lb.
GRAMS_PER_UNIT = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}
_EOL = re.compile(r"[\r\n]")
_VALUE = r"[+-]?\s*(?:\d+(?:\.\d*)?|\.\d+)"


@dataclass(frozen=True)
class ScaleConfig:
    """One bench scale: its port, its protocol and the station it serves."""

    name: str
    path: str = ""  # best a stable /dev/serial/by-id/... path (udev re-points it on replug)
    baud: int = 9600
    parity: str = "N"
    bytesize: int = 8
    stopbits: float = 1
    protocol: str = "continuous"  # or "request": send request_command, read the answer
    request_command: str = "W\r"  # "SI\r\n" (MT-SICS), "P\r", "\x1bP" ...
    station: str = ""
    backoff_initial: float = 0.2
    backoff_max: float = 5.0
    poll_interval: float = 0.25  # seconds from one request to the next in the request protocol
    answer_timeout: float = 1.0  # seconds to wait for the answer to a request before the next
    silent_after_s: float = 3.0  # seconds without a line before the scale counts as silent

    def __post_init__(self) -> None:
        problem = _config_problem(self)
        if problem:
            raise ValueError(f"scale {self.name}: {problem}")


def _config_problem(config: ScaleConfig) -> str:
    if not config.path:
        return "a serial scale needs a path"
    if config.protocol not in PROTOCOLS:
        return f"protocol must be one of {', '.join(PROTOCOLS)}"
    if config.protocol == "request" and not config.request_command:
        return "the request protocol needs a request_command"
    line = settings_problem(
        parity=config.parity, bytesize=config.bytesize, stopbits=config.stopbits
    )
    if line:
        return line
    if config.baud <= 0 or config.poll_interval <= 0:
        return "baud and poll_interval must be positive"
    if config.answer_timeout <= 0 or config.silent_after_s <= 0:
        return "answer_timeout and silent_after_s must be positive"
    return ""


@dataclass(frozen=True)
class Reading:
    """One weight from the scale, in whole grams; `raw` is the line as it came."""

    grams: int
    stable: bool
    overload: bool
    raw: str


class BadFrame(ValueError):
    """A line that is not a reading, with a short machine reason for the log."""

    def __init__(self, reason: str, raw: str) -> None:
        super().__init__(f"{reason}: {visible(raw)}")
        self.reason = reason
        self.raw = raw


def to_grams(value: str | Decimal, unit: str, raw: str) -> int:
    """A weight in kg, g, lb or oz ('+  1.234' or a Decimal) as whole grams, half away from zero."""
    factor = GRAMS_PER_UNIT.get(unit.lower())
    if factor is None:
        raise BadFrame("unknown_unit", raw)
    number = value if isinstance(value, Decimal) else Decimal(value.replace(" ", ""))
    grams = number * factor
    return int(grams.to_integral_value(rounding=ROUND_HALF_UP))


# --- MT-SICS: Mettler Toledo "MT-SICS Interface Command Set" reference manual, commands S / SI /
# SIR: "S S <value> <unit>" stable, "S D ..." dynamic, "S +" / "S -" over / under range,
# "S I" busy, "ES" / "ET" / "EL" syntax, transmission and logical errors.
_MT_SICS = re.compile(rf"S\s+(?P<status>[SD])\s+(?P<value>{_VALUE})\s*(?P<unit>[A-Za-z]+)")


def parse_mt_sics(line: str) -> Reading:
    """An MT-SICS weight response (to S, SI or SIR) as a reading."""
    words = line.split()
    if words == ["S", "+"]:
        return Reading(0, stable=False, overload=True, raw=line)
    if words == ["S", "-"]:  # under range (pan off, under zero): never a weight to use
        return Reading(0, stable=False, overload=False, raw=line)
    if words == ["S", "I"]:
        raise BadFrame("scale_busy", line)
    if words[:1] in (["ES"], ["ET"], ["EL"]):
        raise BadFrame("scale_error", line)
    match = _MT_SICS.fullmatch(line.strip())
    if match is None:
        raise BadFrame("garbled", line)
    grams = to_grams(match["value"], match["unit"], line)
    return Reading(grams, stable=match["status"] == "S", overload=False, raw=line)


# --- Tagged lines: A&D indicator manuals ("ST,+00123.45  g"; header ST stable, US unstable,
# OL overload) and CAS / XK3190-style indicators that add a gross or net field
# ("ST,GS,+0001.234kg", "US,NT,-  0.010kg"). An OL line's weight field is noise.
_TAGGED = re.compile(r"(?P<status>ST|US|OL)\s*,\s*(?:(?:GS|NT|GW|NW)\s*,\s*)?(?P<body>.*)")
_WEIGHT = re.compile(rf"(?P<value>{_VALUE})\s*(?P<unit>[A-Za-z]+)")


def parse_tagged(line: str) -> Reading:
    """An ST/US/OL tagged line as a reading."""
    match = _TAGGED.fullmatch(line.strip())
    if match is None:
        raise BadFrame("garbled", line)
    if match["status"] == "OL":
        return Reading(0, stable=False, overload=True, raw=line)
    weight = _WEIGHT.fullmatch(match["body"].strip())
    if weight is None:
        raise BadFrame("garbled", line)
    grams = to_grams(weight["value"], weight["unit"], line)
    return Reading(grams, stable=match["status"] == "ST", overload=False, raw=line)


# --- Toledo continuous output: Mettler Toledo terminal manuals (e.g. the Wildcat technical
# manual, "Continuous Mode Output" and its status byte tables). STX SWA SWB SWC, six weight
# digits without a decimal point, six tare digits, CR, then an optional checksum byte, which
# lands before the next STX here: the frame is taken from its STX and the checksum not verified
# (the fixed bits of the status bytes are). SWA bits 0-2: decimal point (0 = xxxx00 ...
# 2 = xxxxxx ... 7 = x.xxxxx); SWB: bit 1 negative, bit 2 out of range, bit 3 motion,
# bit 4 kg (else lb); SWC bit 0: grams.
_TOLEDO_DIGITS = re.compile(r" *[0-9]+")


def parse_toledo(line: str) -> Reading:
    """A Toledo continuous frame (from its STX to before its CR) as a reading."""
    raw = line[line.rfind(STX) :] if STX in line else line  # without the last frame's checksum
    frame = raw[1:] if STX in line else ""
    if len(frame) != 15:
        raise BadFrame("garbled", line)
    swa, swb, swc = (ord(char) & 0x7F for char in frame[:3])  # bit 7 may carry parity
    digits = frame[3:9]
    if swa & 0x60 != 0x20 or not swc & 0x20 or not _TOLEDO_DIGITS.fullmatch(digits):
        raise BadFrame("garbled", line)
    if swc & 0x07 not in (0, 1):
        raise BadFrame("unknown_unit", line)
    unit = "g" if swc & 0x01 else "kg" if swb & 0x10 else "lb"
    value = Decimal(-int(digits) if swb & 0x02 else int(digits)).scaleb(2 - (swa & 0x07))
    overload = bool(swb & 0x04)
    stable = not (swb & 0x08 or overload)
    return Reading(to_grams(value, unit, line), stable, overload, raw=raw)


def parse_frame(line: str) -> Reading:
    """Any of the formats above, told apart by their shape."""
    if len(line) > MAX_LINE:
        raise BadFrame("over_long", line[:MAX_LINE])
    if STX in line:
        return parse_toledo(line)
    if any(not 0x20 <= ord(char) < 0x7F for char in line):
        raise BadFrame("garbled", line)
    text = line.strip()
    if _TAGGED.match(text):
        return parse_tagged(line)
    if text.split()[:1] in (["S"], ["ES"], ["ET"], ["EL"]):
        return parse_mt_sics(line)
    raise BadFrame("unknown_format", line)


class LineSplitter:
    """Cut a scale's byte stream at CR or LF (scales end lines with either or both)."""

    def __init__(self) -> None:
        self._partial = ""
        self._skipping = False  # inside an over-long line, already handed over: drop to its end

    def feed(self, data: bytes) -> list[str]:
        """Take the next bytes; return the non-blank lines they complete (over-long ones cut)."""
        *lines, self._partial = _EOL.split(self._partial + data.decode("latin-1"))
        if self._skipping and lines:
            self._skipping = False
            lines.pop(0)
        if self._skipping:
            self._partial = ""
        elif len(self._partial) > MAX_LINE:  # no line end in sight: hand it over to be refused
            lines.append(self._partial)
            self._partial, self._skipping = "", True
        return [line for line in lines if line.strip()]


OnState = Callable[[str, DeviceState, str], None]
OnReject = Callable[[str, BadFrame], None]


class ScaleReader:
    """Reads a scale in its own thread and keeps its latest reading with the time it came.

    The reader reopens the port with back-off after an unplug, and forgets the reading then:
    a replugged scale must be read afresh. Callbacks run on the reader's thread.
    """

    def __init__(
        self,
        config: ScaleConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_state: OnState | None = None,
        on_reject: OnReject | None = None,
    ) -> None:
        self.config = config
        self._clock = clock
        self._on_state, self._on_reject = on_state, on_reject
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._state, self._reason = DeviceState.CONNECTING, ""
        self._last: tuple[Reading, float] | None = None
        self._stable: tuple[Reading, float] | None = None

    # --- what the bench asks ---

    @property
    def state(self) -> DeviceState:
        return self._state

    @property
    def reason(self) -> str:
        return self._reason

    def current(self, max_age_s: float) -> Reading | None:
        """The weight on the pan now: the latest reading if stable, fresh and connected, else None."""
        with self._lock:
            if self._state is not DeviceState.CONNECTED or self._last is None:
                return None
            reading, at = self._last
        if not reading.stable or self._clock() - at > max_age_s:
            return None
        return reading

    def latest(self) -> tuple[Reading, float] | None:
        """The latest reading of any kind and its time, for a screen showing the scale settle."""
        with self._lock:
            return self._last

    def silent_for(self) -> float | None:
        """Seconds since the latest reading of any kind (None: none since it connected)."""
        with self._lock:
            last = self._last
        return None if last is None else max(0.0, self._clock() - last[1])

    def latest_stable(self) -> tuple[Reading, float] | None:
        """The latest stable reading and its time (by the reader's clock), however old."""
        with self._lock:
            return self._stable

    # --- running ---

    def start(self) -> ScaleReader:
        """Start the reader thread; use once."""
        if self._thread is not None:
            raise RuntimeError(f"scale {self.config.name}: already started")
        self._thread = threading.Thread(
            target=self._work, name=f"scale-{self.config.name}", daemon=True
        )
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        """Whether the reader thread is alive (it ends on stop() or on a fault it cannot retry)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the reader to finish and wait for it (up to `timeout` seconds)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> ScaleReader:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def _work(self) -> None:
        try:
            self._connect_loop()
        except Exception as exc:  # a bug here must show, not end the reader silently
            log.exception("scale %s: reader failed", self.config.name)
            self._report(DeviceState.ERROR, f"reader failed: {reason_of(exc)}")

    def _connect_loop(self) -> None:
        config = self.config
        backoff = Backoff(config.backoff_initial, config.backoff_max, jitter=False)
        self._report(DeviceState.CONNECTING, f"opening {config.path}", force=True)
        while not self._stopping.is_set():
            try:
                port = self._open()
            except Unfixable as exc:
                self._report(DeviceState.ERROR, str(exc))
                return
            except OSError as exc:
                denied = getattr(exc, "errno", None) in (errno.EACCES, errno.EPERM)
                state = DeviceState.ERROR if denied else DeviceState.DISCONNECTED
                self._report(state, reason_of(exc))
                self._stopping.wait(backoff.next_delay())
                continue
            backoff.reset()
            self._report(DeviceState.CONNECTED, f"reading {config.path}")
            try:
                reason = self._pump(port)
            finally:
                port.close()
                self._forget()
            if reason:
                self._report(DeviceState.DISCONNECTED, reason)

    def _open(self) -> serial.Serial:
        try:
            return open_line(self.config, timeout=READ_TIMEOUT, write_timeout=WRITE_TIMEOUT)
        except SettingsRefused as exc:
            raise Unfixable(str(exc)) from None

    def _pump(self, port: serial.Serial) -> str:
        """Read (and in the request protocol, ask) until the port fails (return why) or stop();
        a scale that says nothing for `silent_after_s` is reported silent until it speaks."""
        splitter, heard = LineSplitter(), self._clock()
        while not self._stopping.is_set():
            try:  # serial.SerialException is an OSError
                if self.config.protocol == "request":
                    lines = self._ask(port)
                else:
                    lines = self._read_lines(port, splitter)
            except OSError as exc:
                return reason_of(exc)
            if lines:
                heard = self._clock()
                self._report(DeviceState.CONNECTED, f"reading {self.config.path}")
            elif self._clock() - heard > self.config.silent_after_s:
                self._fall_silent()
            for line in lines:
                self._take(line)
        return ""

    def _read_lines(self, port: serial.Serial, splitter: LineSplitter) -> list[str]:
        """What came within READ_TIMEOUT, as complete lines."""
        data = port.read(1)
        data += port.read(port.in_waiting) if data and port.in_waiting else b""
        return splitter.feed(data) if data else []

    def _ask(self, port: serial.Serial) -> list[str]:
        """One request, then its answer or `answer_timeout`, never a request over an unanswered
        one (MT-SICS answers each command in turn; requests sent blind pile up in the scale)."""
        config = self.config
        sent = time.monotonic()
        port.reset_input_buffer()  # a late answer to the last request is not this one's
        port.write(config.request_command.encode("latin-1"))
        splitter = LineSplitter()  # a fresh one: no half answer carries over
        lines: list[str] = []
        while not lines and not self._stopping.is_set():
            if time.monotonic() - sent > config.answer_timeout:
                log.debug("scale %s: no answer within %g s", config.name, config.answer_timeout)
                break
            lines = self._read_lines(port, splitter)
        self._stopping.wait(max(0.0, sent + config.poll_interval - time.monotonic()))
        return lines

    def _fall_silent(self) -> None:
        """No line for `silent_after_s`: forget the last weight, it no longer says what is on
        the pan, and report it (once)."""
        if self._state is not DeviceState.CONNECTED:
            return
        self._forget()
        self._report(
            DeviceState.SILENT,
            f"no reading for {self.config.silent_after_s:g} s from {self.config.path}",
        )

    def _take(self, line: str) -> None:
        try:
            reading = parse_frame(line)
        except BadFrame as refused:
            log.warning("scale %s: line ignored (%s)", self.config.name, refused)
            self._call(self._on_reject, self.config.name, refused)
            return
        with self._lock:
            self._last = (reading, self._clock())
            if reading.stable:
                self._stable = self._last

    def _forget(self) -> None:
        with self._lock:
            self._last = self._stable = None

    def _report(self, state: DeviceState, reason: str, *, force: bool = False) -> None:
        """Record a state; tell on_state only when it changes, so retries do not flood it."""
        with self._lock:
            changed = force or state is not self._state
            self._state, self._reason = state, reason
        if changed:
            log.info("scale %s: %s (%s)", self.config.name, state.value, reason)
            self._call(self._on_state, self.config.name, state, reason)

    def _call(self, callback: Callable[..., None] | None, *args: object) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a consumer's failure never stops the reader
            log.exception("scale %s: a callback failed on %r", self.config.name, args)
