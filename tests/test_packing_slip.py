"""The packing slip: its returns QR code read back by zxing-cpp from the rasterised PDF and
from the ZPL's ^BQ field, and the pack close through the real app queuing and printing it
after the waybill (and a reprint printing both) when [packing] print_packing_slip is on."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pypdfium2 as pdfium
import pytest
import zxingcpp
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.store.database import Store
from edge.store.verify import verify
from labels.document import Label
from labels.matrix import QUIET_MODULES, qr_modules_across
from labels.packing_slip import (
    SCAN_HERE,
    PackingSlip,
    SlipLine,
    packing_slip_pdf,
    packing_slip_zpl,
    self_service_url,
)
from tests.support import EAN13, Floor, packer_at_bench, picked_order
from tests.test_pack_api import _settings, close
from tests.test_zpl import fields, unhex

CENTRAL = "https://central.example.com/"
URL = "https://central.example.com/returns/self?order=taobao%3A2188449"
SLIP = PackingSlip(
    order_number="2188449",
    order_id="taobao:2188449",
    ship_date=date(2026, 12, 3),
    piece_no=2,
    piece_count=3,
    lines=(SlipLine("TEA-0001", "Green tea / 绿茶 100克", 2), SlipLine("MUG-7", "蓝色马克杯", 1)),
    returns_url=URL,
)
LABELS = [Label(), Label((100.0, 150.0), 203), Label((100.0, 150.0), 300)]


def page(pdf: bytes) -> pdfium.PdfPage:
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1
    return document[0]


def qr_codes(pdf: bytes, dpi: int) -> list[str]:
    image = page(pdf).render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    found = zxingcpp.read_barcodes(image, text_mode=zxingcpp.TextMode.Plain)
    return [f"{b.format.name}:{b.text}" for b in found]


def test_the_returns_url_names_the_order_url_encoded_under_centrals_base() -> None:
    assert self_service_url(CENTRAL, "taobao:2188449") == URL
    assert self_service_url("http://c:8000", "O 1/2&x") == (
        "http://c:8000/returns/self?order=O%201%2F2%26x"
    )


@pytest.mark.parametrize("label", LABELS, ids=lambda lb: f"{lb.size_mm[0]:g}mm-{lb.dpi}dpi")
def test_the_slips_pdf_qr_code_reads_back_as_exactly_the_returns_url(label: Label) -> None:
    pdf = packing_slip_pdf(SLIP, label)

    text = page(pdf).get_textpage().get_text_range()
    assert qr_codes(pdf, label.dpi) == [f"QRCode:{URL}"]
    for shown in ("2188449", "taobao:2188449", "2026-12-03", "2 of 3", "蓝色马克杯", *SCAN_HERE):
        assert shown in text


def test_the_slips_zpl_carries_the_returns_url_in_its_qr_field_inside_the_label() -> None:
    label = Label((100.0, 150.0), 203)
    zpl = packing_slip_zpl(SLIP, label)

    (qr,) = [f for f in fields(zpl) if "BQ" in f.commands]
    magnification = int(qr.commands["BQ"].split(",")[2])
    side = (qr_modules_across(URL) + QUIET_MODULES) * magnification  # one quiet zone each way
    assert unhex(qr.commands["FD"]) == f"MA,{URL}"
    assert qr.commands["FH"] == "_"
    assert magnification >= label.module_dots(0.5)
    assert qr.x - QUIET_MODULES * magnification >= 0
    assert (qr.x + side, qr.y + side) < (label.width, label.height)
    texts = {unhex(f.commands["FD"]) for f in fields(zpl) if "A@" in f.commands}
    assert {"TEA-0001", "蓝色马克杯", "2", *SCAN_HERE} <= texts


@pytest.mark.parametrize("dpi", [203, 300, 600])
def test_a_short_url_on_a_dense_printer_keeps_the_qr_magnification_zpl_allows(dpi: int) -> None:
    url = "http://c/returns/self?order=1"
    slip = PackingSlip("1", "1", date(2026, 1, 1), 1, 1, (), url)

    (qr,) = [f for f in fields(packing_slip_zpl(slip, Label(dpi=dpi))) if "BQ" in f.commands]
    assert 1 <= int(qr.commands["BQ"].split(",")[2]) <= 10  # ^BQ's magnification: 1 to 10
    assert qr_codes(packing_slip_pdf(slip, Label(dpi=dpi)), dpi) == [f"QRCode:{url}"]


def test_characters_zpl_reserves_reach_the_qr_field_in_hex() -> None:
    url = "https://c.example.com/x_y/returns/self?order=a~b^c"
    zpl = packing_slip_zpl(PackingSlip("1", "1", date(2026, 1, 1), 1, 1, (), url))

    (qr,) = [f for f in fields(zpl) if "BQ" in f.commands]
    assert qr.commands["FD"] == "MA,https://c.example.com/x_5Fy/returns/self?order=a_7Eb_5Ec"
    assert unhex(qr.commands["FD"]) == f"MA,{url}"


def test_a_slip_without_a_returns_url_prints_no_qr_code() -> None:
    slip = PackingSlip("2188449", "taobao:2188449", date(2026, 12, 3), 1, 1, SLIP.lines)

    pdf = packing_slip_pdf(slip)

    assert qr_codes(pdf, 203) == []
    assert SCAN_HERE[0] not in page(pdf).get_textpage().get_text_range()
    assert "^BQ" not in packing_slip_zpl(slip)


def test_a_returns_url_too_long_for_the_slips_qr_box_is_refused_naming_it() -> None:
    long = f"{CENTRAL}{'x' * 900}"
    with pytest.raises(ValueError, match="too long for the slip's QR code"):
        packing_slip_pdf(PackingSlip("1", "1", date(2026, 1, 1), 1, 1, (), long))


# Through the real app


def printed_pdfs(folder: Path, count: int) -> list[Path]:
    """The file sink's PDFs once `count` are there (the spooler prints after the commit)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = sorted(folder.glob("*.pdf"))
        if len(found) >= count:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{count} PDFs expected in {folder}, found {list(folder.glob('*'))}")


