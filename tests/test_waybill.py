"""Waybills and SSCC carton labels as PDF: every barcode read back from the rasterised page."""

from __future__ import annotations

import math
import mmap
import re
import shutil
import subprocess
import tracemalloc
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from click.testing import CliRunner
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontFace

from edge.cli.labels_cmd import labels
from labels.code128 import GS1_LOGISTIC_MODULE_MM, MIN_MODULE_MM, BarcodeDataError
from labels.document import Address, Bars, Carton, Label, Layout, Rule, Text
from labels.fonts import CJK, CJK_FONT_CANDIDATES, _load, cjk_font
from labels.samples import sample_waybill
from labels.sheet import Box
from labels.sscc import (
    check_sscc,
    layout_sscc_label,
    sscc,
    sscc_human_readable,
    sscc_label_pdf,
)
from labels.waybill import layout_waybill, waybill_pdf, weight_text
from tests.servers import venv_script
from tests.test_labels import dark_and_light_runs, decode, page_text, pixels, rasterise

CODE128 = zxingcpp.BarcodeFormat.Code128
WAYBILL = sample_waybill()
LATIN = replace(
    WAYBILL,
    sender=replace(WAYBILL.sender, line2="Dock 7, Gate B"),  # the most lines a sender has
    tracking_no="1Z999AA10123456784",
    order_number="100234",
    recipient=Address("Jane Doe", "221B Baker Street", "", "London", "", "NW1 6XE", "UK"),
    reference="",
)
LABELS = [Label(dpi=203), Label(dpi=300), Label((100.0, 150.0), 203)]
# (00) 1 0614141 123456789 7: GS1's own SSCC example (General Specifications §2.2.1).
SSCC = "106141411234567897"
CARTON = Carton(SSCC, WAYBILL.sender, WAYBILL.recipient, "SO-2025-000123", 2, 3, "12 × 蓝色马克杯")


def label_id(label: Label) -> str:
    return f"{label.size_mm[0]:g}x{label.size_mm[1]:g}mm-{label.dpi}dpi"


def mm_box(layout: Layout, x: int, y: int, width: int, height: int) -> Box:
    """A box in the layout's dots (top-left origin) as millimetres from the lower-left."""
    dot, page_h = layout.label.dot_mm, layout.label.size_mm[1]
    return Box(x * dot, page_h - (y + height) * dot, width * dot, height * dot)


def middle_row(layout: Layout, bars: Bars, image, dpi: int) -> list[int]:
    """The pixels across the symbol half-way up, quiet zones included."""
    row = mm_box(
        layout, bars.x - bars.quiet, bars.y + bars.height // 2, bars.width + 2 * bars.quiet, 1
    )
    crop = image.crop(pixels(row, dpi=dpi, page_height_mm=layout.label.size_mm[1]))
    return [crop.getpixel((x, 0)) for x in range(crop.width)]


def run_lengths(modules: str) -> tuple[list[int], list[int]]:
    runs = [(m[0], len(m)) for m in re.findall("1+|0+", modules)]
    return [n for c, n in runs if c == "1"], [n for c, n in runs if c == "0"]


LAYOUTS = [
    pytest.param(layout_waybill(WAYBILL, label), waybill_pdf(WAYBILL, label), id=label_id(label))
    for label in LABELS
] + [
    pytest.param(layout_waybill(LATIN), waybill_pdf(LATIN), id="latin"),
    pytest.param(layout_sscc_label(CARTON), sscc_label_pdf(CARTON), id="sscc-203dpi"),
    pytest.param(
        layout_sscc_label(CARTON, Label(dpi=300)),
        sscc_label_pdf(CARTON, Label(dpi=300)),
        id="sscc-300dpi",
    ),
]


# Barcodes


