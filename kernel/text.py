"""What a text may hold: nothing invisible that makes one code look like another or a name print
what it does not say. Standard library only: the routes' field types (kernel.fields) and the CSV
imports (edge/store/importer.py) share it.

A code (SKU, location, barcode, badge) holds only printable characters. A name holds no control,
format, bidi or line-breaking character but keeps spaces (an ideographic one too) and the
zero-width joiners that Persian, Indic scripts and emoji need; a note also keeps line breaks and
tabs.
"""

from __future__ import annotations

import unicodedata

_JOINERS = frozenset("\u200c\u200d")
_BREAKS = frozenset("\t\n\r")


def _why(ch: str) -> str:
    name = unicodedata.name(ch, unicodedata.category(ch))
    return (
        f"holds U+{ord(ch):04X} ({name}), a control or invisible character; type or scan it"
        " again without it"
    )


def _first_invisible(value: str, allowed: frozenset[str]) -> str | None:
    for ch in value:
        kind = unicodedata.category(ch)
        if (kind[0] == "C" or kind in ("Zl", "Zp")) and ch not in allowed:
            return _why(ch)
    return None


def code_problem(value: str) -> str | None:
    """Why `value` cannot be a code (a character that is not printable), or None."""
    if value.isprintable():
        return None
    return next((_why(ch) for ch in value if not ch.isprintable()), None)


def name_problem(value: str) -> str | None:
    """Why `value` cannot be a name, or None."""
    return None if value.isprintable() else _first_invisible(value, _JOINERS)


def note_problem(value: str) -> str | None:
    """Why `value` cannot be a note (line breaks allowed), or None."""
    return None if value.isprintable() else _first_invisible(value, _JOINERS | _BREAKS)
