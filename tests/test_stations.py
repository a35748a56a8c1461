"""A fixed scanner at a station, end to end: a real pseudo-terminal as the serial port, the real
app with its station hub, the scan routed into whoever is logged in at the station."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from edge.api.app import create_app
from edge.api.events import station_channel
from edge.config import ScannerSettings, StationSettings, load_settings
from edge.devices.virtual import VirtualSerialPort
from edge.service.stations import station_device_id
from edge.store.database import Store
from tests.support import EAN13, PIN, Floor, new_device

STATION = "BENCH-1"


def bench_settings(
    tmp_path: Path, scanner_path: str, *, station: str = STATION, type: str = "pack_bench"
) -> Any:
    """An edge with pack bench BENCH-1 (or another `station` of `type`) and its serial scanner
    at `scanner_path`."""
    settings = load_settings(
        env={}, overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10}
    )
    return settings.model_copy(
        update={
            "stations": (StationSettings(name=station, type=type),),
            "scanners": (
                ScannerSettings(
                    name="bench-scanner",
                    kind="serial",
                    station=station,
                    path=scanner_path,
                    terminator="cr",
                ),
            ),
        }
    )


@contextmanager
def station_floor(
    store: Store, tmp_path: Path, *, station: str = STATION, type: str = "pack_bench"
) -> Iterator[tuple[Floor, VirtualSerialPort, Any]]:
    """The seeded floor with station `station` of `type` and its serial scanner on a real pty,
    connected: (floor, the port, a function that waits for the station's next scan answer)."""
    port = VirtualSerialPort()
    settings = bench_settings(tmp_path, port.device_path, station=station, type=type)
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        queue = client.app.state.broker.subscribe(station_channel(station))
        wait_for_state(client, "connected", floor.login("B-SUP"))
        yield floor, port, lambda: next_event(client, queue, "scan")
    port.close()


@pytest.fixture
def bench(store: Store, tmp_path: Path) -> Iterator[tuple[Floor, VirtualSerialPort, Any]]:
    with station_floor(store, tmp_path) as bench:
        yield bench


def wait_for_state(client: TestClient, state: str, headers: dict[str, str]) -> None:
    for _ in range(100):
        scanners = client.get("/api/v1/stations", headers=headers).json()[0]["scanners"]
        if scanners[0]["state"] == state:
            return
        client.portal.call(asyncio.sleep, 0.05)
    raise AssertionError(f"scanner never {state}: {scanners}")


def next_event(client: TestClient, queue: asyncio.Queue[str], kind: str) -> dict[str, Any]:
    while True:
        message = client.portal.call(asyncio.wait_for, queue.get(), 10)
        event, data = message.split("\n")[:2]
        if event == f"event: {kind}":
            return json.loads(data.removeprefix("data: "))


def scan(port: VirtualSerialPort, code: str) -> None:
    with open(port.user_path, "wb", buffering=0) as f:
        f.write(code.encode() + b"\r")


def test_a_station_scan_with_nobody_logged_in_is_answered_log_in_first(bench: Any) -> None:
    floor, port, answer = bench

    scan(port, "A-01-01")

    got = answer()
    assert (got["ok"], got["code"], got["raw"]) == (False, "not_authenticated", "A-01-01")
    assert got["detail"] == "Not logged in. Scan your badge and enter your PIN."


def test_a_badge_scanned_at_the_station_starts_the_login(bench: Any) -> None:
    floor, port, answer = bench

    scan(port, "B-PACK")

    assert answer()["login_badge"] == "B-PACK"


def test_once_someone_is_logged_in_the_station_scanner_drives_their_task(bench: Any) -> None:
    floor, port, answer = bench
    headers = floor.login("B-PACK", station=STATION)
    floor.start(headers)

    for code in ("A-01-01", "A-01-02", EAN13):
        scan(port, code)
    answers = [answer(), answer(), answer()]

    assert [a["view"]["step"] for a in answers] == ["target", "items", "items"]
    assert answers[-1]["message"] == "Moved 1 × SKU-1 from A-01-01 to A-01-02."
    moved = (
        floor.store.read()
        .execute("SELECT device_id, scan_id FROM movements WHERE type = 'move'")
        .fetchall()
    )
    assert [(m[0], m[1]) for m in moved] == [(station_device_id(STATION), answers[-1]["scan_id"])]


def test_metrics_show_each_scanners_state(bench: Any) -> None:
    floor, _port, _answer = bench

    text = floor.client.get("/metrics").text

    assert 'edge_scanner_state{scanner="bench-scanner",state="connected"} 1.0' in text
    assert 'edge_scanner_state{scanner="bench-scanner",state="disconnected"} 0.0' in text


def test_after_unplug_and_replug_every_scan_lands_once_in_the_ledger_and_the_cut_one_never(
    store: Store, tmp_path: Path
) -> None:
    from tests.scanner_harness import Pty, point

    by_id = tmp_path / "usb-Scanner_Co_Model_1234-if00-port0"
    first = Pty()
    point(by_id, first.path)
    settings = bench_settings(tmp_path, str(by_id))
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        queue = client.app.state.broker.subscribe(station_channel(STATION))
        sup = floor.login("B-SUP")
        wait_for_state(client, "connected", sup)
        floor.start(floor.login("B-PACK", station=STATION))
        first.write(b"A-01-01\rA-01-02\r" + EAN13.encode() + b"\r")
        before = [next_event(client, queue, "scan") for _ in range(3)]
        first.write(EAN13[:6].encode())  # the trigger is pulled as the cable comes out
        for _ in range(50):
            if first.unread() == 0:
                break
            client.portal.call(asyncio.sleep, 0.02)
        first.unplug()
        wait_for_state(client, "disconnected", sup)
        second = Pty()
        point(by_id, second.path)
        wait_for_state(client, "connected", sup)
        second.write((EAN13 + "\r").encode() * 8)
        after = [next_event(client, queue, "scan") for _ in range(8)]
        second.unplug()

    assert [a["ok"] for a in before + after] == [True] * 11
    moves = (
        store.read().execute("SELECT scan_id, qty FROM movements WHERE type = 'move'").fetchall()
    )
    assert sorted(m[0] for m in moves) == sorted(a["scan_id"] for a in [before[2], *after])
    assert sum(m[1] for m in moves) == 9
    answered = (
        store.read()
        .execute(
            "SELECT COUNT(*), SUM(code != '') FROM answers WHERE device_id = ?",
            (station_device_id(STATION),),
        )
        .fetchone()
    )
    assert tuple(answered) == (11, 0)  # the cut line was never answered, let alone merged


def test_devices_list_shows_the_configured_scanners_and_whether_their_port_is_there(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from edge.cli.devices_cmd import devices

    port = VirtualSerialPort()
    config = tmp_path / "edge.toml"
    config.write_text(
        '[[stations]]\nname = "BENCH-1"\ntype = "pack_bench"\n\n'
        f'[[scanners]]\nname = "here"\nkind = "serial"\nstation = "BENCH-1"\npath = "{port.device_path}"\n\n'
        '[[scanners]]\nname = "gone"\nkind = "serial"\nstation = "BENCH-1"\npath = "/dev/serial/by-id/usb-gone"\n'
    )

    result = CliRunner().invoke(devices, ["list", "--config", str(config)], env={})
    port.close()

    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.startswith("  ")}
    assert "missing" in lines["gone"]
    assert "missing" not in lines["here"]


def test_devices_list_shows_the_printers_with_their_state_and_the_scales_with_their_port(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from edge.cli.devices_cmd import devices
    from tests.printer_fake import FakeZebra
    from tests.scanner_harness import Pty

    scale = Pty()
    with FakeZebra() as zebra:
        zebra.paper_out = True
        config = tmp_path / "edge.toml"
        config.write_text(
            '[[stations]]\nname = "BENCH-1"\ntype = "pack_bench"\n\n'
            '[[printers]]\nname = "bench1-label"\nkind = "zpl-tcp"\nstation = "BENCH-1"\n'
            f'host = "127.0.0.1"\nport = {zebra.port}\n\n'
            '[[printers]]\nname = "bench1-pdf"\nkind = "file"\nstation = "BENCH-1"\n'
            f'path = "{tmp_path / "printed"}"\n\n'
            f'[[scales]]\nname = "bench1-scale"\nstation = "BENCH-1"\npath = "{scale.path}"\n\n'
            '[[scales]]\nname = "gone-scale"\nstation = "BENCH-1"\npath = "/dev/serial/by-id/usb-gone"\n'
        )

        result = CliRunner().invoke(devices, ["list", "--config", str(config)], env={})
    scale.unplug()

    assert result.exit_code == 0, result.output
    after = result.output.split("printers:\n", 1)[1].splitlines()
    assert [" ".join(line.split()) for line in after] == [
        f"bench1-label zpl-tcp 127.0.0.1:{zebra.port} paper_out: paper out",
        f"bench1-pdf file {tmp_path / 'printed'} ready",
        "scales:",
        f"bench1-scale continuous {scale.path} present",
        "gone-scale continuous /dev/serial/by-id/usb-gone missing: not plugged in, or a wrong path",
    ]


def test_a_test_print_on_a_file_sink_printer_lands_as_a_pdf_whose_barcode_decodes(
    store: Store, tmp_path: Path
) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    from edge.config import PrinterSettings

    printed = tmp_path / "printed"
    printed.mkdir()
    settings = load_settings(
        env={}, overrides={"edge.data_dir": tmp_path, "auth.pin_hash_cost": 10}
    )
    settings = settings.model_copy(
        update={
            "stations": (StationSettings(name=STATION, type="pack_bench"),),
            "printers": (
                PrinterSettings(name="sink", kind="file", station=STATION, path=str(printed)),
            ),
        }
    )
    with TestClient(create_app(settings, store=store)) as client:
        floor = Floor.build(store, client)
        queued = client.post("/api/v1/printers/sink/test-print", headers=floor.login("B-SUP"))
        for _ in range(200):
            if list(printed.glob("*.pdf")):
                break
            client.portal.call(asyncio.sleep, 0.05)
        jobs = client.get(
            f"/api/v1/stations/{STATION}/print-jobs", headers=floor.login("B-SUP")
        ).json()

    assert queued.status_code == 201, queued.text
    (pdf,) = printed.glob("*.pdf")
    page = pdfium.PdfDocument(pdf.read_bytes())[0].render(scale=203 / 72).to_pil()
    assert "RR123456785CN" in {b.text for b in zxingcpp.read_barcodes(page)}
    assert [j["status"] for j in jobs] == ["done"]


def test_a_stations_identity_is_refused_without_its_own_credential(bench: Any) -> None:
    floor, _port, _answer = bench
    bare = {"badge": "B-PACK", "pin": PIN, "device_id": station_device_id(STATION)}
    handhelds = bare | {"device_secret": floor.device_secret}

    refusals = [floor.client.post("/api/v1/auth/login", json=body) for body in (bare, handhelds)]

    assert [(r.status_code, r.json()["code"]) for r in refusals] == [
        (401, "bad_device_credential")
    ] * 2
    assert floor.login("B-PACK", station=STATION)  # with the screen's own credential


def test_enrolling_a_stations_screen_again_ends_the_session_of_the_screen_before(
    bench: Any,
) -> None:
    floor, _port, _answer = bench
    before = floor.login("B-PACK", station=STATION)

    again = new_device(floor.client, "new screen", station=STATION)

    assert again["device_id"] == station_device_id(STATION)
    assert again["device_secret"] != floor.at_station(STATION)["device_secret"]
    assert floor.client.get("/api/v1/auth/me", headers=before).status_code == 401


def test_station_details_need_a_login_or_the_stations_own_credential(bench: Any) -> None:
    floor, _port, _answer = bench
    screen = {"Authorization": f"Bearer {floor.at_station(STATION)['device_secret']}"}

    anonymous = floor.client.get("/api/v1/stations")
    by_screen = floor.client.get("/api/v1/stations", headers=screen)
    events = floor.client.get(f"/api/v1/stations/{STATION}/events")

    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
    assert (events.status_code, events.json()["code"]) == (401, "not_authenticated")
    assert [s["station"] for s in by_screen.json()] == [STATION]
    assert [
        s["station"]
        for s in floor.client.get("/api/v1/stations", headers=floor.login("B-PICK")).json()
    ] == [STATION]


def test_a_station_scan_into_a_session_idle_past_the_timeout_is_answered_log_in_first(
    bench: Any,
) -> None:
    floor, port, answer = bench
    headers = floor.login("B-PACK", station=STATION)
    floor.start(headers)
    floor.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE login_sessions SET last_seen_at = '2000-01-01T00:00:00.000000Z'"
        )
    )

    scan(port, "A-01-01")

    got = answer()
    assert (got["ok"], got["code"]) == (False, "not_authenticated")
    assert floor.client.get("/api/v1/auth/me", headers=headers).json()["code"] == "session_expired"


def test_station_scans_keep_the_session_in_use(bench: Any) -> None:
    floor, port, answer = bench
    floor.start(floor.login("B-PACK", station=STATION))
    floor.store.writer.call(
        lambda tx: tx.execute(
            "UPDATE login_sessions SET last_seen_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now',"
            " '-30 minutes')"
        )
    )

    scan(port, "A-01-01")

    assert answer()["ok"] is True
    seen = (
        floor.store.read()
        .execute(
            "SELECT MAX(last_seen_at) > strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 minutes')"
            " FROM login_sessions"
        )
        .fetchone()[0]
    )
    assert seen == 1
