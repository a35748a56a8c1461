"""The role guides' pictures (docs/roles/), taken by walking each role's main flow on the demo in
Debian's Chromium, once in English and once in Chinese: the picker at 360×640 (the item to pick,
a wrong item's red screen, then a short pick), the packer at a bench's screen (the items being
checked, the parcel closed and its waybill printed), the returns clerk at 360×640 (grading a
returned unit, an item not on the return), the supervisor at a bench's screen (the short pick
among the exceptions, the task board).

With WAREHOUSE_DOC_SHOTS=1 the pictures are written to docs/roles/img/ (to commit); otherwise to
the test's own folder. Either way the flow and what each screen says are checked."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest

from edge.config.settings import DEFAULT_PACKAGES
from tests.browser import (
    ANSWER_TIMEOUT_MS,
    HANDHELD,
    STATION_SCREEN,
    BarcodeSheet,
    DemoEdge,
    Handheld,
)
from tests.test_handheld_pack_browser import (
    TOLERANT,
    check_every_unit,
    close_parcel,
    dismiss,
    totes_to_pack,
    unit_weight,
)
from tests.test_returns_browser import rmas, start_returns, tap
from tests.test_terminal_browser import empty_totes, scan_until, wrong_item

pytestmark = pytest.mark.slow

DOC_IMAGES = Path(__file__).resolve().parents[1] / "docs" / "roles" / "img"
MAX_BYTES = 80_000
CHINESE = re.compile(r"[\u4e00-\u9fff]")
LOGINS = {"picker": ("P001", "1111"), "packer": ("K001", "2222"), "returns": ("R001", "3333")}
SUPERVISOR = ("S001", "4444")
# The pictures each language's walk takes, in order; the role pages link these (test_docs_roles.py).
SHOTS = (
    "picker-item",
    "picker-wrong-item",
    "packer-check",
    "packer-done",
    "returns-grade",
    "returns-wrong-item",
    "supervisor-exceptions",
    "supervisor-board",
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return DOC_IMAGES if os.environ.get("WAREHOUSE_DOC_SHOTS") == "1" else tmp_path / "img"


class Camera:
    """Takes each picture as a small PNG: 64 colours are plenty for the terminal's flat screens."""

    def __init__(self, folder: Path, language: str) -> None:
        self.folder, self.language = folder, language
        self.taken: list[Path] = []

    def shoot(self, screen: Handheld, name: str) -> None:
        from PIL import Image

        screen.page.wait_for_timeout(600)  # a good scan's green flash and transitions settle
        png = screen.page.screenshot(animations="disabled", caret="hide")
        path = self.folder / f"{name}-{self.language}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64, dither=0)
        image.save(path, optimize=True)
        self.taken.append(path)


def open_as(
    browser: Any,
    edge: DemoEdge,
    sheet: BarcodeSheet,
    device: str,
    badge: str,
    pin: str,
    **size: Any,
) -> Handheld:
    """A new device (enrolled, a supervisor vouching), logged in as `badge`."""
    screen = Handheld(browser.new_context(**size).new_page())
    screen.page.goto(edge.ui_url + TOLERANT)
    screen.enrol(device)
    screen.log_in(sheet.code(badge), pin)
    return screen


def speak(screen: Handheld, language: str) -> None:
    """Switch the terminal to `language` with the header's toggle, if it is not in it."""
    if screen.page.evaluate("document.documentElement.lang").startswith(language):
        return
    screen.by("language-toggle").click()
    screen.page.wait_for_function(
        "l => document.documentElement.lang.startsWith(l)", arg=language, timeout=ANSWER_TIMEOUT_MS
    )


def pick(browser: Any, edge: DemoEdge, sheet: BarcodeSheet, cam: Camera) -> dict[str, Any]:
    hh = open_as(browser, edge, sheet, "HH-PICK", *LOGINS["picker"], **HANDHELD)
    speak(hh, cam.language)
    hh.start_picking()
    scan_until(hh, sheet, empty_totes(sheet), "item")
    cam.shoot(hh, "picker-item")
    hh.scan(wrong_item(sheet, hh.view()["sku"]))
    refused = hh.feedback()
    cam.shoot(hh, "picker-wrong-item")
    dismiss(hh)
    hh.short()
    hh.page.context.close()
    return refused


