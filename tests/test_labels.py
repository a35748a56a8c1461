"""Labels: every barcode we render is read back by a real decoder from the rasterised PDF."""

from __future__ import annotations

import ast
import io
import re
import shutil
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from edge.cli.labels_cmd import labels, sample_sections
from labels.code128 import (
    DEFAULT_MODULE_MM,
    MIN_MODULE_MM,
    QUIET_MODULES,
    BarcodeDataError,
    code128_modules,
    draw_code128,
    draw_gs1_128,
    gs1_element_string,
    gs1_human_readable,
)
from labels.fonts import CJK, CJK_PACKAGES, cjk_font, fit_text, font_for, latin_only
from labels.matrix import draw_qr
from labels.sheet import Box, SheetItem, SheetSection, barcode_sheet, layout_sheet

MM_PER_INCH = 25.4
A4_HEIGHT_MM = 297
DENSITIES = [203, 300]  # the two thermal print densities we support
SECTIONS = sample_sections()
CODES = sorted(item.code for section in SECTIONS for item in section.items)
TITLE = "Sample barcodes / 样例条码"


@pytest.fixture(scope="module")
def sheet() -> bytes:
    return barcode_sheet(SECTIONS, title=TITLE)


def rasterise(pdf: bytes, dpi: int) -> list[Image.Image]:
    """Every page as a greyscale image at `dpi`, as a printer of that density would see it."""
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document]


def decode(image: Image.Image, formats: zxingcpp.BarcodeFormat) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=formats, text_mode=zxingcpp.TextMode.Plain)


def page_text(pdf: bytes) -> str:
    return "\n".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(pdf))