@pytest.mark.parametrize("raster_dpi", [203, 300])
@pytest.mark.parametrize("label", LABELS, ids=label_id)
def test_both_barcodes_on_the_waybill_decode_to_the_tracking_and_order_numbers(
    label: Label, raster_dpi: int
) -> None:
    pdf = waybill_pdf(WAYBILL, label)

    found = decode(rasterise(pdf, raster_dpi)[0], CODE128)

    assert sorted(f.text for f in found) == sorted([WAYBILL.tracking_no, WAYBILL.order_number])


def test_a_latin_waybill_with_a_ups_style_number_decodes_too() -> None:
    found = decode(rasterise(waybill_pdf(LATIN), 203)[0], CODE128)

    assert sorted(f.text for f in found) == ["100234", "1Z999AA10123456784"]


@pytest.mark.parametrize("raster_dpi", [203, 300])
@pytest.mark.parametrize("label", [Label(dpi=203), Label(dpi=300)], ids=label_id)
def test_the_sscc_label_decodes_as_gs1_128_with_ai_00(label: Label, raster_dpi: int) -> None:
    found = decode(rasterise(sscc_label_pdf(CARTON, label), raster_dpi)[0], CODE128)

    assert [f.symbology_identifier + f.text for f in found] == ["]C100" + SSCC]


@pytest.mark.parametrize(("layout", "pdf"), LAYOUTS)
def test_every_bar_and_space_is_whole_dots_and_at_least_a_quarter_millimetre(
    layout: Layout, pdf: bytes
) -> None:
    dpi = layout.label.dpi
    image = rasterise(pdf, dpi)[0]

    for bars in layout.bars():
        dark, light = dark_and_light_runs(middle_row(layout, bars, image, dpi))
        dark_modules, light_modules = run_lengths(bars.modules)

        assert dark == [n * bars.module for n in dark_modules], bars.data
        assert light[1:-1] == [n * bars.module for n in light_modules], bars.data
        assert bars.module * layout.label.dot_mm >= MIN_MODULE_MM


@pytest.mark.parametrize("raster_dpi", [203, 300])
@pytest.mark.parametrize(("layout", "pdf"), LAYOUTS)
def test_each_barcode_has_ten_light_modules_each_side_of_its_bars(
    layout: Layout, pdf: bytes, raster_dpi: int
) -> None:
    image = rasterise(pdf, raster_dpi)[0]
    scale = raster_dpi / layout.label.dpi  # pixels per printer dot

    for bars in layout.bars():
        top, bottom = math.ceil(bars.y * scale), math.floor((bars.y + bars.height) * scale)
        first, last = bars.x * scale, (bars.x + bars.width) * scale
        quiet, module = bars.quiet * scale, bars.module * scale
        # The pixel next to each outer bar is left out: anti-aliasing may grey it.
        zones = [
            (math.ceil(first - quiet), top, math.floor(first) - 1, bottom),
            (math.ceil(last) + 1, top, math.floor(last + quiet), bottom),
        ]
        bars_ends = [
            (round(first + module / 2), top, round(first + module / 2) + 1, bottom),
            (round(last - module / 2), top, round(last - module / 2) + 1, bottom),
        ]

        assert [image.crop(zone).getextrema()[0] > 200 for zone in zones] == [True, True]
        assert [image.crop(end).getextrema()[1] < 60 for end in bars_ends] == [True, True]


@pytest.mark.parametrize("layout", [pytest.param(p.values[0], id=p.id) for p in LAYOUTS])
def test_nothing_leaves_the_label_and_no_text_touches_a_barcode_or_another_line(
    layout: Layout,
) -> None:
    label = layout.label
    boxes = [_box(e) for e in layout.elements]

    for box in boxes:
        assert 0 <= box[0] and box[0] + box[2] <= label.width, box
        assert 0 <= box[1] and box[1] + box[3] <= label.height, box
    for a, b in combinations(layout.elements, 2):
        kinds = {type(a), type(b)}
        if kinds == {Rule} or (kinds == {Rule, Text} and any(_reversed(e) for e in (a, b))):
            continue  # rules meet rules; reversed text sits on its black box
        assert not _overlap(_box(a), _box(b)), (a, b)


