"""What a text may hold: nothing invisible that makes one code look like another or a name print
what it does not say. Standard library only: the routes' field types (kernel.fields), the CSV
imports (edge/store/importer.py) and central's channel orders (central_sync/server/order_text.py)
share it.

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
    return (
        f"holds {char_name(ch)}, a control or invisible character; type or scan it again without it"
    )


def offending(value: str, kind: str) -> str | None:
    """The first character `value` may not hold as a `kind` ("code", "name" or "note"), or None."""
    if value.isprintable():
        return None
    if kind == "code":
        return next((ch for ch in value if not ch.isprintable()), None)
    allowed = _JOINERS | (_BREAKS if kind == "note" else frozenset())
    return next((ch for ch in value if _invisible(ch) and ch not in allowed), None)


def char_name(ch: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`: a character as a refusal names it."""
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, unicodedata.category(ch))})"


def clean_note(value: str, limit: int) -> str:
    """`value` as a note may hold it: control and invisible characters left out (line breaks,
    tabs and joiners kept), cut to `limit` characters with an ellipsis."""
    if not value.isprintable():
        value = "".join(ch for ch in value if not _invisible(ch) or ch in _JOINERS | _BREAKS)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _invisible(ch: str) -> bool:
    kind = unicodedata.category(ch)
    return kind[0] == "C" or kind in ("Zl", "Zp")


def _problem(value: str, kind: str) -> str | None:
    ch = offending(value, kind)
    return None if ch is None else _why(ch)


def code_problem(value: str) -> str | None:
    """Why `value` cannot be a code (a character that is not printable), or None."""
    return _problem(value, "code")


def name_problem(value: str) -> str | None:
    """Why `value` cannot be a name, or None."""
    return _problem(value, "name")


def note_problem(value: str) -> str | None:
    """Why `value` cannot be a note (line breaks allowed), or None."""
    return _problem(value, "note")
