"""Print-job documents: a label's input as JSON in the store, rendered when the job is printed.

Rendering happens in the spooler, after the commit, for the printer that takes the job (its
format, density and label size), so the same job can be reprinted on another printer."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from labels.document import Address, Carton, Label, Waybill
from labels.handover import HandoverSheet, SheetLine, render_handover
from labels.packing_slip import PackingSlip, SlipLine, packing_slip_pdf, packing_slip_zpl
from labels.quarantine import QuarantineTag, quarantine_label_pdf, quarantine_label_zpl
from labels.receiving import (
    ItemTag,
    PalletTag,
    item_label_pdf,
    item_label_zpl,
    pallet_label_pdf,
    pallet_label_zpl,
)
from labels.sscc import sscc_label_pdf, sscc_label_zpl
from labels.waybill import waybill_pdf, waybill_zpl


def waybill_document(waybill: Waybill) -> dict[str, Any]:
    """A waybill as the JSON a print job keeps."""
    out = dataclasses.asdict(waybill)
    out["ship_date"] = waybill.ship_date.isoformat()
    return out


def packing_slip_document(slip: PackingSlip) -> dict[str, Any]:
    """A packing slip as the JSON a print job keeps."""
    return dataclasses.asdict(slip) | {"ship_date": slip.ship_date.isoformat()}


def handover_document(sheet: HandoverSheet) -> dict[str, Any]:
    """A handover list as the JSON a print job keeps."""
    return dataclasses.asdict(sheet)


def _packing_slip(doc: dict[str, Any]) -> PackingSlip:
    return PackingSlip(
        **dict(doc)
        | {
            "ship_date": date.fromisoformat(doc["ship_date"]),
            "lines": tuple(SlipLine(**line) for line in doc["lines"]),
        }
    )


def _waybill(doc: dict[str, Any]) -> Waybill:
    fields = dict(doc) | {
        "sender": Address(**doc["sender"]),
        "recipient": Address(**doc["recipient"]),
    }
    return Waybill(**fields | {"ship_date": date.fromisoformat(doc["ship_date"])})


def _carton(doc: dict[str, Any]) -> Carton:
    return Carton(
        **dict(doc) | {"sender": Address(**doc["sender"]), "recipient": Address(**doc["recipient"])}
    )


def render_document(kind: str, fmt: str, document: dict[str, Any], printer: Any) -> bytes:
    """The bytes a printer takes for a job: PDF, or ZPL as UTF-8 (its ^CI28 says so)."""
    label = Label((printer.label_width_mm, printer.label_height_mm), printer.dpi)
    if kind == "waybill":
        waybill = _waybill(document)
        return waybill_pdf(waybill, label) if fmt == "pdf" else waybill_zpl(waybill, label).encode()
    if kind == "sscc":
        carton = _carton(document)
        return (
            sscc_label_pdf(carton, label)
            if fmt == "pdf"
            else sscc_label_zpl(carton, label).encode()
        )
    if kind == "quarantine":
        tag = QuarantineTag(**dict(document) | {"lines": tuple(document.get("lines") or ())})
        return (
            quarantine_label_pdf(tag, label)
            if fmt == "pdf"
            else quarantine_label_zpl(tag, label).encode()
        )
    if kind == "dock_item":
        item = ItemTag(**document)
        return item_label_pdf(item, label) if fmt == "pdf" else item_label_zpl(item, label).encode()
    if kind == "dock_pallet":
        pallet = PalletTag(**dict(document) | {"lines": tuple(document.get("lines") or ())})
        return (
            pallet_label_pdf(pallet, label)
            if fmt == "pdf"
            else pallet_label_zpl(pallet, label).encode()
        )
    if kind == "packing_slip":
        slip = _packing_slip(document)
        return (
            packing_slip_pdf(slip, label)
            if fmt == "pdf"
            else packing_slip_zpl(slip, label).encode()
        )
    if kind == "handover":  # an A4 list: PDF whatever the printer's label size
        lines = tuple(SheetLine(**x) for x in document["lines"])
        return render_handover(HandoverSheet(**dict(document) | {"lines": lines}))
    raise ValueError(f"no renderer for a {kind!r} document")
