"""Bench scales: each protocol's parser on recorded frames, then pyserial reading a real
pseudo-terminal that behaves as the scale (continuous output, request/response, unplug)."""

from __future__ import annotations

import logging
import os
import select
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.devices.scale import (
    BadFrame,
    LineSplitter,
    Reading,
    ScaleConfig,
    ScaleReader,
    parse_frame,
    parse_mt_sics,
    parse_tagged,
    parse_toledo,
)
from edge.devices.scanner import DeviceState
from tests.scanner_harness import WAIT, Pty, point

STX = "\x02"


def toledo(status: str, weight: str, *, checksum: bool = False) -> bytes:
    """A Toledo continuous frame: STX, status bytes A B C, weight and tare digits, CR [, checksum]."""
    frame = f"{STX}{status}{weight}000000\r".encode("latin-1")
    # The checksum: two's complement of the low seven bits of the sum of every byte before it.
    return frame + bytes([-sum(frame) & 0x7F]) if checksum else frame


# --- the parsers, on frames as the manuals show them ---

# raw="" below stands for the line itself.

# Toledo status bytes used below: A '-' = 0x2D (x1 increments, decimal xxx.xxx), '*' = 0x2A
# (xxxxxx), '+' = 0x2B (xxxxx.x); B '0' = kg, '8' = kg in motion, '2' = kg negative, '4' = kg out
# of range, ' ' = lb; C ' ' = lb/kg, '!' = grams.
FRAMES = [
    (parse_mt_sics, "S S     1.234 kg", Reading(1234, stable=True, overload=False, raw="")),
    (parse_mt_sics, "S D     1.230 kg", Reading(1230, stable=False, overload=False, raw="")),
    (parse_mt_sics, "S S    512.3 g", Reading(512, stable=True, overload=False, raw="")),
    (parse_mt_sics, "S S    -0.012 kg", Reading(-12, stable=True, overload=False, raw="")),
    (parse_mt_sics, "S +", Reading(0, stable=False, overload=True, raw="")),
    (parse_mt_sics, "S -", Reading(0, stable=False, overload=False, raw="")),
    (parse_tagged, "ST,GS,+0001.234kg", Reading(1234, stable=True, overload=False, raw="")),
    (parse_tagged, "US,GS,+0001.200kg", Reading(1200, stable=False, overload=False, raw="")),
    (parse_tagged, "ST,NT,-  0.010kg", Reading(-10, stable=True, overload=False, raw="")),
    (parse_tagged, "OL,GS,+9999999E+19", Reading(0, stable=False, overload=True, raw="")),
    (parse_tagged, "ST,+00123.45  g", Reading(123, stable=True, overload=False, raw="")),
    (parse_tagged, "US,+00123.47  g", Reading(123, stable=False, overload=False, raw="")),
    (parse_toledo, STX + "-0 001234000000", Reading(1234, stable=True, overload=False, raw="")),
    (parse_toledo, STX + "-8 001230000000", Reading(1230, stable=False, overload=False, raw="")),
    (parse_toledo, STX + "-2 000012000000", Reading(-12, stable=True, overload=False, raw="")),
    (parse_toledo, STX + "-4 999999000000", Reading(999999, stable=False, overload=True, raw="")),
    (parse_toledo, STX + "*0!000512000000", Reading(512, stable=True, overload=False, raw="")),
    (parse_toledo, STX + "+  000025000000", Reading(1134, stable=True, overload=False, raw="")),
    (
        parse_toledo,
        "k" + STX + "-0 001234000000",  # "k": the checksum that ended the frame before
        Reading(1234, stable=True, overload=False, raw=STX + "-0 001234000000"),
    ),
]


@pytest.mark.parametrize(("parse", "line", "expected"), FRAMES, ids=[f[1] for f in FRAMES])
def test_each_protocols_frames_read_as_grams_with_their_stability(
    parse: Callable[[str], Reading], line: str, expected: Reading
) -> None:
    reading = parse(line)

    assert reading == Reading(
        expected.grams, expected.stable, expected.overload, raw=expected.raw or line
    )
    assert parse_frame(line) == reading  # the shape alone tells the formats apart


