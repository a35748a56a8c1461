"""Phones as scanners: the terminal reads barcodes with the camera. Debian's Chromium plays a Y4M
video of barcodes rendered by zxing-cpp as its camera (tests/fake_camera.py); Chromium on Linux
has no BarcodeDetector, so the vendored zxing-wasm decodes, served by the edge. The page is
opened over the edge's HTTPS, as a phone must open it to get the camera."""

from __future__ import annotations

import functools
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edge.cli.tls_cmd import tls
from edge.store.catalog import free_totes
from edge.store.verify import verify
from tests.browser import (
    ANSWER_TIMEOUT_MS,
    CHROMIUM,
    CHROMIUM_ARGS,
    HANDHELD,
    LAN_NAME,
    DemoEdge,
    Handheld,
    read_only,
    require_browser,
    running_demo,
)
from tests.fake_camera import barcode_frame, blank_frame, camera_args, show

pytestmark = pytest.mark.slow

WEB = Path(__file__).resolve().parents[1] / "web_terminal"
SCREENSHOTS = WEB.parent / "artifacts" / "screenshots"
PICKER, PIN = "P001", "1111"
HOLD_S = 2.0  # longer than the camera's hold (camera.js HOLD_MS): a code left in view


@pytest.fixture(scope="module")
def camera(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path]]:
    """Chromium whose camera plays the returned video file (blank until a test shows a code)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    video = tmp_path_factory.mktemp("camera") / "camera.y4m"
    show(video, blank_frame())
    with sync_playwright() as playwright:
        args = [*CHROMIUM_ARGS, *camera_args(video)]
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield chromium, video
        chromium.close()


@pytest.fixture
def https_demo(tmp_path: Path) -> Iterator[DemoEdge]:
    """The demo edge serving HTTPS with a certificate from its own CA (`warehouse-edge tls`)."""
    tls_dir = tmp_path / "tls"
    made = CliRunner().invoke(tls, ["init", "--dir", str(tls_dir), "--name", LAN_NAME])
    assert made.exit_code == 0, made.output
    settings = {
        "WAREHOUSE_EDGE_SERVER_TLS_CERT": str(tls_dir / "server.crt"),
        "WAREHOUSE_EDGE_SERVER_TLS_KEY": str(tls_dir / "server.key"),
    }
    (tmp_path / "demo").mkdir()
    with running_demo(tmp_path / "demo", settings=settings) as demo:
        yield demo


@dataclass
class Traffic:
    """What the page asked for: every address, and the text of every scan it sent the edge."""

    urls: list[str] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)

    def saw(self, request: Any) -> None:
        self.urls.append(request.url)
        if request.method == "POST" and request.url.endswith("/api/v1/scans"):
            self.scans.append(json.loads(request.post_data)["raw"])


def open_handheld(browser: Any, url: str, **context: Any) -> tuple[Handheld, Traffic]:
    """A handheld page at `url` (360×640, touch), and what it asks for."""
    page = browser.new_context(**HANDHELD, **context).new_page()
    traffic = Traffic()
    page.on("request", traffic.saw)
    page.goto(url)
    return Handheld(page), traffic


def ledger_problems(db: Path) -> list[Any]:
    """What `warehouse-edge verify` would report on the edge's database."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return list(verify(conn))
    finally:
        conn.close()


