"""The supervisor's KPI screen in Debian's Chromium at 360×640, on a real edge (uvicorn on
127.0.0.1) holding the hand-made week of tests/kpi_history.py as last week: each KPI a card with
the edge's chart, past its threshold red, by day and by week, in both languages, readable
without sideways scrolling, passing axe; and the weekly report downloaded as a PDF."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from edge.api.app import create_app
from edge.config import load_settings
from edge.domain.receipt import DiscrepancyRecorded
from edge.service.kpis import NAMES
from edge.store.database import Store
from edge.store.receiving import apply_discrepancy, upsert_asn
from tests.browser import ANSWER_TIMEOUT_MS, HANDHELD, Handheld
from tests.kpi_history import write_history
from tests.live import serving
from tests.support import PIN
from tests.test_terminal_a11y_browser import axe
from tests.test_weekly_report import text_of

pytestmark = pytest.mark.slow

SUPERVISOR = ("B-SUP", PIN)
HAND_MADE_MONDAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def edge_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("kpi-screen")
    settings = load_settings(
        env={},
        overrides={"edge.data_dir": data, "auth.pin_hash_cost": 10, "report.schedule": ""},
    )
    store = Store(settings.db_path)
    write_history(store, shift=last_monday() - HAND_MADE_MONDAY)
    store.writer.call(open_asns)
    try:
        with serving(create_app(settings, store=store)) as (host, port):
            yield f"http://{host}:{port}/ui/"
    finally:
        store.close()


def open_asns(tx: Any) -> None:
    """Two deliveries at the dock: ASN-CLEAN as announced so far, ASN-SHORT with a shortage."""
    for asn_id in ("ASN-CLEAN", "ASN-SHORT"):
        lines = [{"line_no": 1, "sku": "SKU-1", "qty": 4}]
        upsert_asn(tx, {"asn_id": asn_id, "supplier": "Acme", "lines": lines}, "central")
    short = DiscrepancyRecorded("ASN-SHORT", "short", "SKU-1", None, 1, "accept", line_no=1)
    apply_discrepancy(tx, short, None, None, None)


def last_monday() -> date:
    today = datetime.now(UTC).date()
    return today - timedelta(days=today.weekday() + 7)


def open_kpis(browser: Any, url: str) -> tuple[Any, Handheld]:
    context = browser.new_context(**HANDHELD, accept_downloads=True)
    hh = Handheld(context.new_page())
    hh.page.goto(url)
    hh.enrol("HH-SUP", supervisor=SUPERVISOR)
    hh.log_in(*SUPERVISOR)
    hh.by("btn-kpis").click()
    hh.wait_screen("kpis")
    hh.page.wait_for_selector("[data-testid=kpi-card]", timeout=ANSWER_TIMEOUT_MS)
    return context, hh


def card(hh: Handheld, name: str) -> Any:
    return hh.page.locator(f"[data-testid=kpi-card][data-kpi={name}]")


def test_the_supervisor_reads_each_kpi_against_its_threshold_by_day_and_by_week(
    browser: Any, edge_url: str
) -> None:
    context, hh = open_kpis(browser, edge_url)
    page = hh.page

    names = page.locator("[data-testid=kpi-card]").evaluate_all(
        "(cards) => cards.map((c) => c.dataset.kpi)"
    )
    on_time = card(hh, "on_time")
    by_day = (on_time.get_attribute("data-status"), on_time.get_attribute("data-red-points"))
    charts = page.locator("[data-testid=kpi-chart] svg").count()
    chart_box = on_time.locator("svg").bounding_box()
    sideways = page.evaluate("() => document.scrollingElement.scrollWidth")
    violations = axe(page)
    pick_rate = card(hh, "pick_rate").get_attribute("data-status")
    errors = card(hh, "scan_error_rate")
    errors.locator("summary").click()
    per_operator = errors.locator("li").evaluate_all(
        "(rows) => rows.map((r) => [r.dataset.name, r.className, r.innerText])"
    )
    dock = page.locator("[data-testid=dock-asn]").evaluate_all(
        "(rows) => rows.map((r) => [r.dataset.asn, r.innerText])"
    )
    violations_open = axe(page)

    hh.by("kpi-week").click()
    page.wait_for_selector("[data-testid=kpi-week][aria-pressed=true]")
    page.wait_for_selector("[data-testid=kpi-list][aria-busy=false]")
    week_value = card(hh, "on_time").locator("[data-testid=kpi-value]").inner_text()
    hh.by("language-toggle").click()
    heading = card(hh, "on_time").locator("h2").inner_text()
    dock_zh = page.locator("[data-testid=dock-asn][data-asn=ASN-SHORT]").inner_text()
    violations_zh = axe(page)
    context.close()

    assert names == list(NAMES)
    # Monday and Tuesday: one order of two in time; O5, due this Monday 18:00, never shipped
    o5_due = datetime.combine(last_monday() + timedelta(days=7), time(18), UTC)
    o5_late = datetime.now(UTC) > o5_due
    assert by_day == ("breached", "3" if o5_late else "2")
    assert pick_rate == "ok"  # no pick-rate threshold by default
    assert charts == len(NAMES)
    assert chart_box is not None and 300 <= chart_box["width"] <= 360
    assert sideways <= 360
    assert violations == [] and violations_zh == [] and violations_open == []
    # B-PICK: one refused scan of three, past 5 %; B-PACK: none of two
    assert per_operator == [["B-PACK", "", "B-PACK 0.0 %"], ["B-PICK", "breached", "B-PICK 33.3 %"]]
    assert week_value == ("40.0 %" if o5_late else "50.0 %")  # 2 of 5 (or 4) orders due
    assert heading == "订单准时履约率"
    # nothing wrong at the dock shows no warning sign; a shortage does, and says what it counts
    assert sorted(dock) == [
        ["ASN-CLEAN", "ASN-CLEAN Acme · 0 / 4"],
        ["ASN-SHORT", "ASN-SHORT Acme · 0 / 4 · ⚠ discrepancies: 1"],
    ]
    assert dock_zh == "ASN-SHORT Acme · 0 / 4 · ⚠ 差异 1 处"


def test_the_supervisor_downloads_the_weekly_report(browser: Any, edge_url: str) -> None:
    context, hh = open_kpis(browser, edge_url)

    with hh.page.expect_download(timeout=ANSWER_TIMEOUT_MS) as download:
        hh.by("btn-kpi-report").click()
    pdf = Path(download.value.path()).read_bytes()
    name = download.value.suggested_filename
    context.close()

    assert name.startswith("weekly-report-edge-1-") and name.endswith(".pdf")
    assert "订单准时履约率" in text_of(pdf)
