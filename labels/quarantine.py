"""The quarantine label of the returns desk: stuck on the bag or tote that holds a returned
parcel's damaged, wrong or unknown sender's units, so that nobody sells them by mistake. Big
"QUARANTINE / 隔离" in reverse, what is inside, and the parcel id as Code 128 (a scan at the
desk or a move finds it), as PDF and as ZPL."""

from __future__ import annotations

from dataclasses import dataclass

from labels.code128 import MIN_MODULE_MM
from labels.document import (
    Bars,
    Element,
    Frame,
    Label,
    Layout,
    Rule,
    Text,
    render_pdf,
    symbol_modules,
    widest_module,
)
from labels.waybill import INNER, MARGIN, stack
from labels.zpl import DEFAULT_FONT, render_zpl

MAX_MODULE_MM = 0.5
BAR_HEIGHT_MM = 22.0


@dataclass(frozen=True)
class QuarantineTag:
    """What the label says: the parcel, where it came from and what of it is held."""

    parcel_id: str
    location: str
    rma: str = ""
    order_id: str = ""
    reason: str = ""  # e.g. "damaged", "unknown sender"
    lines: tuple[str, ...] = ()  # "2 × SKU-1 damaged", most important first
    date: str = ""


def layout_quarantine_label(tag: QuarantineTag, label: Label | None = None) -> Layout:
    """Place the tag on `label` (4×6 in at 203 dpi by default)."""
    label = label or Label()
    f = Frame(label)
    header: list[Element] = [
        Rule(f.x(MARGIN), f.y(3.0), f.x(INNER), f.y(16.0)),
        Text(f.x(MARGIN), f.y(4.5), f.x(INNER), f.size(30), "QUARANTINE / 隔离", True, "C", True),
    ]
    facts = [
        (f"Parcel / 包裹  {tag.parcel_id}", 14.0, True),
        (f"RMA {tag.rma or '-'} · Order / 订单 {tag.order_id or '-'}", 10.0, False),
        (f"Held at / 存放 {tag.location} · {tag.date}", 10.0, False),
        (f"Why / 原因: {tag.reason}" if tag.reason else "", 10.0, False),
    ]
    contents = [(line, 11.0, False) for line in tag.lines[:8]]
    elements: list[Element] = [
        *header,
        *stack(f, facts, x=MARGIN, width=INNER, top=22.0),
        *stack(f, [("CONTENTS / 内容", 7.0, True), *contents], x=MARGIN, width=INNER, top=50.0),
        *_symbol(f, tag.parcel_id),
    ]
    return Layout(label, f"Quarantine {tag.parcel_id}", tuple(elements))


def quarantine_label_pdf(tag: QuarantineTag, label: Label | None = None) -> bytes:
    return render_pdf(layout_quarantine_label(tag, label))


def quarantine_label_zpl(tag: QuarantineTag, label: Label | None = None) -> str:
    return render_zpl(layout_quarantine_label(tag, label), font=DEFAULT_FONT)


def _symbol(f: Frame, data: str) -> list[Element]:
    label = f.label
    modules = symbol_modules(data)
    module = widest_module(
        modules, label=label, room=f.x(INNER), least_mm=MIN_MODULE_MM, most_mm=MAX_MODULE_MM
    )
    x = (label.width - len(modules) * module) // 2
    return [
        Bars(x, f.y(112.0), data, module, f.y(BAR_HEIGHT_MM), modules=modules),
        Text(f.x(MARGIN), f.y(137.0), f.x(INNER), f.size(14), data, True, "C"),
    ]
