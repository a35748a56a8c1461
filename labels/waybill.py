"""The 4×6 in parcel waybill: who from, who to (big), carrier and service, weight, piece N of M,
date, the tracking number as a large Code 128 and the order number as a small one.

The layout is designed in millimetres on a 101.6×152.4 mm label (top to bottom: carrier band,
sender, recipient, details, tracking barcode, order barcode), scaled to the label given and
counted in its dots; the same layout renders as PDF and as ZPL.
"""

from __future__ import annotations

from labels.code128 import MIN_MODULE_MM, QUIET_MODULES, BarcodeDataError
from labels.document import (
    FOUR_BY_SIX_MM,
    Address,
    Bars,
    Element,
    Frame,
    Label,
    Layout,
    Rule,
    Text,
    Waybill,
    render_pdf,
    symbol_modules,
    widest_module,
)
from labels.zpl import DEFAULT_FONT, render_zpl

MARGIN = 3.0  # design mm; thermal heads do not print to the very edge
RIGHT = FOUR_BY_SIX_MM[0] - MARGIN
INNER = RIGHT - MARGIN
TRACKING_MAX_MODULE_MM = 0.5  # wider bars read from further away, if the number fits
TRACKING_BAR_MM = 22.0
ORDER_BAR_MM = 9.0
GAP = 2.0


def layout_waybill(waybill: Waybill, label: Label | None = None) -> Layout:
    """Place every field of the waybill on `label` (4×6 in at 203 dpi by default)."""
    label = label or Label()
    f = Frame(label)
    elements: list[Element] = [
        *_carrier_band(f, waybill),
        *address_block(f, waybill.sender, title="FROM / 寄件人", top=17.5, small=True),
        rule_across(f, 38.5, 0.3),
        *address_block(f, waybill.recipient, title="TO / 收件人", top=40.0, small=False),
        rule_across(f, 84.5, 0.8),
        *_details(f, waybill),
        rule_across(f, 100.5, 0.3),
        *_tracking(f, waybill),
        rule_across(f, 135.5, 0.3),
        *_order(f, waybill),
    ]
    title = f"Waybill {waybill.tracking_no} (order {waybill.order_number})"
    return Layout(label, title, tuple(elements))


def waybill_pdf(waybill: Waybill, label: Label | None = None) -> bytes:
    """The waybill as a one-page vector PDF with embedded fonts."""
    return render_pdf(layout_waybill(waybill, label))


def waybill_zpl(
    waybill: Waybill, label: Label | None = None, *, font: str = DEFAULT_FONT, text: str = "font"
) -> str:
    """The waybill as one ZPL II label format; `text` is "font" (the printer's Unicode font
    `font`) or "graphic" (each line sent as a bitmap, for printers without that font)."""
    return render_zpl(layout_waybill(waybill, label), font=font, text=text)


def weight_text(weight_g: int) -> str:
    """Grams below a kilogram, else kilograms with no trailing zeros: 850 g, 1.25 kg, 2 kg."""
    if weight_g < 1000:
        return f"{weight_g} g"
    return f"{weight_g / 1000:.3f}".rstrip("0").rstrip(".") + " kg"


# Blocks the carton label shares


def address_block(
    f: Frame, address: Address, *, title: str, top: float, small: bool
) -> list[Element]:
    """A caption, the name in bold and the address lines under it, from `top` (design mm)."""
    name_pt, line_pt, caption_pt = (9.0, 8.0, 6.5) if small else (22.0, 13.0, 8.0)
    below = address.lines()
    phone = f"Tel {address.phone}" if address.phone else ""
    if small and phone and below:  # the small block keeps to six lines: phone on the last
        below[-1], phone = f"{below[-1]} · {phone}", ""
    lines = [(title, caption_pt, not small), (address.name, name_pt, True)]
    lines += [(line, line_pt, False) for line in below]
    if phone:
        lines.append((phone, line_pt if small else line_pt - 2, False))
    # A little air under the caption: the CJK glyphs of the name reach above the em.
    return [*stack(f, lines, x=MARGIN, width=INNER, top=top, lead=0.2 if small else 1.0)]