def test_the_logistic_label_bars_are_at_least_half_a_millimetre_wide_and_32_mm_high() -> None:
    for label in (Label(dpi=203), Label(dpi=300)):
        (bars,) = layout_sscc_label(CARTON, label).bars()

        assert bars.module * label.dot_mm >= GS1_LOGISTIC_MODULE_MM
        assert bars.height * label.dot_mm >= 31.9


def test_the_tracking_bars_are_as_wide_as_the_label_leaves_room_for_up_to_half_a_mm() -> None:
    short = replace(WAYBILL, tracking_no="12345678")

    long = replace(WAYBILL, tracking_no="ABCDEFGHIJKLMNOPQRST")

    modules = [layout_waybill(w).bars()[0].module for w in (WAYBILL, short, LATIN, long)]

    assert modules == [4, 4, 3, 2]


def test_a_tracking_number_too_long_for_the_label_is_refused_with_the_room_it_needs() -> None:
    waybill = replace(WAYBILL, tracking_no="X" * 40)

    with pytest.raises(BarcodeDataError) as refused:
        layout_waybill(waybill)

    assert str(refused.value) == (
        "the barcode needs 123.9 mm with its quiet zones; the label has 95.6 mm"
    )


# Text and fonts


def test_the_cjk_font_is_embedded_in_the_waybill(tmp_path: Path) -> None:
    assert cjk_font() == CJK
    face = pdfmetrics.getFont(CJK).face.name.decode()
    path = tmp_path / "waybill.pdf"
    path.write_bytes(waybill_pdf(WAYBILL))

    if not shutil.which("pdffonts"):
        pytest.skip("pdffonts (poppler-utils) is not installed")
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)

    rows = [line.split() for line in listing.stdout.splitlines() if face in line]
    # name, type, encoding, emb, sub, uni: the subset's name is prefixed, e.g. AAAAAA+
    assert [(row[1], row[3], row[4]) for row in rows] == [("TrueType", "yes", "yes")]


def test_the_cjk_font_is_read_from_a_map_of_its_file_and_embeds_as_if_read_whole() -> None:
    """The font file stays on disk (a memory map) instead of 16.8 MB of bytes in the server."""
    assert cjk_font() == CJK
    face = pdfmetrics.getFont(CJK).face
    found = next(c for c in CJK_FONT_CANDIDATES if str(c.path) == face.filename)
    whole = TTFontFace(face.filename, subfontIndex=found.index)  # reportlab's own: read into bytes
    chinese = sorted({ord(c) for c in "".join(page_text(waybill_pdf(WAYBILL)).split())})

    subset = face.makeSubset(chinese)

    assert isinstance(face._ttf_data, mmap.mmap)
    assert isinstance(whole._ttf_data, bytes)
    assert subset == whole.makeSubset(chinese)
    assert (face.charToGlyph, face.charWidths) == (whole.charToGlyph, whole.charWidths)


def test_embedding_the_cjk_font_copies_the_glyphs_it_embeds_not_its_glyph_table() -> None:
    """A copy of the 10 MB glyph table stayed in the server's memory (kept for the next
    document) and made every page of the table in the mapped file resident."""
    assert cjk_font() == CJK
    found = next(
        c for c in CJK_FONT_CANDIDATES if str(c.path) == pdfmetrics.getFont(CJK).face.filename
    )
    loaded = _load(found)  # a font of its own: nothing of it read yet
    assert loaded is not None
    chinese = sorted({ord(c) for c in "".join(page_text(waybill_pdf(WAYBILL)).split())})

    tracemalloc.start()
    try:
        loaded.face.makeSubset(chinese)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < 1 << 20


class CopiesCounted(bytes):
    """A font file's bytes that count the slices of a megabyte or more taken from them."""

    big_copies = 0

    def __getitem__(self, key: Any) -> Any:
        part = super().__getitem__(key)
        if isinstance(key, slice) and len(part) >= 1 << 20:
            type(self).big_copies += 1
        return part


