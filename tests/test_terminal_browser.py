"""The handheld terminal in a real browser: Debian's Chromium, driven by Playwright, opens the
demo edge by a LAN name over plain HTTP (as a handheld does) at 360×640 with touch. The picker
works only with what a real one has: the screen, a keyboard-wedge scanner and the demo's printed
barcode sheet, read back by a real decoder. The database is read (read-only) only to check the
outcome afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from tests.browser import (
    ANSWER_TIMEOUT_MS,
    HANDHELD,
    RECORD_TONES,
    BarcodeSheet,
    DemoEdge,
    Handheld,
    read_only,
    read_sheet,
    running_demo,
)
from tests.servers import run_cli

pytestmark = pytest.mark.slow

SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PICKER, PIN = "P001", "1111"
MAX_SCANS = 200  # a runaway loop stops here instead of at the test timeout


@pytest.fixture
def handheld(browser: Any) -> Iterator[Handheld]:
    context = browser.new_context(**HANDHELD)
    context.add_init_script(RECORD_TONES)
    yield Handheld(context.new_page())
    context.close()


def start_picking(hh: Handheld, edge: DemoEdge, sheet: BarcodeSheet) -> None:
    """Open the terminal, enrol it, scan the picker's badge from the sheet, tap the PIN, Pick."""
    hh.page.goto(edge.ui_url)
    hh.enrol("HH-07")
    hh.log_in(sheet.code(PICKER), PIN)
    hh.start_picking()


def scan_what_the_screen_asks(
    hh: Handheld, sheet: BarcodeSheet, totes: Iterator[str]
) -> dict[str, str]:
    """Find on the sheet the label the screen asks for (an empty tote, the location shown, the
    SKU shown) and scan it; returns what the screen showed."""
    shown = hh.view()
    codes = {
        "tote": lambda: next(totes),
        "location": lambda: sheet.code(shown["location"]),
        "item": lambda: sheet.code(shown["sku"]),
    }
    assert shown["step"] in codes, f"nothing to scan on {shown}"
    hh.scan(codes[shown["step"]]())
    return shown


def scan_until(hh: Handheld, sheet: BarcodeSheet, totes: Iterator[str], step: str) -> None:
    """Scan what the screen asks until it shows `step`."""
    for _ in range(MAX_SCANS):
        if hh.view()["step"] == step:
            return
        scan_what_the_screen_asks(hh, sheet, totes)
    raise AssertionError(f"the screen never reached step {step!r}")


def empty_totes(sheet: BarcodeSheet) -> Iterator[str]:
    return iter(label.code for label in sheet.section("Totes"))


def planned_work(db: Path, badge: str) -> tuple[int, int]:
    """(units, location visits) of the badge's pick list: a visit is a run of tasks at one bin."""
    tasks = read_only(
        db,
        "SELECT t.location, t.qty FROM pick_tasks t JOIN pick_lists l ON l.id = t.list_id"
        " JOIN operators o ON o.id = l.assignee WHERE o.badge = ? ORDER BY t.seq, t.id",
        (badge,),
    )
    return sum(qty for _, qty in tasks), len([loc for loc, _ in groupby(t[0] for t in tasks)])


def english_name(sheet: BarcodeSheet, sku: str) -> str:
    return sheet.label(sku).subcaption.split(" / ")[0]


def chinese_name(sheet: BarcodeSheet, sku: str) -> str:
    return sheet.label(sku).subcaption.split(" / ")[1]


def movement_count(db: Path) -> int:
    return int(read_only(db, "SELECT COUNT(*) FROM movements")[0][0])


def wrong_item(sheet: BarcodeSheet, shown_sku: str) -> str:
    """An item label from the sheet that is not the one the screen asks for."""
    items = sheet.section("Items of the demo orders")
    return next(label.code for label in items if label.caption != shown_sku)


