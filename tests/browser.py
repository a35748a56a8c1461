"""Helpers for tests that drive the handheld terminal in a real browser: the demo edge as a
subprocess, Debian's Chromium through Playwright, the demo's barcode sheet read back the way a
scanner reads it, and a handheld page worked like a picker works it (scans and taps only)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import Printing, clean_env, printing, venv_script

CHROMIUM = Path("/usr/bin/chromium")
LAN_NAME = "edge.test"  # what a handheld on the LAN uses: a name, plain HTTP, no secure context
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--autoplay-policy=no-user-gesture-required",
    f"--host-resolver-rules=MAP {LAN_NAME} 127.0.0.1",
]
HANDHELD = {"viewport": {"width": 360, "height": 640}, "has_touch": True, "is_mobile": True}
STATION_SCREEN = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}  # a bench's PC
STARTUP_TIMEOUT_S = 120  # generous: the suite runs in parallel, a start took 65 s on a loaded box
ANSWER_TIMEOUT_MS = 30_000  # generous: a loaded CI machine, never a timing assertion
SHEET_DPI = 300
MM = 72 / 25.4  # PDF points per millimetre
# The sheet's section headings, as printed; each page repeats the heading of what it continues.
SECTIONS = (
    "Operator badges",
    "Totes",
    "Bins of the demo orders",
    "Items of the demo orders",
    "Returned parcels",
    "Items of the returns",
    "Commands",
)
# Records each oscillator the page starts (type, Hz): what the speaker was actually asked to play.
RECORD_TONES = """
window.__notes = [];
const start = OscillatorNode.prototype.start;
OscillatorNode.prototype.start = function (...args) {
  window.__notes.push([this.type, this.frequency.value]);
  return start.apply(this, args);
};
"""


def require_browser() -> None:
    """Skip (locally) or fail (with CI set) when Chromium or the playwright package is missing."""
    missing = [] if CHROMIUM.exists() else [f"chromium at {CHROMIUM} (apt-get install chromium)"]
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[test]')")
    if not missing:
        return
    reason = "browser tests need " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
    pytest.skip(reason)


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def read_only(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows from the edge's SQLite file, opened read-only (the edge may still be running)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


# The demo's supervisor (badge, PIN), who vouches for each device the browser tests enrol.
DEMO_SUPERVISOR = ("S001", "4444")


# --- the demo edge ----------------------------------------------------------------------------


@dataclass
class DemoEdge:
    proc: subprocess.Popen[str]
    port: int
    data_dir: Path
    out: Printing = field(repr=False)

    def line(self, prefix: str, *, timeout: float = STARTUP_TIMEOUT_S) -> str:
        """The first line the demo printed that starts with `prefix`."""
        return self.out.line(prefix, timeout=timeout)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://{LAN_NAME}:{self.port}/ui/"

    @property
    def db(self) -> Path:
        return self.data_dir / "edge.db"

    @property
    def sheet(self) -> Path:
        return self.data_dir / "demo-barcodes.pdf"

    def supervisor_get(self, path: str, *, method: str = "GET", **body: Any) -> Any:
        """GET (or `method` with a JSON `body`) through the API as the demo supervisor S001 on a
        device enrolled for it."""
        from tests.support import log_in_on, new_device

        badge, pin = DEMO_SUPERVISOR
        vouch = {"supervisor_badge": badge, "supervisor_pin": pin}
        with httpx.Client(base_url=self.url, timeout=30) as http:
            device = new_device(http, "supervisor-desk", supervisor=vouch)
            headers = log_in_on(http, device, badge, pin)
            answer = http.request(method, path, headers=headers, json=body or None)
            answer.raise_for_status()
            return answer.json()

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as systemd or Ctrl-C would stop it; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=timeout)


@contextmanager
def running_demo(data_dir: Path, *, settings: dict[str, str] | None = None) -> Iterator[DemoEdge]:
    """`warehouse-edge demo --port 0 --data-dir DIR`, up once it printed its URL; killed after.

    `settings` are extra WAREHOUSE_EDGE_* environment variables (e.g. to switch a feature on)."""
    cmd = [venv_script("warehouse-edge"), "demo", "--port", "0", "--data-dir", data_dir]
    env = clean_env("WAREHOUSE_EDGE_") | (settings or {})
    with printing(cmd, data_dir / "demo.log", env=env) as out:
        url = out.line("Edge running at ", timeout=STARTUP_TIMEOUT_S).split()[-1]
        yield DemoEdge(out.proc, int(url.rsplit(":", 1)[1]), data_dir, out)


@dataclass(frozen=True)
class VirtualScanner:
    """The demo's virtual serial scanner, worked as its banner line says:
    `printf 'CODE\\r' > /dev/pts/N` (the edge reads the other end as a serial port)."""

    station: str
    path: Path

    def send(self, code: str, *, terminator: bytes = b"\r") -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_NOCTTY)
        try:
            os.write(fd, code.encode() + terminator)
        finally:
            os.close(fd)


BANNER_SCANNER = re.compile(r"Virtual scanner \(station (\S+)\): printf 'CODE\\r' > (\S+)")


def virtual_scanner(edge: DemoEdge, station: str = "BENCH-1") -> VirtualScanner:
    """The virtual scanner of `station` whose path the demo printed."""
    line = edge.line(f"Virtual scanner (station {station})")
    found = BANNER_SCANNER.fullmatch(line)
    assert found, f"unexpected banner line {line!r}"
    return VirtualScanner(found.group(1), Path(found.group(2)))


# --- the barcode sheet ------------------------------------------------------------------------


@dataclass(frozen=True)
class Label:
    section: str
    caption: str  # the big line above the bars: a badge, tote, bin, SKU or command name
    subcaption: str  # the small line: an item's "English / 中文" name, an operator's name
    code: str  # what the decoder read from the bars
    printed: str  # the human-readable line under the bars


@dataclass(frozen=True)
class BarcodeSheet:
    labels: tuple[Label, ...]

    def label(self, caption: str) -> Label:
        found = [lb for lb in self.labels if lb.caption == caption]
        assert len(found) == 1, f"{len(found)} readable labels captioned {caption!r} on the sheet"
        return found[0]

    def code(self, caption: str) -> str:
        return self.label(caption).code

    def section(self, title: str) -> list[Label]:
        return [lb for lb in self.labels if lb.section == title]


def read_sheet(pdf: Path, *, dpi: int = SHEET_DPI) -> BarcodeSheet:
    """Every label that a real decoder (zxing-cpp) reads off the rasterised sheet, with the
    caption printed above it: a label that does not scan is simply not on this sheet."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        return BarcodeSheet(tuple(lb for page in document for lb in _page_labels(page, dpi)))
    finally:
        document.close()