@pytest.mark.parametrize(
    ("line", "grams"),
    [
        ("ST,GS,+0001.234kg", 1234),
        ("ST,GS,+1234g", 1234),
        ("ST,GS,+1.2345kg", 1235),  # half a gram rounds away from zero
        ("ST,GS,-1.2345kg", -1235),
        ("ST,GS,+0.0004kg", 0),
        ("ST,GS,+0002.500lb", 1134),  # 1 lb = 453.59237 g exactly
        ("ST,GS,+1.000LB", 454),
        ("ST,GS,+1.000lbs", 454),
        ("ST,GS,+0016.000oz", 454),  # 16 oz = 1 lb
        ("ST,GS,+1.00oz", 28),
        ("ST,GS,+2KG", 2000),
        ("S S     0.250 lb", 113),
    ],
)
def test_units_convert_to_whole_grams(line: str, grams: int) -> None:
    assert parse_frame(line).grams == grams


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("\x00\xff\x13", "garbled"),
        ("S S 1.2.3 kg", "garbled"),
        ("ST,GS,+12a4.0kg", "garbled"),
        ("ST,GS,", "garbled"),
        ("ST,GS,+0001.234st", "unknown_unit"),
        ("S S     1.234 ct", "unknown_unit"),
        ("S I", "scale_busy"),
        ("ES", "scale_error"),
        ("EL", "scale_error"),
        ("hello", "unknown_format"),
        ("0001.234kg", "unknown_format"),
        (STX + "-0 0012", "garbled"),  # a frame cut short
        (STX + "\x000 001234000000", "garbled"),  # status byte A without its fixed bits
        (STX + "-0 00x234000000", "garbled"),
        (STX + "-0$001234000000", "unknown_unit"),  # status byte C: a unit other than lb, kg, g
        ("ST,GS,+" + "1" * 200 + "kg", "over_long"),
    ],
)
def test_lines_that_are_not_readings_are_refused_with_a_reason(line: str, reason: str) -> None:
    with pytest.raises(BadFrame) as refused:
        parse_frame(line)

    assert refused.value.reason == reason


def test_the_splitter_cuts_at_cr_or_lf_whatever_the_chunks() -> None:
    splitter = LineSplitter()
    stream = b"S S     1.234 kg\r\nST,GS,+1kg\r\rUS,GS,+2kg\n"

    lines = [line for byte in stream for line in splitter.feed(bytes([byte]))]

    assert lines == ["S S     1.234 kg", "ST,GS,+1kg", "US,GS,+2kg"]


def test_a_toledo_checksum_before_the_next_frame_does_not_spoil_it() -> None:
    splitter = LineSplitter()
    stream = toledo("-8 ", "001230", checksum=True) + toledo("-0 ", "001234", checksum=True)

    readings = [parse_frame(line) for line in splitter.feed(stream)]

    assert [(r.grams, r.stable) for r in readings] == [(1230, False), (1234, True)]


# --- pyserial on a pseudo-terminal ---


def until(condition: Callable[[], object], what: str) -> None:
    """Wait until `condition()` holds; fail naming `what` otherwise."""
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.01)


