"""The carrier handover list (交接单) as a PDF: A4, English and Simplified Chinese side by side,
CJK through the labels' embedded TrueType font, the handover id as Code 128 (bars drawn from
python-barcode's encoding), the parcels with their tracking numbers and weights, the count and
total weight, and signature lines for the driver and the clerk."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from labels.code128 import code128_width_mm, draw_code128
from labels.fonts import LATIN, cjk_font, latin_only
from labels.weekly import a4_document

MODULE_MM = 0.4
BAR_HEIGHT_MM = 14.0
CONTAINERS = {"bag": "Bag 袋", "cage": "Cage 笼", "truck": "Truck 车"}


@dataclass(frozen=True)
class SheetLine:
    order: str
    tracking_no: str
    weight_g: int


@dataclass(frozen=True)
class HandoverSheet:
    handover_id: str
    carrier: str
    container: str
    site: str
    label: str
    opened: str  # local time as printed
    opened_by: str
    closed: str
    closed_by: str
    lines: tuple[SheetLine, ...]

    @property
    def total_weight_g(self) -> int:
        return sum(x.weight_g for x in self.lines)


def _local(text: str | None, zone: tzinfo) -> str:
    if not text:
        return ""
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def sheet_of(view: Mapping[str, Any], zone: tzinfo) -> HandoverSheet:
    """A handover as the service shows it (its view) → the sheet, times in the site's zone."""
    return HandoverSheet(
        handover_id=view["id"],
        carrier=view["carrier"],
        container=view["container"],
        site=view.get("site") or "",
        label=view.get("label") or "",
        opened=_local(view.get("opened_at"), zone),
        opened_by=view.get("opened_by") or "",
        closed=_local(view.get("closed_at"), zone),
        closed_by=view.get("closed_by") or "",
        lines=tuple(
            SheetLine(
                p.get("channel_order_id") or p["order_id"], p["tracking_no"], p["weight_g"] or 0
            )
            for p in view["parcels"]
        ),
    )


class _Code128(Flowable):
    """The handover id as a Code 128 symbol with its text below."""

    def __init__(self, data: str) -> None:
        super().__init__()
        self.data = data
        self.width = code128_width_mm(data, module_mm=MODULE_MM) * mm
        self.height = (BAR_HEIGHT_MM + 4.0) * mm

    def draw(self) -> None:
        draw_code128(self.canv, self.data, x=0, y=0, module_mm=MODULE_MM, height_mm=BAR_HEIGHT_MM)


def _kg(grams: int) -> str:
    return f"{grams / 1000:.3f}"


def _text(text: str, font: str) -> str:
    return text if font != LATIN else latin_only(text)


def render_handover(sheet: HandoverSheet) -> bytes:
    """The handover list as PDF bytes (A4; the English half only where no CJK font is found)."""
    font = cjk_font() or LATIN

    def t(s: str) -> str:
        return _text(s, font)

    base = ParagraphStyle("base", fontName=font, fontSize=10, leading=13)
    h1 = ParagraphStyle("h1", parent=base, fontSize=16, leading=20, spaceAfter=4)
    buf = io.BytesIO()
    doc = a4_document(buf, title=f"Handover {sheet.handover_id}", author=sheet.site)
    container = CONTAINERS.get(sheet.container, sheet.container)
    facts = [
        [t("Carrier 承运商"), sheet.carrier, t("Site 仓库"), sheet.site],
        [t("Container 容器"), t(container), t("Label 标签"), sheet.label or "-"],
        [
            t("Opened 开始"),
            f"{sheet.opened} {sheet.opened_by}",
            t("Closed 关闭"),
            f"{sheet.closed} {sheet.closed_by}",
        ],
        [
            t("Parcels 件数"),
            str(len(sheet.lines)),
            t("Total weight 总重 (kg)"),
            _kg(sheet.total_weight_g),
        ],
    ]
    rows: list[list[Any]] = [
        [t("No. 序号"), t("Order 订单"), t("Tracking number 运单号"), t("Weight 重量 (kg)")]
    ]
    rows += [
        [str(i), x.order, x.tracking_no, _kg(x.weight_g)] for i, x in enumerate(sheet.lines, 1)
    ]
    rows.append(["", "", t("Total 合计"), _kg(sheet.total_weight_g)])
    signatures = [
        [t("Driver 司机签名:"), "", t("Clerk 仓库签名:"), ""],
        [t("Date/time 日期时间:"), "", t("Date/time 日期时间:"), ""],
    ]
    story: list[Flowable] = [
        Paragraph(t(f"Carrier handover list 交接单 — {sheet.carrier}"), h1),
        _Code128(sheet.handover_id),
        Spacer(1, 4 * mm),
        _grid(facts, font, [32 * mm, 55 * mm, 38 * mm, 53 * mm], header=False),
        Spacer(1, 5 * mm),
        _grid(rows, font, [16 * mm, 60 * mm, 70 * mm, 32 * mm], header=True),
        Spacer(1, 14 * mm),
        _signatures(signatures, font),
    ]
    doc.build(story)
    return buf.getvalue()


def _grid(rows: list[list[Any]], font: str, widths: list[float], *, header: bool) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")))
    table.setStyle(TableStyle(style))
    return table


def _signatures(rows: list[list[Any]], font: str) -> Table:
    table = Table(rows, colWidths=[38 * mm, 52 * mm, 38 * mm, 50 * mm], rowHeights=14 * mm)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 10),
                ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                ("LINEBELOW", (3, 0), (3, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    return table
