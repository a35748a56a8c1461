"""Keyboard-wedge (HID) scanners: key events decoded back into what the scanner typed.

The fixtures in tests/fixtures/evdev/ are event streams as evdev reports them, [type, code,
value] per event, written by hand the way `evtest` shows a scanner typing: EV_MSC/MSC_SCAN with
the USB usage (USB HID Usage Tables 1.4, §10, page 0x07), EV_KEY with the Linux key code
(include/uapi/linux/input-event-codes.h: KEY_A = 30, KEY_ENTER = 28 ...), then EV_SYN.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from edge.devices.framing import FramedLine, Framer
from edge.devices.hid_scanner import EVDEV_MISSING, HidScanner
from edge.devices.keymap import KeyDecoder
from edge.devices.scanner import DeviceState, ScannerConfig
from tests.scanner_harness import Recorder, stopped

FIXTURES = Path(__file__).parent / "fixtures" / "evdev"
GS = "\x1d"
KEY_A, KEY_B, KEY_1, KEY_F1, KEY_LEFTSHIFT, KEY_CAPSLOCK, KEY_LEFTCTRL = 30, 48, 2, 59, 42, 58, 29


def events(name: str) -> list[tuple[int, int, int]]:
    return [tuple(event) for event in json.loads((FIXTURES / f"{name}.json").read_text())]


def typed(layout: str, stream: list[tuple[int, int, int]]) -> str:
    decoder = KeyDecoder(layout)
    return "".join(decoder.feed_event(*event) for event in stream)


@pytest.mark.parametrize(
    ("fixture", "layout", "expected"),
    [
        ("us_ean13", "us", "4006381333931\r"),
        ("us_ean13", "de", "4006381333931\r"),
        ("us_shift_code128", "us", "T-0042:Ab\r"),
        ("us_gs1_ctrl_bracket", "us", f"]C10109506000134352{GS}10ABC123\r"),
        ("us_gs1_alt_numpad", "us", f"0109506000134352{GS}10LOT7\r"),
        ("us_gs1_alt_numpad", "de", f"0109506000134352{GS}10LOT7\r"),
        ("de_mixed", "de", "Yz-7/Ä@x\r"),
        ("de_mixed", "us", 'Zy/7&"\x00x\r'),
        ("de_gs1_ctrl", "de", f"]C10104006381333931{GS}21SN-1\r"),
    ],
)
def test_recorded_streams_decode_to_what_the_scanner_typed(
    fixture: str, layout: str, expected: str
) -> None:
    assert typed(layout, events(fixture)) == expected


def test_a_decoded_stream_frames_into_one_line_as_a_serial_scan_would() -> None:
    text = typed("de", events("de_gs1_ctrl"))

    lines = Framer("\r").feed(text.encode("latin-1"))

    assert lines == [FramedLine(f"]C10104006381333931{GS}21SN-1")]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ([(KEY_A, 1), (KEY_A, 2), (KEY_A, 2), (KEY_A, 0)], "a"),
        ([(KEY_CAPSLOCK, 1), (KEY_CAPSLOCK, 0), (KEY_A, 1), (KEY_A, 0), (KEY_1, 1)], "A1"),
        ([(KEY_CAPSLOCK, 1), (KEY_LEFTSHIFT, 1), (KEY_A, 1), (KEY_LEFTSHIFT, 0), (KEY_B, 1)], "aB"),
        ([(KEY_LEFTCTRL, 1), (KEY_A, 1), (KEY_LEFTCTRL, 0), (KEY_A, 1)], "\x01a"),
        ([(KEY_F1, 1), (KEY_F1, 0)], "\x00"),
    ],
    ids=["autorepeat-ignored", "caps-lock", "caps-lock-and-shift", "ctrl-letter", "unmapped-key"],
)
def test_the_decoder_keeps_modifier_state(keys: list[tuple[int, int]], expected: str) -> None:
    decoder = KeyDecoder("us")

    assert "".join(decoder.feed(code, value) for code, value in keys) == expected


def test_an_unknown_layout_is_refused_by_name() -> None:
    with pytest.raises(ValueError) as refused:
        HidScanner(ScannerConfig("desk-1", kind="hid", path="/dev/input/event0", layout="fr"))

    assert str(refused.value) == "keyboard layout must be one of us, de, not 'fr'"


def test_without_evdev_a_hid_scanner_reports_error_and_run_returns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "evdev", None)  # `import evdev` now fails as if absent
    adapter = HidScanner(ScannerConfig("desk-1", kind="hid", path="/dev/input/event0"))

    async def scenario() -> Recorder:
        recorder = Recorder()
        await asyncio.wait_for(recorder.start(adapter), 15)
        return recorder

    recorder = asyncio.run(scenario())

    assert recorder.states == [DeviceState.CONNECTING, DeviceState.ERROR]
    assert recorder.reasons[1] == EVDEV_MISSING


@pytest.mark.skipif(not os.path.exists("/dev/uinput"), reason="no /dev/uinput on this machine")
def test_a_virtual_keyboard_scanner_is_grabbed_and_read() -> None:
    evdev = pytest.importorskip("evdev", reason="evdev not installed")
    keyboard = evdev.UInput(name="warehouse-edge test scanner")
    shift, enter = evdev.ecodes.KEY_LEFTSHIFT, evdev.ecodes.KEY_ENTER
    strokes = [[shift, evdev.ecodes.KEY_T], [evdev.ecodes.KEY_MINUS], [evdev.ecodes.KEY_4], [enter]]

    async def scenario() -> Recorder:
        recorder = Recorder()
        adapter = HidScanner(ScannerConfig("desk-1", kind="hid", path=keyboard.device.path))
        task = recorder.start(adapter)
        await recorder.until_state(DeviceState.CONNECTED)
        for stroke in strokes:
            for code in stroke:
                keyboard.write(evdev.ecodes.EV_KEY, code, 1)
            for code in reversed(stroke):
                keyboard.write(evdev.ecodes.EV_KEY, code, 0)
            keyboard.syn()
        await recorder.until(lambda: len(recorder.scans) == 1, "one scan")
        await stopped(adapter, task)
        return recorder

    try:
        recorder = asyncio.run(scenario())
    finally:
        keyboard.close()

    assert recorder.raws == ["T-4"]
