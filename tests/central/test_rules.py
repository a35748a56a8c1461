"""Central's pure rules: the warehouse choice and the message catalogue (no database)."""

from __future__ import annotations

import pytest

from central_sync.server.assign import Choice, choose_warehouse
from central_sync.server.errors import STATUS
from central_sync.server.messages import CATALOGUE, render

CHOICES = [
    # (what, need, available per (edge, sku), edges, choice)
    ("most ATS wins", {"A": 1}, {("e1", "A"): 2, ("e2", "A"): 5}, ["e1", "e2"], Choice("e2")),
    (
        "a tie goes to the lowest id",
        {"A": 1},
        {("e2", "A"): 5, ("e10", "A"): 5},
        ["e2", "e10"],
        Choice("e10"),
    ),
    (
        "every line must be covered",
        {"A": 1, "B": 2},
        {("e1", "A"): 9, ("e1", "B"): 1, ("e2", "A"): 1, ("e2", "B"): 2},
        ["e1", "e2"],
        Choice("e2"),
    ),
    (
        "the sum over the order's SKUs decides",
        {"A": 1, "B": 1},
        {("e1", "A"): 1, ("e1", "B"): 9, ("e2", "A"): 5, ("e2", "B"): 4},
        ["e1", "e2"],
        Choice("e1"),
    ),
    (
        "nobody covers it",
        {"A": 3},
        {("e1", "A"): 1, ("e2", "A"): -2},
        ["e1", "e2"],
        Choice(None, "no warehouse can cover every line; A: need 3, most available 1 (e1)"),
    ),
    (
        "none anywhere",
        {"A": 1, "B": 1},
        {("e1", "A"): 1},
        ["e1"],
        Choice(None, "no warehouse can cover every line; B: need 1, none available"),
    ),
    (
        "lines in different warehouses",
        {"A": 1, "B": 1},
        {("e1", "A"): 1, ("e2", "B"): 1},
        ["e1", "e2"],
        Choice(None, "no single warehouse has every line (orders are not split)"),
    ),
    ("no edges at all", {"A": 1}, {}, [], Choice(None, "no warehouse is registered")),
]


@pytest.mark.parametrize(
    ("need", "available", "edges", "choice"), [c[1:] for c in CHOICES], ids=[c[0] for c in CHOICES]
)
def test_the_warehouse_choice(need: dict, available: dict, edges: list, choice: Choice) -> None:
    assert choose_warehouse(need, available, edges) == choice


@pytest.mark.parametrize("code", sorted(STATUS))
def test_every_error_code_has_a_message_in_both_languages(code: str) -> None:
    texts = [render(code, lang, {}) for lang in ("en", "zh")]

    assert code in CATALOGUE
    assert all(t and "{" not in t for t in texts)
    assert texts[0] != texts[1]