@contextmanager
def packing_floor(tmp_path: Path, **extra: str) -> Iterator[Floor]:
    """The real app on a real SQLite file, a file-sink printer at BENCH-1, `extra` settings."""
    settings = _settings(tmp_path, **extra)
    store = Store(settings.db_path, edge_id=settings.edge.id)
    try:
        with TestClient(create_app(settings, store=store)) as client:
            yield Floor.build(store, client)
        assert verify(store.read()) == []
    finally:
        store.close()


def test_a_pack_close_with_slips_on_queues_and_prints_the_waybill_then_the_slip(
    tmp_path: Path,
) -> None:
    extra = {
        "packing_print_packing_slip": "true",
        "returns_self_service_url": "http://central.test:8000",
    }
    with packing_floor(tmp_path, **extra) as floor:
        store, client = floor.store, floor.client
        store.writer.call(
            lambda tx: tx.execute("UPDATE products SET name_zh = '绿茶' WHERE sku = 'SKU-1'")
        )
        order_id = picked_order(floor, [{"sku": "SKU-1", "qty": 2}])
        packer = packer_at_bench(floor)
        for raw in ("T-0001", EAN13, EAN13):
            floor.scan(packer, raw)

        closed = close(floor, packer, weight_g=360)
        first = printed_pdfs(tmp_path / "printed", 2)
        reprinted = client.post(
            f"/api/v1/parcels/{order_id}-P1/reprint", json={"station": "BENCH-1"}, headers=packer
        )
        printed = printed_pdfs(tmp_path / "printed", 4)
        jobs = store.read().execute("SELECT id, kind, printer, parcel_id, document FROM print_jobs")
        rows = [tuple(r) for r in jobs]

    assert closed.status_code == 200, closed.text
    assert reprinted.status_code == 201, reprinted.text
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("waybill", "bench-pdf", f"{order_id}-P1"),
        ("packing_slip", "bench-pdf", f"{order_id}-P1"),
    ] * 2
    assert (closed.json()["print_job"], closed.json()["slip_job"]) == (rows[0][0], rows[1][0])
    assert (reprinted.json()["print_job"], reprinted.json()["slip_job"]) == (rows[2][0], rows[3][0])
    slip = json.loads(rows[1][4])
    url = f"http://central.test:8000/returns/self?order={quote(order_id, safe='')}"
    assert (slip["returns_url"], slip["lines"]) == (
        url,
        [{"sku": "SKU-1", "name": "Green tea 100g / 绿茶", "qty": 2}],
    )
    slips = [p for p in printed if p.name.startswith("packing_slip")]
    assert len(slips) == 2 and len(first) == 2
    for pdf in slips:
        assert qr_codes(pdf.read_bytes(), 203) == [f"QRCode:{url}"]


def test_a_pack_close_with_slips_off_queues_the_waybill_alone(tmp_path: Path) -> None:
    with packing_floor(tmp_path, returns_self_service_url="http://central.test:8000") as bench:
        order_id = picked_order(bench, [{"sku": "SKU-1", "qty": 1}])
        packer = packer_at_bench(bench)
        for raw in ("T-0001", EAN13):
            bench.scan(packer, raw)

        closed = close(bench, packer, weight_g=240)
        bench.client.post(
            f"/api/v1/parcels/{order_id}-P1/reprint", json={"station": "BENCH-1"}, headers=packer
        )
        rows = bench.store.read().execute("SELECT kind FROM print_jobs ORDER BY id")
        kinds = [r[0] for r in rows]

    assert (closed.json()["slip_job"], kinds) == (None, ["waybill", "waybill"])
