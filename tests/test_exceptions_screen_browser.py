"""The supervisor's exceptions screen in Debian's Chromium at 360×640 on a real edge (uvicorn on
127.0.0.1): a new exception is pushed to the screen as it opens, with its owner, age and action,
and sounds; acknowledged, then
resolved with a reason, it leaves the list; readable without sideways scrolling, passing axe in
both languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from edge.config import load_settings
from edge.store.database import Store
from tests.browser import ANSWER_TIMEOUT_MS, HANDHELD, Handheld
from tests.live import serving_edge
from tests.support import PIN, seed_floor
from tests.test_terminal_a11y_browser import axe, dismiss

pytestmark = pytest.mark.slow

SUPERVISOR = ("B-SUP", PIN)
# The push arrives within about a second (the sender's round); the list's own poll comes only
# every 15 s, so an item seen before 10 s was pushed.
PUSHED_MS = 10_000


@pytest.fixture
def edge(tmp_path: Any) -> Iterator[tuple[str, Store]]:
    settings = load_settings(
        env={},
        overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10, "report.schedule": ""},
    )
    with serving_edge(settings, seed_floor) as (url, store):
        yield f"{url}/ui/", store


def short_pick_raised(store: Store) -> int:
    """A short pick's exception, written as the pick writes it (the trigger queues its push)."""
    return int(
        store.writer.call(
            lambda tx: (
                tx.execute(
                    "INSERT INTO exceptions (kind, detail, order_id, location, sku, created_at)"
                    " VALUES ('short_pick', '{\"missing\": 1}', NULL, 'A-01-01', 'SKU-1', ?)",
                    (tx.at,),
                ).lastrowid
            )
        )
    )


def test_a_new_exception_sounds_on_the_supervisors_screen_and_is_resolved_with_a_reason(
    browser: Any, edge: tuple[str, Store]
) -> None:
    url, store = edge
    context = browser.new_context(**HANDHELD)
    hh = Handheld(context.new_page())
    page = hh.page
    hh.page.goto(url)
    hh.enrol("HH-SUP", supervisor=SUPERVISOR)
    hh.log_in(*SUPERVISOR)
    hh.by("btn-exceptions").click()
    hh.wait_screen("exceptions")
    page.wait_for_selector("[data-testid=exc-none]", timeout=ANSWER_TIMEOUT_MS)
    tones_before = hh.tones()

    exception_id = short_pick_raised(store)  # pushed to the screen: no refresh, no 15 s poll
    item = page.locator(f"[data-testid=exc-item][data-id='{exception_id}']")
    item.wait_for(timeout=PUSHED_MS)
    shown = item.inner_text()
    where = hh.text(f"exc-where-{exception_id}")
    link_bottom, label_top = page.evaluate(
        "id => { const i = document.querySelector(`[data-testid=exc-item][data-id='${id}']`);"
        " return [i.querySelector('.exc-link').getBoundingClientRect().bottom,"
        " i.querySelector('.field-label').getBoundingClientRect().top]; }",
        exception_id,
    )
    tones_after = hh.tones()
    sideways = page.evaluate("() => document.scrollingElement.scrollWidth")
    violations = axe(page)
    hh.by(f"exc-ack-{exception_id}").click()
    page.wait_for_selector(f"[data-testid=exc-item][data-id='{exception_id}'][data-state=acked]")
    hh.by("language-toggle").click()
    shown_zh = item.inner_text()
    where_zh = hh.text(f"exc-where-{exception_id}")
    violations_zh = axe(page)
    hh.by(f"exc-resolve-{exception_id}").click()  # no reason yet: refused on the screen
    refused = hh.feedback()
    dismiss(hh)
    hh.by(f"exc-reason-{exception_id}").fill("counted: 1 found")
    hh.by(f"exc-resolve-{exception_id}").click()
    page.wait_for_selector("[data-testid=exc-none]", timeout=ANSWER_TIMEOUT_MS)
    hh.by("exc-refresh").click()  # resolved: gone; a second one links to the counts screen
    second = short_pick_raised(store)
    page.reload()  # mid-look: the supervisor comes back to the exceptions, not the task chooser
    hh.wait_screen("exceptions")
    hh.by(f"exc-open-{second}").click(timeout=PUSHED_MS)
    hh.wait_screen("counts")
    page.reload()
    hh.wait_screen("counts")
    context.close()

    assert tones_after[len(tones_before) :] == ["info"]
    assert "Short pick" in shown and "Owner Supervisor" in shown
    assert where == "Bin A-01-01 · Item SKU-1" and where_zh == "库位 A-01-01 · 商品 SKU-1"
    assert "Count the bin" in shown and "Go to: Count" in shown
    assert "/api/" not in shown and "/api/" not in shown_zh  # a place, not the API's path
    assert label_top >= link_bottom  # the reason's label under the link, not run into it
    assert "前往：盘点" in shown_zh
    assert "拣货短缺" in shown_zh and "已确认" in shown_zh and "盘点该库位" in shown_zh
    assert "负责人 主管 · 已等待 " in shown_zh and "supervisor" not in shown_zh  # all in Chinese
    assert re.search(r"已等待 \d+ (秒|分钟)", shown_zh), shown_zh
    assert refused["visible"] and refused["tone"] == "bad"
    assert sideways <= 360
    assert violations == [] and violations_zh == []
    row = (
        store.read()
        .execute("SELECT status, resolve_reason FROM exceptions WHERE id = ?", (exception_id,))
        .fetchone()
    )
    assert tuple(row) == ("resolved", "counted: 1 found")
