"""The weekly report: rendered to PDF from the hand-made week, its text extracted and read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pypdfium2
import pytest

from edge.config import load_settings
from edge.service import reports
from edge.store.database import Store
from tests.kpi_history import NOW, WEEK, write_history
from tests.support import Floor


def text_of(pdf: bytes) -> str:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def report(tmp_path: Path, **overrides: Any) -> str:
    cfg = load_settings(env={}, overrides={"edge.data_dir": tmp_path, **overrides})
    store = Store(cfg.db_path)
    write_history(store)
    try:
        made = reports.weekly_pdf(store.read(), cfg, WEEK, NOW)
    finally:
        store.close()
    assert made.filename == f"weekly-report-edge-1-{WEEK}.pdf"
    return text_of(made.pdf)


def test_the_report_shows_each_kpi_against_its_threshold_in_both_languages(tmp_path: Path) -> None:
    text = report(tmp_path)

    assert "weekly report 周报 2026-W48" in text
    assert "2026-11-23 – 2026-11-29" in text
    assert "订单准时履约率" in text and "On-time fulfilment" in text
    assert "50.0 %" in text and "≥ 95.0 %" in text  # on time: 2 of 4, against 95 %
    assert "16.7 %" in text and "≤ 8.0 %" in text  # returns: 1 of 6 units
    assert "past threshold" in text


def test_the_problem_order_review_names_the_products_steps_channels_and_shifts(
    tmp_path: Path,
) -> None:
    text = report(tmp_path)

    review = text[text.index("Problem-order review") : text.index("Exceptions and their")]
    # the late orders: O2 (SKU-2, 22 h waiting in "released") and O3 (SKU-2, never shipped), tmall
    assert "SKU-2 (2)" in review
    assert "released (1)" in review and "not shipped (1)" in review
    assert "tmall (2)" in review
    assert "14:00–22:00 (2)" in review  # both were due at 18:00
    assert "bin A-01-01 (2)" in review  # the count that found 0 of 2


def test_exceptions_are_listed_with_their_mean_resolution_time(tmp_path: Path) -> None:
    text = report(tmp_path)

    part = text[text.index("Exceptions and their") :]
    # a manager reads names, not codes
    assert "Short pick 拣货短缺" in part and "5.5" in part  # raised 06:30, resolved 12:00
    assert "Sync change not applied" in part
    assert "Count after a short pick" in part  # the two counts, each closed when opened: 0.0 h
    assert "short_pick" not in part


def test_a_kpi_past_its_threshold_days_running_is_red_with_its_likely_causes(
    tmp_path: Path,
) -> None:
    three = report(tmp_path / "three")
    two = report(tmp_path / "two", **{"kpi.breach_days": 2})

    # on time fails Monday and Tuesday only: not three days running, but two
    assert "None this week" in three
    causes = two[two.index("likely causes") : two.index("Problem-order review")]
    assert "RED 红色: 2+ days" in two
    assert "On-time fulfilment 订单准时履约率: 2026-11-23 – 2026-11-24 (2 days" in causes
    assert "step 环节: released (1), not shipped (1)" in causes
    assert "products 商品: SKU-2 (2)" in causes
    assert "shift 班次: 14:00–22:00 (2)" in causes


def test_a_supervisor_downloads_the_report_of_a_week(floor: Floor) -> None:
    write_history(floor.store, seeded=True)
    sup = floor.login("B-SUP")

    answer = floor.client.get("/api/v1/reports/weekly", params={"week": WEEK}, headers=sup)

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert f"{WEEK}.pdf" in answer.headers["content-disposition"]
    assert "订单准时履约率" in text_of(answer.content)


def test_without_a_cjk_font_the_report_is_made_in_english_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("labels.weekly.cjk_font", lambda: None)

    text = report(tmp_path)

    assert "On-time fulfilment" in text and "50.0 %" in text and ">= 95.0 %" in text
    assert "Problem-order review" in text
    assert not re.search(r"[\u4e00-\u9fff]", text)  # no Chinese, so no empty boxes either
