"""The customer's self-service return page in Debian's Chromium on a phone (360×640): opened from
the packing slip's QR link, order and phone typed, a line, a reason and a photo chosen, the RMA
shown and its return label downloaded; and the page in Chinese. Central runs as
`warehouse-central serve` on a SQLite file with an edge that shipped one order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.browser import ANSWER_TIMEOUT_MS, HANDHELD
from tests.central.servers import CentralServer, add_edge, running_central
from tests.central.support import channel_order, move, product

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _event(edge: str, seq: int, kind: str, order_id: str | None, *moves: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "edge_id": edge,
        "epoch": 1,
        "seq": seq,
        "schema_version": 1,
        "type": kind,
        "occurred_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "order_id": order_id,
        "sku": None,
        "payload": {"movements": list(moves)},
    }


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralServer]:
    home = tmp_path_factory.mktemp("self-service")
    db = str(home / "central.db")
    with running_central(db, home) as server:
        token = add_edge(db, "edge-1")
        admin = {"Authorization": f"Bearer {server.admin_token}"}
        edge = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, timeout=30) as http:
            products = [product("TEA-0001", "Green tea", name_zh="绿茶"), product("SNK-0001")]
            resp = http.post("/api/v1/products", json={"products": products}, headers=admin)
            assert resp.status_code == 200, resp.text
            stock = [
                move("TEA-0001", 5, "received", "A-01-01/on_hand"),
                move("SNK-0001", 5, "received", "A-01-01/on_hand"),
            ]
            events = [_event("edge-1", 1, "receipt", None, *stock)]
            resp = http.post("/api/v1/edges/edge-1/events", json={"events": events}, headers=edge)
            assert resp.status_code == 200, resp.text
            order = channel_order("8801", ("TEA-0001", 2), ("SNK-0001", 1))
            assert http.post("/api/v1/orders", json=order, headers=admin).json()["warehouse"]
            shipped = [_event("edge-1", 2, "order_shipped", "shop:8801")]
            resp = http.post("/api/v1/edges/edge-1/events", json={"events": shipped}, headers=edge)
            assert resp.status_code == 200, resp.text
        yield server


def test_a_customer_on_a_phone_returns_a_line_with_a_photo_and_downloads_the_label(
    browser: Any, central: CentralServer
) -> None:
    page = browser.new_context(**HANDHELD, accept_downloads=True).new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    page.goto(f"{central.url}/returns/self?order=8801&lang=en")  # the packing slip's QR link

    page.get_by_label("Phone number").fill("0000")
    page.get_by_role("button", name="Find my order").click()
    page.get_by_label("Green tea (TEA-0001)").select_option("1")
    page.get_by_label("Why are you returning it?").select_option("damaged")
    page.locator("#photos").set_input_files(
        [{"name": "dent.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.get_by_role("button", name="Request the return").click()
    page.locator("#done").wait_for()
    with page.expect_download() as download:
        page.get_by_text("Download the return label").click()

    rma = page.locator("#rma").inner_text()
    assert rma.startswith("RMA-")
    assert page.locator("#tracking").inner_text().startswith("RT")
    assert download.value.suggested_filename == f"{rma}.pdf"
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    admin = {"Authorization": f"Bearer {central.admin_token}"}
    stored = httpx.get(f"{central.url}/api/v1/returns/{rma}", headers=admin).json()
    assert (stored["source"], stored["lines"], len(stored["photos"])) == (
        "self_service",
        [{"sku": "TEA-0001", "qty": 1}],
        1,
    )


def test_the_page_speaks_chinese_and_says_clearly_when_nothing_matches(
    browser: Any, central: CentralServer
) -> None:
    page = browser.new_context(**HANDHELD, locale="zh-CN").new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    page.goto(f"{central.url}/returns/self")

    page.get_by_label("订单号").fill("8801")
    page.get_by_label("手机号（后 4 位即可）").fill("9999")
    page.get_by_role("button", name="查找订单").click()

    page.get_by_role("alert").filter(has_text="装箱单").wait_for()
    assert page.locator("h1").inner_text() == "申请退货"
    assert page.locator("#ask").is_hidden()


def test_the_returns_screen_beside_the_board_authorises_and_cancels_an_rma(
    browser: Any, central: CentralServer
) -> None:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.set_default_timeout(ANSWER_TIMEOUT_MS)
    page.goto(f"{central.url}/board/returns?lang=en")
    page.locator("input[name=token]").fill(central.admin_token)
    page.locator("form[action='/board/login'] button").click()
    page.get_by_role("link", name="Returns and refunds").click()

    page.get_by_label("Order id").fill("shop:8801")
    page.get_by_label("SKU").fill("SNK-0001")
    page.get_by_label("Reason").fill("too small")
    page.get_by_role("button", name="Authorise a return").click()
    page.locator("#message.ok").wait_for()
    rma = page.locator("#message").inner_text().split(": ")[1].split(",")[0]
    row = page.locator("#returns tr", has_text=rma)
    page.once("dialog", lambda dialog: dialog.accept("customer kept it"))
    row.get_by_role("button", name="Cancel").click()

    page.locator("#returns tr", has_text=rma).filter(has_text="cancelled").wait_for()
    admin = {"Authorization": f"Bearer {central.admin_token}"}
    stored = httpx.get(f"{central.url}/api/v1/returns/{rma}", headers=admin).json()
    assert (stored["status"], stored["closed_reason"], stored["reason"]) == (
        "cancelled",
        "customer kept it",
        "too small",
    )