def pack(browser: Any, edge: DemoEdge, sheet: BarcodeSheet, cam: Camera) -> dict[str, str]:
    bench = open_as(browser, edge, sheet, "BENCH-PC", *LOGINS["packer"], **STATION_SCREEN)
    speak(bench, cam.language)
    bench.by("btn-pack").click()
    bench.wait_screen("pack")
    bench.scan(totes_to_pack(edge)[0])
    cam.shoot(bench, "packer-check")
    lines = check_every_unit(bench, sheet)
    box = DEFAULT_PACKAGES[0]
    bench.page.locator(f"[data-testid=package][data-code='{box.code}']").click()
    bench.by("weight-input").wait_for(timeout=ANSWER_TIMEOUT_MS)
    grams = sum(unit_weight(edge, sku) * n for sku, n in lines) + box.tare_g
    bench.by("weight-input").fill(str(grams))
    close_parcel(bench)
    dismiss(bench)
    bench.page.wait_for_selector(
        "[data-testid=print-state][data-status=done]", timeout=ANSWER_TIMEOUT_MS
    )
    cam.shoot(bench, "packer-done")
    done = {"tracking": bench.text("tracking-no")}
    bench.page.context.close()
    return done


def receive_return(
    browser: Any, edge: DemoEdge, sheet: BarcodeSheet, cam: Camera
) -> dict[str, Any]:
    hh = open_as(browser, edge, sheet, "HH-RET", *LOGINS["returns"], **HANDHELD)
    speak(hh, cam.language)
    start_returns(hh)
    rma = rmas(edge)[0]
    sku = next(iter(rma["lines"]))
    other = next(
        lb.caption
        for lb in sheet.section("Items of the demo orders")
        if lb.caption not in rma["lines"]
    )
    hh.scan(sheet.code(rma["rma"]))
    hh.scan(sheet.code(sku))
    step = hh.attr("step", "data-step")
    cam.shoot(hh, "returns-grade")
    tap(hh, "btn-resellable")
    hh.scan(sheet.code(other))
    flagged = hh.feedback()
    cam.shoot(hh, "returns-wrong-item")
    hh.page.context.close()
    return {"step": step, "flagged": flagged}


def supervise(browser: Any, edge: DemoEdge, sheet: BarcodeSheet, cam: Camera) -> list[str]:
    desk = open_as(browser, edge, sheet, "SUP-DESK", *SUPERVISOR, **STATION_SCREEN)
    speak(desk, cam.language)
    desk.by("btn-exceptions").click()
    desk.wait_screen("exceptions")
    desk.by("exc-item").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    items = desk.by("exc-item")
    kinds = [items.nth(i).get_attribute("data-kind") or "" for i in range(items.count())]
    cam.shoot(desk, "supervisor-exceptions")
    desk.by("btn-tasks").click()
    desk.by("btn-board").click()
    desk.wait_screen("board")
    desk.page.wait_for_timeout(1_000)  # the board's columns fill from its first load
    cam.shoot(desk, "supervisor-board")
    desk.page.context.close()
    return kinds


@pytest.mark.parametrize("language", ["en", "zh"])
def test_each_roles_main_flow_walks_on_the_demo_and_leaves_its_guide_pictures(
    edge: DemoEdge, sheet: BarcodeSheet, browser: Any, folder: Path, language: str
) -> None:
    cam = Camera(folder, language)

    refused = pick(browser, edge, sheet, cam)
    packed = pack(browser, edge, sheet, cam)
    returned = receive_return(browser, edge, sheet, cam)
    exceptions = supervise(browser, edge, sheet, cam)

    assert (refused["tone"], refused["visible"]) == ("bad", True)
    assert bool(CHINESE.search(refused["detail"])) == (language == "zh")
    assert packed["tracking"]
    assert returned["step"] == "grade"
    assert returned["flagged"]["tone"] == "bad"
    assert "short_pick" in exceptions
    assert [p.name for p in cam.taken] == [f"{name}-{language}.png" for name in SHOTS]
    assert [p for p in cam.taken if not 2_000 < p.stat().st_size < MAX_BYTES] == []
