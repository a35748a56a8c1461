"""Labels printed at the dock for goods that came without a readable barcode: an item or carton
label carrying GTIN, expiry and lot as one GS1-128 symbol (AIs 01, 17, 10: the fixed-length
ones first, so only the lot runs to the end), and a pallet label carrying its SSCC (AI 00).
Both as PDF and as ZPL."""

from __future__ import annotations

from dataclasses import dataclass

from labels.code128 import (
    GS1_LOGISTIC_MODULE_MM,
    MIN_MODULE_MM,
    gs1_element_string,
    gs1_human_readable,
)
from labels.document import (
    Bars,
    Element,
    Frame,
    Label,
    Layout,
    Text,
    render_pdf,
    symbol_modules,
    widest_module,
)
from labels.sscc import LOGISTIC_MAX_MODULE_MM, check_sscc, sscc_human_readable
from labels.waybill import INNER, MARGIN, stack
from labels.zpl import DEFAULT_FONT, render_zpl

ITEM_MAX_MODULE_MM = 0.5
BAR_HEIGHT_MM = 25.0


@dataclass(frozen=True)
class ItemTag:
    """An item or carton: its GTIN-14, lot and expiry (YYYY-MM-DD), and what it is."""

    gtin: str
    sku: str
    name: str = ""
    lot: str = ""
    expiry: str = ""
    qty: int = 1

    def elements(self) -> list[tuple[str, str]]:
        """The GS1 element strings: (01) GTIN, (17) expiry YYMMDD, (10) lot."""
        out = [("01", self.gtin)]
        if self.expiry:
            out.append(("17", self.expiry[2:4] + self.expiry[5:7] + self.expiry[8:10]))
        if self.lot:
            out.append(("10", self.lot))
        return out


@dataclass(frozen=True)
class PalletTag:
    """A pallet received at the dock: its SSCC, the ASN and supplier, what it holds."""

    sscc: str
    asn_id: str = ""
    supplier: str = ""
    lines: tuple[str, ...] = ()  # "40 × SKU-1 lot L1"


def layout_item_label(tag: ItemTag, label: Label | None = None) -> Layout:
    """The item label on `label` (4×6 in at 203 dpi by default)."""
    label = label or Label()
    f = Frame(label)
    facts = [
        (tag.sku, 22.0, True),
        (tag.name, 12.0, False),
        (f"Qty / 数量 {tag.qty}", 12.0, False),
        (f"Lot / 批号 {tag.lot or '-'}", 14.0, True),
        (f"Expiry / 有效期 {tag.expiry or '-'}", 14.0, True),
    ]
    elements = tag.elements()
    data = gs1_element_string(elements)
    return Layout(
        label,
        f"Item {tag.sku} {tag.lot}",
        (
            *stack(f, facts, x=MARGIN, width=INNER, top=6.0),
            *_symbol(f, data, gs1_human_readable(elements), MIN_MODULE_MM, ITEM_MAX_MODULE_MM),
        ),
    )


def layout_pallet_label(tag: PalletTag, label: Label | None = None) -> Layout:
    """The pallet label on `label`: SSCC as GS1-128 (00) at logistic-label size."""
    label = label or Label()
    f = Frame(label)
    facts = [
        (f"ASN {tag.asn_id or '-'}", 16.0, True),
        (f"Supplier / 供应商 {tag.supplier or '-'}", 11.0, False),
        *((line, 11.0, False) for line in tag.lines[:6]),
    ]
    data = "00" + check_sscc(tag.sscc)
    hri = sscc_human_readable(tag.sscc)
    return Layout(
        label,
        f"Pallet {tag.sscc}",
        (
            *stack(f, facts, x=MARGIN, width=INNER, top=6.0),
            *_symbol(f, data, hri, GS1_LOGISTIC_MODULE_MM, LOGISTIC_MAX_MODULE_MM),
        ),
    )


def item_label_pdf(tag: ItemTag, label: Label | None = None) -> bytes:
    return render_pdf(layout_item_label(tag, label))


def item_label_zpl(tag: ItemTag, label: Label | None = None) -> str:
    return render_zpl(layout_item_label(tag, label), font=DEFAULT_FONT)


def pallet_label_pdf(tag: PalletTag, label: Label | None = None) -> bytes:
    return render_pdf(layout_pallet_label(tag, label))


def pallet_label_zpl(tag: PalletTag, label: Label | None = None) -> str:
    return render_zpl(layout_pallet_label(tag, label), font=DEFAULT_FONT)


def _symbol(f: Frame, data: str, hri: str, least_mm: float, most_mm: float) -> list[Element]:
    label = f.label
    modules = symbol_modules(data, gs1=True)
    module = widest_module(
        modules, label=label, room=f.x(INNER), least_mm=least_mm, most_mm=most_mm
    )
    x = (label.width - len(modules) * module) // 2
    return [
        Bars(x, f.y(100.0), data, module, f.y(BAR_HEIGHT_MM), gs1=True, modules=modules),
        Text(f.x(MARGIN), f.y(128.0), f.x(INNER), f.size(11), hri, True, "C"),
    ]