def empty_totes(db: Path) -> Iterator[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return iter(free_totes(conn, 20))
    finally:
        conn.close()


def point_camera_at(hh: Handheld, video: Path, luma: bytes, *, answers: int) -> None:
    """Show a barcode to the open camera and wait until the screen has `answers` answers."""
    show(video, luma)
    hh.wait_answers(answers)


def wait_camera(hh: Handheld, state: str) -> None:
    hh.page.wait_for_selector(
        f"[data-testid=camera][data-state={state}]", state="attached", timeout=ANSWER_TIMEOUT_MS
    )


def log_in_by_camera(hh: Handheld, video: Path, badge: str, pin: str) -> None:
    """Show the badge to the camera; the PIN pad that follows needs no camera: it closes."""
    hh.by("btn-camera").click()
    wait_camera(hh, "scanning")
    show(video, barcode_frame(badge))
    hh.by("badge").filter(has_text=badge).wait_for(timeout=ANSWER_TIMEOUT_MS)
    wait_camera(hh, "off")
    show(video, blank_frame())
    for digit in pin:
        hh.by(f"pin-key-{digit}").click()
    hh.by("pin-ok").click()
    hh.wait_screen("chooser")


def item_frame(db: Path, sku: str) -> tuple[bytes, str]:
    """The SKU's unit barcode as a GS1-128 carton label with its GTIN (01): what a wedge scanner
    with AIM identifiers on would send for it, and the frame."""
    (code,) = read_only(db, "SELECT code FROM barcodes WHERE sku = ? AND pack_qty = 1", (sku,))[0]
    gtin = code.zfill(14)
    return barcode_frame(f"(01){gtin}", gs1=True), f"]C101{gtin}"


def test_a_picker_picks_a_line_with_the_phones_camera_over_https_and_stock_moves_as_by_wedge(
    camera: tuple[Any, Path], https_demo: DemoEdge
) -> None:
    browser, video = camera
    url = f"https://{LAN_NAME}:{https_demo.port}/ui/"
    hh, traffic = open_handheld(browser, url, ignore_https_errors=True)
    hh.enrol("PHONE-1")
    log_in_by_camera(hh, video, PICKER, PIN)
    hh.start_picking()
    totes = empty_totes(https_demo.db)
    moved_before = read_only(https_demo.db, "SELECT COUNT(*) FROM movements")[0][0]

    hh.by("btn-camera").click()
    hh.page.wait_for_selector(
        "[data-testid=camera][data-state=scanning]", timeout=ANSWER_TIMEOUT_MS
    )
    decoder = hh.attr("camera", "data-decoder")
    answers = first = hh.answers()
    while hh.view()["step"] == "tote":
        answers += 1
        point_camera_at(hh, video, barcode_frame(next(totes)), answers=answers)
    line = hh.view()
    answers += 1
    point_camera_at(hh, video, barcode_frame(line["location"]), answers=answers)
    frame, sent = item_frame(https_demo.db, line["sku"])
    units = int(hh.text("remaining"))
    hh.screenshot(SCREENSHOTS / "camera-pick-item.png")
    answers += units
    point_camera_at(hh, video, frame, answers=answers)
    hh.page.wait_for_timeout(HOLD_S * 1000)  # the item's barcode stays in view
    after_hold = hh.answers()
    hh.by("btn-camera-close").click()
    screen_after = hh.view()
    tones = hh.tones()
    reads = int(hh.attr("camera", "data-reads") or 0)
    moved = read_only(
        https_demo.db,
        "SELECT sku, qty, from_bucket, to_bucket, scan_id FROM movements WHERE id > ?",
        (moved_before,),
    )
    camera_scans = answers - first

    assert decoder == "zxing"
    assert (after_hold, reads) == (answers, camera_scans), "a barcode in view was read twice"
    assert traffic.scans[-units:] == [sent] * units  # a wedge scanner with AIM ids sends this
    assert (tones.count("read"), "bad" in tones) == (1 + camera_scans, False)  # 1: the badge
    assert (screen_after["step"], screen_after.get("sku")) != ("item", line["sku"])
    assert [m[:4] for m in moved] == [(line["sku"], 1, "on_hand", "picked")] * units
    assert len({m[4] for m in moved}) == units
    assert ledger_problems(https_demo.db) == []
    assert [u for u in traffic.urls if not u.startswith(f"https://{LAN_NAME}:")] == []
    assert hh.attr("camera", "data-state") == "off"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No line per request on stderr."""


@contextmanager
def serving(directory: Path) -> Iterator[str]:
    """`directory` from a plain HTTP listener on 127.0.0.1 (a secure context), until the end."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def static_terminal() -> Iterator[str]:
    """The terminal's files alone, without an edge behind them."""
    with serving(WEB) as url:
        yield url


def test_the_camera_uses_the_browsers_barcode_detector_where_it_reads_our_formats(
    camera: tuple[Any, Path], static_terminal: str
) -> None:
    page = camera[0].new_page()

    page.goto(f"{static_terminal}selftest.html")
    page.wait_for_selector("body[data-result]", timeout=ANSWER_TIMEOUT_MS)
    results = page.eval_on_selector_all("#results li", "items => items.map(i => i.textContent)")

    assert page.evaluate("document.body.dataset.result") == "pass", page.inner_text("body")
    assert any("BarcodeDetector that reads Code 128" in r for r in results)
    page.close()


def refusal(page: Any) -> tuple[str, str]:
    """The red screen's code and text, once it shows."""
    page.wait_for_selector("[data-testid=feedback][data-tone=bad]", timeout=ANSWER_TIMEOUT_MS)
    shown = page.get_by_test_id("feedback")
    return str(shown.get_attribute("data-code")), str(shown.inner_text())


def test_over_plain_http_the_camera_says_in_both_languages_to_open_the_edge_over_https(
    camera: tuple[Any, Path], static_terminal: str
) -> None:
    page = camera[0].new_context(**HANDHELD).new_page()
    lan = static_terminal.replace("127.0.0.1", LAN_NAME)  # a LAN name: no secure context
    page.goto(lan)
    page.get_by_test_id("screen").and_(page.locator("[data-screen=enrol]")).wait_for()

    page.evaluate("window.wt.camera.open()")
    english = refusal(page)
    page.get_by_test_id("feedback").click()
    page.get_by_test_id("language-toggle").click()
    page.evaluate("window.wt.camera.open()")
    chinese = refusal(page)

    https = f"https://{lan.removeprefix('http://')}"
    assert english[0] == "camera_not_https"
    assert "HTTPS" in english[1] and "ca.crt" in english[1] and https in english[1]
    assert chinese[0] == "camera_not_https"
    assert "摄像头" in chinese[1] and https in chinese[1]
    page.context.close()


def test_a_decoder_that_does_not_load_is_said_and_the_camera_is_let_go(
    camera: tuple[Any, Path], static_terminal: str
) -> None:
    context = camera[0].new_context(**HANDHELD, service_workers="block")
    context.route("**/vendor/**", lambda route: route.abort())
    page = context.new_page()
    page.goto(static_terminal)
    page.get_by_test_id("screen").and_(page.locator("[data-screen=enrol]")).wait_for()

    page.evaluate("window.wt.camera.open()")
    code, text = refusal(page)

    assert code == "camera_decoder_failed"
    assert "did not load" in text and "Type code" in text
    # why, for whoever looks in: the browser's own words (a module that could not be fetched)
    assert "import" in str(page.get_by_test_id("camera").get_attribute("data-decoder-error"))
    assert page.get_by_test_id("camera").get_attribute("data-state") == "off"
    assert page.evaluate("window.wt.camera.isOpen()") is False
    context.close()


def test_the_service_worker_keeps_the_decoder_so_the_camera_reads_with_the_edge_gone(
    camera: tuple[Any, Path],
) -> None:
    browser, video = camera
    with serving(WEB) as url:
        page = browser.new_context(**HANDHELD).new_page()
        console: list[str] = []  # what the handheld said, for a failure to name
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.goto(url)
        # the worker has kept the decoder's three files and controls the page; polled from here,
        # as evaluate awaits a promise (wait_for_function takes a promise for a truthy answer
        # and returned at once: the edge was then sometimes gone before the worker had them)
        kept = "async () => navigator.serviceWorker.controller !== null && (await caches.has("
        kept += (
            "'wt-zxing-wasm-3.1.6') && (await (await caches.open('wt-zxing-wasm-3.1.6')).keys())"
        )
        kept += ".length === 3)"
        deadline = time.monotonic() + ANSWER_TIMEOUT_MS / 1000
        while not page.evaluate(kept):
            assert time.monotonic() < deadline, ("the worker never kept the decoder", console)
            page.wait_for_timeout(200)
        # the screen that takes the scan is up before the camera opens: a screen drawn after
        # the open would let the camera go (it waits for no scan until then)
        page.get_by_test_id("screen").and_(page.locator("[data-screen=enrol]")).wait_for()
    show(video, barcode_frame("S-0042"))  # the edge is gone: only the worker's cache answers
    page.evaluate("window.wt.camera.open()")
    # a read, or the refusal that says why not (a decoder the cache did not give, a camera
    # that did not open): the failure names what the handheld showed
    page.wait_for_selector(
        "[data-testid=camera][data-reads='1'], [data-testid=feedback][data-tone=bad]",
        state="attached",
        timeout=ANSWER_TIMEOUT_MS,
    )
    shown = page.evaluate(
        "async () => ({camera: {...document.querySelector('[data-testid=camera]')?.dataset},"
        " controller: navigator.serviceWorker.controller?.state,"
        " kept: (await caches.keys()).join(),"
        " hit: Boolean(await caches.match(new URL("
        "'vendor/zxing-wasm-3.1.6/es/reader/index.js', location.href).href))})"
    )
    assert shown["camera"].get("reads") == "1", (shown, console)
    decoder = page.get_by_test_id("camera").get_attribute("data-decoder")
    closed = page.get_by_test_id("camera").get_attribute("data-state")

    assert decoder == "zxing"
    assert page.get_by_test_id("enrol-badge").input_value() == "S-0042"  # read as a scan is
    assert closed == "off"  # the badge is in: the enrol screen waits for no more scans
    page.context.close()


def test_the_camera_bench_reads_every_floor_symbology_and_reports_its_decode_times(
    tmp_path: Path,
) -> None:
    require_browser()
    out = tmp_path / "camera.json"

    done = subprocess.run(
        [
            sys.executable,
            str(WEB.parent / "bench" / "camera_bench.py"),
            "--runs",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    reads = {r["symbology"]: r["read"] for r in report["results"]}
    assert reads == {
        "code_128": "]C0T-0042",
        "gs1_128": "]C1010690123456789210LOT42",
        "ean_13": "]E06901234567892",
        "qr_code": "]Q1RMA-2026-000123",
        "gs1_datamatrix": "]d201069012345678921727123110LOT42",
    }
    assert {"mean_ms", "p50_ms", "p95_ms"} <= report["results"][0].keys()
    assert report["all_read"] is True
