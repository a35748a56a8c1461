"""Central's order board in Debian's Chromium: opened at central's root, logged in through its
form, read on a phone (360×640) and in Chinese. Central runs as `warehouse-central serve` on a
SQLite file holding an edge, the demo catalogue and the Taobao sample's orders (unassigned: the
edge has no stock)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from central_sync.channels import sample_path
from tests.browser import ANSWER_TIMEOUT_MS, HANDHELD
from tests.central.servers import CentralServer, add_edge, run_central, running_central

pytestmark = pytest.mark.slow

ZONE = "Asia/Shanghai"
DESK = {"viewport": {"width": 1280, "height": 800}}
ENGLISH_WORD = re.compile(r"\b[a-z]{3,}\b")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# What the board writes itself (not the orders' own data): every word here is translated.
WORDING = (
    "h1, h2, th, button, a, #f-status option, option[value=''], #status, #counts span,"
    " #no-exceptions, td.exception,"
    " td[class^=st-], td[class^=state-], td.reason"
)
LABELS = "[...document.querySelectorAll('label')].map(l => l.firstChild.textContent)"


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    home = tmp_path_factory.mktemp("board")
    db = str(home / "central.db")
    with running_central(db, home) as server:
        add_edge(db, "edge-1")
        assert run_central("catalog", "sample", "--db", db).returncode == 0
        done = run_central(
            "import-orders", str(sample_path("taobao")), "--channel", "taobao", "--db", db
        )
        assert done.returncode == 3, done.stderr  # the sample holds refused orders on purpose
        yield server


def open_board(
    browser: Any, central: CentralServer, *, now: datetime | None = None, **context: Any
) -> Any:
    """A new page at central's root, logged in through the board's form, its data shown; the
    browser's clock at `now` when given."""
    browser_context = browser.new_context(timezone_id=ZONE, **context)
    if now is not None:
        browser_context.clock.set_fixed_time(now)
    page = browser_context.new_page()
    page.goto(f"{central.url}/")
    page.locator("input[name=token]").fill(central.admin_token)
    page.locator("form[action='/board/login'] button").click()
    page.locator("#orders tbody tr").first.wait_for(timeout=ANSWER_TIMEOUT_MS)
    page.wait_for_function(
        "document.getElementById('status').textContent.includes(':')", timeout=ANSWER_TIMEOUT_MS
    )
    return page


def shown_time(iso: str, *, today: bool) -> str:
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(ZONE))
    return at.strftime("%H:%M:%S" if today else "%d/%m/%Y, %H:%M:%S")


def test_central_root_opens_the_board_login_with_a_labelled_token_field_that_fits_a_phone(
    browser: Any, central: CentralServer
) -> None:
    page = browser.new_page(**HANDHELD)

    page.goto(f"{central.url}/")
    field = page.get_by_label("Admin token")
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")

    assert page.url == f"{central.url}/board"
    assert field.get_attribute("type") == "password"
    assert widths == [360, 360]
    page.context.close()


def test_the_board_on_a_phone_fits_the_screen_and_shows_local_times_to_the_second(
    browser: Any, central: CentralServer
) -> None:
    page = open_board(browser, central, **HANDHELD)

    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    wider = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 0.5).map(e => e.tagName + ' ' + e.textContent.slice(0, 40))"
    )
    updated = page.locator("#orders tbody tr").first.locator("td[title]")
    iso, text = updated.get_attribute("title"), updated.inner_text().strip()
    today = (
        datetime.now(ZoneInfo(ZONE)).date()
        == datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(ZONE)).date()
    )
    page.context.close()

    assert widths == [360, 360]
    assert wider == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", iso)
    assert text == shown_time(iso, today=today)


def test_the_board_shows_every_edges_orders_in_the_task_boards_columns_on_a_phone(
    browser: Any, central: CentralServer
) -> None:
    page = open_board(browser, central, **HANDHELD)
    page.locator("#columns .col li").first.wait_for(timeout=ANSWER_TIMEOUT_MS)

    columns = page.evaluate(
        "[...document.querySelectorAll('#columns .col')].map(c => [c.dataset.column,"
        " c.querySelectorAll('li').length, Math.round(c.getBoundingClientRect().left)])"
    )
    orders = page.locator("#orders tbody tr").count()
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    page.context.close()

    names = [c[0] for c in columns]
    assert names == ["todo", "picking", "packing", "shipped", "after_sales", "on_hold"]
    assert sum(c[1] for c in columns) == orders > 0  # the sample's orders: unassigned, to do
    assert columns[0][1] == orders
    assert len({c[2] for c in columns}) == 1  # stacked on a phone
    assert widths == [360, 360]


def test_a_time_of_another_day_shows_its_date_too(browser: Any, central: CentralServer) -> None:
    page = open_board(browser, central, now=datetime.now(ZoneInfo(ZONE)) + timedelta(days=2))

    updated = page.locator("#orders tbody tr").first.locator("td[title]")
    iso, text = updated.get_attribute("title"), updated.inner_text().strip()
    page.context.close()

    assert text == shown_time(iso, today=False)


def test_the_board_in_chinese_translates_every_word_it_writes(
    browser: Any, central: CentralServer
) -> None:
    page = open_board(browser, central, locale="zh-CN", **DESK)

    texts = page.locator(WORDING).all_inner_texts() + page.evaluate(LABELS)
    reasons = page.locator("#orders td.reason").all_inner_texts()
    lang = page.evaluate("document.documentElement.lang")
    page.context.close()

    english = [t for t in texts if ENGLISH_WORD.search(t) and t != "English"]
    assert lang == "zh"
    assert english == []
    assert [t for t in texts if t.strip() and not CHINESE.search(t) and t != "English"] == []
    assert reasons and all(r.startswith("没有仓库能满足全部订单行") for r in reasons), reasons


def test_the_board_login_and_the_board_follow_the_language_link(
    browser: Any, central: CentralServer
) -> None:
    page = browser.new_page(locale="en-US")
    page.goto(f"{central.url}/board")
    page.get_by_role("link", name="中文").click()
    page.get_by_label("管理员令牌").fill(central.admin_token)
    page.get_by_role("button", name="登录").click()
    heading = page.locator("h1").inner_text()
    page.context.close()

    assert heading == "中央订单看板"
