"""The supervisor's locked badges screen in Debian's Chromium at 360×640 on a real edge (uvicorn on
127.0.0.1): a badge that wrong PINs locked is listed with whose it is and when its lock ends; one
tap unlocks it and its operator logs in again at once; readable without sideways scrolling,
passing axe in both languages; a picker has no such tile."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from edge.config import load_settings
from edge.store.database import Store
from tests.browser import ANSWER_TIMEOUT_MS, HANDHELD, Handheld
from tests.live import serving_edge
from tests.support import PIN, new_device, seed_floor
from tests.test_terminal_a11y_browser import axe

pytestmark = pytest.mark.slow

SUPERVISOR = ("B-SUP", PIN)


@pytest.fixture
def edge(tmp_path: Any) -> Iterator[tuple[str, Store]]:
    settings = load_settings(
        env={},
        overrides={
            "edge.data_dir": tmp_path,
            "auth.pin_hash_cost": 10,
            "auth.max_pin_attempts": 2,
            "auth.badge_lock_attempts": 3,
            "report.schedule": "",
        },
    )
    with serving_edge(settings, seed_floor) as served:
        yield served


def lock_by_wrong_pins(base: str, badge: str) -> None:
    """Three wrong PINs, each typed at its own handheld; where this address is slowed down, the
    next one waits as long as the answer says."""
    with httpx.Client(base_url=base) as client:
        devices = [new_device(client, f"HH-WRONG-{n}") for n in range(3)]
        for device in devices:
            wrong = {"badge": badge, "pin": "0000"} | device
            answer = client.post("/api/v1/auth/login", json=wrong)
            while answer.status_code == 429:
                time.sleep(float(answer.headers["retry-after"]))
                answer = client.post("/api/v1/auth/login", json=wrong)
            assert answer.status_code == 401, answer.text


def test_a_supervisor_unlocks_a_badge_wrong_pins_locked_from_the_tablet(
    browser: Any, edge: tuple[str, Store]
) -> None:
    base, store = edge
    context = browser.new_context(**HANDHELD)
    hh = Handheld(context.new_page())
    page = hh.page
    page.goto(f"{base}/ui/")
    hh.enrol("HH-SUP", supervisor=SUPERVISOR)
    hh.log_in(*SUPERVISOR)
    lock_by_wrong_pins(base, "B-PICK")  # meanwhile, at other handhelds
    hh.by("btn-badges").click()
    hh.wait_screen("badges")
    item = page.locator("[data-testid=badge-item][data-badge=B-PICK]")
    item.wait_for(timeout=ANSWER_TIMEOUT_MS)
    shown = item.inner_text()
    sideways = page.evaluate("() => document.scrollingElement.scrollWidth")
    violations = axe(page)
    hh.by("language-toggle").click()
    shown_zh = item.inner_text()
    violations_zh = axe(page)
    hh.by("language-toggle").click()
    hh.by("badge-unlock-B-PICK").click()
    page.wait_for_selector("[data-testid=badges-none]", timeout=ANSWER_TIMEOUT_MS)
    done = hh.by("badges-done").inner_text()
    context.close()

    assert "B-PICK" in shown and "Picker" in shown and "locked until" in shown
    assert "拣货员" in shown_zh and "锁定至" in shown_zh
    assert "can log in again" in done
    assert sideways <= 360
    assert violations == [] and violations_zh == []
    row = store.read().execute(
        "SELECT failed_pins, locked_until FROM operators WHERE badge = 'B-PICK'"
    )
    assert tuple(row.fetchone()) == (0, None)


def test_a_picker_has_no_locked_badges_tile(browser: Any, edge: tuple[str, Store]) -> None:
    base, _ = edge
    context = browser.new_context(**HANDHELD)
    hh = Handheld(context.new_page())
    hh.page.goto(f"{base}/ui/")
    hh.enrol("HH-PICK", supervisor=SUPERVISOR)
    hh.log_in("B-PICK", PIN)
    hh.wait_screen("chooser")
    tiles = hh.page.locator(".tile").count()
    badges = hh.page.locator("[data-testid=btn-badges]").count()
    context.close()

    assert tiles > 0 and badges == 0
