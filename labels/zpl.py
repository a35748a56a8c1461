"""ZPL II for a laid-out label (labels/document.py): the same elements, at the same dots.

Commands are those of the Zebra ZPL II Programming Guide (P1012728): ^XA/^XZ start and end a
label format, ^CI28 reads field data as UTF-8, ^PW print width and ^LL label length in dots,
^LH label home, ^FO field origin (top-left, dots), ^FS field separator, ^GB graphic box, ^FR
field reverse, ^A@ a font by name, ^FB field block (width, lines, justification), ^FH hex
escapes in field data, ^BY module width, ^BC Code 128, ^BQ QR code, ^GF graphic field, ^PQ quantity.
"""

from __future__ import annotations

import re
from functools import cache

import barcode
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from labels.code128 import GS
from labels.document import ASCENT, Bars, Layout, Qr, Rule, Text
from labels.fonts import (
    CJK_FONT_CANDIDATES,
    CJK_PACKAGES,
    LATIN,
    FontFile,
    cjk_font,
    fit_text,
)

# Zebra's resident Unicode TrueType font (Andale Mono WT J). A printer loaded with another,
# e.g. E:ANMDS.TTF for Simplified Chinese or a Swiss 721 Unicode font, is named by `font`.
DEFAULT_FONT = "E:ANMDJ.TTF"
TEXT_MODES = ("font", "graphic")
# Printer fonts are measured with our CJK face; leave some room for a wider printer font.
PRINTER_FONT_SLACK = 0.9
SMALLEST_PT = 6.0
QR_MAX_MAGNIFICATION = 10  # ^BQ: dots a module, 1 to 10
SMALLEST_BITMAP = 8  # dots: the least a bitmap line shrinks to before it is cut short

# ^BC "Code 128 Invocation Characters" (ZPL II Programming Guide, table in ^BC): the codewords
# that are not data characters, by value.
_INVOKE = {
    95: ">1",
    96: ">2",
    97: ">3",
    98: ">4",
    99: ">5",
    100: ">6",
    101: ">7",
    102: ">8",
    103: ">9",
    104: ">:",
    105: ">;",
}
# Subset B is typed as text but for the characters a format cannot carry as they are: > starts
# an invocation code (>< is a >, >= a ~), ^ is written in hex under ^FH, and so is our _.
_SUBSET_B_ESCAPES = {">": "><", "~": ">=", "^": "_5E", "_": "_5F"}
_START = {103: "A", 104: "B", 105: "C"}
_SWITCH = {99: "C", 100: "B", 101: "A"}  # CODE C/B/A; in its own subset, 99 is digits, 100/101 FNC4
_RUN = re.compile(r"(.)\1+")  # two or more of one hex digit, for the graphic compression


def render_zpl(layout: Layout, *, font: str = DEFAULT_FONT, text: str = "font") -> str:
    """One ZPL label format for `layout`; `text` "font" prints text with the printer font
    `font`, "graphic" sends each line as a bitmap drawn here with the CJK TrueType font."""
    if text not in TEXT_MODES:
        raise ValueError(f"ZPL text mode {text!r} is not one of {TEXT_MODES}")
    label = layout.label
    lines = ["^XA", "^CI28", f"^PW{label.width}", f"^LL{label.height}", "^LH0,0"]
    for element in layout.elements:
        if isinstance(element, Rule):
            lines.append(_box(element))
        elif isinstance(element, Bars):
            lines.append(_bars(element))
        elif isinstance(element, Qr):
            lines.append(_qr(element))
        elif text == "graphic":
            lines.append(_graphic_text(element))
        else:
            lines.append(_font_text(element, font=font, dpi=label.dpi))
    lines += ["^PQ1", "^XZ"]
    return "\n".join(lines) + "\n"


def code128_field_data(data: str, *, gs1: bool = False) -> str:
    """^BC field data (read under ^FH_) that makes the printer draw exactly the symbol
    python-barcode encodes for `data`, the one in our PDF: start code, subset switches and
    FNC1 as invocation codes, subsets A and C as digit pairs, subset B as text."""
    kind = "gs1_128" if gs1 else "code128"
    fnc1 = barcode.get_barcode_class("gs1_128").FNC1_CHAR
    codewords = barcode.get_barcode_class(kind)(data.replace(GS, fnc1)).encoded
    subset = _START[codewords[0]]
    out = [_INVOKE[codewords[0]]]
    for codeword in codewords[1:]:
        out.append(_codeword(codeword, subset))
        if _SWITCH.get(codeword, subset) != subset:
            subset = _SWITCH[codeword]
    return "".join(out)


def field_text(text: str) -> str:
    """`text` safe inside ^FH^FD…^FS: ^, ~ and the _ escape written as hex (^FH), \\ doubled
    (a lone backslash starts a ^FB control sequence)."""
    escaped = text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")
    return escaped.replace("\\", "\\\\")


def graphic_field(image: Image.Image) -> str:
    """^GFA for a 1-bit image (ink = 1), rows in ZPL's ASCII compression: G–Y and g–z repeat
    counts, ',' zeros to the row's end, ':' the row above again (Programming Guide, ~DG)."""
    width, height = image.size
    per_row = (width + 7) // 8
    raw = image.tobytes()
    rows, previous = [], None
    for r in range(height):
        row = raw[r * per_row : (r + 1) * per_row].hex().upper()
        rows.append(":" if row == previous else _compress_row(row))
        previous = row
    total = per_row * height
    return f"^GFA,{total},{total},{per_row},{''.join(rows)}"


