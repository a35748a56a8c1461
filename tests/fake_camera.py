"""A fake camera for Chromium: barcodes rendered by zxing-cpp's writer into a Y4M video that
Chromium plays as its camera (`--use-file-for-fake-video-capture`). Y4M is a text header and raw
I420 frames; Chromium loops the file, so a frame written over the file in place is what the
camera shows next (every frame has the same size)."""

from __future__ import annotations

from pathlib import Path

WIDTH, HEIGHT = 640, 480  # a phone camera's landscape frame
FRAMES = 4
HEADER = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()


def camera_args(video: Path) -> list[str]:
    """Chromium flags: a camera that plays `video`, allowed without asking."""
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]


def barcode_frame(text: str, *, symbology: str = "Code128", gs1: bool = False) -> bytes:
    """One grey frame (the Y plane) with the barcode in the middle, white around it; a GS1
    symbol's `text` is in brackets, e.g. "(01)06901234567892"."""
    import zxingcpp
    from PIL import Image

    options = {"gs1": True} if gs1 else {}
    symbol = zxingcpp.create_barcode(text, getattr(zxingcpp.BarcodeFormat, symbology), **options)
    pixels = memoryview(symbol.to_image(scale=1))
    rows, cols = pixels.shape
    image = Image.frombytes("L", (cols, rows), bytes(pixels))
    scale = max(1, min((WIDTH * 3 // 4) // cols, (HEIGHT * 3 // 4) // rows))
    image = image.resize((cols * scale, rows * scale), Image.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(image, ((WIDTH - image.width) // 2, (HEIGHT - image.height) // 2))
    return frame.tobytes()


def blank_frame() -> bytes:
    return bytes([235]) * (WIDTH * HEIGHT)


def show(video: Path, luma: bytes) -> None:
    """Put `luma` on the camera: the whole file on the first call, then written over in place so
    that Chromium, which keeps the file open and loops it, reads the new picture next."""
    chroma = bytes([128]) * (WIDTH * HEIGHT // 2)  # U and V planes: no colour
    data = HEADER + (b"FRAME\n" + luma + chroma) * FRAMES
    with open(video, "r+b" if video.exists() else "wb") as out:
        out.write(data)
