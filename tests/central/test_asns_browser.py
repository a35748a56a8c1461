"""Central's ASN screen in Debian's Chromium on a phone (360×640): an ASN made with its form is
listed and cancelled with its button, a CSV file with a bad row is refused naming the row (in
Chinese too), a closed ASN shows its discrepancies; nothing is wider than the screen. Central
runs as `warehouse-central serve` on a SQLite file holding an edge and the demo catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import ANSWER_TIMEOUT_MS, HANDHELD
from tests.central.servers import CentralServer, add_edge, run_central, running_central
from tests.central.support import EdgeSide

pytestmark = pytest.mark.slow

WIDTHS = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CentralServer, str]]:
    home = tmp_path_factory.mktemp("asns")
    db = str(home / "central.db")
    with running_central(db, home) as server:
        token = add_edge(db, "edge-1")
        assert run_central("catalog", "sample", "--db", db).returncode == 0
        yield server, token


def screen(browser: Any, server: CentralServer, lang: str = "en") -> Any:
    page = browser.new_context(**HANDHELD, locale="zh-CN" if lang == "zh" else "en-GB").new_page()
    page.goto(f"{server.url}/board/asns?lang={lang}")
    page.locator("input[name=token]").fill(server.admin_token)
    page.locator("form[action='/board/login'] button").click()
    page.goto(f"{server.url}/board/asns?lang={lang}")
    page.locator("#ask").wait_for(timeout=ANSWER_TIMEOUT_MS)
    return page


def test_an_asn_made_on_the_screen_at_360_px_is_listed_and_cancelled_with_its_button(
    browser: Any, central: tuple[CentralServer, str]
) -> None:
    server, _ = central
    page = screen(browser, server)

    page.get_by_label("ASN").fill("ASN-SCREEN-1")
    page.get_by_label("Warehouse").fill("edge-1")
    page.get_by_label("Supplier").fill("Fujian Tea Co.")
    page.get_by_label("Lines, one per row").fill(
        "CAR-0001, 24, L2611, 2027-11-30, 376130321109103420\nCAR-0002, 12"
    )
    page.get_by_role("button", name="Create").click()

    page.get_by_text("ASN ASN-SCREEN-1 sent to edge-1.").wait_for(timeout=ANSWER_TIMEOUT_MS)
    row = page.locator("#asns tbody tr", has_text="ASN-SCREEN-1")
    row.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "1. CAR-0001 × 24 (L2611 2027-11-30)" in row.inner_text()
    assert page.evaluate(WIDTHS)[0] <= 360
    page.on("dialog", lambda dialog: dialog.accept("supplier withdrew it"))
    row.get_by_role("button", name="Cancel").click()
    row.get_by_text("cancelled").wait_for(timeout=ANSWER_TIMEOUT_MS)
    got = httpx.get(
        f"{server.url}/api/v1/asns/ASN-SCREEN-1",
        headers={"Authorization": f"Bearer {server.admin_token}"},
    ).json()
    assert (got["status"], got["cancel_reason"], got["source"]) == (
        "cancelled",
        "supplier withdrew it",
        "api",
    )


def test_a_csv_file_with_a_bad_row_is_refused_on_the_screen_naming_the_row_in_chinese(
    browser: Any, central: tuple[CentralServer, str], tmp_path: Path
) -> None:
    server, _ = central
    page = screen(browser, server, "zh")
    bad = tmp_path / "asns.csv"
    bad.write_text(
        "asn_id,warehouse,supplier,sku,qty\nASN-CSV-1,edge-1,Acme,CAR-0001,6\n"
        "ASN-CSV-1,,,CAR-0002,six\n",
        encoding="utf-8",
    )

    page.locator("#u-file").set_input_files(str(bad))
    page.get_by_role("button", name="上传", exact=True).click()

    message = page.locator("#message.error")
    message.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert message.inner_text().startswith("CSV 文件第 3 行被拒绝：qty")
    assert "整个文件均未导入" in message.inner_text()
    assert page.locator("#asns tbody tr", has_text="ASN-CSV-1").count() == 0
    assert page.evaluate(WIDTHS)[0] <= 360


def test_a_closed_asn_shows_what_each_line_received_and_its_discrepancies(
    browser: Any, central: tuple[CentralServer, str]
) -> None:
    server, token = central
    admin = {"Authorization": f"Bearer {server.admin_token}"}
    asn = {
        "asn_id": "ASN-CLOSED-1",
        "warehouse": "edge-1",
        "supplier": "Fujian Tea Co.",
        "lines": [{"sku": "CAR-0003", "qty": 10}],
    }
    assert httpx.post(f"{server.url}/api/v1/asns", json=asn, headers=admin).status_code == 201
    with httpx.Client(base_url=server.url) as client:
        edge = EdgeSide(client, "edge-1", token)  # type: ignore[arg-type]
        edge.send(
            "asn_closed",
            asn_id="ASN-CLOSED-1",
            closed_at="2026-12-04T10:00:00Z",
            lines=[{"line_no": 1, "sku": "CAR-0003", "expected": 10, "received": 8,
                    "accepted": 6, "quarantined": 0, "rejected": 2}],
            discrepancies=[
                {"kind": "short", "sku": "CAR-0003", "lot": None, "qty": 2, "decision": "accept",
                 "operator": "Li"},
                {"kind": "damaged", "sku": "CAR-0003", "lot": None, "qty": 2,
                 "decision": "reject", "operator": "Li"},
            ],
        )  # fmt: skip
    page = screen(browser, server)

    row = page.locator("#asns tbody tr", has_text="ASN-CLOSED-1")
    row.wait_for(timeout=ANSWER_TIMEOUT_MS)

    text = row.inner_text()
    assert "received 8: 6 accepted, 0 quarantined, 2 rejected" in text
    assert "damaged: CAR-0003 × 2 → reject (Li)" in text
    assert row.get_by_role("button", name="Cancel").count() == 0
    assert page.evaluate(WIDTHS)[0] <= 360