def test_printing_many_chinese_waybills_copies_the_cjk_fonts_glyph_table_at_most_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cjk_font() == CJK
    face = pdfmetrics.getFont(CJK).face
    monkeypatch.setattr(face, "_ttf_data", CopiesCounted(face._ttf_data))
    monkeypatch.setattr(CopiesCounted, "big_copies", 0)

    pdfs = [waybill_pdf(replace(WAYBILL, order_number=f"SO-{n}")) for n in range(5)]

    assert all(face.name in pdf for pdf in pdfs)  # each embeds its subset of the CJK font
    assert CopiesCounted.big_copies <= 1


def test_the_waybills_text_holds_every_field_and_the_recipient_in_chinese() -> None:
    lines = page_text(waybill_pdf(WAYBILL)).splitlines()

    assert [line.strip() for line in lines] == [
        "Edge Post EXPRESS",
        "FROM / 寄件人",
        "Harbour Fulfilment Ltd / 港湾仓储",
        "Unit 4, 18 Gateway Road",
        "Felixstowe, Suffolk IP11 3BZ",
        "United Kingdom · Tel +44 1394 000 100",
        "TO / 收件人",
        "王芳",
        "世纪大道100号 8楼801室",
        "环球金融中心",
        "上海市浦东新区 200120",
        "中国 China",
        "Tel +86 138 0013 8000",
        "WEIGHT / 重量",
        "1.25 kg",
        "PIECE / 件数",
        "1 of 2",
        "DATE / 日期",
        "2025-06-02",
        "TRACKING NO. / 运单号",
        "RR123456785CN",
        "ORDER / 订单",
        "SO-2025-000123",
        "Ref PO 4711",
    ]


def test_the_sscc_labels_text_shows_the_interpretation_line() -> None:
    text = page_text(sscc_label_pdf(CARTON))

    assert "(00) 1 0614141 123456789 7" in text
    assert "1 0614141 123456789 7" in text and "2 of 3" in text and "王芳" in text


def test_a_recipient_name_too_long_for_the_line_is_shrunk_to_fit() -> None:
    long = replace(WAYBILL.recipient, name="欧阳" * 20)
    layout = layout_waybill(replace(WAYBILL, recipient=long))

    text = page_text(waybill_pdf(replace(WAYBILL, recipient=long)))

    assert "欧阳" * 10 in text
    assert any(t.text == long.name for t in layout.texts())


@pytest.mark.parametrize(
    ("grams", "shown"),
    [(850, "850 g"), (1000, "1 kg"), (1250, "1.25 kg"), (1255, "1.255 kg"), (20000, "20 kg")],
)
def test_weights_show_grams_below_a_kilogram_and_kilograms_above(grams: int, shown: str) -> None:
    assert weight_text(grams) == shown


@pytest.mark.parametrize(
    ("address", "lines"),
    [
        (
            Address("Jane Doe", "1 Main St", "Apt 2", "Springfield", "IL", "62701", "USA"),
            ["1 Main St", "Apt 2", "Springfield, IL 62701", "USA"],
        ),
        (
            Address("王芳", "世纪大道100号", "", "浦东新区", "上海市", "200120", "中国"),
            ["世纪大道100号", "上海市浦东新区 200120", "中国"],
        ),
        (Address("Li Na", "8 Quay", city="Cork"), ["8 Quay", "Cork"]),
    ],
)
def test_address_lines_follow_the_order_of_the_addresses_script(
    address: Address, lines: list[str]
) -> None:
    assert address.lines() == lines


# Input checks


@pytest.mark.parametrize(
    ("piece", "message"),
    [
        ((3, 2), "piece 3 of 2: the piece number must be from 1 to the count"),
        ((0, 1), "piece 0 of 1: the piece number must be from 1 to the count"),
    ],
)
def test_a_piece_outside_its_count_is_refused(piece: tuple[int, int], message: str) -> None:
    with pytest.raises(ValueError) as refused:
        replace(WAYBILL, piece_no=piece[0], piece_count=piece[1])

    assert str(refused.value) == message


