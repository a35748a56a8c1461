"""QR codes as vector modules on a reportlab canvas, for badges, totes and bins.

Only QR: reportlab draws it itself (one rectangle per run of dark modules). DataMatrix would
need a further dependency; every scanner we support reads QR, so we do without it for now.
All lengths are in millimetres; (x, y) is the lower-left corner of the symbol's square box,
quiet zone included.
"""

from __future__ import annotations

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

QUIET_MODULES = 4  # ISO/IEC 18004 §6.3.8: a 4-module quiet zone on every side
# Our floor: a module of 4 dots on a 203 dpi printer, so every module prints as whole dots.
MIN_MODULE_MM = 0.5
LEVELS = ("L", "M", "Q", "H")


def qr_modules_across(data: str, *, level: str = "M") -> int:
    """How many modules the QR symbol for `data` has on a side, quiet zone excluded."""
    widget = _widget(data, level=level, size_pt=1)
    # reportlab's stubs lack the encoder the widget keeps as `.qr`
    widget.qr.make()  # type: ignore[attr-defined]
    return int(widget.qr.getModuleCount())  # type: ignore[attr-defined]


def qr_matrix(data: str, *, level: str = "M") -> tuple[str, ...]:
    """The symbol's modules, top row first, "1" dark, quiet zone excluded: the same symbol
    draw_qr draws, for layouts that place it on whole printer dots."""
    if not data:
        raise ValueError("a QR code needs at least one character")
    widget = _widget(data, level=level, size_pt=1)
    qr = widget.qr  # type: ignore[attr-defined]
    qr.make()
    n = int(qr.getModuleCount())
    return tuple("".join("1" if qr.isDark(r, c) else "0" for c in range(n)) for r in range(n))


def qr_module_mm(data: str, *, size_mm: float, level: str = "M") -> float:
    """The module size when `data` is drawn in a `size_mm` square (quiet zone included)."""
    return size_mm / (qr_modules_across(data, level=level) + 2 * QUIET_MODULES)


def draw_qr(
    canvas: Canvas,
    data: str,
    *,
    x: float,
    y: float,
    size_mm: float = 20.0,
    level: str = "M",
) -> float:
    """Draw `data` as a QR code in a `size_mm` square at (x, y); return the square's side."""
    if not data:
        raise ValueError("a QR code needs at least one character")
    if level not in LEVELS:
        raise ValueError(f"QR error correction level {level!r} is not one of {LEVELS}")
    module_mm = qr_module_mm(data, size_mm=size_mm, level=level)
    if module_mm < MIN_MODULE_MM:
        raise ValueError(
            f"QR code for {data!r} needs a square of at least "
            f"{size_mm * MIN_MODULE_MM / module_mm:.1f} mm; {size_mm} mm was given"
        )
    size_pt = size_mm * mm
    drawing = Drawing(size_pt, size_pt)
    drawing.add(_widget(data, level=level, size_pt=size_pt))
    renderPDF.draw(drawing, canvas, x * mm, y * mm)
    return size_mm


def _widget(data: str, *, level: str, size_pt: float) -> QrCodeWidget:
    return QrCodeWidget(
        data, barLevel=level, barBorder=QUIET_MODULES, barWidth=size_pt, barHeight=size_pt
    )
