"""A pack bench's station screen in a real browser (Debian's Chromium through Playwright), with
the demo's virtual serial scanner as the bench's fixed scanner: scans are written to the
pseudo-terminal the demo printed, exactly as `printf 'CODE\\r' > /dev/pts/N` would, and go to
the edge through the serial adapter; their answers come back to the screen. The screen is read
as the packer reads it; the database is read (read-only) only to choose stock to move and to
check the outcome."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import (
    ANSWER_TIMEOUT_MS,
    STATION_SCREEN,
    BarcodeSheet,
    DemoEdge,
    StationScreen,
    VirtualScanner,
    read_only,
    running_demo,
    virtual_scanner,
)

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
BENCH = "BENCH-1"  # the demo's pack bench
PACKER, PIN, PACKER_NAME = "K001", "2222", "Zhang Wei"
BINS = "Bins of the demo orders"


class Reading(str):
    """The reason of a connected serial scanner: the device end of the virtual pty it reads."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and re.fullmatch(r"reading /dev/pts/\d+", other) is not None

    __hash__ = str.__hash__


READING = Reading("reading /dev/pts/N")


@pytest.fixture
def scanner(edge: DemoEdge) -> VirtualScanner:
    return virtual_scanner(edge)


@pytest.fixture
def screen(browser: Any) -> Iterator[StationScreen]:
    context = browser.new_context(**STATION_SCREEN)
    yield StationScreen(context.new_page())
    context.close()


def stations(edge: DemoEdge) -> list[dict[str, Any]]:
    """`GET /api/v1/stations`, as a supervisor sees it."""
    return list(edge.supervisor_get("/api/v1/stations"))


def movable_stock(edge: DemoEdge, sheet: BarcodeSheet) -> tuple[str, str]:
    """(bin, SKU) of unreserved, unlotted stock in a bin of the sheet, of an item on the sheet."""
    rows = read_only(
        edge.db,
        "SELECT b.location, b.sku FROM balances b WHERE b.bucket = 'on_hand' AND b.lot = ''"
        " AND b.container = '' AND b.qty > (SELECT COALESCE(SUM(a.qty), 0) FROM allocations a"
        " WHERE a.sku = b.sku AND a.location = b.location AND a.container = '' AND a.lot = '')"
        " ORDER BY b.location, b.sku",
    )
    captions = {label.caption for label in sheet.labels}
    bins = {label.caption for label in sheet.section(BINS)}
    found = [(loc, sku) for loc, sku in rows if loc in bins and sku in captions]
    assert found, "no free stock of a sheet item in a sheet bin"
    return found[0]


def other_bin(sheet: BarcodeSheet, not_this: str) -> str:
    return next(lb.caption for lb in sheet.section(BINS) if lb.caption != not_this)


def shot(screen: StationScreen, name: str) -> Path:
    return screen.screenshot(SCREENSHOTS / f"station-{name}.png")


def log_in_with_the_fixed_scanner(
    screen: StationScreen, scanner: VirtualScanner, sheet: BarcodeSheet
) -> None:
    """Scan the packer's badge with the bench's scanner, tap the PIN on the pad and OK."""
    screen.scan_with(scanner, sheet.code(PACKER))
    screen.by("badge").filter(has_text=PACKER).wait_for(timeout=ANSWER_TIMEOUT_MS)
    for digit in PIN:
        screen.by(f"pin-key-{digit}").click()
    screen.by("pin-ok").click()
    screen.wait_screen("chooser")


def test_a_scan_at_the_bench_with_nobody_logged_in_shows_log_in_first_and_a_badge_opens_the_pin_pad(
    edge: DemoEdge, sheet: BarcodeSheet, screen: StationScreen, scanner: VirtualScanner
) -> None:
    screen.open(edge, BENCH)
    screen.wait_screen("login")
    screen.wait_scanner("connected")
    strip = screen.scanner()

    screen.scan_with(scanner, sheet.code(sheet.section(BINS)[0].caption))
    refused = screen.refusal()
    shot(screen, "log-in-first")
    screen.scan_with(scanner, sheet.code(PACKER))
    shot(screen, "pin-pad")

    assert scanner.station == BENCH
    assert strip == {
        "station": BENCH,
        "alert": "false",
        "state": "connected",
        "text": "Scanner ready",
    }
    assert refused == {
        "tone": "bad",
        "visible": True,
        "code": "not_authenticated",
        "detail": "Not logged in. Scan your badge and enter your PIN.",
    }
    assert screen.attr("screen", "data-screen") == "login"
    assert screen.text("badge") == PACKER
    assert screen.by("pin-key-2").is_visible() and screen.by("pin-ok").is_visible()
    assert not screen.by("feedback").is_visible()  # the badge scan cleared the red screen
    assert screen.page.evaluate("localStorage.getItem('wt.device')") is None