def _codeword(codeword: int, subset: str) -> str:
    if subset == "C":
        return f"{codeword:02d}" if codeword < 100 else _INVOKE[codeword]
    if subset == "A":  # the guide's subset A: each codeword typed as its two digits
        return f"{codeword:02d}" if codeword < 96 else _INVOKE[codeword]
    if codeword >= 95:
        return _INVOKE[codeword]
    char = chr(codeword + 32)
    return _SUBSET_B_ESCAPES.get(char, char)


def _box(rule: Rule) -> str:
    thickness = min(rule.width, rule.height)  # as thick as it is narrow: a filled box
    return f"^FO{rule.x},{rule.y}^GB{rule.width},{rule.height},{thickness},B,0^FS"


def _bars(bars: Bars) -> str:
    data = code128_field_data(bars.data, gs1=bars.gs1)
    # ^BCo,h,f,g,e,m: normal, height, no interpretation line (ours is text), not above,
    # no UCC check digit, no mode (the invocation codes choose the subsets).
    return f"^FO{bars.x},{bars.y}^BY{bars.module}^BCN,{bars.height},N,N,N,N^FH_^FD{data}^FS"


def _qr(qr: Qr) -> str:
    """^BQo,m,n: normal, model 2, magnification (dots a module). The field data starts with
    the error correction level and "A" (automatic input mode), then a comma; ^, ~ and _ go
    in hex under ^FH (the printer encodes the symbol itself, like the PDF's at this size)."""
    data = qr.data.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")
    return f"^FO{qr.x},{qr.y}^BQN,2,{qr.module}^FH_^FD{qr.level}A,{data}^FS"


def _font_text(text: Text, *, font: str, dpi: int) -> str:
    cjk = cjk_font()
    measure = LATIN if cjk is None else cjk
    size, shown = fit_text(
        text.text,
        measure,
        size=text.size,
        width=text.width * PRINTER_FONT_SLACK,
        smallest=SMALLEST_PT * dpi / 72,
    )
    height = max(1, round(size))
    reverse = "^FR" if text.reverse else ""
    return (
        f"^FO{text.x},{text.y}^A@N,{height},{height},{font}"
        f"^FB{text.width},1,0,{text.align},0{reverse}^FH_^FD{field_text(shown)}^FS"
    )


def _graphic_text(text: Text) -> str:
    image = text_bitmap(text)
    reverse = "^FR" if text.reverse else ""
    return f"^FO{text.x},{text.y}{reverse}{graphic_field(image)}^FS"


def text_bitmap(text: Text) -> Image.Image:
    """The line drawn with the CJK TrueType font as a 1-bit image (ink = 1) of the line's box,
    its width cut to whole bytes, the text shrunk to fit as the PDF does."""
    width = text.width // 8 * 8
    image = Image.new("1", (width, text.height), 0)
    size, shown = _fit_bitmap(text.text, size=text.size, width=width)
    face = _face(size)
    length = face.getlength(shown)
    x = {"L": 0.0, "C": (width - length) / 2, "R": width - length}[text.align]
    stroke = round(size / 45) if text.bold else 0  # the face has no bold: thicken it
    ImageDraw.Draw(image).text(
        (x, ASCENT * text.size),
        shown,
        font=face,
        fill=1,
        anchor="ls",
        stroke_width=stroke,
        stroke_fill=1,
    )
    return image


def _fit_bitmap(text: str, *, size: int, width: int) -> tuple[int, str]:
    """Shrink by the measured overshoot (a face per size is costly to load), then cut."""
    length = _face(size).getlength(text)
    if length > width:
        size = max(SMALLEST_BITMAP, int(size * width / length))
    while size > SMALLEST_BITMAP and _face(size).getlength(text) > width:
        size -= 1
    while text and _face(size).getlength(text) > width:
        text = text[:-2] + "\u2026"
    return size, text


@cache
def _face(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_font_file().path), size=size, index=_font_file().index)


@cache
def _font_file() -> FontFile:
    name = cjk_font()
    if name is not None:
        font = pdfmetrics.getFont(name)
        assert isinstance(font, TTFont)  # labels.fonts registers the CJK font as a TrueType one
        path = font.face.filename
        for candidate in CJK_FONT_CANDIDATES:
            if str(candidate.path) == path:
                return candidate
    raise RuntimeError(f"ZPL graphic text needs a TrueType CJK font: install {CJK_PACKAGES}")


def _compress_row(row: str) -> str:
    kept = row.rstrip("0")
    if not kept:
        return ","
    runs = _RUN.sub(lambda run: _RUNS[run.group()], kept)
    return runs + ("," if len(kept) < len(row) else "")


class _Runs(dict[str, str]):
    """A run of one hex digit → its repeat count and the digit, remembered once computed
    (a label has a million runs and a few hundred different ones)."""

    def __missing__(self, run: str) -> str:
        self[run] = _repeat(len(run)) + run[0]
        return self[run]


_RUNS = _Runs()


def _repeat(count: int) -> str:
    """A repeat count: z = 400, g–y = 20–380 by 20, G–Y = 1–19; they add up."""
    high, rest = divmod(count, 400)
    tens, ones = divmod(rest, 20)
    return (
        "z" * high
        + (chr(ord("g") + tens - 1) if tens else "")
        + (chr(ord("G") + ones - 1) if ones else "")
    )
