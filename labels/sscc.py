"""SSCC carton labels: the Serial Shipping Container Code and a GS1 logistic label that carries
it as GS1-128 with Application Identifier (00), as PDF and as ZPL.

An SSCC is 18 digits: an extension digit, the GS1 company prefix (7 to 10 digits), a serial
reference filling the rest, and a mod-10 check digit (GS1 General Specifications §2.2.1).
"""

from __future__ import annotations

from edge.domain.gtin import SSCC_LENGTH, check_digit, wrong_check_digit
from labels.code128 import GS1_LOGISTIC_MODULE_MM, BarcodeDataError
from labels.document import (
    Bars,
    Carton,
    Element,
    Frame,
    Label,
    Layout,
    Text,
    render_pdf,
    symbol_modules,
    widest_module,
)
from labels.waybill import INNER, MARGIN, address_block, cells, rule_across, stack
from labels.zpl import DEFAULT_FONT, render_zpl

SSCC_AI = "00"
PREFIX_LENGTHS = range(7, 11)
# GS1 General Specifications §5.12.3.1 (logistic labels): X from 0.495 to 0.940 mm, bars at
# least 32 mm high.
LOGISTIC_MAX_MODULE_MM = 0.94
BAR_HEIGHT_MM = 32.0


def sscc(extension: str, company_prefix: str, serial_reference: str) -> str:
    """The 18-digit SSCC with its check digit, from its three parts."""
    payload = extension + company_prefix + serial_reference
    if not (len(extension) == 1 and len(company_prefix) in PREFIX_LENGTHS):
        raise ValueError(
            f"an SSCC has one extension digit and a company prefix of 7 to 10 digits; "
            f"{extension!r} and {company_prefix!r} were given"
        )
    if len(payload) != SSCC_LENGTH - 1 or not (payload.isascii() and payload.isdigit()):
        raise ValueError(
            f"the serial reference {serial_reference!r} must be "
            f"{SSCC_LENGTH - 2 - len(company_prefix)} digits after the prefix {company_prefix!r}"
        )
    return payload + check_digit(payload)


def check_sscc(code: str) -> str:
    """`code` if it is a valid SSCC; BarcodeDataError naming what is wrong otherwise."""
    if len(code) != SSCC_LENGTH or not (code.isascii() and code.isdigit()):
        raise BarcodeDataError(f"SSCC {code!r} must be {SSCC_LENGTH} digits")
    expected = wrong_check_digit(code)
    if expected is not None:
        raise BarcodeDataError(f"SSCC {code!r} has check digit {code[-1]}; expected {expected}")
    return code


def sscc_groups(code: str, *, prefix_length: int = 7) -> str:
    """The SSCC spaced as extension, company prefix, serial reference, check digit."""
    check_sscc(code)
    if prefix_length not in PREFIX_LENGTHS:
        raise ValueError(f"a GS1 company prefix has 7 to 10 digits, not {prefix_length}")
    cut = 1 + prefix_length
    return f"{code[0]} {code[1:cut]} {code[cut:-1]} {code[-1]}"


def sscc_human_readable(code: str, *, prefix_length: int = 7) -> str:
    """The line under the bars: "(00) 1 2345678 123456789 0"."""
    return f"({SSCC_AI}) {sscc_groups(code, prefix_length=prefix_length)}"


def layout_sscc_label(carton: Carton, label: Label | None = None) -> Layout:
    """Place the carton's label on `label` (4×6 in at 203 dpi by default): sender, recipient,
    SSCC and order in text, then the SSCC as GS1-128 (00) with its interpretation line."""
    label = label or Label()
    f = Frame(label)
    elements: list[Element] = [
        *address_block(f, carton.sender, title="FROM / 寄件人", top=3.5, small=True),
        rule_across(f, 25.0, 0.3),
        *address_block(f, carton.recipient, title="TO / 收件人", top=26.5, small=False),
        rule_across(f, 68.8, 0.8),
        *stack(f, _sscc_lines(carton), x=MARGIN, width=INNER, top=70.3),
        *cells(f, _details(carton), top=82.8, value_pt=13.0),
        *stack(f, [(carton.contents, 10.0, False)], x=MARGIN, width=INNER, top=93.6),
        rule_across(f, 98.6, 0.3),
        *_symbol(f, carton),
    ]
    return Layout(label, f"SSCC {carton.sscc}", tuple(elements))


def sscc_label_pdf(carton: Carton, label: Label | None = None) -> bytes:
    """The carton's GS1 logistic label as a one-page vector PDF."""
    return render_pdf(layout_sscc_label(carton, label))


def sscc_label_zpl(
    carton: Carton, label: Label | None = None, *, font: str = DEFAULT_FONT, text: str = "font"
) -> str:
    """The carton's label as one ZPL II format (text as in labels.waybill.waybill_zpl)."""
    return render_zpl(layout_sscc_label(carton, label), font=font, text=text)


def _sscc_lines(carton: Carton) -> list[tuple[str, float, bool]]:
    return [("SSCC", 7.0, False), (sscc_groups(carton.sscc), 18.0, True)]


def _details(carton: Carton) -> list[tuple[str, str]]:
    pairs = [("CARTON / 箱号", f"{carton.piece_no} of {carton.piece_count}")]
    if carton.order_number:
        pairs.insert(0, ("ORDER / 订单", carton.order_number))
    return pairs


def _symbol(f: Frame, carton: Carton) -> list[Element]:
    label, data = f.label, SSCC_AI + check_sscc(carton.sscc)
    modules = symbol_modules(data, gs1=True)
    module = widest_module(
        modules,
        label=label,
        room=f.x(INNER),
        least_mm=GS1_LOGISTIC_MODULE_MM,
        most_mm=LOGISTIC_MAX_MODULE_MM,
    )
    x = (label.width - len(modules) * module) // 2
    hri = sscc_human_readable(carton.sscc)
    return [
        Text(f.x(MARGIN), f.y(100.0), f.x(INNER), f.size(7), "SSCC / 系列货运包装箱代码", True),
        Bars(x, f.y(104.0), data, module, f.y(BAR_HEIGHT_MM), gs1=True, modules=modules),
        Text(f.x(MARGIN), f.y(137.5), f.x(INNER), f.size(13), hri, True, "C"),
    ]
