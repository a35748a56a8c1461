"""Scan-to-print (单品, 扫描即打单) at a bench on a phone-sized station screen (360×640, Debian's
Chromium through Playwright) of a real edge server: with no order open, the packer scans the
item; the bench opens the picked single-item order that wants it with the unit checked, the
packer picks the bag, types the weight and closes, and the waybill prints (decoded back from
the file printer's PDF)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ANSWER_TIMEOUT_MS, RECORD_TONES, StationScreen
from tests.servers import EdgeServer
from tests.support import EAN13, Floor, picked_order
from tests.test_pack_browser import (
    barcodes_at_203_dpi,
    log_in_and_choose,
    order_status,
    shot,
    tap_and_wait,
    waybill_pdf,
)
from tests.test_pack_browser import edge as edge  # noqa: F401 (the fixtures: BENCH-1's edge)
from tests.test_pack_browser import floor as floor  # noqa: F401

pytestmark = pytest.mark.slow
PHONE = {"viewport": {"width": 360, "height": 640}, "has_touch": True}


@pytest.fixture
def screen(browser: Any) -> Iterator[StationScreen]:
    context = browser.new_context(**PHONE)
    context.add_init_script(RECORD_TONES)
    yield StationScreen(context.new_page())
    context.close()


def test_scanning_an_item_at_a_phone_sized_bench_opens_its_single_item_order_and_prints_its_waybill(
    edge: EdgeServer, floor: Floor, screen: StationScreen, tmp_path: Path
) -> None:
    order_id = picked_order(floor, [{"sku": "SKU-1", "qty": 1}])
    log_in_and_choose(screen, edge, "pack")

    screen.scan(EAN13)  # the item, not the tote
    screen.by("feedback").wait_for(state="hidden", timeout=ANSWER_TIMEOUT_MS)
    opened = (
        screen.attr("step", "data-step"),
        screen.text("order"),
        screen.attr("in-parcel", "data-units"),
    )
    shot(screen, "scan-to-print-360")
    screen.page.locator("[data-testid=package][data-code=BAG]").click()
    screen.by("weight-input").fill("140")  # the 120 g unit and the 20 g bag
    tap_and_wait(screen, "btn-close-parcel")
    closed = screen.feedback()
    screen.page.wait_for_selector(
        "[data-testid=print-state][data-status=done]", timeout=ANSWER_TIMEOUT_MS
    )
    tracking = screen.text("tracking-no")
    width = screen.page.evaluate("document.documentElement.scrollWidth")

    assert opened == ("package", "TB-1", "1")
    assert (closed["tone"], tracking in closed["detail"]) == ("good", True)
    assert sorted(barcodes_at_203_dpi(waybill_pdf(tmp_path / "printed"))) == sorted(
        [tracking, "TB-1"]
    )
    assert order_status(floor, order_id) == "packed"
    assert width <= 360  # nothing runs off a phone's screen sideways