def _page_labels(page: Any, dpi: int) -> list[Label]:
    import zxingcpp

    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    found = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormat.Code128, text_mode=zxingcpp.TextMode.Plain
    )
    text, height = page.get_textpage(), page.get_size()[1]
    chars, headings = _chars(text), _headings(text)
    labels = []
    for symbol in found:
        pos, scale = symbol.position, 72 / dpi
        left, right = pos.top_left.x * scale, pos.top_right.x * scale
        top, bottom = height - pos.top_left.y * scale, height - pos.bottom_left.y * scale
        middle = (left + right) / 2
        above = [h for h in headings if h[0] > top]  # the nearest heading above the symbol
        labels.append(
            Label(
                section=min(above)[1] if above else "",
                caption=_line_at(chars, middle, top + 5 * MM, top + 12 * MM),
                subcaption=_line_at(chars, middle, top + 1 * MM, top + 5 * MM),
                code=symbol.text,
                printed=_line_at(chars, middle, bottom - 5 * MM, bottom),
            )
        )
    return labels


Char = tuple[float, float, str]  # left, right (points), the character


def _chars(text: Any) -> list[tuple[float, Char]]:
    """(vertical middle, char) of every character drawn on the page."""
    out = []
    for i in range(text.count_chars()):
        ch = text.get_text_range(i, 1)
        if ch and ch not in "\r\n":
            left, bottom, right, top = text.get_charbox(i)
            out.append(((bottom + top) / 2, (left, right, ch)))
    return out


