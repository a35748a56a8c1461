"""Label documents: what a waybill or a carton label says, the label stock it is printed on,
and the laid-out page that the PDF renderer (here) and the ZPL renderer (labels/zpl.py) draw.

A layout is plain numbers in the printer's dots, origin at the label's top-left corner as in
ZPL, so bars land on whole dots at the label's density and both renderers place the same
element at the same spot.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from reportlab.pdfgen.canvas import Canvas

from labels.code128 import QUIET_MODULES, BarcodeDataError, code128_modules, gs1_128_modules
from labels.fonts import CJK, fit_text, font_for, needs_cjk
from labels.matrix import QUIET_MODULES as QR_QUIET_MODULES
from labels.matrix import qr_matrix

MM_PER_INCH = 25.4
DENSITIES = (203, 300, 600)  # dots per inch of the thermal printers we drive
FOUR_BY_SIX_MM = (101.6, 152.4)
ASCENT = 0.8  # baseline below a line's top, in ems: the same rule for PDF, ZPL and bitmaps
LINE_PITCH = 1.2  # a line's box height, in ems
BAR_INSET = 1 / 64  # dots; see _pdf_bars


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    phone: str = ""

    def lines(self) -> list[str]:
        """The lines under the name: street, locality, country; empty parts left out."""
        return [line for line in (self.line1, self.line2, self.locality(), self.country) if line]

    def locality(self) -> str:
        """City, region and postal code in the order the address's own script writes them."""
        if needs_cjk(self.city + self.region):  # Chinese order: region, city, then the code
            return " ".join(p for p in (self.region + self.city, self.postal_code) if p)
        place = ", ".join(p for p in (self.city, self.region) if p)
        return " ".join(p for p in (place, self.postal_code) if p)


@dataclass(frozen=True)
class Waybill:
    order_number: str
    carrier: str
    service: str
    tracking_no: str
    sender: Address
    recipient: Address
    weight_g: int
    piece_no: int
    piece_count: int
    ship_date: date
    reference: str = ""

    def __post_init__(self) -> None:
        _check_piece(self.piece_no, self.piece_count)
        if self.weight_g <= 0:
            raise ValueError(f"weight_g must be positive; {self.weight_g} was given")


@dataclass(frozen=True)
class Carton:
    """A shipping carton's GS1 logistic label: its SSCC, where it goes, what it belongs to."""

    sscc: str
    sender: Address
    recipient: Address
    order_number: str = ""
    piece_no: int = 1
    piece_count: int = 1
    contents: str = ""

    def __post_init__(self) -> None:
        _check_piece(self.piece_no, self.piece_count)


@dataclass(frozen=True)
class Label:
    """The label stock and the printer's density: layouts are counted in its dots."""

    size_mm: tuple[float, float] = FOUR_BY_SIX_MM
    dpi: int = 203

    def __post_init__(self) -> None:
        if self.dpi not in DENSITIES:
            raise ValueError(f"print density {self.dpi} dpi is not one of {DENSITIES}")
        if min(self.size_mm) <= 0:
            raise ValueError(f"label size {self.size_mm} mm must be positive")

    @property
    def dot_mm(self) -> float:
        return MM_PER_INCH / self.dpi

    @property
    def width(self) -> int:
        """Width in dots (ZPL ^PW)."""
        return self.dots(self.size_mm[0])

    @property
    def height(self) -> int:
        """Length in dots (ZPL ^LL)."""
        return self.dots(self.size_mm[1])

    def dots(self, length_mm: float) -> int:
        return round(length_mm * self.dpi / MM_PER_INCH)

    def module_dots(self, least_mm: float) -> int:
        """The fewest whole dots at least `least_mm` wide: a bar of them prints exactly."""
        return math.ceil(least_mm / self.dot_mm - 1e-9)


# The laid-out page


@dataclass(frozen=True)
class Text:
    """One line of text in a box `width` dots wide; `size` is its em in dots, shrunk to fit."""

    x: int
    y: int
    width: int
    size: int
    text: str
    bold: bool = False
    align: str = "L"  # L, C or R, as ZPL's ^FB justification
    reverse: bool = False  # white on a black box drawn under it

    @property
    def height(self) -> int:
        return math.ceil(self.size * LINE_PITCH)


