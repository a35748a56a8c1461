"""The weekly report as a PDF (reportlab platypus, charts drawn with reportlab graphics), in
English and Simplified Chinese side by side, CJK through the labels' embedded TrueType font.
The same chart drawing is served as SVG to the terminal's KPI screen."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape
from typing import Any

from reportlab.graphics import renderSVG
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from edge.domain.kpi import Kpi, Point
from edge.domain.review import Cause, Tally
from labels.fonts import LATIN, cjk_font, latin_only

RED = colors.HexColor("#b00020")
OK = colors.HexColor("#1b5e20")
LINE = colors.HexColor("#1f4e79")
LIMIT = colors.HexColor("#e07b00")
GRID = colors.HexColor("#cccccc")

# KPI names as people read them, English / 中文.
TITLES: dict[str, tuple[str, str]] = {
    "on_time": ("On-time fulfilment", "订单准时履约率"),
    "inventory_accuracy": ("Inventory accuracy", "库存准确率"),
    "return_rate": ("Return rate", "退换货率"),
    "pick_rate": ("Pick rate (units per picker-hour)", "拣货效率(件/人时)"),
    "scans_per_order": ("Scans per order", "每单扫描次数"),
    "scan_error_rate": ("Scan error rate", "扫描错误率"),
    "short_pick_rate": ("Short-pick rate", "缺货拣货率"),
    "time_in_released": ("Hours waiting to be picked", "待拣货时长(小时)"),
    "time_in_picking": ("Hours in picking", "拣货中时长(小时)"),
    "time_in_picked": ("Hours waiting to be packed", "待打包时长(小时)"),
    "time_in_packed": ("Hours waiting to ship", "待发货时长(小时)"),
    "time_in_on_hold": ("Hours on hold", "挂起时长(小时)"),
    "dock_to_stock": ("Dock-to-stock hours", "收货到上架时长(小时)"),
}
PROBLEMS: dict[str, tuple[str, str]] = {
    "late": ("Late orders (by SKU line)", "延迟订单(按商品行)"),
    "return": ("Returned units", "退货件数"),
    "short": ("Short-picked units", "缺货件数"),
    "scan_error": ("Refused scans", "扫描错误"),
    "count_diff": ("Count differences (units)", "盘点差异(件)"),
}


@dataclass(frozen=True)
class ExceptionLine:
    kind: str
    raised: int
    resolved: int
    still_open: int
    mean_hours: float | None


@dataclass(frozen=True)
class WeeklyReport:
    edge: str
    week: str
    first: date
    last: date
    made_at: datetime
    daily: Sequence[Kpi]
    weekly: Sequence[Kpi]
    review: Sequence[Tally]
    causes: Sequence[Cause]
    exceptions: Sequence[ExceptionLine]
    breach_days: int


def title(name: str) -> str:
    en, zh = TITLES.get(name, (name, ""))
    return f"{en} {zh}".strip()


def shown(value: float | None, unit: str) -> str:
    """A KPI value as people read it: 96.0 %, 12.5 /h, 3.2, or "no data"."""
    if value is None:
        return "no data 无数据"
    if unit == "ratio":
        return f"{value * 100:.1f} %"
    return f"{value:.1f}"


def _brief(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    return f"{value * 100:.0f}%" if unit == "ratio" else f"{value:.1f}"


def limit(item: Kpi) -> str:
    t = item.threshold
    if t.value is None or t.direction == "none":
        return "—"
    sign = "≥" if t.direction == "min" else "≤"
    return f"{sign} {shown(t.value, item.unit)}"


# --- the chart (PDF and SVG) ---


def chart(
    points: Sequence[Point], item: Kpi, width: float = 480, height: float = 150, *, text: float = 7
) -> Drawing:
    """Values by period as a line, the threshold as a dashed line, breached points red, periods
    with no data left as a gap."""
    d = Drawing(width, height)
    left, bottom, top, right = 6 * text, 3 * text + 1, 10.0, 8.0
    plot_w, plot_h = width - left - right, height - bottom - top
    values = [p.value for p in points if p.value is not None]
    scale = 100.0 if item.unit == "ratio" else 1.0
    t = item.threshold.value
    marks = values + ([t] if t is not None else [])
    lo = 0.0
    hi = max(marks) if marks else 1.0
    if item.unit == "ratio":
        lo = max(0.0, (min(marks) if marks else 0.0) - 0.05)
        lo = int(lo * 20) / 20  # down to a 5 % step
        hi = 1.0 if hi <= 1.0 else hi
    hi = hi if hi > lo else lo + 1.0

    def y(v: float) -> float:
        return bottom + (v - lo) / (hi - lo) * plot_h

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / max(len(points), 1))

    frame = Rect(left, bottom, plot_w, plot_h)
    frame.strokeColor, frame.fillColor, frame.strokeWidth = GRID, colors.white, 0.5
    d.add(frame)
    for v in (lo, (lo + hi) / 2, hi):
        d.add(Line(left, y(v), left + plot_w, y(v), strokeColor=GRID, strokeWidth=0.3))
        d.add(
            String(
                left - 4,
                y(v) - text / 2.5,
                f"{v * scale:.0f}",
                fontName=LATIN,
                fontSize=text,
                textAnchor="end",
            )
        )
    if t is not None and item.threshold.direction != "none":
        d.add(
            Line(
                left,
                y(t),
                left + plot_w,
                y(t),
                strokeColor=LIMIT,
                strokeWidth=1.2,
                strokeDashArray=[4, 3],
            )
        )
    segment: list[float] = []
    for i, p in enumerate(points):
        if p.value is None:
            if len(segment) >= 4:
                d.add(PolyLine(segment, strokeColor=LINE, strokeWidth=1.5))
            segment = []
            continue
        segment += [x(i), y(p.value)]
    if len(segment) >= 4:
        d.add(PolyLine(segment, strokeColor=LINE, strokeWidth=1.5))
    # a label every `step` points, so that they never overlap ("11-23" is about 3.3 ems wide)
    step = max(1, math.ceil(len(points) * text * 3.6 / plot_w))
    for i, p in enumerate(points):
        if p.value is not None:
            d.add(
                Circle(x(i), y(p.value), 3, fillColor=RED if p.breached else LINE, strokeColor=None)
            )
        if i % step == 0:
            label = p.period[5:] if len(p.period) == 10 else p.period
            d.add(String(x(i), text, label, fontName=LATIN, fontSize=text, textAnchor="middle"))
    return d


def chart_svg(item: Kpi) -> str:
    """The KPI's chart as an inline SVG element that scales to its container's width."""
    # drawn at the size a 360 px phone shows it, its text as large as the screen's small print
    svg: str = renderSVG.drawToString(chart(item.points, item, 360, 170, text=11))
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg width="100%" role="img"', svg)
    svg = svg.replace("<desc>...</desc>", "").replace('id="clip"', f'id="clip-{item.name}"')
    svg = svg.replace("url(#clip)", f"url(#clip-{item.name})")
    return svg.replace("<title>...</title>", f"<title>{escape(title(item.name))}</title>", 1)


# --- the document ---


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12)
    return {
        "base": base,
        "h1": ParagraphStyle("h1", parent=base, fontSize=16, leading=20, spaceAfter=6),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=12, leading=16, spaceBefore=10, spaceAfter=4
        ),
        "red": ParagraphStyle("red", parent=base, fontSize=8, leading=10, textColor=RED),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
        "cause": ParagraphStyle(
            "cause", parent=base, fontSize=10, leading=14, spaceBefore=4, textColor=RED
        ),
    }


def _table(rows: list[list[Any]], font: str, widths: list[float] | None = None) -> Table:
    if font == LATIN:  # no CJK font: the English half only, never boxes
        rows = [
            [
                _latin(c) if isinstance(c, Paragraph) else _plain(c) if isinstance(c, str) else c
                for c in row
            ]
            for row in rows
        ]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("GRID", (0, 0), (-1, -1), 0.3, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _summary(report: WeeklyReport, font: str, st: dict[str, ParagraphStyle]) -> Table:
    red_names = {c.kpi for c in report.causes}
    rows: list[list[Any]] = [
        ["KPI 指标", "Week 本周", "Threshold 阈值", "Trend 趋势 (weeks 周)", "Status 状态"]
    ]
    reds: list[int] = []
    for item in report.daily:
        trend = next((w for w in report.weekly if w.name == item.name), None)
        history = " → ".join(_brief(p.value, item.unit) for p in (trend.points if trend else ()))
        breached = item.total.breached
        if item.name in red_names:
            status = f"RED 红色: {report.breach_days}+ days 天"
            reds.append(len(rows))
        elif breached:
            status = "past threshold 超出阈值"
        else:
            status = "ok 正常" if item.total.value is not None else "—"
        style = st["red"] if item.name in red_names else st["small"]
        rows.append(
            [
                Paragraph(title(item.name), style),
                shown(item.total.value, item.unit),
                limit(item),
                Paragraph(history, st["small"]),
                Paragraph(status, style),
            ]
        )
    table = _table(rows, font, [54 * mm, 20 * mm, 23 * mm, 50 * mm, 35 * mm])
    for i in reds:
        table.setStyle(TableStyle([("TEXTCOLOR", (0, i), (-1, i), RED)]))
    return table


def _causes(report: WeeklyReport, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [
        Paragraph(
            f"KPIs past their threshold {report.breach_days} days running — likely causes"
            f" / 连续 {report.breach_days} 天超出阈值的指标及可能原因",
            st["h2"],
        )
    ]
    if not report.causes:
        out.append(Paragraph("None this week. 本周没有。", st["base"]))
    for c in report.causes:
        out.append(
            Paragraph(
                f"<b>{title(c.kpi)}</b>: {c.first.isoformat()} – {c.last.isoformat()}"
                f" ({c.days} days 天)",
                st["cause"],
            )
        )
        if c.tally is None or c.tally.total == 0:
            out.append(
                Paragraph("No problem records on those days. 这些天没有问题记录。", st["base"])
            )
            continue
        for label, pairs in (
            ("step 环节", c.tally.steps),
            ("products 商品", c.tally.skus),
            ("shift 班次", c.tally.shifts),
            ("channels 渠道", c.tally.channels),
        ):
            if pairs:
                text = ", ".join(f"{k} ({v})" for k, v in pairs)
                out.append(Paragraph(f"• {label}: {text}", st["base"]))
    return out


def _review(report: WeeklyReport, st: dict[str, ParagraphStyle], font: str) -> list[Flowable]:
    out: list[Flowable] = [
        Paragraph(
            "Problem-order review: which products, steps, channels and shifts / 问题订单复盘：哪类商品、"
            "哪个环节、哪个渠道、哪个班次",
            st["h2"],
        )
    ]
    rows: list[list[Any]] = [
        [
            "Problem 问题",
            "Total 合计",
            "Products 商品",
            "Steps 环节",
            "Channels 渠道",
            "Shifts 班次",
        ]
    ]
    for t in report.review:
        en, zh = PROBLEMS.get(t.kind, (t.kind, ""))

        def cell(pairs: tuple[tuple[str, int], ...]) -> Paragraph:
            return Paragraph("<br/>".join(f"{k} ({v})" for k, v in pairs[:3]) or "—", st["small"])

        rows.append(
            [
                Paragraph(f"{en}<br/>{zh}", st["small"]),
                str(t.total),
                cell(t.skus),
                cell(t.steps),
                cell(t.channels),
                cell(t.shifts),
            ]
        )
    out.append(_table(rows, font, [36 * mm, 14 * mm, 36 * mm, 32 * mm, 26 * mm, 28 * mm]))
    return out


# What the exceptions table calls each kind (the terminal's names), and each count task's reason.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "short_pick": ("Short pick", "拣货短缺"),
    "order_stuck": ("Order stuck", "订单停滞"),
    "print_attention": ("Print job needs attention", "打印任务需处理"),
    "returns_not_graded": ("Return parcel not graded", "退货包裹未检验"),
    "sync_lag": ("Sync lagging", "同步延迟"),
    "sync": ("Sync change not applied", "同步变更未应用"),
    "restore": ("Order changed after a backup", "备份后订单有变化"),
    "count_variance": ("Count variance", "盘点差异"),
    "device_down": ("Device down", "设备故障"),
    "scale_silent": ("Scale silent at a bench", "包装台秤无读数"),
    "no_reserve": ("No reserve for a pick face", "拣货位无储备库存"),
    "cutoff_at_risk": ("Cut-off at risk", "截单时间有风险"),
    "count: short_pick": ("Count after a short pick", "拣货短缺后盘点"),
    "count: manual": ("Count asked by a supervisor", "主管安排的盘点"),
    "count: schedule": ("Cycle count (schedule)", "循环盘点（计划）"),
    "count: variance": ("Count again after a variance", "差异复盘"),
}


def kind_name(kind: str) -> str:
    """An exception kind or count reason as a manager reads it (the code when it is a new one)."""
    en, zh = KIND_NAMES.get(kind, (kind, ""))
    return f"{en} {zh}".strip()


def _exceptions(report: WeeklyReport, st: dict[str, ParagraphStyle], font: str) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Exceptions and their resolution / 异常及处理时长", st["h2"])]
    if not report.exceptions:
        out.append(Paragraph("No exceptions raised this week. 本周没有异常。", st["base"]))
        return out
    rows = [["Kind 类型", "Raised 发生", "Resolved 已处理", "Open 未处理", "Mean hours 平均小时"]]
    for e in report.exceptions:
        mean = "—" if e.mean_hours is None else f"{e.mean_hours:.1f}"
        rows.append([kind_name(e.kind), str(e.raised), str(e.resolved), str(e.still_open), mean])
    out.append(_table(rows, font))
    return out


def _charts(report: WeeklyReport, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = [Paragraph("Day by day against the threshold / 每日指标与阈值", st["h2"])]
    for item in report.daily:
        if item.total.value is None and item.name.startswith("time_in_"):
            continue
        bound = limit(item)
        head = Paragraph(title(item.name) + ("" if bound == "—" else f" — {bound}"), st["base"])
        out.append(
            KeepTogether([head, chart(item.points, item, 170 * mm, 38 * mm), Spacer(1, 3 * mm)])
        )
    return out


def a4_document(buf: io.BytesIO, *, title: str, author: str) -> SimpleDocTemplate:
    """An A4 document with 14 mm margins (the weekly report, the handover list)."""
    return SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=title,
        author=author,
    )


def render_weekly(report: WeeklyReport) -> bytes:
    """The report as PDF bytes (A4)."""
    font = cjk_font() or LATIN
    st = _styles(font)
    buf = io.BytesIO()
    doc = a4_document(buf, title=f"Weekly report {report.week}", author=report.edge)
    story: list[Flowable] = [
        Paragraph(f"{report.edge} — weekly report 周报 {report.week}", st["h1"]),
        Paragraph(
            f"{report.first.isoformat()} – {report.last.isoformat()} · made 生成于"
            f" {report.made_at:%Y-%m-%d %H:%M}",
            st["base"],
        ),
        Paragraph("KPIs against their thresholds / 指标与阈值", st["h2"]),
        _summary(report, font, st),
        *_causes(report, st),
        *_review(report, st, font),
        *_exceptions(report, st, font),
        *_charts(report, st),
    ]
    if font == LATIN:  # no CJK font on this machine: the English half only, never boxes
        story = [_latin(f) for f in story]
    doc.build(story)
    return buf.getvalue()


def _plain(text: str) -> str:
    """`text` as Helvetica can show it: the signs it lacks spelled out, Chinese left out."""
    for sign, spelled in (("≥", ">="), ("≤", "<="), ("→", "->")):
        text = text.replace(sign, spelled)
    return latin_only(text)


def _latin(flowable: Any) -> Any:
    if isinstance(flowable, Paragraph):
        return Paragraph(_plain(flowable.text), flowable.style)
    return flowable
