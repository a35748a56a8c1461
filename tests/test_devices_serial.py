"""Serial scanners: the framer on its own, then pyserial reading a real pseudo-terminal."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from edge.cli.devices_cmd import describe_scan
from edge.devices.adapters import adapter_for
from edge.devices.framing import FramedLine, Framer, terminator_from, visible
from edge.devices.scanner import DeviceState, ScannerConfig
from tests.scanner_harness import Pty, Recorder, point, stopped

GS = "\x1d"
GS1 = "]C10109506000134352\x1d10ABC123"


# --- the framer, byte by byte ---


@pytest.mark.parametrize(
    ("chunks", "expected"),
    [
        ([b"ABC\r"], [FramedLine("ABC")]),
        ([b"AB", b"C", b"\r"], [FramedLine("ABC")]),
        ([b"A\rB\rC\r"], [FramedLine("A"), FramedLine("B"), FramedLine("C")]),
        ([b"A\r\nB\r\n"], [FramedLine("A"), FramedLine("B")]),
        ([b"\x02A\x03\r"], [FramedLine("A")]),
        ([b"\r\r\n\r"], []),
        ([GS1.encode("latin-1") + b"\r"], [FramedLine(GS1)]),
        ([b"\x00\xff\x13\r"], [FramedLine("\x00\xff\x13", ok=False, reason="garbled")]),
        (
            [b"\xf0\x80\xfe\x00\xe6\r"],
            [FramedLine("\xf0\x80\xfe\x00\xe6", ok=False, reason="garbled")],
        ),
        ([b"caf\xe9\r"], [FramedLine("café")]),
    ],
    ids=[
        "one",
        "split",
        "several",
        "crlf-sender",
        "stx-etx",
        "blanks",
        "gs",
        "noise",
        "wrong-baud",
        "latin-1",
    ],
)
def test_the_framer_cuts_lines_whatever_the_chunks(
    chunks: list[bytes], expected: list[FramedLine]
) -> None:
    framer = Framer("\r")

    lines = [line for chunk in chunks for line in framer.feed(chunk)]

    assert lines == expected


def test_the_framer_handles_every_single_byte_split_alike() -> None:
    framer = Framer("\r\n")
    stream = b"]C10109506000134352\x1d10ABC123\r\n4006381333931\r\n"

    lines = [line for byte in stream for line in framer.feed(bytes([byte]))]

    assert lines == [FramedLine(GS1), FramedLine("4006381333931")]


def test_an_over_long_line_is_refused_at_once_and_the_framer_resynchronises() -> None:
    framer = Framer("\r", max_length=10)

    first = framer.feed(b"X" * 20)
    rest = framer.feed(b"YYYYYYYYYYYYYYYY\rGOOD\r")

    assert first == [FramedLine("X" * 10, ok=False, reason="over_long")]
    assert rest == [FramedLine("GOOD")]


def test_an_over_long_line_with_a_split_crlf_resynchronises_at_the_terminator() -> None:
    framer = Framer("\r\n", max_length=4)

    lines = framer.feed(b"123456789\r") + framer.feed(b"\nOK\r\n")

    assert lines == [FramedLine("1234", ok=False, reason="over_long"), FramedLine("OK")]


def test_prefix_and_suffix_are_stripped_where_present() -> None:
    framer = Framer("\r", prefix="<", suffix=">")

    lines = framer.feed(b"<A>\rB>\r<C\r")

    assert lines == [FramedLine("A"), FramedLine("B"), FramedLine("C")]


def test_reset_drops_the_partial_line_and_never_merges_it_into_the_next() -> None:
    framer = Framer("\r")
    framer.feed(b"CUT-OFF")

    cut = framer.reset("disconnected")
    after = framer.feed(b"NEXT\r")

    assert (cut, after) == (
        FramedLine("CUT-OFF", ok=False, reason="disconnected"),
        [FramedLine("NEXT")],
    )
    assert framer.reset("disconnected") is None


@pytest.mark.parametrize(
    ("name", "terminator"),
    [("cr", "\r"), ("LF", "\n"), ("crlf", "\r\n"), ("tab", "\t"), ("etx", "\x03"), ("##", "##")],
)
def test_terminators_are_named_or_literal(name: str, terminator: str) -> None:
    assert terminator_from(name) == terminator


def test_visible_spells_out_control_characters() -> None:
    assert visible("]C1010\x1d10A\r\x00\x81") == "]C1010<GS>10A<CR><NUL><x81>"


@pytest.mark.parametrize(
    ("raw", "options", "expected"),
    [
        (GS1, {}, "]C10109506000134352<GS>10ABC123 | AIM ]C1 | gs1 (01)09506000134352(10)ABC123"),
        ("4006381333931", {}, "4006381333931 | no AIM id | gtin 04006381333931"),
        ("@A-01-02", {"prefix": "@"}, "@A-01-02 | prefix ok | no AIM id | raw A-01-02"),
        ("A-01-02", {"prefix": "@"}, "A-01-02 | prefix '@' missing | no AIM id | raw A-01-02"),
        (
            "]E04006381333932",
            {},
            "]E04006381333932 | error bad_check_digit: Barcode 4006381333932 has a wrong check "
            "digit (expected 1). Scan it again or type it.",
        ),
    ],
    ids=["gs1", "gtin", "prefix", "prefix-missing", "error"],
)
def test_listen_describes_a_scan_the_way_an_installer_reads_it(
    raw: str, options: dict[str, str], expected: str
) -> None:
    assert describe_scan(raw, **options) == expected


# --- pyserial on a pseudo-terminal ---


def serial_config(path: str, **options: object) -> ScannerConfig:
    settings: dict[str, object] = {"kind": "serial", "path": path, "backoff_initial": 0.05}
    settings.update({"backoff_max": 0.2, **options})
    return ScannerConfig("bench-1", **settings)  # type: ignore[arg-type]


def test_lines_from_a_serial_port_become_scans_whatever_the_writes() -> None:
    async def scenario() -> Recorder:
        pty, recorder = Pty(), Recorder()
        adapter = adapter_for(serial_config(pty.path))
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.CONNECTED)
        for chunk in (b"SPL", b"IT-LI", b"NE\r"):  # one line in three reads
            pty.write(chunk)
            await recorder.until(lambda: pty.unread() == 0, "the chunk read")
        pty.write(b"A-01-01\rA-01-02\r" + GS1.encode("latin-1") + b"\r")
        await recorder.until(lambda: len(recorder.scans) == 4, "four scans")
        await stopped(adapter, task)
        pty.unplug()
        return recorder

    recorder = asyncio.run(scenario())

    assert recorder.raws == ["SPLIT-LINE", "A-01-01", "A-01-02", GS1]
    assert len({scan.scan_id for scan in recorder.scans}) == 4
    assert {scan.device for scan in recorder.scans} == {"bench-1"}
    assert recorder.states == [DeviceState.CONNECTING, DeviceState.CONNECTED]


def test_noise_junk_and_over_long_lines_are_refused_and_reading_goes_on() -> None:
    junk = bytes(range(14, 256))  # every byte but the CR that ends it
    stream = [b"\x00\xff\x13\r", b"X" * 300 + b"\r", junk + b"\r", b"\xf0\x80\xfe\x00\xe6\r"]

    async def scenario() -> Recorder:
        pty, recorder = Pty(), Recorder()
        adapter = adapter_for(serial_config(pty.path))
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.CONNECTED)
        for data in stream:
            pty.write(data + b"GOOD\r")
        await recorder.until(lambda: len(recorder.scans) == 4, "four good scans")
        await stopped(adapter, task)
        pty.unplug()
        return recorder

    recorder = asyncio.run(scenario())

    assert recorder.raws == ["GOOD"] * 4
    assert [line.reason for line in recorder.refused] == [
        "garbled",
        "over_long",
        "garbled",
        "garbled",
    ]


def test_prefix_suffix_and_terminator_are_per_device() -> None:
    async def scenario() -> Recorder:
        pty, recorder = Pty(), Recorder()
        config = serial_config(pty.path, terminator="crlf", prefix="S:", suffix=";")
        adapter = adapter_for(config)
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.CONNECTED)
        pty.write(b"S:T-0001;\r\nS:A-01-01;\r\n")
        await recorder.until(lambda: len(recorder.scans) == 2, "two scans")
        await stopped(adapter, task)
        pty.unplug()
        return recorder

    assert asyncio.run(scenario()).raws == ["T-0001", "A-01-01"]


def test_after_unplug_and_replug_every_line_arrives_once_and_the_cut_line_never(
    tmp_path: Path,
) -> None:
    by_id = tmp_path / "usb-Scanner_Co_Model_1234-if00-port0"
    after = [f"L{n:02d}" for n in range(20)]

    async def scenario() -> Recorder:
        first, recorder = Pty(), Recorder()
        point(by_id, first.path)
        adapter = adapter_for(serial_config(str(by_id)))
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.CONNECTED)
        first.write(b"BEFORE\rCUT-LI")
        await recorder.until(
            lambda: recorder.raws == ["BEFORE"] and first.unread() == 0, "BEFORE read"
        )
        first.unplug()
        await recorder.until_state(DeviceState.DISCONNECTED)
        second = Pty()
        point(by_id, second.path)
        await recorder.until_state(DeviceState.CONNECTED, 2)
        second.write(b"NE\r")  # the rest of the cut line, as a replugged scanner cannot send
        for line in after[:10]:
            second.write(line.encode() + b"\r")
        second.write("".join(line + "\r" for line in after[10:]).encode())
        await recorder.until(lambda: len(recorder.scans) == 22, "all lines")
        await stopped(adapter, task)
        second.unplug()
        return recorder

    recorder = asyncio.run(scenario())

    assert recorder.raws == ["BEFORE", "NE", *after]
    assert recorder.refused == [FramedLine("CUT-LI", ok=False, reason="disconnected")]
    assert recorder.states == [
        DeviceState.CONNECTING,
        DeviceState.CONNECTED,
        DeviceState.DISCONNECTED,
        DeviceState.CONNECTED,
    ]


def test_a_scanner_not_plugged_in_at_start_is_picked_up_when_it_appears(tmp_path: Path) -> None:
    by_id = tmp_path / "usb-late-scanner"

    async def scenario() -> Recorder:
        recorder = Recorder()
        adapter = adapter_for(serial_config(str(by_id)))
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.DISCONNECTED)
        pty = Pty()
        point(by_id, pty.path)
        await recorder.until_state(DeviceState.CONNECTED)
        pty.write(b"HELLO\r")
        await recorder.until(lambda: recorder.raws == ["HELLO"], "HELLO")
        await stopped(adapter, task)
        pty.unplug()
        return recorder

    recorder = asyncio.run(scenario())

    assert recorder.states == [
        DeviceState.CONNECTING,
        DeviceState.DISCONNECTED,
        DeviceState.CONNECTED,
    ]
    assert "No such file or directory" in recorder.reasons[1]


def test_stop_ends_run_while_the_scanner_is_away(tmp_path: Path) -> None:
    async def scenario() -> Recorder:
        recorder = Recorder()
        adapter = adapter_for(serial_config(str(tmp_path / "nothing-here"), backoff_max=5.0))
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.DISCONNECTED)
        await stopped(adapter, task)
        return recorder

    assert asyncio.run(scenario()).states == [DeviceState.CONNECTING, DeviceState.DISCONNECTED]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"parity": "X"}, "scanner bench-1: parity must be one of"),
        ({"bytesize": 9}, "scanner bench-1: bytesize must be one of 5, 6, 7, 8"),
        (
            {"kind": "usb"},
            "scanner bench-1: kind must be one of serial, tcp-client, tcp-listen, hid",
        ),
        ({"path": ""}, "scanner bench-1: a serial scanner needs a path"),
    ],
)
def test_wrong_settings_are_refused_before_any_port_is_opened(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        adapter_for(serial_config(options.pop("path", "/dev/null"), **options))

    assert str(refused.value).startswith(message)


def test_devices_listen_prints_what_a_serial_scanner_sends() -> None:
    pty = Pty()
    code = "from edge.cli.devices_cmd import devices; devices()"
    args = [sys.executable, "-c", code, "listen", pty.path, "--count", "3", "--prefix", "@"]
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="latin-1"
    ) as listen:
        assert listen.stdout is not None
        seen = [listen.stdout.readline(), listen.stdout.readline()]
        pty.write(b"@" + GS1.encode("latin-1") + b"\r\x00\x01\x02\r@A-01-02\rNOPREFIX\r")
        out, _ = listen.communicate(timeout=30)
    pty.unplug()

    assert [*seen, *out.splitlines(keepends=True)] == [
        f"-- connecting: opening {pty.path}\n",
        f"-- connected: reading {pty.path}\n",
        "#1 @]C10109506000134352<GS>10ABC123 | prefix ok | AIM ]C1 | gs1 (01)09506000134352(10)ABC123\n",
        "-- refused (garbled): <NUL><x01><STX>\n",
        "#2 @A-01-02 | prefix ok | no AIM id | raw A-01-02\n",
        "#3 NOPREFIX | prefix '@' missing | no AIM id | raw NOPREFIX\n",
    ]
    assert listen.returncode == 0
