"""A returns clerk receives and grades returns in Debian's Chromium, on the demo (`warehouse-edge
demo`, whose central authorised the RMAs and whose feed brought them down). On a handheld at
360×640, with keyboard-wedge scans and taps: an expected return with one unit resellable and one
damaged (one grade sent while offline, from the outbox), an over-return refused (red screen, stock
unchanged through the API) and a wrong item flagged and destroyed with a reason; `verify` passes
after. At the returns desk DESK-1 (its fixed scanner a virtual serial port): an unexpected parcel
identified by the order search, graded, photographed and labelled. Barcodes come from the demo's
sheet, read by zxing-cpp."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import (
    ANSWER_TIMEOUT_MS,
    HANDHELD,
    RECORD_TONES,
    STATION_SCREEN,
    BarcodeSheet,
    DemoEdge,
    Handheld,
    StationScreen,
    read_only,
    virtual_scanner,
)
from tests.servers import venv_script
from tests.test_handheld_pack_browser import TOLERANT, dismiss

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CLERK, CLERK_PIN = "R001", "3333"
RMA_LINE = re.compile(r"  (RMA-\d+)(?: \(return tracking (\S+)\))?: order (\S+), (.+)")
UNEXPECTED = re.compile(
    r"  Unexpected parcel \(shipped, no RMA\): scan (\S+), then search '(.+)' or"
)


def rmas(edge: DemoEdge) -> list[dict[str, Any]]:
    """The RMAs the demo's banner names: number, order, {sku: units}."""
    banner = edge.out.until("Central order store at ", timeout=60)
    found = [RMA_LINE.fullmatch(line) for line in banner]
    return [
        {
            "rma": m.group(1),
            "order": m.group(3),
            "lines": {sku: int(n) for n, sku in re.findall(r"(\d+) × (\S+?)(?:,|$)", m.group(4))},
        }
        for m in found
        if m
    ]


def unexpected(edge: DemoEdge) -> tuple[str, str]:
    """The unexpected parcel's code and the customer to search for."""
    found = UNEXPECTED.match(edge.line("  Unexpected parcel"))
    assert found, edge.line("  Unexpected parcel")
    return found.group(1), found.group(2)


def stock(edge: DemoEdge, sku: str) -> dict[str, Any]:
    return dict(edge.supervisor_get(f"/api/v1/stock/{sku}"))


def line(screen: Handheld, sku: str) -> dict[str, str]:
    """A return line as the screen shows it."""
    row = screen.page.locator(f"[data-testid=return-line][data-sku='{sku}']")
    names = ("expected", "received", "earlier", "resellable", "damaged", "destroy")
    return {n: row.get_attribute(f"data-{n}") or "" for n in names}


def tap(screen: Handheld, testid: str) -> None:
    """Tap a button that sends a scan (a grade, CMD:DONE; Yes where it asks first); wait for the
    edge's answer and for a good one's flash to go."""
    answered = screen.answers()
    screen.by(testid).first.click()
    if screen.by("confirm-yes").count():
        screen.by("confirm-yes").click()
    screen.wait_answers(answered + 1)
    settle(screen)


def settle(screen: Handheld) -> None:
    """Wait for a good or info flash to go (a red screen stays until tapped)."""
    if screen.by("feedback").get_attribute("data-tone") != "bad":
        screen.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)


@pytest.fixture
def handheld(browser: Any) -> Iterator[Handheld]:
    context = browser.new_context(**HANDHELD)
    context.add_init_script(RECORD_TONES)
    yield Handheld(context.new_page())
    context.close()


@pytest.fixture
def desk(browser: Any) -> Iterator[StationScreen]:
    context = browser.new_context(**STATION_SCREEN)
    yield StationScreen(context.new_page())
    context.close()


def start_returns(screen: Handheld) -> None:
    screen.by("btn-returns").click()
    screen.wait_screen("returns")
    screen.page.wait_for_selector("[data-testid=step][data-step=parcel]", timeout=ANSWER_TIMEOUT_MS)


