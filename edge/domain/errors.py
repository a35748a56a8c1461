"""One error type for the whole edge: a stable machine `code` plus the values that explain it.

The human text lives in `edge.domain.messages`; only `edge.api.errors` turns an error into HTTP,
and the CLI prints `message(lang)` and exits non-zero.
"""

from __future__ import annotations

from edge.domain.messages import CATALOGUE, render
from kernel.problems import Refusal


class EdgeError(Refusal):
    """A refusal with a stable `code` from the message catalogue and the values it names."""

    catalogue = CATALOGUE
    render = staticmethod(render)
