"""One error type for the whole edge: a stable machine `code` plus the values that explain it.

The human text lives in `edge.domain.messages`; only `edge.api.errors` turns an error into HTTP,
and the CLI prints `message(lang)` and exits non-zero.
"""

from __future__ import annotations

from typing import Any

from edge.domain.messages import CATALOGUE, render


class EdgeError(Exception):
    """A refusal with a stable `code` from the message catalogue and the values it names."""

    def __init__(self, code: str, /, **params: Any) -> None:
        if code not in CATALOGUE:
            raise KeyError(f"error code {code!r} is not in the message catalogue")
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        """The operator-facing text in `lang` ('en' or 'zh'), values filled in."""
        return render(self.code, lang, self.params)

    def __repr__(self) -> str:
        return f"EdgeError({self.code!r}, {self.params!r})"
