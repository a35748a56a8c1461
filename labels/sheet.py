"""A barcode sheet: sections of labelled Code 128 symbols in a grid, as a PDF.

The demo prints one for a newcomer (badges, totes, locations, items, command barcodes) and an
installer prints one to check that a scanner reads our labels. Layout is computed first, as
plain numbers (millimetres from the page's lower-left corner), then drawn; tests read the
layout to find each symbol's bars and quiet zones on the rendered page.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from labels.code128 import (
    DEFAULT_MODULE_MM,
    HRI_HEIGHT_MM,
    QUIET_MODULES,
    BarcodeDataError,
    code128_width_mm,
    draw_code128,
)
from labels.fonts import LATIN, fit_text, font_for

MARGIN_MM = 12.0
TITLE_MM = 16.0  # page title and the print-at-100 % note
FOOTER_MM = 6.0
HEADING_MM = 9.0
PADDING_MM = 3.0
CAPTION_PT = 14.0
SUBCAPTION_PT = 9.0
BAR_HEIGHT_MM = 12.0
MAX_COLUMNS = 3
CELL_HEIGHT_MM = PADDING_MM + 6.0 + 4.5 + 1.5 + BAR_HEIGHT_MM + HRI_HEIGHT_MM + PADDING_MM


@dataclass(frozen=True)
class SheetItem:
    code: str  # what the barcode holds, exactly what a scanner will send
    caption: str  # in big type above the barcode, e.g. "A-01-01" or "Done"
    subcaption: str = ""  # a second line, e.g. the product's name (Chinese allowed)


@dataclass(frozen=True)
class SheetSection:
    title: str
    items: list[SheetItem] = field(default_factory=list)


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Placement:
    """Where one item goes: its cell and its symbol's box (quiet zones and HRI line included)."""

    item: SheetItem
    page: int
    cell: Box
    symbol: Box
    module_mm: float

    @property
    def bars(self) -> Box:
        """The bars alone, without quiet zones or the human-readable line."""
        quiet = QUIET_MODULES * self.module_mm
        y = self.symbol.y + HRI_HEIGHT_MM
        return Box(self.symbol.x + quiet, y, self.symbol.width - 2 * quiet, BAR_HEIGHT_MM)


@dataclass(frozen=True)
class Heading:
    text: str
    page: int
    y: float


@dataclass(frozen=True)
class SheetLayout:
    page_size: tuple[float, float]  # points, as reportlab gives it
    pages: int
    headings: tuple[Heading, ...]
    placements: tuple[Placement, ...]


def barcode_sheet(
    sections: Sequence[SheetSection],
    *,
    title: str,
    page_size: tuple[float, float] = A4,
    module_mm: float = DEFAULT_MODULE_MM,
) -> bytes:
    """Render the sections as a PDF barcode sheet; raise BarcodeDataError for a bad code."""
    return render_sheet(layout_sheet(sections, page_size=page_size, module_mm=module_mm), title)


def layout_sheet(
    sections: Sequence[SheetSection],
    *,
    page_size: tuple[float, float] = A4,
    module_mm: float = DEFAULT_MODULE_MM,
) -> SheetLayout:
    """Place every item on a grid, section by section, starting new pages as they fill."""
    page_w, page_h = page_size[0] / mm, page_size[1] / mm
    usable_w = page_w - 2 * MARGIN_MM
    top, bottom = page_h - MARGIN_MM - TITLE_MM, MARGIN_MM + FOOTER_MM
    page, y = 1, top
    headings: list[Heading] = []
    placements: list[Placement] = []
    for section in sections:
        if not section.items:
            continue
        columns = _columns(section, usable_w=usable_w, module_mm=module_mm)
        cell_w = usable_w / columns
        for row_number, row in enumerate(_rows(section.items, columns)):
            heading = HEADING_MM if row_number == 0 else 0.0
            if y - heading - CELL_HEIGHT_MM < bottom:
                page, y, heading = page + 1, top, HEADING_MM
            if heading:
                suffix = "" if row_number == 0 else " (continued)"
                headings.append(Heading(section.title + suffix, page, y - HEADING_MM + 2.5))
                y -= HEADING_MM
            y -= CELL_HEIGHT_MM
            for column, item in enumerate(row):
                cell = Box(MARGIN_MM + column * cell_w, y, cell_w, CELL_HEIGHT_MM)
                placements.append(_place(item, page, cell, module_mm))
    return SheetLayout(page_size, page, tuple(headings), tuple(placements))