def switch_to_chinese(hh: Handheld) -> None:
    """Tap 中文 and wait until the edge's prompt, asked for again, is in Chinese."""
    hh.by("language-toggle").click()
    hh.page.wait_for_function(
        "() => /[\\u4e00-\\u9fff]/.test("
        "document.querySelector('[data-testid=next-message]')?.textContent || '')",
        timeout=ANSWER_TIMEOUT_MS,
    )


def shot(hh: Handheld, name: str) -> Path:
    return hh.screenshot(SCREENSHOTS / f"{name}.png")


def test_a_picker_completes_a_three_order_batch_from_the_screen_and_the_barcode_sheet_alone(
    edge: DemoEdge, sheet: BarcodeSheet, handheld: Handheld
) -> None:
    start_picking(handheld, edge, sheet)
    orders = [row["order"] for row in handheld.tote_rows()]
    totes, refused, names = empty_totes(sheet), [], set()

    for _ in range(MAX_SCANS):
        if handheld.view()["step"] == "done":
            break
        shown = scan_what_the_screen_asks(handheld, sheet, totes)
        if handheld.feedback()["tone"] == "bad":
            refused.append((shown, handheld.feedback()["detail"]))
        if shown["step"] == "item":
            names.add((shown["item-name"], english_name(sheet, shown["sku"])))
    answers, final_step = handheld.answers(), handheld.view()["step"]
    secure = handheld.page.evaluate("window.isSecureContext")
    units, visits = planned_work(edge.db, PICKER)
    statuses = dict(
        read_only(
            edge.db,
            "SELECT channel_order_id, status FROM orders WHERE channel_order_id IN (?, ?, ?)",
            tuple(orders),
        )
    )
    exit_code = edge.stop()
    verify = run_cli("verify", "--db", str(edge.db))

    assert secure is False  # as on a handheld that opens the edge by its LAN name over HTTP
    assert len(orders) == 3
    assert refused == []
    assert names and all(on_screen == on_sheet for on_screen, on_sheet in names), names
    assert final_step == "done"
    assert handheld.scans <= units + visits + len(orders), (handheld.scans, units, visits)
    assert answers == handheld.scans
    assert statuses == dict.fromkeys(orders, "picked")
    assert exit_code == 0
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_wrong_item_gives_a_red_screen_a_bad_sound_and_moves_nothing(
    edge: DemoEdge, sheet: BarcodeSheet, handheld: Handheld
) -> None:
    start_picking(handheld, edge, sheet)
    scan_until(handheld, sheet, empty_totes(sheet), "item")
    before, movements, heard = handheld.view(), movement_count(edge.db), handheld.notes()

    handheld.scan(wrong_item(sheet, before["sku"]))

    feedback = handheld.feedback()
    bad_notes = set(handheld.notes()[len(heard) :])
    assert feedback["tone"] == "bad" and feedback["visible"]
    assert before["sku"] in feedback["detail"] and before["location"] in feedback["detail"]
    assert handheld.tones()[-1] == "bad"
    assert "good" in handheld.tones() and bad_notes and not bad_notes & set(heard)
    assert movement_count(edge.db) == movements
    assert handheld.view() == before


def test_scans_made_offline_are_said_kept_on_the_handheld_and_counted_until_the_network_is_back(
    edge: DemoEdge, sheet: BarcodeSheet, handheld: Handheld
) -> None:
    start_picking(handheld, edge, sheet)
    scan_until(handheld, sheet, empty_totes(sheet), "location")
    shown, answered, page = handheld.view(), handheld.answers(), handheld.page
    notice = "[data-testid=queued-scans]"
    beeps = len(handheld.tones())

    page.context.set_offline(True)  # the Wi-Fi drops: the scans wait in the outbox
    page.keyboard.type(sheet.code(shown["location"]) + "\n")
    page.wait_for_selector(f"{notice}[data-count='1']", timeout=ANSWER_TIMEOUT_MS)
    first = handheld.text("queued-scans")
    page.keyboard.type(sheet.code(shown["sku"]) + "\n")
    page.wait_for_selector(f"{notice}[data-count='2']", timeout=ANSWER_TIMEOUT_MS)
    second = handheld.text("queued-scans")
    heard_offline = handheld.tones()[beeps:]
    page.context.set_offline(False)
    handheld.wait_answers(answered + 2)
    page.wait_for_selector(f"{notice}[hidden]", state="attached", timeout=ANSWER_TIMEOUT_MS)

    assert first.startswith("No network · scans kept on this handheld: 1.")
    assert second.startswith("No network · scans kept on this handheld: 2.")
    assert "nothing is lost" in second
    assert heard_offline == ["info", "info"]  # each kept scan is acknowledged, none is 'good'
    assert handheld.view()["step"] in ("item", "location", "tote", "done")
    assert handheld.by("queued-scans").get_attribute("data-count") == "0"


