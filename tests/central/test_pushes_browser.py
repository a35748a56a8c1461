"""A write-back a channel refuses, on central's board in Debian's Chromium: central runs as
`warehouse-central serve` with its Shopify sender pointed at a real HTTP listener on 127.0.0.1
that refuses, then takes, the call; the board shows the channel's answer, and its "Retry now"
button sends it again, once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import ANSWER_TIMEOUT_MS
from tests.central.platforms import Platform
from tests.central.servers import running_central
from tests.central.support import channel_order, product

pytestmark = pytest.mark.slow


@pytest.fixture
def platform() -> Iterator[Platform]:
    refusing = Platform(mode="refuse", refusal='{"errors": "order C9 is archived"}').start()
    yield refusing
    refusing.stop()


def test_a_refused_write_back_shows_its_answer_on_the_board_and_retry_now_sends_it_once(
    browser: Any, platform: Platform, tmp_path: Path
) -> None:
    env = {
        "WAREHOUSE_CENTRAL_SHOPIFY_PUSH_URL": platform.url,
        "WAREHOUSE_CENTRAL_SHOPIFY_PUSH_TOKEN": "shpat-test",
    }
    with running_central(str(tmp_path / "central.db"), tmp_path, env=env) as central:
        admin = {"Authorization": f"Bearer {central.admin_token}"}
        with httpx.Client(base_url=central.url, headers=admin, timeout=10) as http:
            http.post("/api/v1/products", json={"products": [product("TEA-0001")]})
            order = channel_order("C9", ("TEA-0001", 1), channel="shopify")
            assert http.post("/api/v1/orders", json=order).status_code == 201
            cancel = http.post("/api/v1/orders/shopify:C9/cancel", json={"reason": "buyer asked"})
            assert cancel.status_code == 200, cancel.text

        page = browser.new_page()
        page.goto(f"{central.url}/board?lang=en")
        page.locator("input[name=token]").fill(central.admin_token)
        page.locator("form[action='/board/login'] button").click()
        row = page.locator("#pushes tbody tr")
        row.first.wait_for(timeout=ANSWER_TIMEOUT_MS * 3)
        text = row.first.inner_text()
        assert "shopify:C9" in text and "cancelled" in text
        assert 'HTTP 422: {"errors": "order C9 is archived"}' in text
        assert page.locator("#exceptions td.exception").first.inner_text() == (
            "channel refused a write-back"
        )

        platform.mode = "up"
        row.first.get_by_role("button", name="Retry now").click()
        page.locator("#no-pushes").wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS * 3)
        page.close()
        for _ in range(100):  # the sender takes it from the queue within its poll (1 s)
            if platform.applied:
                break
            time.sleep(0.05)
    assert len(platform.applied) == 1
    [taken] = platform.applied.values()
    assert taken.path == "/admin/api/2024-10/orders/C9/cancel.json"
    assert taken.headers["X-Shopify-Access-Token"] == "shpat-test"