def render_sheet(layout: SheetLayout, title: str) -> bytes:
    """Draw a computed layout as PDF bytes, one page per layout page."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=layout.page_size, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("warehouse-edge labels")
    page_width = layout.page_size[0] - 2 * MARGIN_MM * mm
    for page in range(1, layout.pages + 1):
        _draw_page_frame(canvas, layout, title=title, page=page)
        for heading in (h for h in layout.headings if h.page == page):
            _draw_line(
                canvas,
                heading.text,
                x=MARGIN_MM * mm,
                y=heading.y * mm,
                size=12,
                bold=True,
                width=page_width,
                centred=False,
            )
        for placement in (p for p in layout.placements if p.page == page):
            _draw_cell(canvas, placement)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _columns(section: SheetSection, *, usable_w: float, module_mm: float) -> int:
    widest = max(section.items, key=lambda item: code128_width_mm(item.code, module_mm=module_mm))
    needed = code128_width_mm(widest.code, module_mm=module_mm) + 2 * PADDING_MM
    if needed > usable_w:
        raise BarcodeDataError(
            f"{widest.code!r} needs {needed:.0f} mm with its quiet zones; "
            f"the page has {usable_w:.0f} mm between its margins"
        )
    return min(MAX_COLUMNS, math.floor(usable_w / needed))


def _rows(items: Sequence[SheetItem], columns: int) -> Iterator[Sequence[SheetItem]]:
    for start in range(0, len(items), columns):
        yield items[start : start + columns]


def _place(item: SheetItem, page: int, cell: Box, module_mm: float) -> Placement:
    width = code128_width_mm(item.code, module_mm=module_mm)
    symbol = Box(
        cell.x + (cell.width - width) / 2,
        cell.y + PADDING_MM,
        width,
        HRI_HEIGHT_MM + BAR_HEIGHT_MM,
    )
    return Placement(item, page, cell, symbol, module_mm)


def _draw_page_frame(canvas: Canvas, layout: SheetLayout, *, title: str, page: int) -> None:
    page_w, page_h = layout.page_size[0] / mm, layout.page_size[1] / mm
    _draw_line(
        canvas,
        title,
        x=MARGIN_MM * mm,
        y=(page_h - MARGIN_MM - 6) * mm,
        size=16,
        bold=True,
        width=(page_w - 2 * MARGIN_MM) * mm,
        centred=False,
    )
    canvas.setFont(LATIN, 8)
    note = "Print at actual size (100 %, no fit to page): the bars are sized for scanners."
    canvas.drawString(MARGIN_MM * mm, (page_h - MARGIN_MM - 11) * mm, note)
    canvas.drawRightString(
        (page_w - MARGIN_MM) * mm, MARGIN_MM * mm, f"page {page} of {layout.pages}"
    )


def _draw_cell(canvas: Canvas, placement: Placement) -> None:
    cell, item = placement.cell, placement.item
    canvas.saveState()
    canvas.setStrokeGray(0.75)
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    canvas.rect(cell.x * mm, cell.y * mm, cell.width * mm, cell.height * mm, stroke=1, fill=0)
    canvas.restoreState()
    text_width = (cell.width - 2 * PADDING_MM) * mm
    centre = (cell.x + cell.width / 2) * mm
    top = cell.y + cell.height - PADDING_MM
    _draw_line(
        canvas,
        item.caption,
        x=centre,
        y=(top - 5.0) * mm,
        size=CAPTION_PT,
        bold=True,
        width=text_width,
    )
    _draw_line(
        canvas,
        item.subcaption,
        x=centre,
        y=(top - 9.5) * mm,
        size=SUBCAPTION_PT,
        bold=False,
        width=text_width,
    )
    symbol = placement.symbol
    draw_code128(
        canvas,
        item.code,
        x=symbol.x,
        y=symbol.y,
        module_mm=placement.module_mm,
        height_mm=BAR_HEIGHT_MM,
    )


def _draw_line(
    canvas: Canvas,
    text: str,
    *,
    x: float,
    y: float,
    size: float,
    bold: bool,
    width: float,
    centred: bool = True,
) -> None:
    """One line of text (points), shrunk or cut to fit `width`, in a font that can show it."""
    font, shown = font_for(text, bold=bold)
    if not shown:
        return
    size, shown = fit_text(shown, font, size=size, width=width)
    canvas.setFont(font, size)
    if centred:
        canvas.drawCentredString(x, y, shown)
    else:
        canvas.drawString(x, y, shown)
