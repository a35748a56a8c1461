"""What every floor workflow's state machine shares: finding the transition for a scan, and the
refusal of a scan the step does not expect (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from edge.domain.classify import Classified
from edge.domain.errors import EdgeError

H = TypeVar("H", bound=Callable[..., Any])
S = TypeVar("S", bound=str)  # a workflow's step names (a Literal), the rows of its table


def transition_kind(scan: Classified) -> str:
    """The column of a transition table a scan falls in: its kind, or `command:NAME`."""
    return f"command:{scan.key}" if scan.kind == "command" else scan.kind


def transition(
    table: Mapping[tuple[S, str], H],
    step: S,
    scan: Classified,
    *,
    prompt: str,
    params: Mapping[str, object] | None = None,
    kind: str | None = None,
) -> H:
    """The handler for (step, scan), or `unexpected_scan` naming what the step asks for
    (`params` fill that prompt, e.g. the location to go to); `kind` overrides the scan's column
    where a workflow reads scans its own way."""
    handler = table.get((step, kind or transition_kind(scan)))
    if handler is None:
        raise EdgeError(
            "unexpected_scan",
            kind=scan.kind,
            code=scan.scan.code,
            expected_prompt=prompt,
            **(params or {}),
        )
    return handler