def test_a_packer_logged_in_at_the_bench_moves_stock_with_its_scanner_and_its_keyboard_wedge(
    edge: DemoEdge, sheet: BarcodeSheet, screen: StationScreen, scanner: VirtualScanner
) -> None:
    source, sku = movable_stock(edge, sheet)
    target = other_bin(sheet, source)
    screen.open(edge, BENCH)
    screen.wait_screen("login")
    log_in_with_the_fixed_scanner(screen, scanner, sheet)
    at_bench = stations(edge)
    screen.by("btn-move").click()
    screen.wait_screen("move")

    screen.scan_with(scanner, sheet.code(source))
    after_source = (screen.attr("step", "data-step"), screen.text("source"))
    screen.scan(sheet.code(target))  # a USB keyboard-wedge scanner on the bench's PC
    screen.scan_with(scanner, sheet.code(sku))
    moved = screen.feedback()
    shot(screen, "moved")
    screen.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)  # the green flash
    shot(screen, "move")
    movements = read_only(
        edge.db,
        "SELECT type, sku, qty, from_location, to_location, device_id FROM movements"
        " WHERE type = 'move' ORDER BY id DESC LIMIT 1",
    )

    shown = [s for s in at_bench if s["station"] == BENCH]  # the demo's returns desk beside it
    assert [(s["station"], s["device_id"], s["operator"], s["scanners"]) for s in shown] == [
        (
            BENCH,
            f"station-{BENCH}",
            {"name": PACKER_NAME, "role": "packer"},
            [
                {
                    "name": "demo-scanner",
                    "kind": "serial",
                    "state": "connected",
                    "reason": READING,
                    "rejected": 0,
                }
            ],
        ),
    ]
    assert screen.text("operator").startswith(PACKER_NAME)
    assert after_source == ("target", source)
    assert (moved["tone"], sku in moved["detail"]) == ("good", True)
    assert (screen.attr("step", "data-step"), screen.text("target"), screen.text("moved")) == (
        "items",
        target,
        "1",
    )
    assert screen.answers() == screen.scans == 4  # the badge, two bins, the item
    assert movements == [("move", sku, 1, source, target, f"station-{BENCH}")]


def test_a_line_the_scanner_garbles_is_refused_on_screen_and_the_next_scan_still_counts(
    edge: DemoEdge, sheet: BarcodeSheet, screen: StationScreen, scanner: VirtualScanner
) -> None:
    screen.open(edge, BENCH)
    screen.wait_screen("login")
    screen.wait_scanner("connected")

    scanner.send("9" * 300)  # longer than the scanner's max_length (256)
    screen.page.wait_for_selector(
        "[data-testid=feedback][data-code=scanner_rejected]", timeout=ANSWER_TIMEOUT_MS
    )
    refused = screen.refusal() | {"next": screen.text("feedback-next")}
    screen.scan_with(scanner, sheet.code(PACKER))

    assert refused == {
        "tone": "bad",
        "visible": True,
        "code": "scanner_rejected",
        "detail": "The scanner sent something unreadable. Scan again.",
        "next": "It was too long to be a barcode.",
    }
    assert screen.text("badge") == PACKER
    assert {s["station"]: s["scanners"][0]["rejected"] for s in stations(edge)} == {
        BENCH: 1,
        "DESK-1": 0,
        "DOCK-1": 0,
    }


def test_an_unplugged_scanner_shows_red_with_its_reason_and_clears_when_plugged_back(
    browser: Any, tmp_path: Path
) -> None:
    port = tmp_path / "dev" / "usb-scanner"  # a stable device path that is not there yet
    extra = {
        "WAREHOUSE_EDGE_STATIONS": json.dumps([{"name": "BENCH-2", "type": "pack_bench"}]),
        "WAREHOUSE_EDGE_SCANNERS": json.dumps(
            [{"name": "bench-2-scanner", "kind": "serial", "station": "BENCH-2", "path": str(port)}]
        ),
    }
    master, slave = os.openpty()
    context = browser.new_context(**STATION_SCREEN)
    try:
        with running_demo(tmp_path, settings=extra) as demo:
            screen = StationScreen(context.new_page())
            screen.open(demo, "BENCH-2")
            screen.wait_scanner("disconnected")
            unplugged = screen.scanner()
            reason = screen.text("scanner-reason")
            shot(screen, "unplugged")
            colour = screen.by("station").evaluate("el => getComputedStyle(el).backgroundColor")

            port.parent.mkdir()
            port.symlink_to(os.ttyname(slave))  # plugged in: udev makes the by-id link
            screen.wait_scanner("connected")
            plugged = screen.scanner()
    finally:
        context.close()
        os.close(master)
        os.close(slave)

    assert unplugged == {
        "station": "BENCH-2",
        "alert": "true",
        "state": "disconnected",
        "text": f"Scanner unplugged\n{reason}",
    }
    assert "No such file" in reason or str(port) in reason, reason
    assert colour == "rgb(193, 18, 31)"  # --bad
    assert plugged == {
        "station": "BENCH-2",
        "alert": "false",
        "state": "connected",
        "text": "Scanner ready",
    }
