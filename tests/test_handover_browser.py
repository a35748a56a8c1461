"""Carrier handover and close-out on the handheld, in Debian's Chromium at 360×640 on a real edge
(uvicorn on 127.0.0.1): the packer chooses the carrier, scans two parcels into a bag, another
carrier's parcel is a red stop naming both carriers, closes the bag (its parcels leave); then
close-out shows the parcel left behind past its cut-off as missed, and the other carrier's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from edge.store.database import Store
from tests.browser import ANSWER_TIMEOUT_MS, HANDHELD, Handheld
from tests.handover_support import handover_settings, packed_parcel
from tests.live import serving_edge
from tests.support import PIN, Floor, seed_floor

pytestmark = pytest.mark.slow


@pytest.fixture
def edge(tmp_path: Path) -> Iterator[tuple[str, Store]]:
    settings = handover_settings(tmp_path)
    cutoff = (datetime.now(UTC) - timedelta(hours=1)).strftime("%H:%M")  # passed an hour ago
    waves = settings.waves.model_copy(update={"cutoffs": f"Edge Post={cutoff}, SF=23:59"})
    settings = settings.model_copy(update={"waves": waves})
    with serving_edge(settings, seed_floor) as served:
        yield served


def test_a_packer_bags_parcels_is_stopped_at_another_carriers_and_close_out_shows_the_missed_one(
    browser: Any, edge: tuple[str, Store]
) -> None:
    base, store = edge
    with httpx.Client(base_url=base, timeout=30) as http:
        floor = Floor.enrol(None, http)
        one, two, left = (packed_parcel(floor) for _ in range(3))
        sf = packed_parcel(floor, "SF")
    two_hours_ago = (datetime.now(UTC) - timedelta(hours=2)).isoformat().replace("+00:00", "Z")
    store.writer.call(
        lambda tx: tx.execute(
            "UPDATE parcels SET closed_at = ? WHERE tracking_no = ?",
            (two_hours_ago, left["tracking_no"]),
        )
    )
    hh = Handheld(browser.new_context(**HANDHELD).new_page())
    page = hh.page
    page.goto(f"{base}/ui/")
    hh.enrol("HH-DOCK", supervisor=("B-SUP", PIN))
    hh.log_in("B-PACK", PIN)

    hh.by("btn-handover").click()
    hh.wait_screen("handover")
    hh.by("ho-carrier-Edge-Post").wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.keyboard.type("BAG-0042\n")  # the bag's printed label, before the carrier
    hh.by("ho-label").wait_for(timeout=ANSWER_TIMEOUT_MS)
    hh.by("ho-carrier-Edge-Post").click()
    hh.by("ho-head").wait_for(timeout=ANSWER_TIMEOUT_MS)
    for n, parcel in enumerate((one, two), 1):
        page.keyboard.type(parcel["tracking_no"] + "\n")
        page.wait_for_selector(
            f"[data-testid=ho-count][data-count='{n}']", timeout=ANSWER_TIMEOUT_MS
        )
        hh.by("feedback").click()
    bag_id = hh.attr("ho-head", "data-id")
    page.reload()  # mid-bag: the handheld comes back to this bag, its two parcels in it
    page.wait_for_selector(f"[data-testid=ho-head][data-id='{bag_id}']", timeout=ANSWER_TIMEOUT_MS)
    back_in = hh.attr("ho-count", "data-count")
    page.keyboard.type(sf["tracking_no"] + "\n")
    page.wait_for_selector("[data-testid=feedback][data-tone=bad]", timeout=ANSWER_TIMEOUT_MS)
    refusal = (hh.attr("feedback", "data-code"), hh.text("feedback-detail"))
    hh.by("feedback").click()
    hh.by("ho-close").click()
    hh.by("ho-closed").wait_for(timeout=ANSWER_TIMEOUT_MS)
    bagged = [x.get_attribute("data-tracking") for x in hh.by("ho-parcels").locator("li").all()]
    sideways = page.evaluate("() => document.scrollingElement.scrollWidth")
    hh.by("feedback").click()
    hh.by("btn-tasks").click()
    hh.by("btn-closeout").click()
    hh.wait_screen("closeout")
    hh.by("co-list").wait_for(timeout=ANSWER_TIMEOUT_MS)
    missed = [x.get_attribute("data-tracking") for x in hh.by("co-missed").all()]
    waiting = {
        x.get_attribute("data-carrier"): x.get_attribute("data-count")
        for x in hh.by("co-carrier").all()
    }

    assert back_in == "2"
    assert refusal[0] == "handover_wrong_carrier"
    assert "SF" in refusal[1] and "Edge Post" in refusal[1] and sf["tracking_no"] in refusal[1]
    assert bagged == [one["tracking_no"], two["tracking_no"]]
    assert sideways <= 360
    assert missed == [left["tracking_no"]]
    assert waiting == {"Edge Post": "1", "SF": "1"}
    statuses = dict(
        store.read()
        .execute(
            "SELECT tracking_no, status FROM parcels WHERE tracking_no IN (?, ?, ?)",
            (one["tracking_no"], two["tracking_no"], left["tracking_no"]),
        )
        .fetchall()
    )
    assert [tuple(r) for r in store.read().execute("SELECT label, status FROM handovers")] == [
        ("BAG-0042", "closed")
    ]
    assert statuses == {
        one["tracking_no"]: "dispatched",
        two["tracking_no"]: "dispatched",
        left["tracking_no"]: "closed",
    }
