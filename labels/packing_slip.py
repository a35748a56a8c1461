"""The packing slip that travels in the parcel: the order (the channel's number and ours), the
ship date, piece N of M, the lines in this parcel (SKU, name, quantity) and, where central serves
the customer's self-service returns page, a QR code of that page for this order with "Return
something? Scan here / 需要退货？扫码". 4×6 in (or 100×150 mm), as PDF and as ZPL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from labels.document import (
    Element,
    Frame,
    Label,
    Layout,
    Qr,
    Rule,
    Text,
    _check_piece,
    render_pdf,
)
from labels.matrix import MIN_MODULE_MM, QUIET_MODULES, qr_matrix
from labels.waybill import INNER, MARGIN, rule_across, stack
from labels.zpl import DEFAULT_FONT, QR_MAX_MAGNIFICATION, render_zpl

RETURNS_PATH = "/returns/self"
SCAN_HERE = ("Return something? Scan here", "需要退货？扫码")
MAX_LINES = 12  # the lines a slip lists; the rest are counted on the last line
LINES_TOP, LINE_MM = 50.0, 4.6  # design mm
QR_TOP, QR_BOX = 112.0, 36.0  # design mm: the QR's box, quiet zone included, at the left
QR_MAX_MODULE_MM = 1.0
QTY_MM, SKU_MM = 14.0, 26.0  # design mm: the columns' widths (the name takes the rest)


@dataclass(frozen=True)
class SlipLine:
    sku: str
    name: str  # as the shop names it; Chinese prints through the labels' CJK font
    qty: int


@dataclass(frozen=True)
class PackingSlip:
    """What the slip says; `returns_url` empty prints no QR code."""

    order_number: str  # the channel's
    order_id: str  # ours (central's id)
    ship_date: date
    piece_no: int
    piece_count: int
    lines: tuple[SlipLine, ...]
    returns_url: str = ""

    def __post_init__(self) -> None:
        _check_piece(self.piece_no, self.piece_count)


def self_service_url(base: str, order_id: str) -> str:
    """Central's self-service returns page for the order: base/returns/self?order=ID, the id
    URL-encoded (taobao:2188449 → taobao%3A2188449)."""
    return f"{base.rstrip('/')}{RETURNS_PATH}?order={quote(order_id, safe='')}"


def layout_packing_slip(slip: PackingSlip, label: Label | None = None) -> Layout:
    """Place the slip on `label` (4×6 in at 203 dpi by default)."""
    label = label or Label()
    f = Frame(label)
    facts = [
        (f"Order / 订单  {slip.order_number}", 14.0, True),
        (f"Our ref / 本仓单号 {slip.order_id}", 9.0, False),
        (
            f"Shipped / 发货 {slip.ship_date.isoformat()} · "
            f"Piece / 件 {slip.piece_no} of {slip.piece_count}",
            10.0,
            False,
        ),
    ]
    elements: list[Element] = [
        Rule(f.x(MARGIN), f.y(3.0), f.x(INNER), f.y(12.0)),
        Text(
            f.x(MARGIN), f.y(4.5), f.x(INNER), f.size(24), "PACKING SLIP / 装箱单", True, "C", True
        ),
        *stack(f, facts, x=MARGIN, width=INNER, top=18.0),
        rule_across(f, 40.5, 0.3),
        *_lines(f, slip.lines),
    ]
    if slip.returns_url:
        elements += [rule_across(f, QR_TOP - 2.0, 0.3), *_returns(f, slip.returns_url)]
    title = f"Packing slip {slip.order_number} ({slip.piece_no} of {slip.piece_count})"
    return Layout(label, title, tuple(elements))


def packing_slip_pdf(slip: PackingSlip, label: Label | None = None) -> bytes:
    return render_pdf(layout_packing_slip(slip, label))


def packing_slip_zpl(slip: PackingSlip, label: Label | None = None) -> str:
    return render_zpl(layout_packing_slip(slip, label), font=DEFAULT_FONT)


def _lines(f: Frame, lines: tuple[SlipLine, ...]) -> list[Element]:
    name_x, qty_x = MARGIN + SKU_MM, MARGIN + INNER - QTY_MM
    rows: list[tuple[str, str, str, bool]] = [("SKU", "ITEM / 商品", "QTY / 数量", True)]
    shown = lines if len(lines) <= MAX_LINES else lines[: MAX_LINES - 1]
    rows += [(ln.sku, ln.name, str(ln.qty), False) for ln in shown]
    if len(shown) < len(lines):
        rest = lines[len(shown) :]
        more = f"… {len(rest)} more lines / 另有 {len(rest)} 行"
        rows.append(("", more, str(sum(ln.qty for ln in rest)), False))
    out: list[Text] = []
    for i, (sku, name, qty, head) in enumerate(rows):
        top = f.y(LINES_TOP - 7.0 if head else LINES_TOP + (i - 1) * LINE_MM)
        size = f.size(7.0 if head else 9.0)
        out += [
            Text(f.x(MARGIN), top, f.x(SKU_MM - 1.0), size, sku, True),
            Text(f.x(name_x), top, f.x(qty_x - name_x - 1.0), size, name, head),
            Text(f.x(qty_x), top, f.x(QTY_MM), size, qty, True, "R"),
        ]
    return [t for t in out if t.text]


def _returns(f: Frame, url: str) -> list[Element]:
    """The QR code at the left, in whole dots per module (as wide as its box and ZPL's ^BQ
    allow), and the line asking the customer to scan it at its right."""
    label = f.label
    rows = qr_matrix(url)
    span = len(rows) + 2 * QUIET_MODULES
    room = min(f.x(QR_BOX), f.y(QR_BOX))
    # ^BQ draws 10 dots a module at most: 0.42 mm at 600 dpi, still big for a phone's camera
    least = min(label.module_dots(MIN_MODULE_MM), QR_MAX_MAGNIFICATION)
    most = label.module_dots(QR_MAX_MODULE_MM)
    module = min(most, QR_MAX_MAGNIFICATION, room // span)
    if module < least:
        raise ValueError(
            f"the returns URL {url!r} is too long for the slip's QR code "
            f"({span * least * label.dot_mm:.1f} mm needed, {room * label.dot_mm:.1f} mm there)"
        )
    quiet = QUIET_MODULES * module
    qr = Qr(f.x(MARGIN) + quiet, f.y(QR_TOP) + quiet, url, module, rows=rows)
    text_x = MARGIN + QR_BOX + 2.0
    lines = [(SCAN_HERE[0], 11.0, True), (SCAN_HERE[1], 13.0, True)]
    return [qr, *stack(f, lines, x=text_x, width=MARGIN + INNER - text_x, top=QR_TOP + 10.0)]
