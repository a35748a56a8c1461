"""Fonts for labels: Helvetica for Latin text, an embedded TrueType CJK font for Chinese.

reportlab's built-in CID fonts (STSong-Light) are not embedded, so a printer or viewer without
that font shows boxes; a TrueType font is embedded as a subset. reportlab's TTF loader reads
TrueType outlines only (glyf table): CFF-outline OpenType fonts such as Noto Sans CJK are
refused, so the search list holds TrueType fonts and collections only.
"""

from __future__ import annotations

import logging
import mmap
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger(__name__)

LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"
CJK = "LabelCJK"


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int = 0  # the font's number inside a TrueType collection (.ttc)


# First found wins. The Debian package that provides each is named for the error message.
CJK_FONT_CANDIDATES: tuple[FontFile, ...] = (
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")),  # fonts-wqy-zenhei
    FontFile(
        Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
    ),  # fonts-droid-fallback
    FontFile(Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")),  # fonts-wqy-microhei
    FontFile(Path("/usr/share/fonts/truetype/arphic/uming.ttc")),  # fonts-arphic-uming
    FontFile(Path("/usr/share/fonts/truetype/arphic/ukai.ttc")),  # fonts-arphic-ukai
)
CJK_PACKAGES = "fonts-wqy-zenhei or fonts-droid-fallback"

# WinAnsi (cp1252) is what the standard Helvetica can show; anything else needs the CJK font.
_LATIN_ENCODING = "cp1252"


@cache
def cjk_font() -> str | None:
    """Register the CJK font once and return its reportlab name; None (logged) if none found."""
    for candidate in CJK_FONT_CANDIDATES:
        font = _load(candidate)
        if font is not None:
            pdfmetrics.registerFont(font)
            log.info("CJK label font: %s", candidate.path)
            return CJK
    log.warning(
        "no TrueType CJK font found (looked for %s); Chinese text on labels is left out. "
        "Install %s.",
        ", ".join(str(c.path) for c in CJK_FONT_CANDIDATES),
        CJK_PACKAGES,
    )
    return None


def needs_cjk(text: str) -> bool:
    """True if Helvetica cannot show `text` (a character outside WinAnsi)."""
    try:
        text.encode(_LATIN_ENCODING)
    except UnicodeEncodeError:
        return True
    return False


def font_for(text: str, *, bold: bool = False) -> tuple[str, str]:
    """The font to draw `text` in, and the text to draw (CJK dropped when no CJK font exists)."""
    if not needs_cjk(text):
        return (LATIN_BOLD if bold else LATIN), text
    name = cjk_font()
    if name is not None:
        return name, text
    return (LATIN_BOLD if bold else LATIN), latin_only(text)


def latin_only(text: str) -> str:
    """`text` without the characters Helvetica cannot show, spaces tidied."""
    kept = text.encode(_LATIN_ENCODING, errors="ignore").decode(_LATIN_ENCODING)
    return re.sub(r"\s+", " ", kept).strip()


def fit_text(
    text: str, font: str, *, size: float, width: float, smallest: float = 6
) -> tuple[float, str]:
    """The largest size ≤ `size` (points, ≥ `smallest`) at which `text` fits `width` points;
    at `smallest`, the text is cut short with an ellipsis until it fits."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    size = max(size, smallest)
    shortened = text
    while shortened and pdfmetrics.stringWidth(shortened, font, size) > width:
        shortened = shortened[:-2] + "\u2026"
    return size, shortened


def _load(candidate: FontFile) -> TTFont | None:
    if not candidate.path.is_file():
        return None
    try:
        font = TTFont(CJK, _MappedFile(candidate.path), subfontIndex=candidate.index)
    except (TTFError, OSError) as err:
        log.warning("font %s cannot be used: %s", candidate.path, err)
        return None
    _keep_tables(font.face)
    return font


class _MappedFile:
    """A font file for reportlab's parser, which keeps whatever `read` returns and takes bytes
    from it by index and slice: a read-only memory map of the file, which it reads the same way
    (a slice of a map is bytes), rather than the whole file read into bytes. Only the pages the
    parser touches (the character map, metrics, glyph offsets) and, later, those of the glyphs a
    document embeds are resident: wqy-zenhei.ttc read whole held 16.8 MB of the server's memory
    for as long as it ran (34.2 -> 18.7 MB for the loaded font)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)  # reportlab's name for the font file, as when given the path

    def read(self) -> mmap.mmap:
        with self.path.open("rb") as f:  # the map stays valid once the file is closed
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


def _keep_tables(face: Any) -> None:
    """Each table read out of the font file once. reportlab copies the tables it needs out of
    the file's bytes every time a document embeds its subset of the font: for a CJK font the
    glyph table alone is about 10 MB, copied for every label printed (a third of a waybill's
    rendering time, in the print thread that shares the GIL with the event loop). The tables
    are bytes, which nobody changes: the same ones serve every document. The glyph table is not
    copied at all: subsetting takes each glyph it embeds out of it by a slice, which `_Slices`
    answers from the mapped file. Its copy was 10 MB of the server's memory for good (the first
    three Chinese waybills of a process: +10.4 -> +2.1 MB) and, from the map, made every page of
    the table resident (11 MB more on the floor bench, whose waybills have Chinese headings)."""
    tables = cache(face.get_table)

    def get_table(tag: str) -> Any:
        if tag == "glyf":
            return _Slices(face._ttf_data, *face.get_table_pos(tag))
        return tables(tag)

    face.get_table = get_table


class _Slices:
    """A table inside the font file's data that gives its parts by slice, as bytes (as the
    table's own bytes would), without a copy of the whole table."""

    __slots__ = ("_data", "_start", "_length")

    def __init__(self, data: Any, start: int, length: int) -> None:
        self._data, self._start, self._length = data, start, length

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, key: slice) -> bytes:
        start, stop, step = key.indices(self._length)
        if step != 1:
            raise ValueError("a font table is read in runs of bytes")
        return bytes(self._data[self._start + start : self._start + max(start, stop)])
