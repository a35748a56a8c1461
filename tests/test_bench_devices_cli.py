"""`devices print-test` and `devices scale`: an installer checks a bench's printer and scale with
no server, on real parts (a file-sink printer, a 9100 ZPL listener, a scale on a pseudo-terminal)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from click.testing import CliRunner

from edge.cli.main import cli
from tests.printer_fake import FakeZebra


def config(tmp_path: Path, printer: dict[str, object]) -> dict[str, str]:
    station = [{"name": "BENCH-1", "type": "pack_bench"}]
    return {
        "WAREHOUSE_EDGE_STATIONS": json.dumps(station),
        "WAREHOUSE_EDGE_PRINTERS": json.dumps([printer | {"station": "BENCH-1"}]),
        "WAREHOUSE_EDGE_EDGE_DATA_DIR": str(tmp_path),
    }


def test_print_test_puts_a_sample_waybill_that_scans_on_a_file_printer(tmp_path: Path) -> None:
    out = tmp_path / "printed"
    out.mkdir()
    env = config(tmp_path, {"name": "sink", "kind": "file", "path": str(out)})

    result = CliRunner().invoke(cli, ["devices", "print-test", "sink"], env=env)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "sink (file, pdf, 203 dpi): ready"
    (pdf,) = out.glob("*.pdf")
    page = pdfium.PdfDocument(pdf.read_bytes())[0].render(scale=203 / 72).to_pil()
    assert "RR123456785CN" in {b.text for b in zxingcpp.read_barcodes(page)}


def test_print_test_on_a_zpl_printer_that_is_out_of_paper_says_so_and_fails(
    tmp_path: Path,
) -> None:
    with FakeZebra() as printer:
        printer.paper_out = True
        env = config(
            tmp_path,
            {"name": "zebra", "kind": "zpl-tcp", "host": "127.0.0.1", "port": printer.port},
        )

        result = CliRunner().invoke(cli, ["devices", "print-test", "zebra"], env=env)

    assert result.exit_code == 1
    assert "paper" in result.output.lower()


def test_print_test_names_the_printers_there_are_when_the_name_is_wrong(tmp_path: Path) -> None:
    env = config(tmp_path, {"name": "sink", "kind": "file", "path": str(tmp_path)})

    result = CliRunner().invoke(cli, ["devices", "print-test", "zebra"], env=env)

    assert (result.exit_code, result.output.strip()) == (
        2,
        "error: no printer 'zebra' in [[printers]] (printers: sink)",
    )


def test_scale_shows_settling_then_steady_readings_from_a_serial_scale() -> None:
    master, slave = os.openpty()

    def feed() -> None:
        time.sleep(0.3)
        for frame in (b"S D     0.400 kg\r\n", b"S S     1.234 kg\r\n"):
            os.write(master, frame)
            time.sleep(0.3)

    threading.Thread(target=feed, daemon=True).start()
    result = CliRunner().invoke(cli, ["devices", "scale", os.ttyname(slave), "--seconds", "1.5"])
    os.close(master)
    os.close(slave)

    readings = [
        line.split() for line in result.output.splitlines() if line.endswith(("settling", "steady"))
    ]
    assert result.exit_code == 0, result.output
    assert readings == [["400", "g", "settling"], ["1234", "g", "steady"]]
