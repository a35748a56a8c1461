"""Camera benchmark: how long the vendored decoder (zxing-wasm, web_terminal/vendor/) takes to read
one camera frame in Debian's Chromium, per symbology, as the terminal's camera calls it (a
640×480 frame as ImageData, its reader options). The terminal decodes every 120 ms; a frame must
take well under that. Prints JSON (see bench/README.md). Needs the test extras (playwright,
zxing-cpp renders the frames) and /usr/bin/chromium.

    .venv/bin/python bench/camera_bench.py [--runs 30] [--out FILE]
"""

from __future__ import annotations

import argparse
import base64
import functools
import json
import statistics
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from bench.common import machine  # noqa: E402

WEB = Path(__file__).resolve().parents[1] / "web_terminal"
ZXING = "vendor/zxing-wasm-3.1.6/"
WIDTH, HEIGHT = 640, 480
# (symbology, zxing-cpp writer format, content, GS1): what the floor's labels carry.
SYMBOLS = [
    ("code_128", "Code128", "T-0042", False),
    ("gs1_128", "Code128", "(01)06901234567892(10)LOT42", True),
    ("ean_13", "EAN13", "6901234567892", False),
    ("qr_code", "QRCode", "RMA-2026-000123", False),
    ("gs1_datamatrix", "DataMatrix", "(01)06901234567892(17)271231(10)LOT42", True),
]
DECODE = """async ({ base, frames, runs }) => {
  const zxing = await import(base + "es/reader/index.js");
  const t0 = performance.now();
  await zxing.prepareZXingModule({
    overrides: { locateFile: (p) => base + "reader/" + p }, fireImmediately: true });
  const load = performance.now() - t0;
  const options = { formats: ["Code128", "EAN13", "EAN8", "UPCA", "UPCE", "Code39", "ITF",
    "QRCode", "DataMatrix"], textMode: "Plain", tryHarder: true, maxNumberOfSymbols: 1 };
  const out = [];
  for (const { name, luma, w, h } of frames) {
    const grey = Uint8Array.from(atob(luma), (c) => c.charCodeAt(0));
    const rgba = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < grey.length; i++) rgba.fill(grey[i], 4 * i, 4 * i + 3), (rgba[4 * i + 3] = 255);
    const image = new ImageData(rgba, w, h);
    const times = [];
    let text = null;
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      const found = await zxing.readBarcodes(image, options);
      times.push(performance.now() - s);
      text = found[0] ? found[0].symbologyIdentifier + found[0].text : null;
    }
    out.push({ name, times, text });
  }
  return { load, out };
}"""


def frame(writer_format: str, content: str, gs1: bool) -> bytes:
    """A 640×480 grey frame with the symbol in the middle (as tests/fake_camera.py makes them)."""
    import zxingcpp
    from PIL import Image

    options = {"gs1": True} if gs1 else {}
    fmt = getattr(zxingcpp.BarcodeFormat, writer_format)
    symbol: Any = zxingcpp.create_barcode(content, fmt, **options).to_image(scale=1)
    pixels = memoryview(symbol)  # zxing-cpp's Image is a buffer (rows × cols, one byte a pixel)
    rows, cols = pixels.shape or (0, 0)
    image = Image.frombytes("L", (cols, rows), bytes(pixels))
    scale = max(1, min((WIDTH * 3 // 4) // cols, (HEIGHT * 3 // 4) // rows))
    image = image.resize((cols * scale, rows * scale), Image.Resampling.NEAREST)
    canvas = Image.new("L", (WIDTH, HEIGHT), 255)
    canvas.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
    return canvas.tobytes()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No line per request on stderr."""


@contextmanager
def serving(directory: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)


def run(runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    frames = [
        {
            "name": name,
            "luma": base64.b64encode(frame(fmt, text, gs1)).decode(),
            "w": WIDTH,
            "h": HEIGHT,
        }
        for name, fmt, text, gs1 in SYMBOLS
    ]
    with serving(WEB) as url, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        page = chromium.new_page()
        page.goto(f"{url}sw.js")  # any page of that origin
        got = page.evaluate(DECODE, {"base": f"{url}{ZXING}", "frames": frames, "runs": runs})
        chromium.close()
    results = [
        {
            "symbology": r["name"],
            "read": r["text"],
            "mean_ms": round(statistics.fmean(r["times"]), 2),
            "p50_ms": ms(r["times"], 0.5),
            "p95_ms": ms(r["times"], 0.95),
        }
        for r in got["out"]
    ]
    return {
        **machine(),
        "decoder": "zxing-wasm 3.1.6",
        "frame": f"{WIDTH}x{HEIGHT}",
        "runs": runs,
        "wasm_load_ms": round(got["load"], 1),
        "results": results,
        "all_read": all(r["read"] for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="decodes per symbology (default 30)")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    report = json.dumps(run(args.runs), indent=2)
    print(report)
    if args.out:
        args.out.write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
