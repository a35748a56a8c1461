"""The handover list (交接单) as a PDF: printed by a real cupsd through cups-pdf on the dock's
queue when the handover closes, its text (pdftotext) naming every tracking number, the carrier,
the site and the signature lines in both languages, and its Code 128 of the handover id read
back by zxing-cpp; the same list downloaded from GET /api/v1/handovers/{id}.pdf."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path

import pytest

from edge.config import Settings
from tests.handover_support import handover_settings, open_bag, packed_parcel, scan_in
from tests.support import Floor
from tests.test_printers import CUPS_QUEUE, cups, cups_pdf_output  # noqa: F401 (fixture)

pytestmark = pytest.mark.usefixtures("ledger_verifies")
EDGE_ID = f"edge-{uuid.uuid4().hex[:10]}"  # this run's site, to find its PDF among cups-pdf's


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return handover_settings(tmp_path, cups_queue=CUPS_QUEUE, edge_id=EDGE_ID)


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def code128s(pdf: bytes) -> set[str]:
    import pypdfium2 as pdfium
    import zxingcpp

    found: set[str] = set()
    for page in pdfium.PdfDocument(pdf):
        image = page.render(scale=300 / 72, grayscale=True).to_pil().convert("L")
        found |= {b.text for b in zxingcpp.read_barcodes(image)}
    return found


def printed_list(started: float) -> Path:
    """The handover PDF cups-pdf wrote for this run's site (60 s at most: ghostscript is slow)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for path in cups_pdf_output().glob("handover-job*.pdf"):
            if path.stat().st_mtime >= started - 1 and path.read_bytes().rstrip().endswith(
                b"%%EOF"
            ):
                if EDGE_ID in pdf_text(path):
                    return path
        time.sleep(0.2)
    raise AssertionError("no handover list came out of cups-pdf within 60 s")


@pytest.mark.usefixtures("cups")
def test_closing_a_handover_prints_its_list_on_the_docks_cups_printer_with_every_parcel(
    floor: Floor, tmp_path: Path
) -> None:
    parcels = [packed_parcel(floor), packed_parcel(floor, qty=2), packed_parcel(floor)]
    clerk = floor.login("B-PACK")
    bag = open_bag(floor, clerk, station="DOCK-1", label="BAG-0042")
    for p in parcels:
        assert scan_in(floor, clerk, bag, p["tracking_no"]).status_code == 200
    started = time.time()

    closed = floor.client.post(f"/api/v1/handovers/{bag}/close", json={}, headers=clerk)
    printed = printed_list(started)
    downloaded = floor.client.get(f"/api/v1/handovers/{bag}.pdf", headers=clerk)

    try:
        assert closed.status_code == 200 and closed.json()["printer"] == "dock1", closed.text
        text = pdf_text(printed)
        for p in parcels:
            assert p["tracking_no"] in text
        total = sum(p["weight_g"] for p in parcels) / 1000
        assert f"{total:.3f}" in text and "Edge Post" in text and "BAG-0042" in text
        assert "Driver" in text and "Clerk" in text
        assert bag in code128s(printed.read_bytes())
        assert downloaded.headers["content-type"] == "application/pdf"
        assert bag in code128s(downloaded.content)
        # cups-pdf's ghostscript drops the CJK font's text map: read the Chinese off the original
        original = tmp_path / f"{bag}.pdf"
        original.write_bytes(downloaded.content)
        words = pdf_text(original)
        assert "交接单" in words and "司机签名" in words and "仓库签名" in words
        assert all(p["tracking_no"] in words for p in parcels)
    finally:
        printed.unlink()