def test_a_short_pick_moves_the_screen_on_and_is_listed_for_the_supervisor(
    edge: DemoEdge, sheet: BarcodeSheet, handheld: Handheld
) -> None:
    start_picking(handheld, edge, sheet)
    scan_until(handheld, sheet, empty_totes(sheet), "item")
    shorted = handheld.view()
    # the demo's history left a short pick of its own open: this test looks at the new ones
    counts_before = {c["id"] for c in edge.supervisor_get("/api/v1/count-tasks")}
    exceptions_before = {e["id"] for e in edge.supervisor_get("/api/v1/exceptions")}

    handheld.short()

    after = handheld.view()
    exceptions = [
        e for e in edge.supervisor_get("/api/v1/exceptions") if e["id"] not in exceptions_before
    ]
    assert handheld.feedback()["tone"] == "info"
    assert shorted["sku"] in handheld.feedback()["detail"]
    # the screen says exactly what was frozen: the units not found, not the bin's free stock
    frozen = (
        f"Frozen for a count: {shorted['remaining']} × {shorted['sku']} at {shorted['location']}"
    )
    assert frozen in handheld.feedback()["detail"]
    holds = [c for c in edge.supervisor_get("/api/v1/count-tasks") if c["id"] not in counts_before]
    assert [(c["location"], c["sku"], c["held"]) for c in holds] == [
        (shorted["location"], shorted["sku"], int(shorted["remaining"]))
    ]
    assert (after["step"], after.get("location"), after.get("sku")) != (
        "item",
        shorted["location"],
        shorted["sku"],
    )
    assert [(e["kind"], e["location"], e["sku"], e["status"]) for e in exceptions] == [
        ("short_pick", shorted["location"], shorted["sku"], "open")
    ]


def test_the_language_toggle_turns_the_chrome_and_the_edges_messages_chinese(
    edge: DemoEdge, sheet: BarcodeSheet, handheld: Handheld
) -> None:
    start_picking(handheld, edge, sheet)
    totes = empty_totes(sheet)
    english = handheld.text("next-message")

    switch_to_chinese(handheld)
    prompt = handheld.text("next-message")
    scan_until(handheld, sheet, totes, "location")
    bound = handheld.feedback()["detail"]
    shown = handheld.view()

    assert not CHINESE.search(english)
    assert handheld.page.evaluate("document.documentElement.lang") == "zh-CN"
    assert handheld.text("language-toggle") == "EN"
    assert (handheld.text("step"), handheld.text("btn-short")) == ("前往", "缺货")
    assert CHINESE.search(prompt) and CHINESE.search(bound)
    assert shown["item-name"] == chinese_name(sheet, shown["sku"])


