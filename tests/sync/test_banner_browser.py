"""The terminal's header strip in a real Chromium: "central offline since …, N events queued,
oldest …", in English and in Chinese, turning to an alert past `central.offline_alert_s`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import free_port, running_server, seed
from tests.support import log_in_on, new_device
from tests.sync.test_faults import seed_server

TIMEOUT_MS = 30_000


@pytest.fixture
def offline_edge(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """An edge server whose central never answers; (its URL, a supervisor's session token)."""
    seed(tmp_path / "edge.db", seed_server)
    central = {"url": f"http://127.0.0.1:{free_port()}", "token": "t", "offline_alert_s": 1}
    with running_server(tmp_path, config={"central": central}) as server:
        with httpx.Client(base_url=server.url) as http:
            headers = log_in_on(http, new_device(http, "HH-1"), "B-SUP")
            token = headers["Authorization"].removeprefix("Bearer ")
        yield server.url, token


def open_terminal(browser: Any, url: str, token: str, lang: str) -> Any:
    page = browser.new_page(viewport={"width": 360, "height": 640})
    session = json.dumps({"token": token})
    page.add_init_script(
        f"localStorage.setItem('wt.session', {json.dumps(session)});"
        f"localStorage.setItem('wt.lang', {json.dumps(json.dumps(lang))});"
    )
    page.goto(f"{url}/ui/")
    return page


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", r"⚠ Central offline since \d\d-\d\d \d\d:\d\d, 2 events queued, oldest \d+ s"),
        ("zh", r"⚠ 中心系统自 \d\d-\d\d \d\d:\d\d 起离线，2 条事件待发送，最早的已等待 \d+ 秒"),
    ],
)
def test_the_header_shows_central_offline_with_the_queue_and_the_alert(
    browser: Any, offline_edge: tuple[str, str], lang: str, expected: str
) -> None:
    page = open_terminal(browser, *offline_edge, lang)
    strip = page.locator('[data-testid="sync-status"][data-alert="true"]')

    strip.wait_for(state="visible", timeout=TIMEOUT_MS)

    assert strip.get_attribute("data-state") == "offline"
    assert re.fullmatch(expected, strip.inner_text()), strip.inner_text()
    page.close()
