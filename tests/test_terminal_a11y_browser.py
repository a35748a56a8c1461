"""Every screen of the handheld terminal checked with the axe-core engine (axe.min.js as the
axe-playwright-python package ships it, injected by Playwright) in Debian's Chromium at 360×640,
and worked at 200 % zoom (a 180×320 CSS-pixel viewport at device scale 2, what a 360×640 phone
shows at 200 %): the work area, the buttons and the red screen's advice must stay reachable.

One demo serves the module, with `packing.typed_weight = "supervisor"` so that the supervisor's
approval sheet is on the way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib.resources import files
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
    StationScreen,
    read_only,
    read_sheet,
    running_demo,
)
from tests.test_handheld_pack_browser import (
    TOLERANT,
    check_every_unit,
    dismiss,
    totes_to_pack,
    unit_weight,
)
from tests.test_returns_browser import tap
from tests.test_terminal_browser import empty_totes, scan_until, wrong_item

pytestmark = pytest.mark.slow

AXE = files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
ZOOMED = {
    "viewport": {"width": 180, "height": 320},
    "device_scale_factor": 2,
    "has_touch": True,
    "is_mobile": True,
}
PICKER, PACKER, SUPERVISOR = ("P001", "1111"), ("K001", "2222"), ("S001", "4444")
CLERK = ("R001", "3333")
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"

# Every axe violation on the page: rule, impact and the elements it names.
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}"""
# Whether the element can be brought into view whole, on screen, and is the one a tap there hits.
REACHABLE = """(el) => {
  el.scrollIntoView({block: "center", inline: "nearest"});
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return r.width > 0 && r.top >= 0 && r.bottom <= innerHeight + 0.5 && r.left >= 0
    && r.right <= innerWidth + 0.5 && (hit === el || el.contains(hit));
}"""
# Whether all of the element's text shows: not clipped to a line, not cut at the side.
WHOLE = "(el) => el.scrollHeight <= el.clientHeight + 1 && el.scrollWidth <= el.clientWidth + 1"
# The lines a code's text takes on screen (a code wrapped at a hyphen takes two).
TEXT_LINES = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top))).size;
}"""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoEdge]:
    rule = {"WAREHOUSE_EDGE_PACKING_TYPED_WEIGHT": "supervisor"}
    with running_demo(tmp_path_factory.mktemp("a11y"), settings=rule) as edge:
        yield edge


@pytest.fixture(scope="module")
def demo_sheet(demo: DemoEdge) -> BarcodeSheet:
    return read_sheet(demo.sheet)


def axe(page: Any) -> list[str]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE)
    return list(page.evaluate(RUN_AXE))


def reachable(hh: Handheld, testid: str) -> bool:
    return bool(hh.by(testid).first.evaluate(REACHABLE))


def log_in(hh: Handheld, sheet: BarcodeSheet, who: tuple[str, str]) -> None:
    hh.log_in(sheet.code(who[0]), who[1])


def switch_user(hh: Handheld, sheet: BarcodeSheet, who: tuple[str, str]) -> None:
    """Scan another badge while signed in, say yes, tap the PIN."""
    hh.page.keyboard.type(sheet.code(who[0]) + "\n")
    hh.by("confirm-yes").click()
    hh.by("badge").filter(has_text=sheet.code(who[0])).wait_for(timeout=ANSWER_TIMEOUT_MS)
    for digit in who[1]:
        hh.by(f"pin-key-{digit}").click()
    hh.by("pin-ok").click()
    hh.wait_screen("chooser")


def to_task(hh: Handheld, task: str) -> None:
    hh.by("btn-tasks").click()
    hh.by(f"btn-{task}").click()
    hh.wait_screen(task)


def returns_screens(hh: Handheld, sheet: BarcodeSheet, found: dict[str, list[str]]) -> None:
    """The returns clerk's screens on the demo's first RMA and its unexpected parcel."""
    switch_user(hh, sheet, CLERK)
    hh.by("btn-returns").click()
    hh.wait_screen("returns")
    hh.page.wait_for_selector("[data-testid=step][data-step=parcel]", timeout=ANSWER_TIMEOUT_MS)
    found["returns: parcel"] = axe(hh.page)
    hh.scan(sheet.code("RMA-000001"))
    found["returns: items"] = axe(hh.page)
    hh.scan(sheet.code(hh.attr("return-line", "data-sku")))
    found["returns: grade"] = axe(hh.page)
    hh.by("btn-destroy").click()
    found["returns: why destroy"] = axe(hh.page)
    hh.by("btn-reason-cancel").click()
    tap(hh, "btn-cancel")
    hh.by("btn-close-parcel").click()
    found["returns: close the parcel?"] = axe(hh.page)
    hh.by("confirm-no").click()
    tap(hh, "btn-close-parcel")
    hh.scan(sheet.code("SF1234567890"))
    found["returns: unexpected (red)"] = axe(hh.page)
    dismiss(hh)
    found["returns: find the order"] = axe(hh.page)


def test_every_terminal_screen_passes_axe_at_360x640_and_keeps_codes_and_targets_whole(
    browser: Any, demo: DemoEdge, demo_sheet: BarcodeSheet
) -> None:
    context = browser.new_context(**HANDHELD)
    hh, sheet, found = Handheld(context.new_page()), demo_sheet, {}
    hh.page.goto(demo.ui_url + TOLERANT)
    hh.wait_screen("enrol")
    found["enrol"] = axe(hh.page)
    hh.enrol("HH-A11Y")
    found["login"] = axe(hh.page)
    hh.by("btn-type-badge").click()
    found["login: type badge"] = axe(hh.page)
    hh.by("badge-input").fill(sheet.code(PICKER[0]))
    hh.by("badge-input").press("Enter")
    hh.by("pin-ok").wait_for(timeout=ANSWER_TIMEOUT_MS)
    found["login: PIN pad"] = axe(hh.page)
    for digit in PICKER[1]:
        hh.by(f"pin-key-{digit}").click()
    hh.by("pin-ok").click()
    hh.wait_screen("chooser")
    found["chooser"] = axe(hh.page)
    toggle = hh.by("language-toggle").bounding_box()
    hh.start_picking()
    found["pick: tote"] = axe(hh.page)
    totes = empty_totes(sheet)
    scan_until(hh, sheet, totes, "location")
    found["pick: location"] = axe(hh.page)
    lines = {name: hh.by(name).first.evaluate(TEXT_LINES) for name in ("location", "sku", "tote")}
    scan_until(hh, sheet, totes, "item")
    found["pick: item"] = axe(hh.page)
    hh.scan(wrong_item(sheet, hh.text("sku")))
    found["red screen"] = axe(hh.page)
    codes = hh.page.locator("[data-testid=feedback-detail] .code")
    lines["codes in the refusal"] = max(
        codes.nth(i).evaluate(TEXT_LINES) for i in range(codes.count())
    )
    dismiss(hh)
    hh.by("btn-type-code").click()
    found["type a code"] = axe(hh.page)
    hh.by("btn-code-cancel").click()
    hh.by("btn-short").click()
    found["confirm"] = axe(hh.page)
    hh.by("confirm-no").click()
    secondary = hh.by("btn-type-code").evaluate("(el) => parseFloat(getComputedStyle(el).fontSize)")
    to_task(hh, "move")
    found["move"] = axe(hh.page)

    switch_user(hh, sheet, PACKER)
    hh.by("btn-pack").click()
    hh.wait_screen("pack")
    found["pack: order"] = axe(hh.page)
    hh.scan(totes_to_pack(demo)[0])
    found["pack: verify"] = axe(hh.page)
    checked = check_every_unit(hh, sheet)
    box = DEFAULT_PACKAGES[0]
    hh.page.locator(f"[data-testid=package][data-code='{box.code}']").click()
    hh.by("weight-input").wait_for(timeout=ANSWER_TIMEOUT_MS)
    found["pack: package"] = axe(hh.page)
    weight = sum(unit_weight(demo, sku) * n for sku, n in checked) + box.tare_g
    hh.by("weight-input").fill(str(weight))
    hh.by("btn-close-parcel").click()
    hh.by("approval-badge").wait_for(timeout=ANSWER_TIMEOUT_MS)
    found["supervisor's approval"] = axe(hh.page)
    hh.page.keyboard.type(sheet.code(SUPERVISOR[0]) + "\n")  # the badge scanned into its field
    hh.by("approval-pin").fill(SUPERVISOR[1])
    hh.by("approval-reason").fill("no scale on the handheld")
    answered = hh.answers()
    hh.by("btn-approval-send").click()
    hh.wait_answers(answered + 1)
    found["good screen"] = axe(hh.page)
    dismiss(hh)
    found["pack: closed"] = axe(hh.page)
    to_task(hh, "dispatch")
    found["dispatch"] = axe(hh.page)
    hh.by("language-toggle").click()
    found["dispatch, 中文"] = axe(hh.page)
    returns_screens(hh, sheet, found)
    hh.by("btn-logout").click()
    hh.by("confirm-yes").click()
    hh.wait_screen("login")
    log_in(hh, sheet, SUPERVISOR)
    hh.by("btn-kpis").click()
    hh.wait_screen("kpis")
    hh.page.wait_for_selector("[data-testid=kpi-card]", timeout=ANSWER_TIMEOUT_MS)
    found["KPIs, 中文"] = axe(hh.page)
    hh.by("kpi-week").click()
    hh.page.wait_for_selector("[data-testid=kpi-list][aria-busy=false]")
    hh.by("language-toggle").click()
    found["KPIs by week"] = axe(hh.page)
    hh.by("btn-tasks").click()
    hh.by("btn-exceptions").click()
    hh.wait_screen("exceptions")
    hh.page.wait_for_selector(
        "[data-testid=exc-list], [data-testid=exc-none]", timeout=ANSWER_TIMEOUT_MS
    )
    found["exceptions"] = axe(hh.page)
    context.close()

    station = browser.new_context(**STATION_SCREEN)
    page = station.new_page()
    page.goto(f"{demo.ui_url}?station=BENCH-1")
    StationScreen(page).wait_screen("enrol")
    found["station: enrol"] = axe(page)
    StationScreen(page).enrol()
    found["station: login"] = axe(page)
    page.goto(f"{demo.ui_url}?station=NO-SUCH-BENCH")
    StationScreen(page).enrol(wait_for="unknown-station")
    found["unknown station"] = axe(page)
    board = demo.line("Central order store at ").split("(board: ", 1)[1].split(",")[0]
    page.goto(board)  # no cookie yet: central's board asks for the admin token
    page.wait_for_selector("input[name=token]", timeout=ANSWER_TIMEOUT_MS)
    found["central's board: log in"] = axe(page)
    station.close()

    event = read_only(demo.db, "SELECT payload FROM outbox WHERE type = 'parcel_closed'")[-1][0]
    assert {screen: v for screen, v in found.items() if v} == {}
    assert lines == {"location": 1, "sku": 1, "tote": 1, "codes in the refusal": 1}  # unbroken
    assert toggle is not None and toggle["width"] >= 48 and toggle["height"] >= 48
    assert secondary >= 16
    closed = json.loads(event)
    assert closed["weight_approved_by"] == "Liu Yang (S001)"
    assert closed["weight_reason"] == "no scale on the handheld"


def test_at_200_percent_zoom_the_work_area_buttons_and_the_red_screens_advice_stay_reachable(
    browser: Any, demo: DemoEdge, demo_sheet: BarcodeSheet
) -> None:
    context = browser.new_context(**ZOOMED)
    hh, sheet = Handheld(context.new_page()), demo_sheet
    hh.page.goto(demo.ui_url + TOLERANT)
    hh.enrol("HH-ZOOM")
    log_in(hh, sheet, PICKER)
    hh.start_picking()
    totes = empty_totes(sheet)
    scan_until(hh, sheet, totes, "location")
    hh.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)  # the green flash
    work = hh.page.evaluate(
        "() => document.getElementById('screen').getBoundingClientRect().height"
    )
    location = reachable(hh, "location")
    short = reachable(hh, "btn-short")
    hh.screenshot(SCREENSHOTS / "zoom-200-location.png")
    scan_until(hh, sheet, totes, "item")
    hh.scan(wrong_item(sheet, hh.text("sku")))
    advice = reachable(hh, "feedback-next")
    hh.screenshot(SCREENSHOTS / "zoom-200-red-screen.png")
    dismiss(hh)
    after = [reachable(hh, t) and hh.by(t).evaluate(WHOLE) for t in ("message", "next-message")]

    switch_user(hh, sheet, CLERK)
    hh.by("btn-returns").click()
    hh.wait_screen("returns")
    hh.scan(sheet.code("RMA-000002"))
    hh.scan(sheet.code(hh.attr("return-line", "data-sku")))
    hh.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)
    grades = [
        reachable(hh, t) and hh.by(t).evaluate(WHOLE)
        for t in ("btn-resellable", "btn-damaged", "btn-destroy")
    ]
    hh.screenshot(SCREENSHOTS / "zoom-200-grade.png")
    switch_user(hh, sheet, PACKER)
    hh.by("btn-pack").click()
    hh.wait_screen("pack")
    hh.scan(totes_to_pack(demo)[1])
    verify = [reachable(hh, t) for t in ("btn-cancel", "btn-parcel-full", "btn-logout")]
    check_every_unit(hh, sheet)
    hh.page.locator("[data-testid=package]").first.click()
    package = [reachable(hh, t) for t in ("weight-input", "btn-close-parcel")]
    wide = hh.page.evaluate("document.documentElement.scrollWidth")  # a mobile page widens
    hh.screenshot(SCREENSHOTS / "zoom-200-package.png")
    context.close()

    assert work >= 320 * 0.4  # not a slot between the header and the buttons
    assert (location, short) == (True, True)
    assert advice is True
    assert after == [True, True]
    assert verify == [True, True, True]
    assert package == [True, True]
    assert wide <= ZOOMED["viewport"]["width"]  # else the sheets (a Yes) open off the screen
    assert grades == [True, True, True]  # each grade's word whole on its button


def test_the_terminals_own_checks_pass_in_chromium(browser: Any, demo: DemoEdge) -> None:
    page = browser.new_page()

    page.goto(f"{demo.ui_url}selftest.html")
    page.wait_for_selector("body[data-result]", timeout=ANSWER_TIMEOUT_MS)

    assert page.evaluate("document.body.dataset.result") == "pass", page.inner_text("body")
    page.close()
