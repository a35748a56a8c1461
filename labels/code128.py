"""Code 128 and GS1-128 as vector bars on a reportlab canvas.

python-barcode encodes (start code, code set switches, check symbol, stop); this module draws
each run of dark modules as one filled rectangle, so the bars stay sharp at any print density.
All lengths are in millimetres; (x, y) is the lower-left corner of the symbol's box, which holds
the quiet zones and, when asked, the human-readable line under the bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

import barcode
from barcode.errors import BarcodeError
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from labels.fonts import LATIN

DEFAULT_MODULE_MM = 0.33
MIN_MODULE_MM = 0.25  # narrowest bar our scanners are specified for
# GS1 logistic labels (SSCC): X from 0.495 mm (GS1 General Specifications §5.12.3, table 4).
GS1_LOGISTIC_MODULE_MM = 0.495
QUIET_MODULES = 10  # ISO/IEC 15417 §4.3.3: at least 10X each side
HRI_SIZE_PT = 8.0
HRI_HEIGHT_MM = 4.0  # gap plus the human-readable line under the bars

GS = "\x1d"  # how a scanner sends FNC1 inside GS1 data, and how we accept it here
_FNC1 = barcode.get_barcode_class("gs1_128").FNC1_CHAR

# AIs whose data has a predefined length need no FNC1 after them; they are known by their
# first two digits (GS1 General Specifications §7.8.5, figure 7.8.5-2).
_PREDEFINED_LENGTH = {
    "00": 18,
    "01": 14,
    "02": 14,
    "03": 14,
    "04": 16,
    "11": 6,
    "12": 6,
    "13": 6,
    "14": 6,
    "15": 6,
    "16": 6,
    "17": 6,
    "18": 6,
    "19": 6,
    "20": 2,
    "31": 6,
    "32": 6,
    "33": 6,
    "34": 6,
    "35": 6,
    "36": 6,
    "41": 13,
}


class BarcodeDataError(ValueError):
    """The data cannot be encoded in the symbology (a character outside it, an empty code)."""


def code128_modules(data: str) -> str:
    """The Code 128 symbol for `data` as modules, '1' dark and '0' light, without quiet zones."""
    return _modules("code128", data)


def gs1_128_modules(element_string: str) -> str:
    """The GS1-128 symbol (FNC1 start) for an element string whose separators are GS."""
    if not element_string:
        raise BarcodeDataError("a GS1-128 symbol needs at least one element string")
    return _modules("gs1_128", element_string.replace(GS, _FNC1))


def gs1_element_string(elements: Sequence[tuple[str, str]]) -> str:
    """Join (AI, data) pairs, with GS after each variable-length element but the last."""
    parts: list[str] = []
    for i, (ai, data) in enumerate(elements):
        parts.append(ai + data)
        fixed = _PREDEFINED_LENGTH.get(ai[:2])
        if i < len(elements) - 1 and (fixed is None or fixed != len(data)):
            parts.append(GS)
    return "".join(parts)


def gs1_human_readable(elements: Sequence[tuple[str, str]]) -> str:
    """The interpretation line: each AI in parentheses, then its data."""
    return " ".join(f"({ai}){data}" for ai, data in elements)


def symbol_width_mm(modules: str, module_mm: float = DEFAULT_MODULE_MM) -> float:
    """Width of a symbol's box: its modules plus a quiet zone on each side."""
    return (len(modules) + 2 * QUIET_MODULES) * module_mm


def code128_width_mm(data: str, *, module_mm: float = DEFAULT_MODULE_MM) -> float:
    """Width that `draw_code128` will take for `data`, quiet zones included."""
    return symbol_width_mm(code128_modules(data), module_mm)


def draw_code128(
    canvas: Canvas,
    data: str,
    *,
    x: float,
    y: float,
    module_mm: float = DEFAULT_MODULE_MM,
    height_mm: float = 12.0,
    human_readable: bool = True,
) -> float:
    """Draw `data` as Code 128 with its box's lower-left at (x, y); return the box's width."""
    text = _printable(data) if human_readable else None
    return draw_modules(
        canvas, code128_modules(data), x=x, y=y, module_mm=module_mm, height_mm=height_mm, text=text
    )


def draw_gs1_128(
    canvas: Canvas,
    elements: Sequence[tuple[str, str]],
    *,
    x: float,
    y: float,
    module_mm: float = GS1_LOGISTIC_MODULE_MM,
    height_mm: float = 32.0,
    human_readable: bool = True,
) -> float:
    """Draw (AI, data) pairs as one GS1-128 symbol; return the box's width."""
    modules = gs1_128_modules(gs1_element_string(elements))
    text = gs1_human_readable(elements) if human_readable else None
    return draw_modules(
        canvas, modules, x=x, y=y, module_mm=module_mm, height_mm=height_mm, text=text
    )


def draw_modules(
    canvas: Canvas,
    modules: str,
    *,
    x: float,
    y: float,
    module_mm: float,
    height_mm: float,
    text: str | None = None,
) -> float:
    """Draw a module string as bars (one rectangle per dark run), `text` centred below."""
    width = symbol_width_mm(modules, module_mm)
    bars_y = y + (HRI_HEIGHT_MM if text is not None else 0)
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    position = QUIET_MODULES
    for dark, run in groupby(modules):
        count = len(list(run))
        if dark == "1":
            left = x + position * module_mm
            canvas.rect(left * mm, bars_y * mm, count * module_mm * mm, height_mm * mm, 0, 1)
        position += count
    if text:
        canvas.setFont(LATIN, HRI_SIZE_PT)
        canvas.drawCentredString((x + width / 2) * mm, (y + 1.0) * mm, text)
    canvas.restoreState()
    return width


def _modules(kind: str, data: str) -> str:
    if not data:
        raise BarcodeDataError("a Code 128 symbol needs at least one character")
    try:
        return str(barcode.get_barcode_class(kind)(data).build()[0])
    except BarcodeError as err:
        raise BarcodeDataError(f"{data!r} cannot be encoded as Code 128: {err}") from err


def _printable(data: str) -> str:
    return "".join(c for c in data if c.isprintable())