def stack(
    f: Frame,
    lines: list[tuple[str, float, bool]],
    *,
    x: float,
    width: float,
    top: float,
    lead: float = 0.0,
) -> list[Text]:
    """Lines of (text, points, bold) one under another from `top` (design mm), each as tall
    as its size needs, `lead` mm more after the first."""
    out: list[Text] = []
    y = f.y(top)
    for i, (text, points, bold) in enumerate(lines):
        line = Text(f.x(x), y, f.x(width), f.size(points), text, bold)
        if text:
            out.append(line)
        y += line.height + (f.y(lead) if i == 0 else 0)
    return out


def cells(f: Frame, pairs: list[tuple[str, str]], *, top: float, value_pt: float) -> list[Element]:
    """Captioned values side by side across the label, a thin rule between them."""
    width = INNER / len(pairs)
    out: list[Element] = []
    for i, (caption, value) in enumerate(pairs):
        x = MARGIN + i * width
        pad = 0.0 if i == 0 else 1.5
        texts = stack(
            f,
            [(caption, 6.5, False), (value, value_pt, True)],
            x=x + pad,
            width=width - pad - 1.0,
            top=top,
        )
        out += texts
        if i:
            height = sum(t.height for t in texts) + f.y(2.0)
            out.append(Rule(f.x(x), f.y(top - 1.0), max(1, f.x(0.3)), height))
    return out


# Waybill blocks


def _carrier_band(f: Frame, waybill: Waybill) -> list[Element]:
    box_x, box_w = 62.0, RIGHT - 62.0
    return [
        Text(f.x(MARGIN), f.y(4.0), f.x(box_x - MARGIN - GAP), f.size(22), waybill.carrier, True),
        Rule(f.x(box_x), f.y(3.0), f.x(box_w), f.y(11.0)),
        Text(
            f.x(box_x + 1),
            f.y(5.6),
            f.x(box_w - 2),
            f.size(14),
            waybill.service,
            True,
            "C",
            reverse=True,
        ),
        rule_across(f, 15.5, 0.8),
    ]


def _details(f: Frame, waybill: Waybill) -> list[Element]:
    pairs = [
        ("WEIGHT / 重量", weight_text(waybill.weight_g)),
        ("PIECE / 件数", f"{waybill.piece_no} of {waybill.piece_count}"),
        ("DATE / 日期", waybill.ship_date.isoformat()),
    ]
    return cells(f, pairs, top=86.5, value_pt=14)


def _tracking(f: Frame, waybill: Waybill) -> list[Element]:
    label = f.label
    modules = symbol_modules(waybill.tracking_no)
    module = widest_module(
        modules,
        label=label,
        room=f.x(INNER),
        least_mm=MIN_MODULE_MM,
        most_mm=TRACKING_MAX_MODULE_MM,
    )
    x = (label.width - len(modules) * module) // 2
    bars = Bars(x, f.y(106.5), waybill.tracking_no, module, f.y(TRACKING_BAR_MM), modules=modules)
    return [
        Text(f.x(MARGIN), f.y(102.0), f.x(INNER), f.size(7), "TRACKING NO. / 运单号", True),
        bars,
        Text(f.x(MARGIN), f.y(129.2), f.x(INNER), f.size(14), waybill.tracking_no, True, "C"),
    ]


def _order(f: Frame, waybill: Waybill) -> list[Element]:
    label = f.label
    modules = symbol_modules(waybill.order_number)
    module = label.module_dots(MIN_MODULE_MM)
    quiet = QUIET_MODULES * module
    x = f.x(RIGHT) - quiet - len(modules) * module  # at the right, the text to its left
    text_width = x - quiet - f.x(MARGIN + GAP)
    if text_width < f.x(20.0):
        raise BarcodeDataError(
            f"order number {waybill.order_number!r} is too long for the waybill's order barcode"
        )
    lines = [("ORDER / 订单", 6.5, False), (waybill.order_number, 12.0, True)]
    if waybill.reference:
        lines.append((f"Ref {waybill.reference}", 8.0, False))
    texts = stack(f, lines, x=MARGIN, width=text_width * label.dot_mm / f.scale[0], top=137.0)
    bars = Bars(x, f.y(137.5), waybill.order_number, module, f.y(ORDER_BAR_MM), modules=modules)
    return [*texts, bars]


def rule_across(f: Frame, top: float, thickness: float) -> Rule:
    """A rule across the label between the margins, `top` and `thickness` in design mm."""
    return Rule(f.x(MARGIN), f.y(top), f.x(INNER), max(1, f.y(thickness)))