def test_a_print_density_we_do_not_drive_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        Label(dpi=150)

    assert str(refused.value) == "print density 150 dpi is not one of (203, 300, 600)"


@pytest.mark.parametrize(
    ("label", "dots"),
    [
        (Label(dpi=203), (812, 1218)),
        (Label(dpi=300), (1200, 1800)),
        (Label((100, 150)), (799, 1199)),
    ],
)
def test_a_labels_size_in_dots_is_its_size_in_inches_times_its_density(
    label: Label, dots: tuple[int, int]
) -> None:
    assert (label.width, label.height) == dots


# SSCC


def test_an_sscc_gets_its_check_digit_and_reads_in_groups() -> None:
    code = sscc("1", "0614141", "123456789")

    assert code == SSCC
    assert sscc_human_readable(code) == "(00) 1 0614141 123456789 7"
    assert sscc_human_readable(code, prefix_length=9) == "(00) 1 061414112 3456789 7"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("106141411234567890", "SSCC '106141411234567890' has check digit 0; expected 7"),
        ("10614141123456789", "SSCC '10614141123456789' must be 18 digits"),
        ("10614141123456789X", "SSCC '10614141123456789X' must be 18 digits"),
    ],
)
def test_an_sscc_with_a_wrong_check_digit_or_length_is_refused(code: str, message: str) -> None:
    with pytest.raises(BarcodeDataError) as refused:
        check_sscc(code)

    assert str(refused.value) == message


def test_an_sscc_from_parts_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        sscc("1", "0614141", "12345678")

    assert str(refused.value) == (
        "the serial reference '12345678' must be 9 digits after the prefix '0614141'"
    )


# The sample command


@pytest.mark.parametrize("dpi", ["203", "300"])
def test_labels_sample_waybill_writes_a_pdf_whose_barcodes_decode(tmp_path: Path, dpi: str) -> None:
    out = tmp_path / "waybill.pdf"

    result = CliRunner().invoke(
        labels, ["sample", "waybill", "--format", "pdf", "--out", str(out), "--dpi", dpi]
    )

    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}: waybill RR123456785CN, PDF at {dpi} dpi\n"
    found = decode(rasterise(out.read_bytes(), 203)[0], CODE128)
    assert sorted(f.text for f in found) == ["RR123456785CN", "SO-2025-000123"]
    assert "王芳" in page_text(out.read_bytes())


@pytest.mark.slow
def test_the_installed_console_script_writes_the_sample_waybill_pdf(tmp_path: Path) -> None:
    out = tmp_path / "waybill.pdf"

    done = subprocess.run(
        [
            str(venv_script("warehouse-edge")),
            "labels",
            "sample",
            "waybill",
            "--format",
            "pdf",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"wrote {out}: waybill RR123456785CN, PDF at 203 dpi\n"
    found = decode(rasterise(out.read_bytes(), 203)[0], CODE128)
    assert sorted(f.text for f in found) == ["RR123456785CN", "SO-2025-000123"]


def test_labels_sample_waybill_reports_a_file_it_cannot_write(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "waybill.pdf"

    result = CliRunner().invoke(labels, ["sample", "waybill", "--out", str(out)])

    assert result.exit_code == 1
    assert result.output == f"Error: cannot write {out}: No such file or directory\n"


def _box(element: Text | Bars | Rule) -> tuple[int, int, int, int]:
    if isinstance(element, Bars):  # with its quiet zones
        return (
            element.x - element.quiet,
            element.y,
            element.width + 2 * element.quiet,
            element.height,
        )
    return element.x, element.y, element.width, element.height


def _reversed(element: Text | Bars | Rule) -> bool:
    return isinstance(element, Text) and element.reverse


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]