def test_screenshots_of_good_and_bad_feedback_in_english_and_chinese(
    edge: DemoEdge, sheet: BarcodeSheet, handheld: Handheld
) -> None:
    # Time in the page stands still, so the green flash (half a second) stays for its picture.
    now = datetime.now(UTC)
    handheld.page.clock.install(time=now)
    handheld.page.clock.pause_at(now + timedelta(seconds=1))
    start_picking(handheld, edge, sheet)
    totes, shots, screens = empty_totes(sheet), [], []

    for language in ("en", "zh"):
        if language == "zh":
            handheld.by("feedback").click()  # a red screen stays until tapped
            switch_to_chinese(handheld)
        scan_until(handheld, sheet, totes, "item")
        handheld.page.clock.run_for(2_000)  # let the blue frame of the location scan go
        screens.append(shot(handheld, f"pick-item-{language}"))
        handheld.scan(sheet.code(handheld.view()["sku"]))
        shots.append(("good", handheld.feedback(), shot(handheld, f"pick-good-{language}")))
        scan_until(handheld, sheet, totes, "item")
        handheld.scan(wrong_item(sheet, handheld.view()["sku"]))
        shots.append(("bad", handheld.feedback(), shot(handheld, f"pick-bad-{language}")))

    assert [(tone, fb["tone"], fb["visible"]) for tone, fb, _ in shots] == [
        (tone, tone, True) for tone in ("good", "bad", "good", "bad")
    ]
    assert [bool(CHINESE.search(fb["detail"])) for _, fb, _ in shots] == [False, False, True, True]
    assert all(path.stat().st_size > 5_000 for path in [*screens, *(p for _, _, p in shots)])


def test_with_the_quantity_prompt_on_a_typed_quantity_and_one_scan_pick_the_whole_line(
    browser: Any, tmp_path: Path
) -> None:
    with running_demo(
        tmp_path, settings={"WAREHOUSE_EDGE_PICKING_QUANTITY_PROMPT": "true"}
    ) as demo:
        sheet = read_sheet(demo.sheet)
        context = browser.new_context(**HANDHELD)
        hh = Handheld(context.new_page())
        start_picking(hh, demo, sheet)
        scan_until(hh, sheet, empty_totes(sheet), "item")
        task = hh.view()
        before = movement_count(demo.db)

        hh.by("btn-quantity").click()
        hh.by("quantity-input").fill(task["remaining"])
        hh.by("btn-quantity-send").click()
        hh.scan(sheet.code(task["sku"]))

        context.close()
        picks = read_only(demo.db, "SELECT sku, qty FROM movements WHERE type = 'pick' ORDER BY id")
    assert movement_count(demo.db) == before + 1
    assert picks[-1] == (task["sku"], int(task["remaining"]))


def test_a_picker_whose_order_is_cancelled_mid_list_sees_what_to_put_back_where(
    edge: DemoEdge, sheet: BarcodeSheet, handheld: Handheld
) -> None:
    start_picking(handheld, edge, sheet)
    scan_until(handheld, sheet, empty_totes(sheet), "item")
    shown = handheld.view()
    handheld.scan(sheet.code(shown["sku"]))
    ((order,),) = read_only(
        edge.db,
        "SELECT order_id FROM container_bindings WHERE container = ? AND closed_at IS NULL",
        (shown["tote"],),
    )

    edge.supervisor_get(f"/api/v1/orders/{order}/cancel", method="POST", reason="buyer")
    line = handheld.by("put-back-line").first
    line.wait_for(timeout=ANSWER_TIMEOUT_MS)  # told live (SSE), without a scan

    text = line.text_content() or ""
    assert f"1 × {shown['sku']} from tote {shown['tote']} back to bin {shown['location']}" in text
    assert handheld.feedback()["tone"] == "bad"


def test_enrolment_refuses_a_blank_name_on_screen_and_a_normal_login_meets_no_error_answer(
    handheld: Handheld, edge: DemoEdge, sheet: BarcodeSheet
) -> None:
    refused: list[tuple[int, str]] = []
    handheld.page.on("response", lambda r: r.status >= 400 and refused.append((r.status, r.url)))
    handheld.page.goto(edge.ui_url)
    handheld.wait_screen("enrol")
    handheld.by("device-name").fill("   ")
    handheld.by("btn-enrol").click()
    blank = handheld.text("message")

    handheld.enrol("HH-08")
    handheld.log_in(sheet.code(PICKER), PIN)

    assert blank == "Give this device a name (such as HH-07) so it can be told apart."
    assert refused == []  # no 422 (nor any 4xx) behind a normal enrolment and login