@dataclass(frozen=True)
class Bars:
    """A Code 128 (or GS1-128) symbol; (x, y) is its first bar's top-left, the quiet zones
    of QUIET_MODULES modules lie outside it, left and right."""

    x: int
    y: int
    data: str  # what a scanner reads back; GS1 element strings with GS separators
    module: int  # narrow bar width in dots
    height: int
    gs1: bool = False
    modules: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.modules:
            object.__setattr__(self, "modules", symbol_modules(self.data, gs1=self.gs1))

    @property
    def width(self) -> int:
        return len(self.modules) * self.module

    @property
    def quiet(self) -> int:
        return QUIET_MODULES * self.module


@dataclass(frozen=True)
class Rule:
    """A filled black rectangle: a rule, a separator or the ground of reversed text."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Qr:
    """A QR code (error correction `level`); (x, y) is its top-left module's corner, `module`
    dots a side; its quiet zone of QR_QUIET_MODULES modules lies outside it."""

    x: int
    y: int
    data: str
    module: int
    level: str = "M"
    rows: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not self.rows:
            object.__setattr__(self, "rows", qr_matrix(self.data, level=self.level))

    @property
    def side(self) -> int:
        """Dots a side, quiet zone excluded."""
        return len(self.rows) * self.module

    @property
    def quiet(self) -> int:
        return QR_QUIET_MODULES * self.module


Element = Text | Bars | Rule | Qr


@dataclass(frozen=True)
class Layout:
    label: Label
    title: str
    elements: tuple[Element, ...]

    def bars(self) -> tuple[Bars, ...]:
        return tuple(e for e in self.elements if isinstance(e, Bars))

    def texts(self) -> tuple[Text, ...]:
        return tuple(e for e in self.elements if isinstance(e, Text))


def symbol_modules(data: str, *, gs1: bool = False) -> str:
    """The dark/light modules of `data` as Code 128, or GS1-128 for an element string."""
    return gs1_128_modules(data) if gs1 else code128_modules(data)


def widest_module(modules: str, *, label: Label, room: int, least_mm: float, most_mm: float) -> int:
    """The widest whole-dot module from `least_mm` to `most_mm` at which the symbol and its
    quiet zones fit `room` dots; BarcodeDataError if even the narrowest does not."""
    least, most = label.module_dots(least_mm), max(label.module_dots(most_mm), 1)
    span = len(modules) + 2 * QUIET_MODULES
    fits = [n for n in range(least, max(least, most) + 1) if span * n <= room]
    if not fits:
        needed = span * least * label.dot_mm
        raise BarcodeDataError(
            f"the barcode needs {needed:.1f} mm with its quiet zones; "
            f"the label has {room * label.dot_mm:.1f} mm"
        )
    return fits[-1]


@dataclass(frozen=True)
class Frame:
    """Design millimetres on a 4×6 in label, scaled to `label` and counted in its dots."""

    label: Label

    @property
    def scale(self) -> tuple[float, float]:
        w, h = self.label.size_mm
        return w / FOUR_BY_SIX_MM[0], h / FOUR_BY_SIX_MM[1]

    def x(self, design_mm: float) -> int:
        return self.label.dots(design_mm * self.scale[0])

    def y(self, design_mm: float) -> int:
        return self.label.dots(design_mm * self.scale[1])

    def size(self, points: float) -> int:
        """A font size in points on the 4×6 design, as an em in dots on this label."""
        return round(points * min(self.scale) * self.label.dpi / 72)


# PDF


def render_pdf(layout: Layout) -> bytes:
    """Draw a layout as a one-page vector PDF of the label's size."""
    label = layout.label
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=_page_size(label), pageCompression=1)
    canvas.setTitle(layout.title)
    canvas.setCreator("warehouse-edge labels")
    for element in layout.elements:
        if isinstance(element, Rule):
            _pdf_rule(canvas, element, label)
        elif isinstance(element, Bars):
            _pdf_bars(canvas, element, label)
        elif isinstance(element, Qr):
            _pdf_qr(canvas, element, label)
        else:
            _pdf_text(canvas, element, label)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _page_size(label: Label) -> tuple[float, float]:
    """The label's whole dots in points, cut (not rounded) to the 4 decimals the PDF keeps:
    a rasteriser that sizes its bitmap with ceil (pypdfium2 does) then makes exactly the
    printer's dots. 4×6 in is exact at 203 and 300 dpi; 100×150 mm is 799.0 by 1199.0 dots."""
    pt = 72 / label.dpi
    return math.floor(label.width * pt * 1e4) / 1e4, math.floor(label.height * pt * 1e4) / 1e4