def _line_at(chars: list[tuple[float, Char]], middle: float, low: float, high: float) -> str:
    """The words between heights `low` and `high` that sit over `middle`: cells side by side
    share their lines, so the line is cut where the gap between characters is a cell's margin."""
    line = sorted(c for y, c in chars if low <= y <= high)
    runs: list[list[Char]] = []
    for char in line:
        if runs and char[0] - runs[-1][-1][1] < 3 * MM:
            runs[-1].append(char)
        else:
            runs.append([char])
    if not runs:
        return ""
    nearest = min(runs, key=lambda run: abs((run[0][0] + run[-1][1]) / 2 - middle))
    return "".join(c[2] for c in nearest).strip()


def _headings(text: Any) -> list[tuple[float, str]]:
    """(top in points, title) of every section heading on the page."""
    found = []
    for title in SECTIONS:
        searcher = text.search(title, match_case=True, match_whole_word=True)
        while (hit := searcher.get_next()) is not None:
            found.append((text.get_charbox(hit[0])[3], title))
    return found


# --- a handheld -------------------------------------------------------------------------------


class Handheld:
    """One handheld browser page, worked only through what a picker has: a keyboard-wedge
    scanner and taps on the screen. Reads only what the screen shows."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.scans = 0

    def by(self, testid: str) -> Any:
        return self.page.get_by_test_id(testid)

    def text(self, testid: str) -> str:
        return str(self.by(testid).first.inner_text()).strip()

    def attr(self, testid: str, name: str) -> str:
        return str(self.by(testid).first.get_attribute(name) or "")

    def wait_screen(self, screen: str) -> None:
        self.page.wait_for_selector(
            f"[data-testid=screen][data-screen={screen}]", timeout=ANSWER_TIMEOUT_MS
        )

    def enrol(
        self,
        name: str | None = None,
        *,
        supervisor: tuple[str, str] = DEMO_SUPERVISOR,
        code: str = "",
        wait_for: str = "login",
    ) -> None:
        """The device's first screen: its name (None keeps the one offered), and a supervisor
        vouching with their badge and PIN (the demo's S001 by default), or a one-time `code`
        from `warehouse-edge devices enrol-code`."""
        self.wait_screen("enrol")
        if name is not None:
            self.by("device-name").fill(name)
        if code:
            self.by("enrol-code").fill(code)
        else:
            self.by("enrol-badge").fill(supervisor[0])
            self.by("enrol-pin").fill(supervisor[1])
        self.by("btn-enrol").click()
        self.wait_screen(wait_for)

    def log_in(self, badge: str, pin: str) -> None:
        """Scan the badge, then tap the PIN on the pad and OK."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        shown = self.by("badge").filter(has_text=badge)
        for _ in range(3):
            self.page.keyboard.type(badge + "\n")  # as fast as a scanner: the wedge takes it
            try:
                shown.wait_for(timeout=ANSWER_TIMEOUT_MS // 3)
                break
            except PlaywrightTimeout:
                # a starved machine can deliver the keys slower than any scanner, and the wedge
                # rightly takes them for a person's typing (ignored before a badge): scan again,
                # as a clerk whose scan did not beep does
                continue
        shown.wait_for(timeout=ANSWER_TIMEOUT_MS)
        for digit in pin:
            self.by(f"pin-key-{digit}").click()
        self.by("pin-ok").click()
        self.wait_screen("chooser")

    def start_picking(self) -> None:
        self.by("btn-pick").click()
        self.wait_screen("pick")
        self.by("step").wait_for(timeout=ANSWER_TIMEOUT_MS)

    def scan(self, code: str) -> None:
        """Type the code and Enter at scanner speed, then wait until the edge's answer is on
        screen (the page counts answers and unsent scans in body data attributes)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        answered = self.answers()
        for _ in range(3):
            self.page.keyboard.type(code + "\n")
            try:  # taken as a scan: answered, or in the outbox waiting for its answer
                self.page.wait_for_function(
                    "n => Number(document.body.dataset.answers || 0) >= n"
                    " || Number(document.body.dataset.pending || 0) > 0",
                    arg=answered + 1,
                    timeout=ANSWER_TIMEOUT_MS // 3,
                )
                break
            except PlaywrightTimeout:
                # a starved machine delivered the keys slower than any scanner and the wedge took
                # them for a person's typing (ignored on a work screen, typed into a focused
                # field): clear the field and scan again, as a clerk whose scan did not beep does
                # (a scan the page swallows every time still fails below)
                typed_into = self.page.locator("input:focus")
                if typed_into.count():
                    typed_into.fill("")
                continue
        self.scans += 1
        self.wait_answers(answered + 1)

    def answers(self) -> int:
        return int(self.page.evaluate("Number(document.body.dataset.answers || 0)"))

    def wait_answers(self, n: int) -> None:
        self.page.wait_for_function(
            "n => Number(document.body.dataset.answers || 0) >= n"
            " && document.body.dataset.pending === '0'",
            arg=n,
            timeout=ANSWER_TIMEOUT_MS,
        )

    def view(self) -> dict[str, str]:
        """What the pick screen asks for now, as the screen shows it."""
        step = self.attr("step", "data-step")
        shown = {"step": step}
        if step in ("location", "item"):
            for name in ("location", "sku", "item-name", "tote"):
                shown[name] = self.text(name)
            shown["slot"] = self.attr("slot", "data-slot")
        if step == "item":
            shown["remaining"] = self.text("remaining")
        if step == "tote":
            shown["slot"] = self.attr("slot", "data-slot")
        return shown

    def tote_rows(self) -> list[dict[str, str]]:
        rows = self.by("tote-row")
        keys = ("data-slot", "data-order", "data-tote")
        return [
            {k[5:]: rows.nth(i).get_attribute(k) or "" for k in keys} for i in range(rows.count())
        ]

    def feedback(self) -> dict[str, Any]:
        overlay = self.by("feedback")
        return {
            "tone": overlay.get_attribute("data-tone"),
            "visible": overlay.is_visible(),
            "detail": self.text("feedback-detail"),
        }

    def tones(self) -> list[str]:
        return list(self.page.evaluate("window.wt.played.slice()"))

    def notes(self) -> list[tuple[str, float]]:
        return [tuple(n) for n in self.page.evaluate("(window.__notes || []).slice()")]

    def short(self) -> None:
        """Tap Short, then Yes on the question; wait for the edge's answer."""
        answered = self.answers()
        self.by("btn-short").click()
        self.by("confirm-yes").click()
        self.wait_answers(answered + 1)

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))
        return path


