"""ZPL II labels, read back by a small parser: fields inside the label, barcodes that carry
their data, the printer's symbol equal to the PDF's, text in a Unicode font or as bitmaps."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from barcode.charsets import code128 as charset
from click.testing import CliRunner
from PIL import Image, ImageDraw

from edge.cli.labels_cmd import labels
from labels.code128 import GS, QUIET_MODULES
from labels.document import Address, Carton, Label, Layout
from labels.samples import sample_waybill
from labels.sscc import layout_sscc_label, sscc_label_zpl
from labels.waybill import layout_waybill, waybill_zpl
from labels.zpl import (
    DEFAULT_FONT,
    code128_field_data,
    field_text,
    graphic_field,
    render_zpl,
    text_bitmap,
)
from tests.servers import venv_script

WAYBILL = sample_waybill()
SSCC = "106141411234567897"
CARTON = Carton(SSCC, WAYBILL.sender, WAYBILL.recipient, "SO-2025-000123", 2, 3, "12 × 蓝色马克杯")
AWKWARD = replace(
    WAYBILL,
    tracking_no="A>B~C^D_E",
    recipient=replace(WAYBILL.recipient, name="王^芳~_\\"),
)
START = {">9": ("A", 103), ">:": ("B", 104), ">;": ("C", 105)}
INVOKE = {">1": 95, ">2": 96, ">3": 97, ">4": 98, ">5": 99, ">6": 100, ">7": 101, ">8": 102}
SWITCH = {99: "C", 100: "B", 101: "A"}


# A reader for the ZPL we write


@dataclass(frozen=True)
class Field:
    """The commands from one ^FO to its ^FS."""

    x: int
    y: int
    commands: dict[str, str]


def commands(zpl: str) -> list[tuple[str, str]]:
    """(command, parameters) pairs, split before each ^ or ~: field data never holds either."""
    parts = re.split(r"(?=[\^~])", zpl)
    return [(part[1:3], part[3:].rstrip("\n")) for part in parts if part[:1] in ("^", "~")]


def fields(zpl: str) -> list[Field]:
    out: list[Field] = []
    current: dict[str, str] = {}
    for name, params in commands(zpl):
        if name == "FO":
            current = {"FO": params}
        elif name == "FS":
            x, y = (int(v) for v in current.pop("FO").split(",")[:2])
            out.append(Field(x, y, current))
        else:
            current[name] = params
    return out


def setting(zpl: str, name: str) -> str:
    return dict(commands(zpl))[name]


def unhex(data: str) -> str:
    """Field data as the printer reads it under ^FH_ and ^CI28: _XX is a UTF-8 byte."""
    raw = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data.encode())
    return raw.decode()


def text_of(field: Field) -> str:
    """A text field's characters (^FB reads \\\\ as one backslash)."""
    return unhex(field.commands["FD"]).replace("\\\\", "\\")


def codewords(data: str) -> list[int]:
    """^BC field data back to Code 128 codewords, by the Programming Guide's rules."""
    data = unhex(data)
    subset, value = START[data[:2]]
    out, i = [value], 2
    while i < len(data):
        pair = data[i : i + 2]
        if pair in INVOKE:
            value, i = INVOKE[pair], i + 2
        elif subset == "B" and pair in ("><", ">="):
            value, i = (30 if pair == "><" else 94), i + 2
        elif subset in ("A", "C"):
            value, i = int(pair), i + 2
        else:
            value, i = ord(data[i]) - 32, i + 1
        if SWITCH.get(value, subset) != subset:
            subset = SWITCH[value]
        out.append(value)
    return out


def decoded(data: str) -> str:
    """What a scanner sends for the symbol: ]C1 for a leading FNC1, GS for a later one."""
    text, subset = "", START[data[:2]][0]
    for position, value in enumerate(codewords(data)[1:]):
        if value == 102:
            text += "]C1" if position == 0 else GS
        elif SWITCH.get(value, subset) != subset:
            subset = SWITCH[value]
        elif subset == "C":
            text += f"{value:02d}"
        else:
            text += chr(value + 32)
    return text


def printed_modules(data: str) -> str:
    """The modules a printer draws for ^BC field data: codewords, check symbol, stop."""
    words = codewords(data)
    check = (words[0] + sum(i * w for i, w in enumerate(words[1:], start=1))) % 103
    return "".join(charset.CODES[w] for w in [*words, check]) + charset.STOP + "11"