def one_page(draw) -> bytes:
    """A one-page A4 PDF with whatever `draw(canvas)` puts on it."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    draw(canvas)
    canvas.save()
    return out.getvalue()


def pixels(box: Box, *, dpi: int, page_height_mm: float) -> tuple[int, int, int, int]:
    """A box in millimetres (origin lower-left) as a pixel crop box (origin upper-left)."""
    scale = dpi / MM_PER_INCH
    left, right = box.x * scale, (box.x + box.width) * scale
    top, bottom = (page_height_mm - box.y - box.height) * scale, (page_height_mm - box.y) * scale
    return round(left), round(top), round(right), round(bottom)


def dark_and_light_runs(row: list[int]) -> tuple[list[int], list[int]]:
    """Lengths of the dark and light runs in a row of pixels, cut at mid-grey."""
    runs: dict[bool, list[int]] = {True: [], False: []}
    current, length = row[0] < 128, 0
    for value in row:
        dark = value < 128
        if dark != current:
            runs[current].append(length)
            current, length = dark, 0
        length += 1
    runs[current].append(length)
    return runs[True], runs[False]


# The sheet


def test_the_sample_sheet_holds_about_thirty_codes_of_every_kind_each_once() -> None:
    kinds = {re.sub(r"[0-9]", "9", code)[:4] for code in CODES}

    assert 25 <= len(CODES) == len(set(CODES))
    assert {"P999", "T-99", "A-99", "9999", "CMD:"} <= kinds


@pytest.mark.parametrize("dpi", DENSITIES)
def test_every_barcode_on_the_sheet_decodes_to_its_code_once_on_its_page(
    sheet: bytes, dpi: int
) -> None:
    layout = layout_sheet(SECTIONS)
    expected = [
        sorted(p.item.code for p in layout.placements if p.page == n)
        for n in range(1, layout.pages + 1)
    ]

    pages = [decode(image, zxingcpp.BarcodeFormat.Code128) for image in rasterise(sheet, dpi)]

    assert [sorted(found.text for found in page) for page in pages] == expected
    assert sorted(found.text for page in pages for found in page) == CODES


def test_every_bar_and_space_is_at_least_the_narrowest_we_allow(sheet: bytes) -> None:
    layout, dpi = layout_sheet(SECTIONS), 600
    images = rasterise(sheet, dpi)
    narrowest_px = MIN_MODULE_MM * dpi / MM_PER_INCH

    for placement in layout.placements:
        bars = placement.bars
        middle = Box(bars.x, bars.y + bars.height / 2, bars.width, 0.1)
        crop = images[placement.page - 1].crop(pixels(middle, dpi=dpi, page_height_mm=A4_HEIGHT_MM))
        row = [crop.getpixel((x, 0)) for x in range(crop.width)]
        dark, light = dark_and_light_runs(row)
        modules = code128_modules(placement.item.code)

        assert placement.module_mm >= MIN_MODULE_MM
        assert len(dark) == len(re.findall("1+", modules)), placement.item.code
        assert min(dark) >= narrowest_px, placement.item.code
        assert min(light[1:-1]) >= narrowest_px, placement.item.code


@pytest.mark.parametrize("dpi", DENSITIES)
def test_each_symbol_has_ten_light_modules_each_side_of_its_bars(sheet: bytes, dpi: int) -> None:
    layout = layout_sheet(SECTIONS)
    images = rasterise(sheet, dpi)
    px = MM_PER_INCH / dpi

    for placement in layout.placements:
        image, bars, quiet = images[placement.page - 1], placement.bars, 10 * placement.module_mm
        # Code 128 starts and ends with a bar; one pixel next to each is left out of the
        # light zones, where anti-aliasing greys the edge.
        edges = [
            Box(bars.x + px / 2, bars.y, px, 2),
            Box(bars.x + bars.width - 1.5 * px, bars.y, px, 2),
        ]
        zones = [
            Box(bars.x - quiet, bars.y, quiet - px, bars.height),
            Box(bars.x + bars.width + px, bars.y, quiet - px, bars.height),
        ]

        for edge in edges:
            darkest = image.crop(pixels(edge, dpi=dpi, page_height_mm=A4_HEIGHT_MM)).getextrema()[0]
            assert darkest < 128, (placement.item.code, edge)
        for zone in zones:
            darkest = image.crop(pixels(zone, dpi=dpi, page_height_mm=A4_HEIGHT_MM)).getextrema()[0]
            assert darkest > 200, (placement.item.code, zone)


def test_cells_stay_inside_the_page_margins_and_never_overlap() -> None:
    layout = layout_sheet(SECTIONS)
    page_w, page_h = A4[0] * MM_PER_INCH / 72, A4[1] * MM_PER_INCH / 72

    cells = [(p.page, p.cell) for p in layout.placements]

    for page, cell in cells:
        assert 12 <= cell.x and cell.x + cell.width <= page_w - 12 + 1e-9
        assert 12 <= cell.y and cell.y + cell.height <= page_h - 12
        for other_page, other in cells:
            if other is not cell and other_page == page:
                apart = (
                    cell.x + cell.width <= other.x + 1e-9
                    or other.x + other.width <= cell.x + 1e-9
                    or cell.y + cell.height <= other.y + 1e-9
                    or other.y + other.height <= cell.y + 1e-9
                )
                assert apart, (cell, other)
    assert [p.item.code for p in layout.placements] == [
        item.code for section in SECTIONS for item in section.items
    ]


def test_a_truetype_cjk_font_is_installed_for_labels() -> None:
    found = cjk_font()

    assert found == CJK, f"no CJK font for labels: install {CJK_PACKAGES}"


def test_the_cjk_font_is_embedded_in_the_sheet(sheet: bytes, tmp_path: Path) -> None:
    face = pdfmetrics.getFont(CJK).face.name.decode()
    path = tmp_path / "sheet.pdf"
    path.write_bytes(sheet)

    if shutil.which("pdffonts"):
        listing = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, text=True, check=True
        ).stdout
        rows = [line.split() for line in listing.splitlines() if face in line]
        # name, type, encoding, emb, sub, uni: the subset's name is prefixed, e.g. AAAAAA+
        assert [(row[1], row[3], row[4]) for row in rows] == [("TrueType", "yes", "yes")]
    else:
        assert b"/FontFile2" in sheet and f"+{face}".encode() in sheet


def test_the_chinese_subcaptions_are_in_the_sheets_text(sheet: bytes) -> None:
    text = page_text(sheet)

    assert "王芳 · 拣货员" in text
    assert "龙井绿茶 100克" in text
    assert "样例条码" in text


def test_a_code_too_wide_for_the_page_is_refused_with_its_width() -> None:
    long = "X" * 60
    sections = [SheetSection("Too long", [SheetItem(long, "long")])]

    with pytest.raises(BarcodeDataError) as refused:
        barcode_sheet(sections, title="t")

    assert (
        str(refused.value)
        == f"{long!r} needs 242 mm with its quiet zones; the page has 186 mm between its margins"
    )


def test_an_empty_section_is_left_out() -> None:
    sections = [SheetSection("Nothing"), SheetSection("Totes", [SheetItem("T-0001", "T-0001")])]

    layout = layout_sheet(sections)

    assert [(h.text, h.page) for h in layout.headings] == [("Totes", 1)]
    assert layout.pages == 1


# Code 128 and GS1-128


def test_draw_code128_returns_its_width_with_both_quiet_zones() -> None:
    modules = code128_modules("A-01-01")
    widths: list[float] = []

    one_page(lambda canvas: widths.append(draw_code128(canvas, "A-01-01", x=10, y=10)))

    assert widths == [pytest.approx((len(modules) + 2 * QUIET_MODULES) * DEFAULT_MODULE_MM)]
    assert DEFAULT_MODULE_MM >= MIN_MODULE_MM


def test_the_symbols_box_holds_ten_light_modules_each_side_of_the_bars() -> None:
    dpi, y = 600, 100
    modules = code128_modules("T-0001")

    def draw(canvas: Canvas) -> None:
        width = draw_code128(canvas, "T-0001", x=20, y=y, human_readable=False)
        canvas.rect(0, y * mm, 20 * mm, 10 * mm, stroke=0, fill=1)  # solid black either side
        canvas.rect((20 + width) * mm, y * mm, 20 * mm, 10 * mm, stroke=0, fill=1)

    image = rasterise(one_page(draw), dpi)[0]
    row_box = Box(10, y + 5, 30 + (len(modules) + 20) * DEFAULT_MODULE_MM, 0.1)
    crop = image.crop(pixels(row_box, dpi=dpi, page_height_mm=A4_HEIGHT_MM))
    _, light = dark_and_light_runs([crop.getpixel((x, 0)) for x in range(crop.width)])

    ten_modules_px = 10 * DEFAULT_MODULE_MM * dpi / MM_PER_INCH
    assert light[0] >= ten_modules_px - 1 and light[-1] >= ten_modules_px - 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "a Code 128 symbol needs at least one character"),
        (
            "王芳",
            "'王芳' cannot be encoded as Code 128: The following characters are not valid for Code 128: 王, 芳",
        ),
    ],
)
def test_data_outside_code128_is_refused_with_the_characters_named(data: str, message: str) -> None:
    with pytest.raises(BarcodeDataError) as refused:
        code128_modules(data)

    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("elements", "expected"),
    [
        ([("00", "003123456700000017")], "00003123456700000017"),
        (
            [("01", "09501101530003"), ("17", "251231"), ("10", "AB12")],
            "01095011015300031725123110AB12",
        ),
        (
            [("01", "09501101530003"), ("10", "AB12"), ("21", "XYZ7")],
            "010950110153000310AB12\x1d21XYZ7",
        ),
        ([("10", "AB12"), ("37", "24"), ("17", "251231")], "10AB12\x1d3724\x1d17251231"),
    ],
)
def test_gs1_element_strings_get_a_separator_only_after_variable_length_data(
    elements: list[tuple[str, str]], expected: str
) -> None:
    assert gs1_element_string(elements) == expected


@pytest.mark.parametrize("dpi", DENSITIES)
def test_a_gs1_128_sscc_and_gtin_label_decodes_with_fnc1_and_separators(dpi: int) -> None:
    sscc = [("00", "003123456700000017")]
    product = [("01", "09501101530003"), ("10", "AB12"), ("21", "XYZ7"), ("17", "251231")]

    def draw(canvas: Canvas) -> None:
        draw_gs1_128(canvas, sscc, x=10, y=200)
        draw_gs1_128(canvas, product, x=10, y=100, module_mm=0.33, height_mm=15)

    found = decode(rasterise(one_page(draw), dpi)[0], zxingcpp.BarcodeFormat.Code128)

    assert sorted((f.text, f.symbology_identifier) for f in found) == [
        ("00003123456700000017", "]C1"),
        ("010950110153000310AB12\x1d21XYZ7\x1d17251231", "]C1"),
    ]


def test_the_gs1_interpretation_line_puts_each_ai_in_parentheses() -> None:
    elements = [("01", "09501101530003"), ("10", "AB12")]

    assert gs1_human_readable(elements) == "(01)09501101530003 (10)AB12"


# QR


@pytest.mark.parametrize("dpi", DENSITIES)
def test_qr_codes_decode_to_their_data(dpi: int) -> None:
    data = ["P001", "T-0001", "A-01-01", "王芳 P002"]

    def draw(canvas: Canvas) -> None:
        for i, text in enumerate(data):
            draw_qr(canvas, text, x=20 + 45 * i, y=200, size_mm=25)

    found = decode(rasterise(one_page(draw), dpi)[0], zxingcpp.BarcodeFormat.QRCode)

    assert sorted(f.text for f in found) == sorted(data)


def test_a_qr_code_too_small_to_print_is_refused_with_the_size_it_needs() -> None:
    with pytest.raises(ValueError) as refused:
        one_page(lambda canvas: draw_qr(canvas, "T-0001", x=10, y=10, size_mm=10))

    assert (
        str(refused.value)
        == "QR code for 'T-0001' needs a square of at least 14.5 mm; 10 mm was given"
    )


# Rooms


def test_labels_know_nothing_of_the_store_the_api_the_services_or_the_devices() -> None:
    root = Path(__file__).resolve().parents[1] / "labels"
    imports = {
        (path.name, getattr(node, "module", None) or alias.name)
        for path in sorted(root.glob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }

    outside = {(name, module) for name, module in imports if module.split(".")[0] == "edge"}
    assert {(n, m) for n, m in outside if not m.startswith("edge.domain.")} == set()


# Fonts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Blue mug", ("Helvetica", "Blue mug")),
        ("Café crème", ("Helvetica", "Café crème")),
        ("王芳 · 拣货员", (CJK, "王芳 · 拣货员")),
    ],
)
def test_text_is_drawn_in_helvetica_unless_it_needs_the_cjk_font(
    text: str, expected: tuple[str, str]
) -> None:
    assert font_for(text) == expected


def test_without_a_cjk_font_only_the_latin_text_is_kept() -> None:
    assert latin_only("蓝色马克杯 Blue mug 350 ml") == "Blue mug 350 ml"


def test_text_too_long_for_its_line_shrinks_then_is_cut_with_an_ellipsis() -> None:
    text = "Very long product name that will never fit"

    size, shown = fit_text(text, "Helvetica", size=14, width=60)

    assert size == 6
    assert shown.endswith("\u2026") and text.startswith(shown[:-1])
    assert pdfmetrics.stringWidth(shown, "Helvetica", 6) <= 60


# CLI


def test_labels_sample_sheet_writes_a_pdf_of_the_sample_codes(tmp_path: Path) -> None:
    out = tmp_path / "sheet.pdf"

    result = CliRunner().invoke(labels, ["sample", "sheet", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}: {len(CODES)} barcodes\n"
    found = [
        f.text
        for image in rasterise(out.read_bytes(), 203)
        for f in decode(image, zxingcpp.BarcodeFormat.Code128)
    ]
    assert sorted(found) == CODES


def test_labels_sample_sheet_reports_a_file_it_cannot_write(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "sheet.pdf"

    result = CliRunner().invoke(labels, ["sample", "sheet", "--out", str(out)])

    assert result.exit_code == 1
    assert result.output == f"Error: cannot write {out}: No such file or directory\n"


@pytest.mark.parametrize("args", [[], ["sample", "sheet"]])
def test_every_labels_command_has_help(args: list[str]) -> None:
    result = CliRunner().invoke(labels, [*args, "--help"])

    assert result.exit_code == 0
    assert "Usage:" in result.output