def test_on_a_handheld_a_clerk_grades_an_expected_return_and_an_over_return_or_wrong_item_is_caught(
    edge: DemoEdge, sheet: BarcodeSheet, handheld: Handheld
) -> None:
    hh = handheld
    rma = next(r for r in rmas(edge) if max(r["lines"].values()) >= 2)
    sku = next(s for s, n in rma["lines"].items() if n >= 2)
    other = next(
        lb.caption
        for lb in sheet.section("Items of the demo orders")
        if lb.caption not in rma["lines"]
    )
    hh.page.goto(edge.ui_url + TOLERANT)
    hh.enrol("HH-RET")
    hh.log_in(sheet.code(CLERK), CLERK_PIN)
    start_returns(hh)
    before = stock(edge, sku)

    hh.scan(sheet.code(rma["rma"]))
    opened = (hh.attr("rma", "data-rma"), hh.attr("order", "data-order"), line(hh, sku)["expected"])
    hh.scan(sheet.code(sku))
    grading = hh.attr("step", "data-step")
    hh.page.context.set_offline(True)  # the Wi-Fi drops: the grade waits in the outbox
    answered = hh.answers()
    hh.by("btn-resellable").click()
    hh.page.wait_for_selector("[data-testid=net-status][data-state=retrying]")
    waiting = (line(hh, sku)["resellable"], hh.attr("step", "data-step"))
    hh.page.context.set_offline(False)
    hh.wait_answers(answered + 1)
    settle(hh)
    hh.scan(sheet.code(sku))
    tap(hh, "btn-damaged")
    graded = line(hh, sku)
    hh.screenshot(SCREENSHOTS / "returns-handheld-graded.png")
    after_two = stock(edge, sku)

    for _ in range(rma["lines"][sku] - 2):  # the rest of what the order shipped of this SKU
        hh.scan(sheet.code(sku))
        tap(hh, "btn-resellable")
    all_back = stock(edge, sku)
    hh.scan(sheet.code(sku))  # one more than the order shipped
    if hh.attr("step", "data-step") == "grade":  # refused when graded, if not when scanned
        tap(hh, "btn-resellable")
    over = (
        hh.by("feedback").get_attribute("data-tone"),
        hh.by("feedback").get_attribute("data-code"),
    )
    over_text = hh.text("feedback-detail")
    hh.screenshot(SCREENSHOTS / "returns-handheld-over-return.png")
    dismiss(hh)
    after_over = stock(edge, sku)

    hh.scan(sheet.code(other))
    told = (hh.by("feedback").get_attribute("data-tone"), hh.text("feedback-detail"))
    dismiss(hh)
    wrong = (hh.attr("return-item", "data-sku"), hh.attr("return-item", "data-wrong-item"))
    flagged = hh.by("wrong-item-flag").is_visible()
    hh.screenshot(SCREENSHOTS / "returns-handheld-wrong-item.png")
    hh.by("btn-destroy").click()  # it asks why; the reason rides with the scan
    tap(hh, "reason-broken")
    destroyed = read_only(
        edge.db, "SELECT grade, reason, wrong_item FROM return_items WHERE sku = ?", (other,)
    )
    tap(hh, "btn-close-parcel")
    closed = hh.attr("step", "data-step")
    hh.scan(sheet.code(rma["rma"]))  # the RMA again (its second box, or another handheld)
    again = line(hh, sku)
    again_said = hh.text("return-earlier")
    verify = subprocess.run(
        [venv_script("warehouse-edge"), "verify", "--db", str(edge.db)],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert opened == (rma["rma"], rma["order"], str(rma["lines"][sku]))
    assert grading == "grade"
    assert waiting == ("0", "grade")  # sent once the network was back, not lost
    assert (graded["received"], graded["resellable"], graded["damaged"]) == ("2", "1", "1")
    assert after_two["on_hand"] - before["on_hand"] == 1
    assert after_two["frozen"] - before["frozen"] == 1
    assert after_two["returns_in_transit"] - before["returns_in_transit"] == -2
    assert over == ("bad", "over_return"), over_text
    assert over_text.startswith(f"Too many returned: order {rma['order']} shipped ")
    assert after_over == all_back
    assert told == (
        "bad",
        f"Wrong item: {other} is not on this return. Grade it; it goes to quarantine, flagged.",
    )
    assert wrong == (other, "true") and flagged
    assert destroyed == [("destroy", "broken", 1)]
    assert closed == "parcel"
    shipped_n = rma["lines"][sku]
    assert (again["received"], again["earlier"]) == ("0", str(shipped_n))  # not "0 / 2" only
    assert again_said == f"{shipped_n} already came back in another parcel"
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "bad" in hh.tones() and "good" in hh.tones()


def printed_pdf(edge: DemoEdge) -> Path:
    """The one PDF the demo's file printers wrote (waiting up to half a minute for the spooler)."""
    for _ in range(300):
        found = sorted((edge.data_dir / "printed").glob("*.pdf"))
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("nothing printed")


def damage_photo(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (64, 48), (200, 30, 30)).save(path)
    return path


def test_at_the_returns_desk_an_unexpected_parcel_is_identified_by_the_order_search_and_graded(
    edge: DemoEdge, sheet: BarcodeSheet, desk: StationScreen, tmp_path: Path
) -> None:
    parcel, customer = unexpected(edge)
    scanner = virtual_scanner(edge, "DESK-1")
    desk.open(edge, "DESK-1")
    desk.wait_scanner("connected")
    desk.by("screen").click()
    desk.scan_with(scanner, sheet.code(CLERK))
    for digit in CLERK_PIN:
        desk.by(f"pin-key-{digit}").click()
    desk.by("pin-ok").click()
    desk.wait_screen("chooser")
    start_returns(desk)

    desk.scan_with(scanner, parcel)
    step = desk.attr("step", "data-step")
    unknown = (desk.by("feedback").get_attribute("data-tone"), desk.text("feedback-detail"))
    dismiss(desk)
    desk.by("lookup-input").fill(customer.split()[0])
    desk.by("btn-lookup").click()
    desk.by("lookup-row").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    order = desk.attr("lookup-row", "data-order")
    tap(desk, "lookup-row")
    sku = desk.attr("return-line", "data-sku")
    desk.scan_with(scanner, sheet.code(sku))
    tap(desk, "btn-damaged")
    with desk.page.expect_file_chooser() as chooser:
        desk.by("btn-photo").click()  # the camera, on a handheld
    chooser.value.set_files(str(damage_photo(tmp_path / "dent.png")))
    desk.page.wait_for_selector("[data-testid=photo-state][data-status=sent]")
    desk.by("btn-label").click()
    desk.page.wait_for_selector("[data-testid=label-state][data-status=queued]")
    settle(desk)
    shown = (desk.attr("order", "data-order"), desk.by("unexpected").is_visible(), line(desk, sku))
    wide = desk.page.evaluate("document.body.getBoundingClientRect().width")
    desk.screenshot(SCREENSHOTS / "returns-desk-unexpected.png")
    tap(desk, "btn-close-parcel")
    photos = read_only(
        edge.db,
        "SELECT p.content_type, i.sku, i.grade FROM return_photos p"
        " JOIN return_items i ON i.id = p.item_id",
    )
    label = printed_pdf(edge)

    assert step == "identify"
    assert unknown[0] == "bad" and unknown[1].startswith(f"Unexpected return: {parcel} matches no")
    assert shown[:2] == (order, True)
    assert (shown[2]["received"], shown[2]["damaged"]) == ("1", "1")
    assert photos == [("image/png", sku, "damaged")]
    assert label.read_bytes().startswith(b"%PDF")
    assert wide > 900  # the desk's screen uses its width
    assert desk.attr("step", "data-step") == "parcel"