def _pdf_rule(canvas: Canvas, rule: Rule, label: Label) -> None:
    x, y = _pdf_point(label, rule.x, rule.y + rule.height)
    pt = 72 / label.dpi
    canvas.rect(x, y, rule.width * pt, rule.height * pt, stroke=0, fill=1)


def _pdf_bars(canvas: Canvas, bars: Bars, label: Label) -> None:
    """One rectangle per dark run, on whole dots counted from the page's top-left as the
    printer counts. Each edge is moved in by BAR_INSET: a rasteriser that paints every pixel
    a shape touches (PostScript's rule; pdfium does it for rectangles) would otherwise widen
    a 2-dot bar to 3 dots over the last digit of a coordinate."""
    pt = 72 / label.dpi
    top = _page_size(label)[1] - bars.y * pt
    position = 0
    for dark, run in groupby(bars.modules):
        count = len(list(run))
        if dark == "1":
            left = (bars.x + position * bars.module + BAR_INSET) * pt
            width = (count * bars.module - 2 * BAR_INSET) * pt
            canvas.rect(left, top - bars.height * pt, width, bars.height * pt, stroke=0, fill=1)
        position += count


def _pdf_qr(canvas: Canvas, qr: Qr, label: Label) -> None:
    """One rectangle per dark run of a row, on whole dots as the printer counts them."""
    pt = 72 / label.dpi
    top = _page_size(label)[1] - qr.y * pt
    for r, row in enumerate(qr.rows):
        position = 0
        for dark, run in groupby(row):
            count = len(list(run))
            if dark == "1":
                left = (qr.x + position * qr.module) * pt
                bottom = top - (r + 1) * qr.module * pt
                canvas.rect(left, bottom, count * qr.module * pt, qr.module * pt, stroke=0, fill=1)
            position += count


def _pdf_text(canvas: Canvas, text: Text, label: Label) -> None:
    font, shown = font_for(text.text, bold=text.bold)
    if not shown:
        return
    pt = 72 / label.dpi
    size, shown = fit_text(shown, font, size=text.size * pt, width=text.width * pt)
    x, baseline = _pdf_point(label, text.x, text.y + ASCENT * text.size)
    x += {"L": 0.0, "C": text.width * pt / 2, "R": text.width * pt}[text.align]
    canvas.saveState()  # the reversed colour and the stroke width stay with this line
    obj = canvas.beginText()
    obj.setFont(font, size)
    if text.reverse:
        obj.setFillColorRGB(1, 1, 1)
    if text.bold and font == CJK:  # the CJK face has no bold: stroke the outline as well
        obj.setTextRenderMode(2)
        canvas.setLineWidth(size * 0.04)
        if text.reverse:
            obj.setStrokeColorRGB(1, 1, 1)
    width = canvas.stringWidth(shown, font, size)
    obj.setTextOrigin(x - {"L": 0.0, "C": width / 2, "R": width}[text.align], baseline)
    obj.textOut(shown)
    canvas.drawText(obj)
    canvas.restoreState()


def _pdf_point(label: Label, x_dots: float, y_dots: float) -> tuple[float, float]:
    """Dots from the top-left as PDF points from the bottom-left."""
    pt = 72 / label.dpi
    return x_dots * pt, _page_size(label)[1] - y_dots * pt


def _check_piece(piece_no: int, piece_count: int) -> None:
    if not 1 <= piece_no <= piece_count:
        raise ValueError(
            f"piece {piece_no} of {piece_count}: the piece number must be from 1 to the count"
        )