def printed_barcodes(zpl: str, *, module: int = 2) -> list[str]:
    """What a real decoder (zxing-cpp) reads off each ^BC barcode of a format as a printer
    draws it: its modules `module` dots wide, ten light ones either side."""
    import zxingcpp

    out = []
    for field in fields(zpl):
        if "BC" not in field.commands:
            continue
        modules = "0" * QUIET_MODULES + printed_modules(field.commands["FD"]) + "0" * QUIET_MODULES
        image = Image.new("L", (len(modules) * module, 60), 255)
        draw = ImageDraw.Draw(image)
        for i, m in enumerate(modules):
            if m == "1":
                draw.rectangle([i * module, 0, (i + 1) * module - 1, 59], fill=0)
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
        out += [b.text for b in found]
    return out


def ungraphic(params: str) -> Image.Image:
    """^GFA parameters back to a 1-bit image, expanding ZPL's ASCII compression."""
    _, total, _, per_row, data = params.split(",", 4)
    rows: list[str] = []
    row, count = "", 0
    for char in data:
        if char == ":":
            rows.append(rows[-1])
            continue
        if "G" <= char <= "Y":
            count += ord(char) - ord("G") + 1
            continue
        if "g" <= char <= "z":
            count += (ord(char) - ord("g") + 1) * 20
            continue
        if char in ",!":
            row = row.ljust(int(per_row) * 2, "0" if char == "," else "F")
        else:
            row, count = row + char * (count or 1), 0
        if len(row) == int(per_row) * 2:
            rows.append(row)
            row = ""
    assert row == "" and len(rows) * int(per_row) == int(total)
    return Image.frombytes("1", (int(per_row) * 8, len(rows)), bytes.fromhex("".join(rows)))


FORMATS = [
    pytest.param(layout_waybill(WAYBILL, label), text, id=f"waybill-{label.dpi}-{text}")
    for label in (Label(dpi=203), Label(dpi=300))
    for text in ("font", "graphic")
] + [
    pytest.param(layout_waybill(WAYBILL, Label((100, 150))), "font", id="waybill-100x150"),
    pytest.param(layout_sscc_label(CARTON), "font", id="sscc-203"),
    pytest.param(layout_sscc_label(CARTON, Label(dpi=300)), "graphic", id="sscc-300-graphic"),
]


# The format


@pytest.mark.parametrize(("layout", "text"), FORMATS)
def test_a_format_starts_reads_utf8_sets_its_size_in_dots_and_ends(
    layout: Layout, text: str
) -> None:
    zpl = render_zpl(layout, text=text)

    names = [name for name, _ in commands(zpl)]

    assert names[:5] == ["XA", "CI", "PW", "LL", "LH"] and names[-2:] == ["PQ", "XZ"]
    assert (setting(zpl, "CI"), setting(zpl, "PW"), setting(zpl, "LL")) == (
        "28",
        str(layout.label.width),
        str(layout.label.height),
    )


@pytest.mark.parametrize(("layout", "text"), FORMATS)
def test_every_field_lies_inside_the_print_width_and_the_label_length(
    layout: Layout, text: str
) -> None:
    zpl = render_zpl(layout, text=text)
    width, length = int(setting(zpl, "PW")), int(setting(zpl, "LL"))

    for field in fields(zpl):
        right, bottom = _extent(field)
        left = field.x - _quiet(field)

        assert 0 <= left and right <= width, field
        assert 0 <= field.y and bottom <= length, field
    assert len(fields(zpl)) == len(layout.elements)


@pytest.mark.parametrize("dpi", [203, 300])
def test_the_barcodes_carry_the_tracking_and_order_numbers(dpi: int) -> None:
    layout = layout_waybill(WAYBILL, Label(dpi=dpi))
    zpl = waybill_zpl(WAYBILL, Label(dpi=dpi))

    barcodes = [f for f in fields(zpl) if "BC" in f.commands]

    assert [f.commands["FD"] for f in barcodes] == [">:RR>512345678>65CN", ">:SO->52025>6->5000123"]
    assert [decoded(f.commands["FD"]) for f in barcodes] == ["RR123456785CN", "SO-2025-000123"]
    assert [(f.x, f.y, int(f.commands["BY"])) for f in barcodes] == [
        (b.x, b.y, b.module) for b in layout.bars()
    ]
    assert {f.commands["BC"] for f in barcodes} == {f"N,{b.height},N,N,N,N" for b in layout.bars()}