class Clock:
    """The reader's clock, moved by the test: readings' ages without sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Seen:
    """What a reader reports: its states and the lines it refused."""

    def __init__(self) -> None:
        self.states: list[DeviceState] = []
        self.reasons: list[str] = []
        self.refused: list[str] = []

    def on_state(self, _name: str, state: DeviceState, reason: str) -> None:
        self.states.append(state)
        self.reasons.append(reason)

    def on_reject(self, _name: str, refused: BadFrame) -> None:
        self.refused.append(refused.reason)


def reader_for(
    path: str, seen: Seen, *, clock: Clock | None = None, **options: object
) -> ScaleReader:
    settings: dict[str, object] = {"path": path, "backoff_initial": 0.05, "backoff_max": 0.2}
    config = ScaleConfig("bench-1-scale", **{**settings, **options})  # type: ignore[arg-type]
    return ScaleReader(
        config, clock=clock or Clock(), on_state=seen.on_state, on_reject=seen.on_reject
    )


def latest_raw(reader: ScaleReader) -> str | None:
    latest = reader.latest()
    return latest[0].raw if latest else None


CONTINUOUS = [
    (
        [b"S D     0.400 kg\r\n", b"S D     1.230 kg\r\n", b"S D     1.236 kg\r\n"],
        b"S S     1.234 kg\r\n",
        Reading(1234, stable=True, overload=False, raw="S S     1.234 kg"),
    ),
    (
        [b"US,GS,+0000.400kg\r\n", b"US,GS,+0001.230kg\r\n"],
        b"ST,GS,+0001.234kg\r\n",
        Reading(1234, stable=True, overload=False, raw="ST,GS,+0001.234kg"),
    ),
    (
        [toledo("-8 ", "000400", checksum=True), toledo("-8 ", "001230", checksum=True)],
        toledo("-0 ", "001234", checksum=True),
        Reading(1234, stable=True, overload=False, raw=STX + "-0 001234000000"),
    ),
]


@pytest.mark.parametrize(
    ("settling", "settled", "expected"), CONTINUOUS, ids=["mt-sics", "tagged", "toledo"]
)
def test_in_continuous_output_only_the_settled_weight_counts(
    settling: list[bytes], settled: bytes, expected: Reading
) -> None:
    pty, seen = Pty(), Seen()

    with reader_for(pty.path, seen) as reader:
        until(lambda: reader.state is DeviceState.CONNECTED, "connected")
        pty.write(b"".join(settling))
        until(lambda: reader.latest() and not reader.latest()[0].stable, "a settling reading")
        until(lambda: pty.unread() == 0, "every settling reading read")
        while_settling = reader.current(max_age_s=5)
        pty.write(settled)
        until(lambda: reader.current(max_age_s=5), "the settled reading")
        settled_reading = reader.current(max_age_s=5)
        pty.write(settling[-1])
        until(lambda: not reader.latest()[0].stable, "the pan moving again")
        moved_again = reader.current(max_age_s=5)
        kept = reader.latest_stable()
    pty.unplug()

    assert (while_settling, settled_reading, moved_again) == (None, expected, None)
    assert kept is not None and kept[0] == expected
    assert seen.refused == []


def test_a_reading_older_than_asked_for_is_not_offered() -> None:
    pty, seen, clock = Pty(), Seen(), Clock()

    with reader_for(pty.path, seen, clock=clock) as reader:
        until(lambda: reader.state is DeviceState.CONNECTED, "connected")
        pty.write(b"ST,GS,+0001.234kg\r\n")
        until(lambda: reader.current(max_age_s=2), "the reading")
        clock.now += 2
        at_the_limit = reader.current(max_age_s=2)
        clock.now += 0.001
        past_it = reader.current(max_age_s=2)
    pty.unplug()

    assert at_the_limit == Reading(1234, stable=True, overload=False, raw="ST,GS,+0001.234kg")
    assert past_it is None


class AnsweringScale:
    """The scale's side of the request protocol on the pty master, listening all the time as a
    real one does. Answers are given in order, the last one repeated, each `delay` seconds after
    its request; it counts the requests that arrive while an answer is still owed, and ignores
    those whose number is in `ignore` (counted from 1)."""

    def __init__(
        self,
        pty: Pty,
        request: bytes,
        answers: list[bytes],
        *,
        delay: float = 0.0,
        ignore: tuple[int, ...] = (),
    ) -> None:
        self.pty, self.request, self.answers = pty, request, list(answers)
        self.delay, self.ignore = delay, ignore
        self.asked_at: list[float] = []
        self.other = b""  # anything the reader sent that was not the request
        self.overlapping = 0  # requests sent over an unanswered one
        self._owed: float | None = None  # when the owed answer goes out
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._answer, daemon=True)
        self._thread.start()

    @property
    def requests(self) -> int:
        return len(self.asked_at)

    def _answer(self) -> None:
        buffer = b""
        while not self._stopping.is_set():
            if self._owed is not None and time.monotonic() >= self._owed:
                answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
                os.write(self.pty.master, answer)
                self._owed = None
            if not select.select([self.pty.master], [], [], 0.005)[0]:
                continue
            buffer += os.read(self.pty.master, 1024)
            while self.request in buffer:
                before, _, buffer = buffer.partition(self.request)
                self.other += before
                self.asked_at.append(time.monotonic())
                if self._owed is not None:
                    self.overlapping += 1
                elif self.requests not in self.ignore:
                    self._owed = time.monotonic() + self.delay

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(WAIT)


@pytest.mark.parametrize(
    ("command", "answers", "expected"),
    [
        (
            "W\r",
            [b"US,GS,+0000.950kg\r\n", b"US,GS,+0001.101kg\r\n", b"ST,GS,+0001.100kg\r\n"],
            Reading(1100, stable=True, overload=False, raw="ST,GS,+0001.100kg"),
        ),
        (
            "SI\r\n",
            [b"S D     0.950 kg\r\n", b"S I\r\n", b"S S     1.100 kg\r\n"],
            Reading(1100, stable=True, overload=False, raw="S S     1.100 kg"),
        ),
        (
            "\x1bP",
            [b"US,GS,+0000.950kg\r\n", b"ST,GS,+0001.100kg\r\n"],
            Reading(1100, stable=True, overload=False, raw="ST,GS,+0001.100kg"),
        ),
    ],
    ids=["W", "SI", "ESC-P"],
)
def test_a_request_scale_is_asked_again_until_its_answer_settles(
    command: str, answers: list[bytes], expected: Reading
) -> None:
    pty, seen = Pty(), Seen()
    scale = AnsweringScale(pty, command.encode("latin-1"), answers)

    with reader_for(
        pty.path, seen, protocol="request", request_command=command, poll_interval=0.02
    ) as reader:
        until(lambda: reader.current(max_age_s=5), "a settled answer")
        reading = reader.current(max_age_s=5)
    scale.stop()
    pty.unplug()

    assert reading == expected
    assert scale.requests >= len(answers)
    assert scale.other == b""  # the reader sent requests and nothing else
    assert seen.refused == (["scale_busy"] if command == "SI\r\n" else [])


def test_a_request_scale_gets_its_next_request_only_after_the_answer() -> None:
    pty, seen = Pty(), Seen()
    scale = AnsweringScale(pty, b"SI\r\n", [b"S S     0.250 kg\r\n"], delay=0.15)

    with reader_for(
        pty.path, seen, protocol="request", request_command="SI\r\n", poll_interval=0.02
    ) as reader:
        until(lambda: len(scale.asked_at) >= 4, "four requests")
        reading = reader.current(max_age_s=5)
    scale.stop()
    pty.unplug()

    assert scale.overlapping == 0
    assert reading == Reading(250, stable=True, overload=False, raw="S S     0.250 kg")


def test_an_unanswered_request_is_followed_by_the_next_only_after_the_answer_timeout() -> None:
    pty, seen = Pty(), Seen()
    scale = AnsweringScale(pty, b"SI\r\n", [b"S S     0.250 kg\r\n"], ignore=(1,))

    with reader_for(
        pty.path,
        seen,
        protocol="request",
        request_command="SI\r\n",
        poll_interval=0.02,
        answer_timeout=0.3,
    ) as reader:
        until(lambda: reader.current(max_age_s=5), "the answer to the second request")
    scale.stop()
    pty.unplug()

    first, second = scale.asked_at[:2]
    # The times are when the fake scale read each request, so each carries its own read latency:
    # allow 50 ms of it. Unpaced requests (the old reader) came every 20 ms, far below this bound.
    assert second - first >= 0.25
    assert scale.overlapping == 0


def test_a_scale_that_stops_sending_is_silent_and_offers_no_weight_until_it_speaks() -> None:
    pty, seen, clock = Pty(), Seen(), Clock()

    with reader_for(pty.path, seen, clock=clock, silent_after_s=2) as reader:
        until(lambda: reader.state is DeviceState.CONNECTED, "connected")
        pty.write(b"ST,GS,+0001.234kg\r\n")
        until(lambda: reader.current(max_age_s=5), "the reading")
        clock.now += 2.001  # the scale says nothing more
        until(lambda: reader.state is DeviceState.SILENT, "silent")
        while_silent = (reader.current(max_age_s=5), reader.latest(), reader.latest_stable())
        pty.write(b"ST,GS,+0000.900kg\r\n")
        until(lambda: reader.current(max_age_s=5), "the reading after the silence")
        after = reader.current(max_age_s=5)
    pty.unplug()

    assert while_silent == (None, None, None)
    assert after == Reading(900, stable=True, overload=False, raw="ST,GS,+0000.900kg")
    assert seen.states == [
        DeviceState.CONNECTING,
        DeviceState.CONNECTED,
        DeviceState.SILENT,
        DeviceState.CONNECTED,
    ]
    assert seen.reasons[2] == f"no reading for 2 s from {pty.path}"


def test_an_overloaded_scale_offers_no_weight() -> None:
    pty, seen = Pty(), Seen()

    with reader_for(pty.path, seen) as reader:
        until(lambda: reader.state is DeviceState.CONNECTED, "connected")
        pty.write(b"ST,GS,+0001.234kg\r\n")
        until(lambda: reader.current(max_age_s=5), "a weight")
        pty.write(b"OL,GS,+9999999E+19\r\n")
        until(lambda: reader.latest()[0].overload, "the overload")
        overloaded = reader.current(max_age_s=5)
    pty.unplug()

    assert overloaded is None


def test_garbled_lines_are_ignored_with_a_logged_reason_and_reading_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pty, seen = Pty(), Seen()
    noise = [b"\x00\xff\x13\r\n", b"ST,GS,+12a4.0kg\r\n", b"X" * 300, b"\r\n", b"ES\r\n"]

    with caplog.at_level(logging.WARNING, logger="edge.devices"):
        with reader_for(pty.path, seen) as reader:
            until(lambda: reader.state is DeviceState.CONNECTED, "connected")
            pty.write(b"".join(noise) + b"ST,GS,+0000.777kg\r\n")
            until(lambda: reader.current(max_age_s=5), "the good line after the noise")
            reading = reader.current(max_age_s=5)
    pty.unplug()

    assert reading == Reading(777, stable=True, overload=False, raw="ST,GS,+0000.777kg")
    assert seen.refused == ["garbled", "garbled", "over_long", "scale_error"]
    logged = [r.getMessage() for r in caplog.records if "line ignored" in r.getMessage()]
    assert logged[0] == "scale bench-1-scale: line ignored (garbled: <NUL>ÿ<x13>)"
    assert len(logged) == 4


def test_after_unplug_the_weight_is_forgotten_and_after_replug_read_afresh(
    tmp_path: Path,
) -> None:
    by_id = tmp_path / "usb-Scale_Co_Bench_5678-if00-port0"
    first, seen = Pty(), Seen()
    point(by_id, first.path)

    with reader_for(str(by_id), seen) as reader:
        until(lambda: reader.state is DeviceState.CONNECTED, "connected")
        first.write(b"ST,GS,+0001.234kg\r\n")
        until(lambda: reader.current(max_age_s=5), "the first weight")
        first.unplug()
        until(lambda: reader.state is DeviceState.DISCONNECTED, "disconnected")
        while_away = (reader.current(max_age_s=5), reader.latest(), reader.latest_stable())
        second = Pty()
        point(by_id, second.path)
        until(lambda: reader.state is DeviceState.CONNECTED, "connected again")
        before_a_reading = reader.current(max_age_s=5)
        second.write(b"ST,GS,+0002.000kg\r\n")
        until(lambda: reader.current(max_age_s=5), "the weight after replug")
        after = reader.current(max_age_s=5)
    second.unplug()

    assert while_away == (None, None, None)
    assert before_a_reading is None
    assert after == Reading(2000, stable=True, overload=False, raw="ST,GS,+0002.000kg")
    assert seen.states == [
        DeviceState.CONNECTING,
        DeviceState.CONNECTED,
        DeviceState.DISCONNECTED,
        DeviceState.CONNECTED,
    ]


def test_a_scale_not_plugged_in_at_start_is_picked_up_when_it_appears(tmp_path: Path) -> None:
    by_id = tmp_path / "usb-late-scale"
    seen = Seen()

    with reader_for(str(by_id), seen) as reader:
        until(lambda: reader.state is DeviceState.DISCONNECTED, "disconnected")
        pty = Pty()
        point(by_id, pty.path)
        until(lambda: reader.state is DeviceState.CONNECTED, "connected")
        pty.write(b"S S     0.321 kg\r\n")
        until(lambda: reader.current(max_age_s=5), "a weight")
        reading = reader.current(max_age_s=5)
    pty.unplug()

    assert reading == Reading(321, stable=True, overload=False, raw="S S     0.321 kg")
    assert seen.states == [
        DeviceState.CONNECTING,
        DeviceState.DISCONNECTED,
        DeviceState.CONNECTED,
    ]
    assert "No such file or directory" in seen.reasons[1]


def test_stop_ends_the_reader_while_the_scale_is_away(tmp_path: Path) -> None:
    seen = Seen()
    reader = reader_for(str(tmp_path / "nothing-here"), seen, backoff_max=5.0).start()
    until(lambda: reader.state is DeviceState.DISCONNECTED, "disconnected")

    reader.stop()

    assert not reader.running
    assert seen.states == [DeviceState.CONNECTING, DeviceState.DISCONNECTED]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"path": ""}, "scale s1: a serial scale needs a path"),
        ({"protocol": "poll"}, "scale s1: protocol must be one of continuous, request"),
        (
            {"protocol": "request", "request_command": ""},
            "scale s1: the request protocol needs a request_command",
        ),
        ({"parity": "X"}, "scale s1: parity must be one of"),
        ({"bytesize": 9}, "scale s1: bytesize must be one of 5, 6, 7, 8"),
        ({"stopbits": 3}, "scale s1: stopbits must be 1, 1.5 or 2"),
        ({"baud": 0}, "scale s1: baud and poll_interval must be positive"),
        ({"silent_after_s": 0}, "scale s1: answer_timeout and silent_after_s must be positive"),
    ],
)
def test_wrong_settings_are_refused_before_any_port_is_opened(
    options: dict[str, object], message: str
) -> None:
    settings: dict[str, object] = {"path": "/dev/null", **options}

    with pytest.raises(ValueError) as refused:
        ScaleConfig("s1", **settings)  # type: ignore[arg-type]

    assert str(refused.value).startswith(message)
