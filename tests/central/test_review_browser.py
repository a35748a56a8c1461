"""Order review on central's board in Debian's Chromium: central runs as `warehouse-central
serve`; two orders the rules hold show in "Held for review" with their reasons (in Chinese on the
Chinese board); the supervisor's Release sends one to the warehouse, Cancel (with its reason)
cancels the other, and the section empties."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import ANSWER_TIMEOUT_MS
from tests.central.servers import running_central
from tests.central.support import EdgeSide, channel_order, product

pytestmark = pytest.mark.slow


def test_a_supervisor_releases_one_held_order_and_cancels_another_on_the_board(
    browser: Any, tmp_path: Path
) -> None:
    with running_central(str(tmp_path / "central.db"), tmp_path) as central:
        admin = {"Authorization": f"Bearer {central.admin_token}"}
        with httpx.Client(base_url=central.url, headers=admin, timeout=10) as http:
            http.post("/api/v1/products", json={"products": [product("TEA-0001")]})
            token = http.post("/api/v1/edges", json={"edge_id": "edge-1"}).json()["token"]
            EdgeSide(http, "edge-1", token).receive("TEA-0001", 10)  # type: ignore[arg-type]
            rules = {"enabled": True, "address": {"keywords": ["test"]}}
            assert http.put("/api/v1/review-rules", json=rules).status_code == 200
            for coid in ("R1", "R2"):
                order = channel_order(coid, ("TEA-0001", 1))
                order["ship_to"]["name"] = "Test Buyer"
                order["ship_to"]["postcode"] = coid  # not a duplicate of the other
                assert http.post("/api/v1/orders", json=order).json()["order_status"] == "on_hold"

            page = browser.new_page()
            page.goto(f"{central.url}/board?lang=zh")
            page.locator("input[name=token]").fill(central.admin_token)
            page.locator("form[action='/board/login'] button").click()
            rows = page.locator("#held tbody tr")
            rows.nth(1).wait_for(timeout=ANSWER_TIMEOUT_MS)
            assert "收货信息含有“test”" in rows.first.inner_text()
            assert page.locator("#no-held").is_hidden()

            rows.filter(has_text="shop:R1").get_by_role("button", name="放行").click()
            page.locator("#held tbody tr", has_text="shop:R1").wait_for(
                state="detached", timeout=ANSWER_TIMEOUT_MS
            )
            page.once("dialog", lambda dialog: dialog.accept("fake buyer"))
            rows.filter(has_text="shop:R2").get_by_role("button", name="取消订单").click()
            page.locator("#no-held").wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)

            released = http.get("/api/v1/orders/shop:R1").json()
            cancelled = http.get("/api/v1/orders/shop:R2").json()
    assert (released["status"], released["warehouse"]) == ("released", "edge-1")
    assert cancelled["status"] == "cancelled"
    assert "review cancelled by admin: fake buyer" in [h["note"] for h in cancelled["history"]]