@pytest.mark.parametrize(
    "layout",
    [layout_waybill(WAYBILL), layout_waybill(AWKWARD), layout_sscc_label(CARTON)],
    ids=["waybill", "awkward-characters", "sscc"],
)
def test_the_printer_draws_the_same_symbols_as_the_pdf(layout: Layout) -> None:
    zpl = render_zpl(layout)

    printed = [printed_modules(f.commands["FD"]) for f in fields(zpl) if "BC" in f.commands]

    assert printed == [bars.modules for bars in layout.bars()]


@pytest.mark.parametrize(
    ("data", "gs1", "field_data"),
    [
        ("RR123456785CN", False, ">:RR>512345678>65CN"),
        ("1234", False, ">;1234"),
        ("12345", False, ">;1234>65"),
        ("A>B~C^D_E", False, ">:A><B>=C_5ED_5FE"),
        ("TAB\tEND", False, ">:TAB>773374636"),
        ("00" + SSCC, True, ">;>800106141411234567897"),
        ("10AB12" + GS + "21X7", True, ">;>810>6AB12>821X7"),
    ],
)
def test_field_data_spells_out_start_code_subset_switches_and_fnc1(
    data: str, gs1: bool, field_data: str
) -> None:
    assert code128_field_data(data, gs1=gs1) == field_data


def test_the_sscc_label_prints_gs1_128_with_ai_00_and_logistic_bars() -> None:
    for label in (Label(dpi=203), Label(dpi=300)):
        zpl = sscc_label_zpl(CARTON, label)

        (field,) = [f for f in fields(zpl) if "BC" in f.commands]

        assert field.commands["FD"] == ">;>800106141411234567897"
        assert decoded(field.commands["FD"]) == "]C100" + SSCC
        assert int(field.commands["BY"]) * label.dot_mm >= 0.495
        assert int(field.commands["BC"].split(",")[1]) * label.dot_mm >= 31.9


# Text


def test_text_is_printed_in_the_unicode_font_with_every_line_of_the_layout() -> None:
    layout = layout_waybill(WAYBILL)

    texts = [
        f for f in fields(waybill_zpl(WAYBILL)) if "FD" in f.commands and "BC" not in f.commands
    ]

    assert {f.commands["A@"].split(",")[-1] for f in texts} == {"E:ANMDJ.TTF"}
    assert [text_of(f) for f in texts] == [t.text for t in layout.texts()]
    assert "王芳" in [text_of(f) for f in texts]


def test_the_printer_font_can_be_named() -> None:
    zpl = waybill_zpl(WAYBILL, font="E:ANMDS.TTF")

    assert {f.commands["A@"].split(",")[-1] for f in fields(zpl) if "A@" in f.commands} == {
        "E:ANMDS.TTF"
    }


def test_carets_tildes_underscores_and_backslashes_in_text_reach_the_printer_unchanged() -> None:
    zpl = waybill_zpl(AWKWARD)

    names = [text_of(f) for f in fields(zpl) if "A@" in f.commands]
    barcodes = [decoded(f.commands["FD"]) for f in fields(zpl) if "BC" in f.commands]

    assert "王^芳~_\\" in names
    assert barcodes == ["A>B~C^D_E", "SO-2025-000123"]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("Plain", "Plain"), ("a^b~c_d", "a_5Eb_7Ec_5Fd"), ("C:\\dir", "C:\\\\dir"), ("王芳", "王芳")],
)
def test_field_text_writes_the_characters_zpl_reserves_in_hex(text: str, escaped: str) -> None:
    assert field_text(text) == escaped


def test_graphic_text_sends_each_line_as_a_bitmap_and_no_printer_font() -> None:
    layout = layout_waybill(WAYBILL)
    zpl = waybill_zpl(WAYBILL, text="graphic")

    graphics = [f for f in fields(zpl) if "GF" in f.commands]
    images = [ungraphic(f.commands["GF"]) for f in graphics]

    assert "A@" not in [name for name, _ in commands(zpl)]
    assert [(f.x, f.y) for f in graphics] == [(t.x, t.y) for t in layout.texts()]
    assert [image.tobytes() for image in images] == [
        text_bitmap(t).tobytes() for t in layout.texts()
    ]
    assert all(image.getbbox() is not None for image in images)  # every line has ink
    assert [("FR" in f.commands) for f in graphics] == [t.reverse for t in layout.texts()]


