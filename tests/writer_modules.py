"""A command for the writer process that names the modules it has loaded: a module of its own,
which imports nothing itself (a test module would bring pytest and its plugins into the child)."""

from __future__ import annotations

import sys
from typing import Any


def loaded(_tx: Any) -> list[str]:
    """The modules of the process this command runs in."""
    return sorted(sys.modules)