class StationScreen(Handheld):
    """A station's screen (`/ui/?station=NAME`) on the bench's PC: its fixed scanner talks to the
    edge, and the answers come to the screen over Server-Sent Events."""

    def open(
        self, edge: DemoEdge | str, station: str, *, supervisor: tuple[str, str] = DEMO_SUPERVISOR
    ) -> None:
        """Open the station's screen (on a demo, or at a terminal URL) and enrol it, a
        supervisor vouching; it then shows the login."""
        url = edge.ui_url if isinstance(edge, DemoEdge) else edge
        self.page.goto(f"{url}?station={station}")
        self.enrol(supervisor=supervisor)

    def scanner(self) -> dict[str, str]:
        """The scanner as the strip under the header shows it."""
        strip = self.by("station")
        shown = {
            "station": self.text("station-name"),
            "alert": strip.get_attribute("data-alert"),
            "state": self.attr("scanner-status", "data-state"),
            "text": self.text("scanner-status"),
        }
        return {k: v or "" for k, v in shown.items()}

    def wait_scanner(self, state: str) -> None:
        self.page.wait_for_selector(
            f"[data-testid=scanner-status][data-state={state}]", timeout=ANSWER_TIMEOUT_MS
        )

    def scan_with(self, scanner: VirtualScanner, code: str) -> None:
        """Scan with the station's fixed scanner; wait until its answer is on the screen."""
        answered = self.answers()
        scanner.send(code)
        self.scans += 1
        self.wait_answers(answered + 1)

    def refusal(self) -> dict[str, Any]:
        """The red screen: its tone, whether it shows, the edge's code and text."""
        overlay = self.by("feedback")
        return {
            "tone": overlay.get_attribute("data-tone"),
            "visible": overlay.is_visible(),
            "code": overlay.get_attribute("data-code"),
            "detail": self.text("feedback-detail"),
        }