def test_graphic_fields_round_trip_through_zpls_compression() -> None:
    image = Image.new("1", (200, 40), 0)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 199, 3), fill=1)  # full rows, then repeated rows
    draw.rectangle((10, 10, 170, 12), fill=1)  # long runs
    for x in range(0, 200, 3):  # no runs at all
        draw.point((x, 20), fill=1)
    draw.rectangle((190, 30, 199, 39), fill=1)  # ink only at the row's end

    params = graphic_field(image)[len("^GF") :]

    assert ungraphic(params).tobytes() == image.tobytes()
    assert len(params) < len(image.tobytes()) * 2 / 4  # compressed well below plain hex


def test_an_unknown_text_mode_is_refused() -> None:
    with pytest.raises(ValueError) as refused:
        waybill_zpl(WAYBILL, text="bitmap")

    assert str(refused.value) == "ZPL text mode 'bitmap' is not one of ('font', 'graphic')"


def test_a_label_without_chinese_prints_in_the_same_font() -> None:
    latin = replace(WAYBILL, recipient=Address("Jane Doe", "1 Main St", city="Cork"))

    zpl = waybill_zpl(latin)

    assert "Jane Doe" in [text_of(f) for f in fields(zpl) if "A@" in f.commands]


# The sample command


@pytest.mark.parametrize(
    ("args", "dpi", "mode"),
    [([], 203, "A@"), (["--dpi", "300"], 300, "A@"), (["--zpl-text", "graphic"], 203, "GF")],
)
def test_labels_sample_waybill_writes_zpl(
    tmp_path: Path, args: list[str], dpi: int, mode: str
) -> None:
    out = tmp_path / "waybill.zpl"

    result = CliRunner().invoke(
        labels, ["sample", "waybill", "--format", "zpl", "--out", str(out), *args]
    )

    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}: waybill RR123456785CN, ZPL at {dpi} dpi\n"
    _assert_sample_zpl(out.read_text(encoding="utf-8"), dpi=dpi, mode=mode)


def test_the_sample_commands_default_printer_font_is_the_renderers() -> None:
    command = labels.commands["sample"].commands["waybill"]

    defaults = {param.name: param.default for param in command.params}

    assert defaults["zpl_font"] == DEFAULT_FONT


@pytest.mark.slow
def test_the_installed_console_script_writes_the_sample_waybill_zpl(tmp_path: Path) -> None:
    out = tmp_path / "waybill.zpl"

    done = subprocess.run(
        [
            str(venv_script("warehouse-edge")),
            "labels",
            "sample",
            "waybill",
            "--format",
            "zpl",
            "--out",
            str(out),
            "--dpi",
            "300",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"wrote {out}: waybill RR123456785CN, ZPL at 300 dpi\n"
    _assert_sample_zpl(out.read_text(encoding="utf-8"), dpi=300, mode="A@")


def _assert_sample_zpl(zpl: str, *, dpi: int, mode: str) -> None:
    label = Label(dpi=dpi)
    barcodes = [decoded(f.commands["FD"]) for f in fields(zpl) if "BC" in f.commands]
    assert (setting(zpl, "PW"), setting(zpl, "LL")) == (str(label.width), str(label.height))
    assert barcodes == ["RR123456785CN", "SO-2025-000123"]
    assert len([f for f in fields(zpl) if mode in f.commands]) == len(
        layout_waybill(WAYBILL).texts()
    )


def _extent(field: Field) -> tuple[int, int]:
    """The right and bottom edges of a field, in dots; a barcode's quiet zone included."""
    c = field.commands
    if "GB" in c:
        w, h = (int(v) for v in c["GB"].split(",")[:2])
        return field.x + w, field.y + h
    if "BC" in c:
        module, height = int(c["BY"]), int(c["BC"].split(",")[1])
        return field.x + len(printed_modules(c["FD"])) * module + _quiet(field), field.y + height
    if "GF" in c:
        image = ungraphic(c["GF"])
        return field.x + image.width, field.y + image.height
    height, block = int(c["A@"].split(",")[1]), int(c["FB"].split(",")[0])
    return field.x + block, field.y + height


def _quiet(field: Field) -> int:
    return QUIET_MODULES * int(field.commands["BY"]) if "BC" in field.commands else 0
